"""The real-time part: what the audio callback does for one block, and nothing more.

Per block: apply the queued parameter changes (:mod:`neuromix.live.changes`), take a patch
that hot reload has prepared (with its state already planned), call the compiled kernel
(numba, ``nogil``) into a preallocated buffer, copy it to the device's buffer (and to the
recorder's ring), and time itself. A patch that listens (``audio_in``) gets its input block
from the device's input (full duplex) or from a feed (:mod:`neuromix.engine.feed`, a file read
ahead by :mod:`neuromix.live.infeed`), copied into a preallocated buffer (and, for
``--record-input``, into a second recorder's ring). No array is allocated, no lock the control side can hold is
taken, nothing is printed. Everything else (parsing, compiling, files, printing) happens on
other threads.

Examples
--------
>>> import numpy as np
>>> import neuromix as nm
>>> p = nm.Patch(sr=8000)
>>> p.out(p.neuron(act="identity", bias=0.5, name="a"))
>>> eng = LiveEngine(p.compile(), blocksize=4, channels=2)
>>> out = np.zeros((4, 2), dtype=np.float32)
>>> eng.render(out); out[0].tolist(), eng.block
([0.5, 0.5], 1)
"""

from __future__ import annotations

import time

import numpy as np

from neuromix.engine.compiled import CompiledPatch
from neuromix.live.changes import ChangeQueue

TIMINGS = 1 << 16  # callback durations kept (a ring), for the status line and benchmarks


class Swap:
    """A patch ready to replace the playing one at a block boundary, and what to carry over.

    ``copies`` are (old_first, old_end, new_first, new_end) state spans and ``buffers``
    (old_offset, new_offset, size) buffer spans of nodes whose id and type are unchanged;
    ``params`` are (old_index, new_index) pairs whose current (gliding) value carries over,
    and ``keep_old`` / ``keep_new`` the parameters whose target (as last set live) does too.
    """

    def __init__(self, compiled: CompiledPatch, copies, buffers, params):
        self.compiled, self.copies, self.buffers = compiled, copies, buffers
        self.old_index = np.array([o for o, _ in params], dtype=np.int64)
        self.new_index = np.array([n for _, n in params], dtype=np.int64)
        self.keep_old = self.keep_new = np.zeros(0, dtype=np.int64)  # targets kept as played
        self.taken_at = -1  # the block index at which the callback swapped it in

    def apply(self, old: CompiledPatch) -> None:
        new = self.compiled
        for a, b, c, d in self.copies:
            new.state[:, c:d] = old.state[:, a:b]
        for a, c, size in self.buffers:
            new.buffers[:, c:c + size] = old.buffers[:, a:a + size]
        new.current[:, self.new_index] = old.current[:, self.old_index]
        new.params[:, self.keep_new] = old.params[:, self.keep_old]


class LiveEngine:
    """Renders blocks of a compiled patch for a device with ``channels`` output channels.

    Patch channel ``k`` goes to device channel ``k``; a mono patch goes to every channel, and
    device channels beyond the patch's stay silent.
    """

    def __init__(self, compiled: CompiledPatch, blocksize: int, channels: int | None = None,
                 changes: ChangeQueue | None = None):
        self.compiled = compiled
        self.blocksize = int(blocksize)
        self.channels = int(channels or compiled.channels)
        self.changes = changes or ChangeQueue()
        self.inputs = compiled.inputs  # input channels listened to (fixed while playing)
        self.source = None  # a feed (has read(out)) in place of the device's input
        self.tap_in = None  # a recorder's ring for what came in: has write(block)
        self._bufs: dict[tuple[int, int], np.ndarray] = {}
        self._ins: dict[int, np.ndarray] = {}
        self._prepare(compiled)
        self.block = 0
        self.pending: Swap | None = None
        self.tap = None  # a recorder's ring: has write(block)
        self.snap = None  # the browser view's snapshots: has write(compiled, generation, block)
        self.generation = 0  # twice the patches swapped in; odd while one is being swapped
        self.times = np.zeros(TIMINGS, dtype=np.int64)  # nanoseconds per callback
        self.ntimes = 0
        self.underruns = 0
        self.underrun_at = np.full(64, -1, dtype=np.int64)  # block index of the last 64

    def _prepare(self, compiled: CompiledPatch) -> None:
        """Preallocate the kernel's output buffer for a patch (control side, before a swap)."""
        self._buffer(compiled.channels, self.blocksize)
        if self.inputs:
            self._input_buffer(self.blocksize)

    def prepare_swap(self, swap: Swap) -> None:
        self._prepare(swap.compiled)
        if self.snap is not None:
            self.snap.prepare(swap.compiled)

    def render(self, outdata: np.ndarray, indata: np.ndarray | None = None) -> None:
        """Fill ``outdata`` (frames, channels) float32; the whole of the audio callback's work.
        ``indata`` is the device's input block (full duplex), heard when there is no feed."""
        t0 = time.perf_counter_ns()
        frames = outdata.shape[0]
        c = self.compiled
        self.changes.apply(c.params, self.block, c.reset)
        swap = self.pending
        if swap is not None:
            swap.apply(c)
            self.generation += 1  # a reader seeing it odd, or changed, reads again
            c = self.compiled = swap.compiled
            self.generation += 1
            swap.taken_at = self.block
            self.pending = None
        buf = self._bufs.get((c.channels, frames))
        if buf is None:
            buf = self._buffer(c.channels, frames)
        if self.inputs:
            sound = self._ins.get(frames)
            if sound is None:
                sound = self._input_buffer(frames)
            if self.source is not None:
                self.source.read(sound)
            elif indata is not None:
                sound[:] = indata[:, :self.inputs]
            else:
                sound.fill(0.0)
            if self.tap_in is not None:
                self.tap_in.write(sound)
            c.process(frames, buf, sound)
        else:
            c.process(frames, buf)
        block = buf[0]
        if c.channels == self.channels or c.channels == 1:
            outdata[:] = block  # a mono patch broadcasts to every channel
        else:
            k = min(c.channels, self.channels)
            outdata[:, :k] = block[:, :k]
            outdata[:, k:] = 0.0
        if self.tap is not None:
            self.tap.write(outdata)
        if self.snap is not None:
            self.snap.write(c, self.generation, outdata)
        self.block += 1
        self.times[self.ntimes & (TIMINGS - 1)] = time.perf_counter_ns() - t0
        self.ntimes += 1

    def _buffer(self, ch: int, frames: int) -> np.ndarray:
        """The kernel's output buffer for a size (allocated once; in the callback only if a
        host ignores the block size asked for)."""
        if (ch, frames) not in self._bufs:
            self._bufs[(ch, frames)] = np.zeros((1, frames, ch))
        return self._bufs[(ch, frames)]

    def _input_buffer(self, frames: int) -> np.ndarray:
        """The input block for a size (as :meth:`_buffer`)."""
        if frames not in self._ins:
            self._ins[frames] = np.zeros((frames, self.inputs))
        return self._ins[frames]

    def playing(self) -> tuple[int, CompiledPatch]:
        """(generation, compiled patch) as one consistent pair, from any thread."""
        while True:
            generation = self.generation
            compiled = self.compiled
            if generation % 2 == 0 and generation == self.generation:
                return generation, compiled

    def underrun(self) -> None:
        """Count an underrun the output reported (before the block it delayed)."""
        self.underrun_at[self.underruns & 63] = self.block
        self.underruns += 1

    def timings(self, last: int | None = None) -> np.ndarray:
        """Callback durations in seconds (oldest first), the last ``last`` of them."""
        n = min(self.ntimes, TIMINGS)
        if last is not None:
            n = min(n, last)
        idx = (np.arange(self.ntimes - n, self.ntimes)) & (TIMINGS - 1)
        return self.times[idx] / 1e9

    @property
    def budget(self) -> float:
        """Seconds of audio in one block: the time a callback may take at most."""
        return self.blocksize / self.compiled.sr
