"""Instrument inputs: mouse and joystick (pygame), MIDI in, OSC in, gesture record and replay.

Every input is one float in an :class:`InputBank`, in a documented range:

=========================  ================================================
mouse ``axis: x`` / ``y``  0..1 across the window's pad (y grows upwards)
mouse ``button``           0 or 1
joystick ``axis: N``       −1..1, with a dead zone (default 0.05) rescaled
joystick ``hat``           −1, 0 or 1 on its ``axis: x`` or ``y``
joystick ``button``        0 or 1
MIDI ``cc`` / ``velocity`` 0..1 (value / 127)
MIDI ``pitch``             0..1 (note number / 127); ``gate`` 0 or 1
MIDI ``bend``              −1..1
OSC                        as sent, or 0..1 across its ``range``
=========================  ================================================

Sources write into the bank from their own threads or from the event poll; the loop reads the
bank once per control tick. A gesture file (CSV: ``tick,seconds,<input>...``, one row whenever
an input changed) records a performance and replays it tick for tick. Live input wins: once a
live source (mouse, joystick, MIDI, OSC) has set an input, a replay no longer writes it.

Examples
--------
>>> bank = InputBank(["x", "y"], [0.5, 0.0])
>>> bank.set("y", 0.25); bank.values.tolist(), bank.live.tolist()
([0.5, 0.25], [False, True])
>>> dead_zone(0.03, 0.05), round(dead_zone(0.525, 0.05), 3)
(0.0, 0.5)
"""

from __future__ import annotations

import csv
import io
import math
import os
import threading
from pathlib import Path

import numpy as np

from neuromix.graph.graph import PatchError
from neuromix.io import midi as midi_io
from neuromix.io.atomic import finish, temporary_beside
from neuromix.instrument.file import InputSpec, InstrumentSpec
from neuromix.io.osc import Listener, Reporter

MOUSE_BUTTONS = {1: "left", 2: "middle", 3: "right"}


class InputBank:
    """The current value of every input, by name and by index (the network's input order).

    ``set`` is how live sources write; it marks the input ``live``, and a replay leaves live
    inputs alone (``lock`` keeps a replay's write from landing after a live one).
    """

    def __init__(self, names: list[str], initial: list[float]):
        self.names = list(names)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.values = np.array(initial, dtype=np.float64)
        self.live = np.zeros(len(self.names), dtype=bool)
        self.lock = threading.Lock()
        self.changed = threading.Event()  # set by any write; lets a benchmark or a UI wake up

    def set(self, name: str, value: float) -> None:
        i = self.index[name]
        with self.lock:
            self.values[i] = value
            self.live[i] = True
        self.changed.set()


def dead_zone(value: float, zone: float) -> float:
    """A joystick axis with its centre dead zone removed and the rest rescaled to −1..1."""
    mag = abs(value)
    if mag <= zone:
        return 0.0
    return min((mag - zone) / (1.0 - zone), 1.0) * (1.0 if value > 0 else -1.0)


# -- gestures --------------------------------------------------------------------------------
class GestureRecorder:
    """Writes every change of any input, with its tick and time, to a CSV (atomically at close)."""

    def __init__(self, path, names: list[str], rate: int):
        self.path, self.names, self.rate = Path(path), list(names), rate
        self.tmp = temporary_beside(self.path)
        self.fh = open(self.tmp, "w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.fh, lineterminator="\n")
        self.writer.writerow(["tick", "seconds", *self.names])
        self.last: np.ndarray | None = None

    def record(self, tick: int, values: np.ndarray) -> None:
        if self.last is None or not np.array_equal(values, self.last):
            self.writer.writerow([tick, repr(tick / self.rate), *(repr(float(v)) for v in values)])
            self.last = values.copy()

    def close(self) -> None:
        finish(self.fh, self.tmp, self.path)


class Replay:
    """Plays a gesture file back: at each tick, the recorded values of the inputs it names.

    Rows are placed at ``round(seconds × rate)``, so a gesture recorded at one control rate
    replays at another. Columns that name no input of the instrument are ignored, and so are
    inputs that a live source has taken over (``live``).
    """

    def __init__(self, path, names: list[str], rate: int):
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PatchError("no such gesture file", file=str(path)) from None
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or "seconds" not in rows[0]:
            raise PatchError("a gesture file is a CSV whose header has 'seconds' and input names",
                             file=str(path), line=1)
        header = rows[0]
        cols = [(j, names.index(h)) for j, h in enumerate(header) if h in names]
        if not cols:
            raise PatchError(f"the gesture names none of this instrument's inputs "
                             f"({', '.join(names)})", file=str(path), line=1)
        sec = header.index("seconds")
        self.events: list[tuple[int, list[tuple[int, float]]]] = []
        for line, row in enumerate(rows[1:], start=2):
            try:
                tick = int(round(float(row[sec]) * rate))
                self.events.append((tick, [(i, float(row[j])) for j, i in cols]))
            except (ValueError, IndexError):
                raise PatchError(f"bad row {row!r} (expected numbers in every column)",
                                 file=str(path), line=line) from None
        self.events.sort(key=lambda e: e[0])
        self.pos = 0

    @property
    def end_tick(self) -> int:
        return self.events[-1][0] if self.events else 0

    def apply(self, tick: int, values: np.ndarray, live: np.ndarray | None = None) -> None:
        """Write the rows due by ``tick`` into ``values``, except where ``live`` is true."""
        while self.pos < len(self.events) and self.events[self.pos][0] <= tick:
            for i, v in self.events[self.pos][1]:
                if live is None or not live[i]:
                    values[i] = v
            self.pos += 1


def gesture(spec: InstrumentSpec, seconds: float | None = None) -> np.ndarray:
    """An instrument's input values tick by tick as its ``replay`` plays them: one row per
    control tick, one column per input, for ``seconds`` (default: the gesture's length plus one
    second). Without a replay the inputs stay at their initial values."""
    names = [s.name for s in spec.inputs]
    bank = InputBank(names, [s.initial for s in spec.inputs])
    replay = Replay(spec.replay, names, spec.rate) if spec.replay else None
    ticks = int(round(seconds * spec.rate)) if seconds is not None else (
        (replay.end_tick if replay else 0) + spec.rate)
    values = np.empty((ticks, len(names)))
    for tick in range(ticks):
        if replay is not None:
            replay.apply(tick, bank.values)
        values[tick] = bank.values
    return values


# -- pygame: mouse and joystick --------------------------------------------------------------
def import_pygame(headless: bool = False):
    """pygame, quietly, with joysticks read while another window has focus; ``headless`` gives
    an event queue without a window (SDL's dummy video driver) unless a driver is chosen."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    os.environ.setdefault("SDL_JOYSTICK_ALLOW_BACKGROUND_EVENTS", "1")
    if headless:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    return pygame


class PygameInputs:
    """Mouse (inside the window's pad) and joysticks, from the pygame event queue.

    Joysticks come and go (hot-plug): a new one is opened when SDL reports it, and the inputs
    bound to one that disappears return to their start values. ``pad`` is a function giving
    the pad's rectangle (x, y, w, h) in window pixels.
    """

    def __init__(self, specs: list[InputSpec], bank: InputBank, pad=None, on_event=None):
        pygame = import_pygame(headless=pad is None)
        self.on_event = on_event  # sees every event first; True means it was used
        pygame.display.init()
        self.headless = pad is None
        self.pg, self.bank, self.pad = pygame, bank, pad
        self.mouse = [s for s in specs if s.source == "mouse"]
        self.sticks = [s for s in specs if s.source == "joystick"]
        self.devices: dict[int, tuple[int, str, object]] = {}  # instance id -> (index, name, joy)
        self.quit = False
        self.handlers = {pygame.MOUSEMOTION: self._motion,
                         pygame.MOUSEBUTTONDOWN: self._button, pygame.MOUSEBUTTONUP: self._button,
                         pygame.JOYAXISMOTION: self._axis, pygame.JOYHATMOTION: self._hat,
                         pygame.JOYBUTTONDOWN: self._jbutton, pygame.JOYBUTTONUP: self._jbutton,
                         pygame.JOYDEVICEADDED: self._added, pygame.JOYDEVICEREMOVED: self._removed,
                         pygame.QUIT: self._quit}
        if self.sticks:
            pygame.joystick.init()

    def poll(self) -> None:
        for event in self.pg.event.get():
            if self.on_event is not None and self.on_event(event):
                continue
            handler = self.handlers.get(event.type)
            if handler is not None:
                handler(event)

    def close(self) -> None:
        if self.sticks:
            self.pg.joystick.quit()
        if self.headless:
            self.pg.display.quit()

    def _quit(self, event) -> None:
        self.quit = True

    def _motion(self, event) -> None:
        if self.pad is None:
            return
        x0, y0, w, h = self.pad()
        px, py = event.pos
        if not (x0 <= px < x0 + w and y0 <= py < y0 + h):
            return
        for spec in self.mouse:
            if spec.options.get("axis") == "x":
                self.bank.set(spec.name, min(max((px - x0) / (w - 1), 0.0), 1.0))
            elif spec.options.get("axis") == "y":
                self.bank.set(spec.name, min(max(1.0 - (py - y0) / (h - 1), 0.0), 1.0))

    def _button(self, event) -> None:
        which = MOUSE_BUTTONS.get(event.button)
        for spec in self.mouse:
            if spec.options.get("button") == which:
                self.bank.set(spec.name, 1.0 if event.type == self.pg.MOUSEBUTTONDOWN else 0.0)

    def _matches(self, spec: InputSpec, event) -> bool:
        want = spec.options.get("device")
        if want is None:
            return True
        iid = getattr(event, "instance_id", getattr(event, "joy", None))
        index, name, _ = self.devices.get(iid, (iid, "", None))
        return index == want if isinstance(want, int) else want.lower() in name.lower()

    def _axis(self, event) -> None:
        for spec in self.sticks:
            if spec.options.get("axis") == event.axis and "hat" not in spec.options \
                    and self._matches(spec, event):
                self.bank.set(spec.name, dead_zone(float(event.value), spec.options["dead_zone"]))

    def _hat(self, event) -> None:
        for spec in self.sticks:
            if spec.options.get("hat") == event.hat and self._matches(spec, event):
                self.bank.set(spec.name, float(event.value[0 if spec.options["axis"] == "x" else 1]))

    def _jbutton(self, event) -> None:
        for spec in self.sticks:
            if spec.options.get("button") == event.button and self._matches(spec, event):
                self.bank.set(spec.name, 1.0 if event.type == self.pg.JOYBUTTONDOWN else 0.0)

    def _added(self, event) -> None:
        try:
            joy = self.pg.joystick.Joystick(event.device_index)
        except self.pg.error:
            return  # gone again before we could open it
        self.devices[joy.get_instance_id()] = (event.device_index, joy.get_name(), joy)

    def _removed(self, event) -> None:
        known = self.devices.get(event.instance_id)
        for spec in self.sticks:
            if self._matches(spec, event):
                self.bank.set(spec.name, spec.initial)
        if known is not None:
            del self.devices[event.instance_id]


# -- MIDI in ---------------------------------------------------------------------------------
class MidiInputs:
    """MIDI CC, note pitch / velocity / gate and pitch bend from an input port."""

    def __init__(self, specs: list[InputSpec], bank: InputBank, say=print):
        self.specs = [s for s in specs if s.source == "midi"]
        self.bank = bank
        self.held: list[int] = []
        port = next((s.options["port"] for s in self.specs if s.options.get("port")), None)
        self.port, reason = midi_io.open_input(port, self.handle)
        if self.port is None:
            say(f"{reason}; MIDI inputs keep their start values")

    def handle(self, msg) -> None:
        for spec in self.specs:
            opts = spec.options
            if opts["channel"] and getattr(msg, "channel", -1) != opts["channel"] - 1:
                continue
            event = opts["event"]
            if event == "cc" and msg.type == "control_change" and msg.control == opts["number"]:
                self.bank.set(spec.name, msg.value / 127.0)
            elif event == "bend" and msg.type == "pitchwheel":
                self.bank.set(spec.name, max(msg.pitch / 8191.0, -1.0))
            elif event in ("pitch", "velocity", "gate") and msg.type in ("note_on", "note_off"):
                self._note(spec, msg)

    def _note(self, spec, msg) -> None:
        on = msg.type == "note_on" and msg.velocity > 0
        if on:
            self.held = [n for n in self.held if n != msg.note] + [msg.note]
        elif msg.note in self.held:
            self.held.remove(msg.note)
        event = spec.options["event"]
        if event == "gate":
            self.bank.set(spec.name, 1.0 if self.held else 0.0)
        elif on and event == "pitch":
            self.bank.set(spec.name, msg.note / 127.0)
        elif on and event == "velocity":
            self.bank.set(spec.name, msg.velocity / 127.0)

    def close(self) -> None:
        if self.port is not None:
            self.port.close()


# -- OSC in ----------------------------------------------------------------------------------
class OscInputs:
    """OSC values to named inputs: one UDP listener per port, ``address`` + argument ``index``.

    Each port's listener handles its packets one at a time, in the order they arrive (a thread
    per packet could apply Wekinator's ``outputs`` after the ``startRecording`` sent after it).
    Datagrams are parsed strictly (:mod:`neuromix.io.osc`): a malformed one is ignored and said
    at most once a second. It listens on ``host`` (127.0.0.1, this machine only, unless the
    instrument is started with ``--osc-host``).

    ``extra`` adds handlers on a port ({port: {address: handler}}), for control messages.
    """

    def __init__(self, specs: list[InputSpec], bank: InputBank, say=print,
                 extra: dict[int, dict] | None = None, host: str = "127.0.0.1"):
        self.bank = bank
        self.servers = []
        self.report = Reporter(say, "OSC in")
        by_port: dict[int, list[InputSpec]] = {port: [] for port in extra or {}}
        for spec in specs:
            if spec.source == "osc":
                by_port.setdefault(spec.options["port"], []).append(spec)
        for port, group in by_port.items():
            handlers: dict = {}
            for address in {s.options["address"] for s in group}:
                targets = [s for s in group if s.options["address"] == address]
                handlers[address] = self._handler(targets)
            handlers.update((extra or {}).get(port, {}))
            try:
                server = Listener(host, port, self._dispatch(handlers), name=f"osc-in-{port}")
            except OSError as err:
                say(f"cannot listen for OSC on {host}:{port} ({err.strerror}); its inputs keep "
                    f"their start values")
                continue
            self.servers.append(server)

    def _dispatch(self, handlers: dict):
        def handle(data: bytes, sender) -> None:
            for address, args in self.report.messages(data):
                handler = handlers.get(address)
                if handler is not None:
                    handler(address, *args)
        return handle

    def _handler(self, targets: list[InputSpec]):
        def handle(address, *args):
            for spec in targets:
                i = spec.options["index"]
                if i < len(args) and isinstance(args[i], (int, float)) \
                        and not isinstance(args[i], bool) and math.isfinite(args[i]):
                    value = float(args[i])
                    rng = spec.options["range"]
                    if rng is not None:
                        value = min(max((value - rng[0]) / (rng[1] - rng[0]), 0.0), 1.0)
                    self.bank.set(spec.name, value)
        return handle

    def close(self) -> None:
        for server in self.servers:
            server.close()
