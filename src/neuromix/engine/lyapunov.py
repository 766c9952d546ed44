"""The largest Lyapunov exponent of a patch, measured in the lanes of its compiled kernel.

Bifurcation diagrams (:mod:`neuromix.analysis.chaos`), sweeps (:mod:`neuromix.analysis.sweep`),
the explain report and the live view build on it. The exponent is estimated inside the engine by the two-trajectory method (Benettin et al.):
each variant runs in one lane of a compiled kernel and a twin, its state nudged by ``eps``,
runs in another lane. Every ``renorm`` samples the distance between the two states is
measured, its logarithmic growth summed, and the twin pulled back to distance ``eps`` along
the same direction. The mean growth rate is the exponent: negative when the patch forgets a
disturbance (stable), near zero on a limit cycle, positive when it is chaotic.

What counts as the patch's state: whatever carries memory from one sample to the next (see
:func:`state_mask`). Nodes with a phase accumulator or integer state (oscillators, noise) are
the patch's *drives*: they are never nudged, so for a driven patch the exponent is the
conditional one (how the network reacts to its inputs), and a plain neuron fed by a sine
comes out negative rather than zero.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=1000)
>>> a = p.neuron(act="tanh", name="a")
>>> a.input(p.sine(5), 1.0); a.input(a, 0.5)
>>> p.out(a)
>>> lyapunov(p.graph, seconds=1).per_second < 0
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from neuromix.engine.compiled import CompiledPatch
from neuromix.graph.graph import Graph
from neuromix.nodes import get

EPS = 1e-8  # size of the nudge, relative to states of order 1
RENORM = 8  # samples between renormalisations (a saturated neuron forgets within a few)
TRANSIENT = 0.1  # seconds run before growth is counted
EDGE = 1.0  # |exponent| per second below which a patch counts as on the edge (limit cycle)
GONE = 1e-12  # a distance shrunk below GONE * eps counts as gone (float64 cannot see less)


@dataclass
class Lyapunov:
    """An estimate of the largest Lyapunov exponent, per sample and per second."""

    per_sample: float
    sr: float

    @property
    def per_second(self) -> float:
        return self.per_sample * self.sr

    def describe(self) -> str:
        """A one-line reading of the number for musicians."""
        lam, edge = self.per_second, min(EDGE, 0.01 * self.sr)
        if not np.isfinite(lam):
            return "no state to disturb: the patch has no memory besides its oscillators"
        if lam > edge:
            return f"chaotic: nearby states drift apart (by e every {1000 / lam:.3g} ms)"
        if lam > -edge:
            return "on the edge: a limit cycle or quasi-periodic motion (disturbances persist)"
        return f"stable: disturbances die out (by e every {1000 / -lam:.3g} ms)"


def _drives(compiled: CompiledPatch) -> set[str]:
    """Nodes with a phase accumulator or integer state (oscillators, noise): the patch's drives."""
    layout = compiled.kernel.layout
    return {nid for nid, own in layout.nodes.items()
            if any(layout.state[k].integer or layout.state[k].name.endswith(".phase")
                   for k in own.span)}


def state_mask(compiled: CompiledPatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which state slots carry memory, which of them get nudged, and which buffer cells.

    Memory is the state that carries over from one sample to the next: a node's own state,
    the outputs that some edge reads one or more samples late, delay registers, and phases.
    Outputs recomputed every sample carry none (a nudge there would only round away). The
    drives (nodes with a phase or integer state: oscillators, noise) are never nudged, but
    their phases count in the distance, since the network may modulate them. Returns boolean
    arrays ``(memory, nudged)`` over the state slots and one over the buffer cells (delay
    lines not fed by a drive).
    """
    kernel = compiled.kernel
    slots = kernel.layout.state
    drives = _drives(compiled)
    graph = kernel.plan.graph
    delayed = {f"{e.src.node}:{e.src.port or get(graph.nodes[e.src.node].type).outputs[0]}"
               for e in kernel.plan.edges if e.delay}
    outputs = {f"{nid}:{port}" for nid, node in graph.nodes.items()
               for port in get(node.type).output_ports(node)}
    nudged = np.array([not s.integer and s.name.split(":")[0].split(".")[0] not in drives
                       and (s.name not in outputs or s.name in delayed) for s in slots],
                      dtype=bool)
    memory = nudged | _phase_slots(compiled)
    buffers = np.zeros(compiled.buffers.shape[1], dtype=bool)
    for b in kernel.layout.buffers:
        owner = b.node or b.name.split(":")[0]
        buffers[b.cells] = owner not in drives
    return memory, nudged, buffers


def _phase_slots(compiled: CompiledPatch) -> np.ndarray:
    return np.array([s.name.endswith(".phase") and not s.integer
                     for s in compiled.kernel.layout.state], dtype=bool)


def twin_run(compiled: CompiledPatch, frames: int, renorm: int = RENORM, eps: float = EPS,
             transient: int = 0, seed: int = 0, keep_audio: bool = True):
    """Run lanes ``[0, K)`` beside their nudged twins ``[K, 2K)`` for ``frames`` samples.

    ``compiled`` must have an even number of lanes, twin ``K + k`` holding the same parameter
    values as lane ``k``. It is reset first.

    Returns
    -------
    audio : ndarray or None
        (K, frames, channels): the output of the undisturbed lanes (None unless ``keep_audio``).
    per_sample : ndarray
        (K,) the exponent of each variant per sample; NaN when it has nothing to nudge.
    """
    lanes = compiled.lanes
    if lanes % 2:
        raise ValueError("twin_run needs an even number of lanes (variants, then their twins)")
    k = lanes // 2
    compiled.reset()
    memory, nudged, buf_mask = state_mask(compiled)
    if not nudged.any() and not buf_mask.any():
        audio = _plain_run(compiled, frames, k) if keep_audio else None
        return audio, np.full(k, np.nan)
    phase = _phase_slots(compiled)[memory]
    cols = np.flatnonzero(memory)
    bufs = np.flatnonzero(buf_mask)
    # one direction for every variant, so a variant's estimate does not depend on its lane
    rng = np.random.default_rng(seed)
    start_s = np.where(nudged[memory], rng.standard_normal(len(cols)), 0.0)
    start_b = rng.standard_normal(len(bufs))
    norm = np.sqrt((start_s ** 2).sum() + (start_b ** 2).sum())
    direction_s = np.tile(start_s * (eps / norm), (k, 1))
    direction_b = np.tile(start_b * (eps / norm), (k, 1))

    cols, bufs = cols.astype(np.int64), bufs.astype(np.int64)
    _nudge(compiled.state, compiled.buffers, cols, bufs, k, direction_s, direction_b)
    audio = np.empty((k, frames, compiled.channels)) if keep_audio else None
    total = np.zeros(k)
    counted = 0
    out = np.empty((lanes, renorm, compiled.channels))
    pos = 0
    while pos < frames:
        n = min(renorm, frames - pos)
        block = compiled.process(n, out=out if n == renorm else None)
        if keep_audio:
            audio[:, pos:pos + n] = (block[None] if lanes == 1 else block)[:k]
        pos += n
        measuring = pos > transient
        _renormalise(compiled.state, compiled.buffers, cols, bufs, phase, k, eps, GONE * eps,
                     direction_s, direction_b, total, measuring)
        counted += n if measuring else 0
    per_sample = total / counted if counted else np.full(k, np.nan)
    return audio, per_sample


@numba.njit(cache=True, nogil=True)
def _nudge(state, buffers, cols, bufs, k, direction_s, direction_b):
    """Set each twin ``k + lane`` to its lane's memory plus the lane's direction."""
    for lane in range(k):
        for j in range(len(cols)):
            state[k + lane, cols[j]] = state[lane, cols[j]] + direction_s[lane, j]
        for j in range(len(bufs)):
            buffers[k + lane, bufs[j]] = buffers[lane, bufs[j]] + direction_b[lane, j]


@numba.njit(cache=True, nogil=True)
def _renormalise(state, buffers, cols, bufs, phase, k, eps, floor, direction_s, direction_b,
                 total, measuring):
    """Measure each twin's distance, add its log growth to ``total``, pull it back to ``eps``.

    The twin keeps the direction it drifted in (it turns towards the fastest growth); one
    that merged with its lane (distance below ``floor``) gets its previous direction again.
    """
    for lane in range(k):
        d2 = 0.0
        for j in range(len(cols)):
            d = state[k + lane, cols[j]] - state[lane, cols[j]]
            if phase[j]:
                d -= math.floor(d + 0.5)  # phases live on a circle
            d2 += d * d
        for j in range(len(bufs)):
            d = buffers[k + lane, bufs[j]] - buffers[lane, bufs[j]]
            d2 += d * d
        dist = math.sqrt(d2)
        if measuring:
            total[lane] += math.log(max(dist, floor) / eps)
        if dist > floor:
            scale = eps / dist
            for j in range(len(cols)):
                d = state[k + lane, cols[j]] - state[lane, cols[j]]
                if phase[j]:
                    d -= math.floor(d + 0.5)
                direction_s[lane, j] = d * scale
            for j in range(len(bufs)):
                direction_b[lane, j] = (buffers[k + lane, bufs[j]] - buffers[lane, bufs[j]]) * scale
        for j in range(len(cols)):
            state[k + lane, cols[j]] = state[lane, cols[j]] + direction_s[lane, j]
        for j in range(len(bufs)):
            buffers[k + lane, bufs[j]] = buffers[lane, bufs[j]] + direction_b[lane, j]


def _plain_run(compiled: CompiledPatch, frames: int, k: int) -> np.ndarray:
    audio = np.empty((k, frames, compiled.channels))
    pos = 0
    while pos < frames:
        n = min(4096, frames - pos)
        block = compiled.process(n)
        audio[:, pos:pos + n] = (block[None] if compiled.lanes == 1 else block)[:k]
        pos += n
    return audio


def lyapunov(graph: Graph, seconds: float = 2.0, renorm: int = RENORM, eps: float = EPS,
             transient: float = TRANSIENT, values: dict[str, float] | None = None,
             seed: int = 0) -> Lyapunov:
    """The largest Lyapunov exponent of a patch (see the module notes for the method).

    Parameters
    ----------
    graph : Graph
        The patch (``patch.graph``).
    seconds : float
        Length of the run whose growth is averaged (after ``transient`` seconds).
    renorm : int
        Samples between renormalisations: short enough that the twin stays close
        (growth per interval well below 1e6).
    eps : float
        Size of the nudge.
    values : dict, optional
        Parameter values to set first (``{"a.w.b": 1.3}``).

    Examples
    --------
    >>> import neuromix as nm
    >>> p = nm.Patch(sr=1000)
    >>> p.out(p.sine(3))
    >>> lyapunov(p.graph, seconds=0.5).describe()
    'no state to disturb: the patch has no memory besides its oscillators'
    """
    compiled = CompiledPatch(graph, lanes=2)
    for address, value in (values or {}).items():
        compiled.set(address, value)
    skip = int(round(transient * compiled.sr))
    _, lam = twin_run(compiled, skip + int(round(seconds * compiled.sr)), renorm, eps, skip,
                      seed, keep_audio=False)
    return Lyapunov(float(lam[0]), compiled.sr)
