"""Offline fitting: chosen parameters of any patch fitted to a target sound by CMA-ES.

Any addressable parameter can be fitted (``a.w.s1``, ``a.bias``, ``lp.cutoff``, ``fb.gain``),
feedback loops included: the patch is a black box that renders. Each generation of CMA-ES is
one population of K candidates, rendered as K lanes of one compiled patch (each lane its own
parameters and state), split over threads (the kernel releases the GIL), and scored by
:func:`neuromix.learn.losses.stft_loss`: a multi-resolution log-magnitude STFT distance plus a
time-domain term where phase is meaningful. The same seed gives the same fitted patch.

Examples
--------
>>> import numpy as np
>>> import neuromix as nm
>>> p = nm.Patch(sr=8000)
>>> a = p.neuron(act="tanh", bias=0.0, inputs={p.sine(200, name="s"): 0.3}, name="a")
>>> p.out(a)
>>> target = nm.Patch(graph=p.graph).render(frames=2000)
>>> p["a"].node.inputs[0].weight = 1.5  # forget the weight
>>> result = fit(p.graph, target, ["a.w.s"], seed=1, goal=1e-6, progress=False)
>>> round(result.values["a.w.s"], 3)
0.3
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from neuromix.features import mono
from neuromix.graph.graph import Graph, PatchError, Signal, nearest
from neuromix.learn.losses import log_spectral_distance, snr_db, stft_loss
from neuromix.errors import FitError  # noqa: F401  (raised here, caught by the CLI)
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.render import render_lanes
from neuromix.nodes import get



@dataclass
class FitResult:
    """The fitted patch, the values found, the learning curve and the final report."""

    graph: Graph
    values: dict[str, float]
    curve: list[float]  # best loss after each generation
    report: dict = field(default_factory=dict)


def address_bounds(graph: Graph, address: str) -> tuple[float, float, float]:
    """(current value, lowest, highest) of a parameter address of ``graph``; FitError if none."""
    node_id, _, rest = address.partition(".")
    node = graph.nodes.get(node_id)
    if node is None:
        hint = nearest(node_id, graph.nodes)
        raise FitError(f"no node '{node_id}' for parameter '{address}'"
                       + (f" ({hint})" if hint else ""))
    nt = get(node.type)
    signal = _modulation(node, rest)
    if signal is not None:
        sig, part = signal
        return sig.gain()[0 if part == "scale" else 1], -math.inf, math.inf
    if rest.startswith("w.") and nt.inputs == "weighted":
        key = rest[2:]
        for inp in node.inputs:
            if inp.key == key and not isinstance(inp.weight, Signal):
                return float(inp.weight), -1e6, 1e6
    spec = nt.param(rest)
    if spec is not None and not isinstance(node.params.get(rest), Signal):
        return float(node.params.get(rest, spec.default)), spec.lo, spec.hi
    for arr in nt.arrays:  # a weight matrix entry (network.w.3.7)
        keys, values = arr.entries(node)
        if rest in keys:
            return float(values[keys.index(rest)]), -1e6, 1e6
    choices = [p.name for p in nt.params if not isinstance(node.params.get(p.name), Signal)]
    choices += [f"{p}.{part}" for p, v in node.params.items()
                if isinstance(v, Signal) and not v.is_wire for part in ("scale", "offset")]
    choices += [f"w.{i.key}" for i in node.inputs if not isinstance(i.weight, Signal)]
    hint = nearest(rest, choices)
    raise FitError(f"'{node_id}' ({node.type}) has no fittable parameter '{rest}'"
                   + (f" ({hint})" if hint else f"; it has {', '.join(choices) or 'none'}"))


def _modulation(node, rest: str):
    """(signal, "scale" or "offset") for an address like ``freq.scale`` or ``w.lfo.offset``."""
    base, _, part = rest.rpartition(".")
    if part not in ("scale", "offset"):
        return None
    if base.startswith("w."):
        sig = next((i.weight for i in node.inputs if i.key == base[2:]), None)
    else:
        sig = node.params.get(base)
    return (sig, part) if isinstance(sig, Signal) and not sig.is_wire else None


def set_address(graph: Graph, address: str, value: float) -> None:
    """Write a parameter value into the graph itself (so it is saved with the patch)."""
    address_bounds(graph, address)
    node_id, _, rest = address.partition(".")
    node = graph.nodes[node_id]
    signal = _modulation(node, rest)
    if signal is not None:
        sig, part = signal
        setattr(sig, part, float(value))
        scale, offset = sig.gain()
        sig.scale, sig.offset = scale, offset
    elif rest.startswith("w.") and any(i.key == rest[2:] for i in node.inputs):
        next(i for i in node.inputs if i.key == rest[2:]).weight = float(value)
    else:
        node.params[rest] = float(value)


def render_chunks(patches: list, frames: int, pool: ThreadPoolExecutor | None) -> np.ndarray:
    """Render each compiled patch (a chunk of lanes) from reset: (lanes, frames), channels mixed."""
    def one(c):
        return render_lanes(c, frames).mean(axis=2)

    parts = list(pool.map(one, patches)) if pool else [one(c) for c in patches]
    return np.concatenate(parts)


class LaneEvaluator:
    """Scores K candidate parameter vectors at once: K lanes, split over threads."""

    def __init__(self, graph: Graph, addresses: list[str], target: np.ndarray, lanes: int,
                 time_weight: float, threads: int):
        self.graph, self.addresses, self.target = graph, addresses, target
        self.time_weight = time_weight
        first = CompiledPatch(graph, lanes=1)
        self.kernel = first.kernel
        self.index = [first.index(a) for a in addresses]
        chunks = np.array_split(np.arange(lanes), max(1, min(threads, lanes)))
        self.patches = [CompiledPatch(graph, lanes=len(ch), kernel=self.kernel) for ch in chunks]
        self.single = first
        self.pool = ThreadPoolExecutor(len(self.patches)) if len(self.patches) > 1 else None

    def _load(self, patch, rows: np.ndarray) -> None:
        for j, i in enumerate(self.index):
            patch.params[:, i] = rows[:, j]

    def render(self, x: np.ndarray) -> np.ndarray:
        """(K, frames) renders of the K rows of ``x``, in batches of as many as there are lanes."""
        lanes = sum(p.lanes for p in self.patches)
        return np.concatenate([self._batch(x[i:i + lanes]) for i in range(0, len(x), lanes)])

    def _batch(self, x: np.ndarray) -> np.ndarray:
        count = len(x)
        lanes = sum(p.lanes for p in self.patches)
        if count < lanes:  # fewer candidates than lanes: the last one fills the rest
            x = np.vstack([x, np.repeat(x[-1:], lanes - count, axis=0)])
        start = 0
        for patch in self.patches:
            self._load(patch, x[start:start + patch.lanes])
            patch.blown_up.clear()
            start += patch.lanes
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            audio = render_chunks(self.patches, len(self.target), self.pool)
            start = 0
            for patch in self.patches:  # a blow-up resets that node in every lane of a chunk:
                if patch.blown_up:  # so each of those candidates is rendered again alone
                    for k in range(start, start + patch.lanes):
                        audio[k] = self.render_one(x[k])
                start += patch.lanes
        return audio[:count]

    def render_one(self, row: np.ndarray) -> np.ndarray:
        self._load(self.single, row[None, :])
        self.single.blown_up.clear()
        audio = render_chunks([self.single], len(self.target), None)[0]
        return np.full_like(audio, np.nan) if self.single.blown_up else audio

    def loss(self, x: np.ndarray) -> np.ndarray:
        return stft_loss(self.render(x), self.target, self.time_weight)

    def close(self) -> None:
        if self.pool:
            self.pool.shutdown()


def fit(graph: Graph, target: np.ndarray, addresses: list[str], *, seconds: float | None = None,
        sigma: float = 0.5, popsize: int | None = None, generations: int = 200,
        time_weight: float = 1.0, seed: int = 0, threads: int = 2, restarts: int = 3,
        goal: float = 0.0, progress: bool = True, callback=None) -> FitResult:
    """Fit ``addresses`` of ``graph`` so that its render matches ``target`` (at the patch's rate).

    Starts from the patch's current values, with a step of ``sigma`` times each value's size
    (at least 1). ``seconds`` limits the part of the target used. ``popsize`` candidates
    (lanes) per generation, ``generations`` in all; a run that stalls restarts with twice the
    population (up to ``restarts`` times); a loss at or below ``goal`` ends the fit. Returns
    the fitted copy of
    the graph; ``callback(generation, best_loss)`` is called after each generation.
    """
    try:
        import cma
    except ImportError:
        raise FitError("fitting needs the 'cma' package: pip install 'neuromix[learn]'") from None
    if not addresses:
        raise FitError("say which parameters to fit (e.g. --param a.bias)")
    if len(set(addresses)) != len(addresses):
        raise FitError("a parameter is named twice")
    target = mono(target)
    if seconds is not None:
        target = target[:max(1, int(round(seconds * graph.sr)))]
    if len(target) < 256 or not np.isfinite(target).all() or not np.any(target):
        raise FitError("the target must be at least 256 samples of finite, not silent audio")
    graph = copy.deepcopy(graph)
    start = [address_bounds(graph, a) for a in addresses]
    x0 = np.array([v for v, _, _ in start])
    lo = np.array([lo for _, lo, _ in start])
    hi = np.array([hi for _, _, hi in start])
    stds = np.maximum(np.abs(x0), 1.0)
    lanes = max(popsize or 16, 2)
    evaluator = LaneEvaluator(graph, addresses, target, lanes, time_weight, threads)
    curve: list[float] = []
    best_x, best = x0, float(evaluator.loss(x0[None, :])[0])
    began, evaluations, stops = time.perf_counter(), 1, []
    from tqdm import tqdm

    bar = tqdm(total=generations, desc="fit", unit="gen", disable=None if progress else True,
               leave=False)
    try:
        # IPOP-CMA-ES: when a run stalls, restart from the start with twice the population
        for run in range(restarts + 1):
            if len(curve) >= generations or best <= goal:
                break
            options = {"seed": int(seed) * 1000 + run + 1, "popsize": lanes * 2 ** run,
                       "verbose": -9, "CMA_stds": stds, "bounds": [list(lo), list(hi)],
                       "maxiter": generations - len(curve), "tolfun": 1e-9, "tolx": 1e-10,
                       "tolstagnation": 40, "tolflatfitness": 5}
            es = cma.CMAEvolutionStrategy(x0, sigma, options)
            while not es.stop() and best > goal and len(curve) < generations:
                x = np.array(es.ask())
                losses = evaluator.loss(x)
                es.tell(list(x), [float(v) if np.isfinite(v) else 1e30 for v in losses])
                k = int(np.argmin(losses))
                if losses[k] < best:
                    best, best_x = float(losses[k]), x[k].copy()
                curve.append(best)
                bar.update(1)
                bar.set_postfix(loss=f"{best:.4g}", run=run + 1)
                if callback:
                    callback(len(curve), best)
            evaluations += int(es.countevals)
            stops.append(", ".join(sorted(es.stop())) or ("goal" if best <= goal else "budget"))
        out = evaluator.render(best_x[None, :])[0]
    finally:
        bar.close()
        evaluator.close()
    values = {a: float(v) for a, v in zip(addresses, best_x)}
    for a, v in values.items():
        set_address(graph, a, v)
    report = {"loss": best, "snr_db": snr_db(target, out),
              "log_spectral_distance_db": log_spectral_distance(out, target, graph.sr),
              "generations": len(curve), "evaluations": evaluations, "runs": len(stops),
              "lanes": lanes, "threads": len(evaluator.patches),
              "seconds": round(time.perf_counter() - began, 3), "seed": seed,
              "stop": "; ".join(stops)}
    return FitResult(graph, values, curve, report)


def check_rate(graph: Graph, sr: float, what: str) -> None:
    """A PatchError when a target's sample rate is not the patch's."""
    if float(sr) != float(graph.sr):
        raise PatchError(f"{what} is at {sr:g} Hz but the patch runs at {graph.sr:g} Hz",
                         hint="resample the target, or set the patch's sr")
