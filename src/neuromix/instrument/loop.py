"""The instrument loop: inputs → control-rate network → outputs, one control tick at a time.

Each tick: apply the gesture replay, poll the window and controllers, record the gesture, set
every ``input`` node's value on the compiled network, run the network for one sample, and let
each output decide what to send. Live input wins over a replay: an input that a live source (the
mouse, a joystick, MIDI or OSC) has set is no longer written by the replay. Everything that reaches a file is decided by tick counts, so a
replayed gesture gives the same MIDI file in real time and ``offline`` (as fast as possible).

On any way out (the end, Ctrl-C, SIGTERM, an error, the window closed) :meth:`Instrument.close`
sends a note-off for every sounding note, then writes the MIDI file and the gesture.

Examples
--------
>>> import tempfile, pathlib, mido
>>> from neuromix.instrument.file import loads
>>> spec = loads('''
... rate: 100
... inputs: {x: {source: replay}}
... network: linear
... outputs:
...   melody: {type: notes, pitch: {from: x, range: [0, 1]}, notes: [60, 72], duration: 0.05}
... ''')
>>> out = pathlib.Path(tempfile.mkdtemp()) / "m.mid"
>>> with Instrument(spec, offline=True, midi_file=out) as inst:
...     inst.bank.set("x", 0.0); inst.run(ticks=10)
10
>>> [(m.type, m.note) for m in mido.MidiFile(out).tracks[0] if m.type.startswith("note")]
[('note_on', 60), ('note_off', 60)]
"""

from __future__ import annotations

import signal
import sys
import threading
import time

import numpy as np

from neuromix.graph.graph import PatchError
from neuromix.instrument import inputs as inputs_mod
from neuromix.instrument import outputs as outputs_mod
from neuromix.instrument.file import InstrumentSpec
from neuromix.io.midi import MidiRecorder, MidiSink, open_output
from neuromix.engine.compiled import CompiledPatch
from neuromix.instrument.audio import OfflineAudio
from neuromix.instrument.teach import Teacher
from neuromix.instrument.window import Window

class Instrument:
    """A running instrument: its compiled network, input sources and outputs.

    Parameters
    ----------
    spec : InstrumentSpec
        The loaded instrument file.
    offline : bool
        Run as fast as possible from the gesture replay only: no window, no ports, no live
        input sources; MIDI goes to ``midi_file``, audio to ``wav``.
    window : bool
        Open the pygame window (mouse pad and the live network view).
    midi_file, record_gesture, wav : path or None
        Where to write the MIDI, the gesture recording and the played patch's audio.
    replay : path or None
        A gesture to replay. Without one, the file's ``replay`` plays in offline and
        windowless runs (a window means a live player). Each input plays the replay until a
        live source sets it.
    midi_port : str, bool or None
        ``None`` for the file's choice (a virtual port by default), a port name, or False for
        no port at all.
    """

    def __init__(self, spec: InstrumentSpec, *, offline: bool = False, window: bool = False,
                 midi_file=None, record_gesture=None, replay=None, wav=None, midi_port=None,
                 say=None):
        self.spec, self.offline, self.rate = spec, offline, spec.rate
        self.say = say or _once_printer()
        self.tick = 0
        self.stopping = threading.Event()
        self.signalled: int | None = None  # SIGINT or SIGTERM, when one stopped the run
        self.midi_file, self._closed = midi_file, False
        self._resources: list = []
        names = [s.name for s in spec.inputs]
        self.bank = inputs_mod.InputBank(names, [s.initial for s in spec.inputs])
        self.network = _warm(CompiledPatch(spec.network))
        self._slots = np.array([self.network.index(f"{n}.value") for n in names], dtype=np.intp)
        self.channels = {name: i for i, name in enumerate(spec.signal_names)}
        self.row = np.zeros(len(self.channels))
        self.snap = None  # the browser view's snapshots (neuromix.live.ui), taken after each tick
        try:
            self._open(offline, window, record_gesture, replay, wav, midi_port)
        except BaseException:
            self.close()
            raise

    def _open(self, offline, window, record_gesture, replay, wav, midi_port) -> None:
        spec = self.spec
        port = None
        if not offline and midi_port is not False and self._has_midi_outputs():
            port, reason = open_output(midi_port or spec.midi.get("port"))
            if reason:
                self.say(reason)
        self.sink = MidiSink(MidiRecorder(self.rate), port, self.say)
        self.audio = self._audio(wav)
        self.outputs = outputs_mod.build(spec.outputs, self.channels, self.rate, self.sink,
                                         self.audio, osc=not offline)
        if replay is None and (offline or not window):
            replay = spec.replay  # the file's gesture plays when no window gives live input
        self.replay = inputs_mod.Replay(replay, self.bank.names, self.rate) if replay else None
        self.gesture = (inputs_mod.GestureRecorder(record_gesture, self.bank.names, self.rate)
                        if record_gesture else None)
        self.window = self.pygame = self.teacher = None
        if spec.learn is not None:
            self.teacher = Teacher(self, spec.learn, self.say)
        if offline:
            return
        sources = {s.source for s in spec.inputs}
        if window:
            self.window = Window(spec, self.channels, **spec.window)
        if window or "joystick" in sources:
            teaching = self.window is not None and self.teacher is not None
            self.pygame = inputs_mod.PygameInputs(
                spec.inputs, self.bank, self.window.pad if self.window else None,
                on_event=(lambda event: self.window.handle(event, self.teacher)) if teaching
                else None)
            self._resources.append(self.pygame)
        if "midi" in sources:
            self._resources.append(inputs_mod.MidiInputs(spec.inputs, self.bank, self.say))
        if "osc" in sources or self.teacher is not None:
            extra = ({spec.learn.control_port: self.teacher.osc_handlers()}
                     if self.teacher is not None else None)
            self._resources.append(inputs_mod.OscInputs(spec.inputs, self.bank, self.say, extra,
                                                          spec.osc_host))

    def _has_midi_outputs(self) -> bool:
        return any(o.type in outputs_mod.MIDI_TYPES for o in self.spec.outputs)

    def _audio(self, wav):
        if self.spec.play is None:
            return None
        if wav is not None:
            return OfflineAudio(self.spec.play, self.rate, wav)
        self.say("the played patch is heard only with --wav FILE here (live audio output comes "
                 "with the real-time stream); its parameters are not sent" if not self.offline
                 else "the played patch is rendered only with --wav FILE")
        return None

    # -- running ---------------------------------------------------------------------------
    def step(self) -> np.ndarray:
        """One control tick; returns the network's output row (one value per signal)."""
        tick, values = self.tick, self.bank.values
        self.bank.changed.clear()
        if self.replay is not None:
            with self.bank.lock:
                self.replay.apply(tick, values, self.bank.live)
        if self.pygame is not None:
            self.pygame.poll()
            if self.pygame.quit:
                self.stopping.set()
        if self.gesture is not None:
            self.gesture.record(tick, values)
        if self.teacher is not None:
            self.teacher.tick(tick, values)
        self.network.params[0, self._slots] = values
        row = self.network.process(1)[0]
        if self.snap is not None:
            self.snap.write(self.network, 0, row.reshape(1, -1))
        if self.teacher is None or self.teacher.running:
            for out in self.outputs.values():
                out.update(tick, row)
        if self.audio is not None:
            self.audio.advance()
        self.row = row
        self.tick = tick + 1
        return row

    def end_tick(self, seconds: float | None) -> int | None:
        """The tick to stop at: ``seconds``, or (offline) one second after the replay ends."""
        if seconds is not None:
            return int(round(seconds * self.rate))
        if self.offline:
            if self.replay is None:
                raise PatchError("an offline run needs --seconds or a gesture to replay")
            return self.replay.end_tick + self.rate
        return None

    def run(self, seconds: float | None = None, ticks: int | None = None) -> int:
        """Run until ``seconds`` (or ``ticks``) have passed, or until stopped; returns ticks run.

        Real time paces ticks by the clock and never skips one (a late tick runs at once, so
        the output is the same as offline); offline runs them back to back.
        """
        end = ticks if ticks is not None else self.end_tick(seconds)
        handlers = _stop_on_signals(self._signal)
        try:
            start = time.perf_counter() - self.tick / self.rate
            draw_every = max(1, self.rate // (self.window.fps if self.window else 30))
            while (end is None or self.tick < end) and not self.stopping.is_set():
                if not self.offline:
                    self._wait(start + self.tick / self.rate)
                self.step()
                if self.window is not None and self.tick % draw_every == 0:
                    self.window.draw(self)
        finally:
            _restore(handlers)
        return self.tick

    def _wait(self, due: float) -> None:
        """Wait for a tick's time; a new value from a threaded input (OSC, MIDI) lets the tick
        run up to one period early, so input reaches the outputs at once (never more than one
        tick ahead of the clock, so the rate holds)."""
        early = due - 1.0 / self.rate
        changed = self.bank.changed
        while True:
            now = time.perf_counter()
            if now >= due or (now >= early and changed.is_set()):
                return
            if now < early:
                time.sleep(early - now)
            else:
                changed.wait(due - now)

    def _signal(self, signum, frame) -> None:
        self.signalled = signum
        self.stopping.set()

    # -- stopping --------------------------------------------------------------------------
    def close(self) -> None:
        """Note-offs for every sounding note, then the files written and the ports closed."""
        if self._closed:
            return
        self._closed = True
        errors = []
        if getattr(self, "teacher", None) is not None:
            _collect(errors, self.teacher.close)
        for out in getattr(self, "outputs", {}).values():
            _collect(errors, out.release, self.tick)
        sink = getattr(self, "sink", None)
        if sink is not None:
            if self.midi_file is not None:
                _collect(errors, sink.recorder.save, self.midi_file)
            _collect(errors, sink.close)
        for res in [getattr(self, "gesture", None), getattr(self, "audio", None),
                    getattr(self, "window", None), *self._resources]:
            if res is not None:
                _collect(errors, res.close)
        if errors:
            raise errors[0]

    def __enter__(self) -> "Instrument":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _warm(compiled):
    """Run the kernel once and reset it, so its first tick does not load or compile it."""
    compiled.process(1)
    compiled.reset()
    return compiled


def _collect(errors: list, fn, *args) -> None:
    try:
        fn(*args)
    except Exception as err:  # finish every other closing step first
        errors.append(err)


def _stop_on_signals(handler):
    """SIGINT and SIGTERM call ``handler`` (the loop ends its tick and closes cleanly)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}


def _restore(saved) -> None:
    for sig, handler in (saved or {}).items():
        signal.signal(sig, handler)


def _once_printer():
    """Print each distinct message once, to stderr."""
    said = set()

    def say(message: str) -> None:
        if message not in said:
            said.add(message)
            print(f"neuromix: {message}", file=sys.stderr, flush=True)
    return say
