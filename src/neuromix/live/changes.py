"""Parameter changes from any thread to the audio callback, through preallocated arrays.

Producers (OSC, MIDI, a script, hot reload) take a lock among themselves; the consumer, the
audio callback, never takes it: it reads how many changes were published, applies them to the
kernel's parameter array at the start of a block, and notes the block index of each. The
control side reads that log back (``drain``), so a recording can be replayed offline with
the same changes at the same block boundaries.

Examples
--------
>>> import numpy as np
>>> q = ChangeQueue(size=4)
>>> q.push(1, 0.5), q.push(RESET, 0.0)
(True, True)
>>> params = np.zeros((1, 2))
>>> q.apply(params, block=7, reset=lambda: None)
2
>>> params.tolist(), q.drain()
([[0.0, 0.5]], [(7, 1, 0.5), (7, -1, 0.0)])
"""

from __future__ import annotations

import threading

import numpy as np

from neuromix.graph.graph import address_range
from neuromix.io.osc import Reporter

RESET = -1  # the index that means "reset the patch's state" rather than a parameter


class ChangeQueue:
    """A single-consumer ring of (parameter index, value) with the block each was applied at."""

    def __init__(self, size: int = 1 << 16):
        if size & (size - 1):
            raise ValueError("the size must be a power of two")
        self.size, self._mask = size, size - 1
        self.index = np.zeros(size, dtype=np.int64)
        self.value = np.zeros(size, dtype=np.float64)
        self.block = np.zeros(size, dtype=np.int64)
        self.written = 0   # published by producers (under the lock)
        self.applied = 0   # advanced by the consumer only
        self.drained = 0   # advanced by the control side's reader only
        self.dropped = 0   # changes refused because the ring was full
        self.lock = threading.Lock()  # producers only: the audio callback never takes it

    def push(self, index: int, value: float) -> bool:
        """Queue a change; False (and counted) if the ring is full."""
        with self.lock:
            return self.push_locked(index, value)

    def push_locked(self, index: int, value: float) -> bool:
        """``push`` for a caller that holds ``lock`` already."""
        w = self.written
        if w - self.drained >= self.size:
            self.dropped += 1
            return False
        slot = w & self._mask
        self.index[slot] = index
        self.value[slot] = value
        self.written = w + 1  # publish last: the consumer reads only slots below this
        return True

    def room(self) -> int:
        """How many changes can be pushed now without one being refused."""
        return self.size - (self.written - self.drained)

    def apply(self, params: np.ndarray, block: int, reset) -> int:
        """Consumer side: apply every published change to ``params``; returns how many."""
        a, w = self.applied, self.written
        count = w - a
        mask, index, value, blocks = self._mask, self.index, self.value, self.block
        while a < w:
            slot = a & mask
            i = index[slot]
            if i == RESET:
                reset()
            else:
                params[:, i] = value[slot]
            blocks[slot] = block
            a += 1
        self.applied = a
        return count

    def drain(self) -> list[tuple[int, int, float]]:
        """Control side: (block, index, value) of every change applied since the last drain."""
        d, a = self.drained, self.applied
        out = []
        while d < a:
            slot = d & self._mask
            out.append((int(self.block[slot]), int(self.index[slot]), float(self.value[slot])))
            d += 1
        self.drained = d
        return out


class Limits:
    """Clamps values arriving live (OSC, MIDI) to each parameter's range, and counts them.

    The range is the one a patch file is checked against (:func:`neuromix.graph.graph.
    address_range`): a parameter's declared range, ±1e6 for a weight, ±1e9 where no range
    is declared. ``player.compiled.graph`` is read at each call, so a hot-reloaded patch
    brings its own ranges. Each clamp is counted and said at most once a second.

    Examples
    --------
    >>> import neuromix as nm
    >>> p = nm.Patch(sr=8000); p.out(p.sine(110, name="s"))
    >>> class Player: compiled = p.compile()
    >>> limits = Limits(Player(), say=print, what="OSC")
    >>> limits.clamp("s.freq", 1e7)
    OSC: clamped a value (s.freq 1e+07 to 24000, its range -24000..24000)
    24000.0
    >>> limits.clamp("s.freq", 220.0), limits.clamped
    (220.0, 1)
    """

    def __init__(self, player, say=print, what: str = "OSC"):
        self.player = player
        self.report = Reporter(say, what, done="clamped", noun="value")
        self._graph = None
        self._ranges: dict[str, tuple[float, float]] = {}

    @property
    def clamped(self) -> int:
        return self.report.count

    def clamp(self, address: str, value: float) -> float:
        graph = getattr(getattr(self.player, "compiled", None), "graph", None)
        if graph is None:
            return value
        if graph is not self._graph:
            self._graph, self._ranges = graph, {}
        if address not in self._ranges:
            self._ranges[address] = address_range(graph, address)
        lo, hi = self._ranges[address]
        if lo <= value <= hi:
            return value
        inside = min(max(value, lo), hi)
        self.report.refused(f"{address} {value:g} to {inside:g}, its range {lo:g}..{hi:g}")
        return float(inside)

