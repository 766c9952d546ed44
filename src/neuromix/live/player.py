"""The player: a patch on an audio output, with its controls (script, OSC, MIDI, hot reload).

:func:`play` starts one and returns it; ``set(address, value)`` moves any parameter while it
plays (the addresses of ``neuromix info``), from any thread. Changes reach the audio callback
through :class:`~neuromix.live.changes.ChangeQueue` and glide there (``smoothing``, in the
kernel), so a jump does not click.

A patch that listens (``audio_in``) hears the sound card's input (full duplex) unless it is
given ``input``: a sound file (read ahead on a thread, looping), an array (looping) or a
function of a number of frames; ``record_input`` keeps what it heard, so that the take can be
rendered again offline, exactly.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=48000)
>>> p.out(p.neuron(act="tanh", bias=0.1, inputs={p.sine(110): 1.5}, name="a"))
>>> with play(p, audio="null", blocksize=256) as player:
...     player.set("a.bias", 0.3)
...     player.wait(0.05)
>>> player.get("a.bias"), player.status()["underruns"] >= 0
(0.3, True)
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from pathlib import Path

import numpy as np

from neuromix import _config
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.feed import as_feed, check_feed
from neuromix.graph.graph import Graph
from neuromix.graph.patchfile import load_graph
from neuromix.live.audio import CONTROL_PRIORITY, LiveError, open_output, realtime_priority
from neuromix.live.changes import RESET, ChangeQueue
from neuromix.live.engine import LiveEngine, Swap
from neuromix.live.infeed import FileFeed
from neuromix.live.record import ChangesFile, Recorder

__all__ = ["LiveError", "Player", "play"]


def as_graph(patch):
    """A Graph from a patch file path, a ``Patch`` or a ``Graph``."""
    if isinstance(patch, Graph):
        return patch
    if hasattr(patch, "graph"):
        return patch.graph
    return load_graph(patch)


def transfer(old: CompiledPatch, new: CompiledPatch, keep_targets=()) -> Swap:
    """What carries over when ``new`` replaces ``old``: the state and buffers of nodes whose id
    and type are unchanged (and of delay registers between them), the gliding value of every
    parameter both have, and the target value of the parameters named in ``keep_targets``."""
    before, after = old.kernel.layout, new.kernel.layout
    copies, buffers, kept = [], [], set()
    for nid, own in before.nodes.items():
        if nid not in after.nodes or old.graph.nodes[nid].type != new.graph.nodes[nid].type:
            continue
        span, new_span = own.span, after.state_of(nid)
        if [before.state[k].name for k in span] == [after.state[k].name for k in new_span]:
            copies.append((span.start, span.stop, new_span.start, new_span.stop))
            kept.add(nid)
    new_slots = {s.name: i for i, s in enumerate(after.state) if s.node is None}
    for i, slot in enumerate(before.state):
        if slot.node is None and slot.name in new_slots:  # delay registers and ring positions
            j = new_slots[slot.name]
            copies.append((i, i + 1, j, j + 1))
    new_bufs = {b.name: b for b in after.buffers}
    for b in before.buffers:
        match = new_bufs.get(b.name)
        if match is not None and match.size == b.size and (b.node is None or b.node in kept):
            buffers.append((b.offset, match.offset, b.size))
    params = [(i, new.addresses[a]) for a, i in old.addresses.items() if a in new.addresses]
    swap = Swap(new, copies, buffers, params)
    keep = [(old.addresses[a], new.addresses[a]) for a in keep_targets
            if a in old.addresses and a in new.addresses]
    swap.keep_old = np.array([o for o, _ in keep], dtype=np.int64)
    swap.keep_new = np.array([n for _, n in keep], dtype=np.int64)
    return swap


class Player:
    """A patch playing on an audio output. Use :func:`play` to make one."""

    def __init__(self, patch, audio: str = "portaudio", device=None, blocksize: int = 256,
                 latency="low", channels: int | None = None, record=None,
                 smoothing: float = _config.LIVE_SMOOTHING, log: bool = False, say=print,
                 input=None, input_device=None, record_input=None):
        if blocksize < 1 or blocksize > 1 << 16:
            raise LiveError(f"the block size must be between 1 and 65536 frames, not {blocksize}")
        if channels is not None and not 1 <= channels <= 64:
            raise LiveError(f"--channels must be between 1 and 64, not {channels}")
        self.path = None if hasattr(patch, "graph") or not isinstance(patch, (str, Path)) \
            else Path(patch)
        self.say = say
        self.smoothing = float(smoothing)
        compiled = self._compile(as_graph(patch))
        self.compiled = compiled  # the patch the control side addresses (swapped with the audio)
        self.changes = ChangeQueue()
        self.engine = LiveEngine(compiled, blocksize, channels, self.changes)
        self.audio, self.device, self.latency = audio, device, latency
        self.input_device = input_device
        self.feed = None if input is None or not compiled.inputs else \
            _feed(input, compiled)
        self.engine.source = self.feed
        self.record_path, self.record_input = record, record_input
        self.recorder = None
        self.input_recorder = None
        self.changes_file = None  # the recording's changes.csv, beside it
        self.output = None
        self.log: list[tuple[int, str, float]] | None = [] if log else None
        self._layouts = [(0, list(compiled.addresses))]  # (first block, addresses by index)
        self.controls: list = []  # OSC server, MIDI input, file watcher: each has close()
        self._counts: dict = {}
        self.running = False
        self._stop = threading.Event()
        self._house = None
        self._live = False  # whether this player holds the process's live settings

    def _compile(self, graph, kernel=None) -> CompiledPatch:
        compiled = CompiledPatch(graph, kernel=kernel)
        compiled.smoothing = self.smoothing
        compiled.process(0)  # load the kernel now, never in the audio callback
        return compiled

    # -- start and stop -------------------------------------------------------------------
    def start(self) -> "Player":
        """Open the output and start playing (the recording too); LiveError if it cannot."""
        try:
            self.output = open_output(self.engine, self.audio, self.device, self.latency,
                                      self.input_device)
        except BaseException:
            self._close_feed()
            raise

        sr = self.engine.compiled.sr
        if self.record_path is not None:
            self.recorder = Recorder(self.record_path, sr, self.engine.channels)
            self.changes_file = ChangesFile(self.record_path, sr, self.engine.blocksize)
            self.engine.tap = self.recorder
        if self.record_input is not None and self.engine.inputs:
            self.input_recorder = Recorder(self.record_input, sr, self.engine.inputs, exact=True)
            self.engine.tap_in = self.input_recorder
        _enter_live()
        self._live = True
        try:
            self.output.start()
        except BaseException:
            if self.recorder is not None:
                self.engine.tap = None
                self.recorder.discard()
                self.changes_file.discard()
                self.recorder = self.changes_file = None
            if self.input_recorder is not None:
                self.engine.tap_in = None
                self.input_recorder.discard()
                self.input_recorder = None
            self._close_feed()
            self._live = False
            _leave_live()
            raise
        self.running = True
        self._house = threading.Thread(target=self._housekeeping, name="neuromix-live", daemon=True)
        self._house.start()
        return self

    def stop(self) -> None:
        """Stop the controls, then the audio, then finish the recording."""
        for control in reversed(self.controls):
            control.close()
            self._counts.update(control.counts())  # kept for the final status
        self.controls.clear()
        if self.output is not None:
            self.output.stop()
        self.running = False
        self._stop.set()
        if self._house is not None:
            self._house.join()
        self._drain()
        self._close_recorder()
        if self._live:
            self._live = False
            _leave_live()

    def _close_recorder(self) -> None:
        if self.recorder is not None:
            self.engine.tap = None
            self.recorder.close()
            self.changes_file.close()
        if self.input_recorder is not None:
            self.engine.tap_in = None
            self.input_recorder.close()
        self._close_feed()

    def _close_feed(self) -> None:
        """Stop reading the input file (its thread and the file), if it is one."""
        if hasattr(self.feed, "close"):
            self.feed.close()

    def __enter__(self) -> "Player":
        return self if self.running else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _housekeeping(self) -> None:
        realtime_priority(CONTROL_PRIORITY)
        while not self._stop.wait(0.02):
            self._drain()

    def _drain(self) -> None:
        entries = self.changes.drain()
        if not entries or (self.log is None and self.changes_file is None):
            return
        named = []
        for block, index, value in entries:
            if index == RESET:
                named.append((block, "reset", 0.0))
                continue
            names = next(n for start, n in reversed(self._layouts) if start <= block)
            named.append((block, names[index], value))
        if self.log is not None:
            self.log.extend(named)
        if self.changes_file is not None:
            self.changes_file.write(named)

    # -- control --------------------------------------------------------------------------
    def set(self, address: str, value: float) -> None:
        """Move a parameter (e.g. ``"a.bias"``, ``"a.w.b"``); it glides there from the next
        block. KeyError (with the nearest address) if the patch has no such parameter."""
        index, value = self._change(address, value)
        with self.changes.lock:
            self.changes.push_locked(index, value)

    def set_many(self, changes) -> None:
        """Move several parameters at the same block (a row of a weight matrix): all of them,
        or none if one is unknown (KeyError) or not finite (ValueError), or if the queue has
        no room for them all (LiveError)."""
        items = [self._change(address, value) for address, value in changes]
        with self.changes.lock:
            if self.changes.room() < len(items):
                raise LiveError(f"{len(items)} changes do not fit in the queue now; try again")
            for index, value in items:
                self.changes.push_locked(index, value)

    def _change(self, address: str, value: float) -> tuple[int, float]:
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"{address}: a parameter must be a finite number, not {value}")
        return self.compiled.index(address), value

    def get(self, address: str) -> float:
        """A parameter's value, as last set (it may reach the audio at the next block)."""
        return float(self._latest()[self.compiled.index(address)])

    def values(self, addresses) -> np.ndarray:
        """The values of several parameters, as last set (KeyError for an unknown one)."""
        latest = self._latest()
        return latest[[self.compiled.index(a) for a in addresses]]

    def params(self) -> dict[str, float]:
        """Every parameter address with its value, as last set."""
        values = self._latest()
        return {a: float(values[i]) for a, i in self.compiled.addresses.items()}

    def _latest(self) -> np.ndarray:
        """The parameters the audio has, with the changes still queued for it laid over."""
        q = self.changes
        with q.lock:
            first = q.applied  # before the copy: a change applied meanwhile is laid over again
            values = self.compiled.params[0].copy()
            for k in range(first, q.written):
                i = int(q.index[k & (q.size - 1)])
                if i != RESET:
                    values[i] = q.value[k & (q.size - 1)]
        return values

    def reset(self) -> None:
        """Every node back to its initial state, at the next block."""
        self.changes.push(RESET, 0.0)

    def swap(self, graph, kernel=None, keep_targets=()) -> Swap:
        """Replace the playing patch at a block boundary, keeping the state of nodes whose id
        and type are unchanged. The kernel should be in the disk cache already (compiled in a
        child process by hot reload): loading it here takes milliseconds."""
        new = self._compile(graph, kernel)
        if new.inputs > self.engine.inputs:
            raise LiveError(f"the new version listens to {new.inputs} input channel(s), the "
                            f"stream was opened with {self.engine.inputs}: restart to hear them")
        if new.sr != self.engine.compiled.sr:
            raise LiveError(f"the sample rate changed ({self.engine.compiled.sr:g} -> "
                            f"{new.sr:g} Hz): restart to play at the new rate")
        swap = transfer(self.compiled, new, keep_targets)
        self.engine.prepare_swap(swap)
        with self.changes.lock:  # no change is queued for the old layout while it is swapped
            if self.running:
                self.engine.pending = swap
                deadline = time.monotonic() + 2.0
                while swap.taken_at < 0 and time.monotonic() < deadline and self.running:
                    time.sleep(0.0005)
            if swap.taken_at < 0:  # not playing: swap here
                self.engine.pending = None
                self.changes.apply(self.compiled.params, self.engine.block, self.compiled.reset)
                _take(self.engine, swap)
            self._layouts.append((swap.taken_at + 1, list(new.addresses)))
            self.compiled = new
        return swap

    # -- watching -------------------------------------------------------------------------
    def status(self) -> dict:
        """Blocks played, underruns, CPU load and callback times against the block budget."""
        eng = self.engine
        times = eng.timings(last=4096)
        out = {"blocks": eng.block, "underruns": eng.underruns, "budget": eng.budget,
               "cpu_load": self.output.cpu_load if self.output is not None else 0.0,
               "callback_median": float(np.median(times)) if times.size else 0.0,
               "callback_p99": float(np.percentile(times, 99)) if times.size else 0.0,
               "callback_max": float(times.max()) if times.size else 0.0,
               "dropped": self.changes.dropped,
               "record_lost": self.recorder.lost if self.recorder is not None else 0}
        if self.engine.inputs:
            out["input_starved"] = getattr(self.feed, "starved", 0)
            out["input_scrubbed"] = getattr(self.feed, "scrubbed", 0)
            out["input_overflows"] = getattr(self.output, "overflows", 0)
        out.update(self._counts)
        for control in self.controls:
            out.update(control.counts())
        return out

    def check(self) -> None:
        """Raise LiveError if the audio stopped by itself (its callback failed)."""
        error = getattr(self.output, "error", None) or getattr(self.feed, "error", None)
        if error is not None:
            raise LiveError(f"the audio stopped: {type(error).__name__}: {error}")

    def wait(self, seconds: float | None = None) -> None:
        """Sleep while it plays (``None``: until interrupted), failing if the audio stops."""
        end = None if seconds is None else time.monotonic() + seconds
        while end is None or time.monotonic() < end:
            self.check()
            time.sleep(0.02 if end is None else max(0.0, min(0.02, end - time.monotonic())))


_LIVE = {"players": 0, "switch": None}
_LIVE_LOCK = threading.Lock()


def _enter_live() -> None:
    """Process settings while any player plays: a short thread switch interval (no thread
    starves the callback), and the objects that exist now frozen out of the garbage
    collector's way (a full collection holds the GIL for tens of ms with numba loaded)."""
    with _LIVE_LOCK:
        if _LIVE["players"] == 0:
            _LIVE["switch"] = sys.getswitchinterval()
            sys.setswitchinterval(_config.LIVE_SWITCH_INTERVAL)
            gc.collect()
            gc.freeze()
        _LIVE["players"] += 1


def _leave_live() -> None:
    with _LIVE_LOCK:
        _LIVE["players"] -= 1
        if _LIVE["players"] == 0:
            sys.setswitchinterval(_LIVE["switch"])
            gc.unfreeze()


def _take(engine: LiveEngine, swap: Swap) -> None:
    """Swap in place (nothing is playing)."""
    old = engine.compiled
    swap.apply(old)
    engine.generation += 1
    engine.compiled = swap.compiled
    engine.generation += 1
    swap.taken_at = engine.block - 1


def _feed(source, compiled: CompiledPatch):
    """The feed for a player's ``input``: a sound file (a path, read ahead on a thread and
    looping), an array (looping), a function of a number of frames, or a feed."""

    if isinstance(source, (str, Path)):
        feed = FileFeed(source, compiled.sr)
    else:
        feed = as_feed(source, compiled.inputs, loop=True)
    try:
        check_feed(compiled, feed)
    except BaseException:
        if hasattr(feed, "close"):
            feed.close()
        raise
    return feed


def play(patch, audio: str = "portaudio", **options) -> Player:
    """Start playing ``patch`` (a file path, ``Patch`` or ``Graph``) and return the player.

    ``audio`` is ``"portaudio"`` (the default sound card), ``"jack"`` (PortAudio's JACK host)
    or ``"null"`` (no sound card: paced by the clock). Options: ``device``, ``blocksize``
    (256), ``latency``, ``channels``, ``record`` (a WAV path), ``smoothing`` (seconds),
    ``log`` (keep every applied change as (block, address, value) in ``player.log``),
    ``input`` (what audio_in hears in place of the sound card: a sound file, an array or a
    function of a number of frames), ``input_device``, ``record_input`` (a WAV path).
    Use it as a context manager, or call ``stop()``.
    """
    return Player(patch, audio=audio, **options).start()
