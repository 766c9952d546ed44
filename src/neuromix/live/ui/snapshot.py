"""Snapshots of a playing patch for the browser view, taken by the audio callback.

Each block the callback copies the kernel's state (every node's outputs and state variables)
and the current (gliding) parameter values into one row of a preallocated ring, and the block
it played into a ring of the latest output frames (contiguous audio). It takes no lock and
allocates no array: the reader (the page's server thread) notes the write counter before and
after copying, and keeps only the rows the callback cannot have overwritten meanwhile (a
sequence lock without waiting).

Examples
--------
>>> import numpy as np
>>> import neuromix as nm
>>> p = nm.Patch(sr=8000)
>>> p.out(p.neuron(act="identity", bias=0.5, name="a"))
>>> c = p.compile()
>>> snaps = Snapshots(c, channels=1, depth=4, frames=16)
>>> out = c.process(4).astype(np.float32)
>>> snaps.write(c, 0, out)
>>> rows = snaps.rows(0)
>>> float(rows.state[-1, c.kernel.layout.output("a", "out")]), rows.params.tolist()
(0.5, [0.5])
>>> snaps.audio(4)[:, 0].tolist()
[0.5, 0.5, 0.5, 0.5]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Rows:
    """The readable rows of a ring (oldest first), all from one patch (``generation``)."""

    state: np.ndarray   # (rows, state slots)
    params: np.ndarray  # (parameters,): where each parameter was at the latest row, gliding
    frames: np.ndarray  # the frames the patch had played when each row was taken


class Snapshots:
    """A ring of ``depth`` per-block snapshots and one of ``frames`` output frames."""

    def __init__(self, compiled, channels: int, depth: int = 64, frames: int = 1 << 14):
        if depth & (depth - 1) or frames & (frames - 1):
            raise ValueError("depth and frames must be powers of two")
        self.depth, self.frames, self.channels = depth, frames, int(channels)
        self.ring = np.zeros((frames, self.channels), dtype=np.float32)
        self.written = 0  # frames put in the audio ring
        self.count = 0    # snapshot rows written
        self._arrays = None
        self.prepare(compiled)

    def prepare(self, compiled) -> None:
        """Make room for a patch's state and parameters (control side, before a swap)."""
        width = (compiled.state.shape[1], compiled.params.shape[1])
        old = self._arrays
        if old is not None and old[0].shape[1] >= width[0] and old[1].shape[1] >= width[1]:
            return
        grow = (max(width[0], 0 if old is None else old[0].shape[1]),
                max(width[1], 0 if old is None else old[1].shape[1]))
        self._arrays = (np.zeros((self.depth, grow[0])), np.zeros((self.depth, grow[1])),
                        np.full(self.depth, -1, dtype=np.int64),
                        np.full(self.depth, -1, dtype=np.int64))

    # -- the audio callback's side ----------------------------------------------------------
    def write(self, compiled, generation: int, block: np.ndarray) -> None:
        """Copy one block's state, parameters and output frames (no lock, no allocation).

        ``generation`` counts the patches swapped in, so that a reader never mixes rows of
        two layouts."""
        state, params, gens, frames = self._arrays
        k = self.count & (self.depth - 1)
        ns, npar = compiled.state.shape[1], compiled.params.shape[1]
        if ns <= state.shape[1] and npar <= params.shape[1]:  # else: not prepared, skip the row
            gens[k] = -1
            state[k, :ns] = compiled.state[0]
            params[k, :npar] = compiled.current[0]
            frames[k] = compiled.frames_done
            gens[k] = generation
            self.count += 1
        n = block.shape[0]
        if n > self.frames:
            block = block[n - self.frames:]
            self.written += n - self.frames
            n = self.frames
        start = self.written & (self.frames - 1)
        first = min(n, self.frames - start)
        ring = self.ring
        k = min(block.shape[1], self.channels)
        ring[start:start + first, :k] = block[:first, :k]
        if first < n:
            ring[:n - first, :k] = block[first:, :k]
        self.written += n

    # -- the reader's side ----------------------------------------------------------------
    def rows(self, generation: int) -> Rows:
        """Every row of ``generation`` the callback cannot have overwritten while they were
        copied (oldest first), with the parameters of the latest (a network's thousands of
        weights are copied once, not once per row); may be empty just after a swap."""
        before = self.count
        state, params, gens, frames = self._arrays
        latest = params[(before - 1) & (self.depth - 1)].copy()
        state, gens, frames = state.copy(), gens.copy(), frames.copy()
        after = self.count
        first = max(after - self.depth + 1, 0)  # rows [first, before) are intact
        keep = [j & (self.depth - 1) for j in range(first, before)
                if gens[j & (self.depth - 1)] == generation]
        if not keep or keep[-1] != (before - 1) & (self.depth - 1):
            keep, latest = [], latest[:0]  # the latest row is torn or of another patch
        return Rows(state[keep], latest, frames[keep])

    def audio(self, n: int) -> np.ndarray:
        """The latest ``n`` output frames (n, channels), contiguous; fewer at the start, and
        none if the callback overwrote them while they were copied (a stall of a whole ring)."""
        n = min(n, self.frames // 2)
        end = self.written
        n = min(n, end)
        idx = np.arange(end - n, end) & (self.frames - 1)
        out = self.ring[idx]
        if self.written - (end - n) > self.frames:
            return out[:0]
        return out
