"""Offline fitting: chosen parameters of any patch fitted to a target sound.

Any addressable parameter can be fitted (``a.w.s1``, ``a.bias``, ``lp.cutoff``, ``fb.gain``),
feedback loops included: the patch is a black box that renders. Two stages, both rendered as
lanes of one compiled patch (each lane its own parameters and state, split over threads: the
kernel releases the GIL):

1. a global first stage: a scrambled Sobol sample of the search box (64 points per parameter)
   and the starting values, scored at once;
2. restarts: CMA-ES from each of the best sampled points that stand apart (a local minimum
   near one start does not hold the others), one population of K candidates per generation.

Candidates are scored by :func:`neuromix.learn.losses.stft_loss` (a multi-resolution
log-magnitude STFT distance plus a time-domain term where phase is meaningful), and the result
is judged by :mod:`neuromix.learn.confidence`: the best loss against silence and a constant
output, and whether the restarts agree. The same seed gives the same fitted patch.

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
import itertools
import math
import operator
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from neuromix.features import mono
from neuromix.graph.graph import Graph, PatchError, Signal, nearest
from neuromix.learn.confidence import Confidence, Run, judge
from neuromix.learn.losses import StftLoss, log_spectral_distance, snr_db
from neuromix.errors import FitError  # noqa: F401  (raised here, caught by the CLI)
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.render import render_lanes
from neuromix.nodes import get

SPAN = 3.0  # default search range: the starting value ± 3 times its size (at least 1)
SEPARATION = 0.1  # restarts start at least this far apart (of the unit box, on some axis)
MAX_SIGMA = 0.3  # CMA-ES itself keeps its steps within a third of a bounded range
TOLX = 1e-5  # a restart ends when its steps are this small (of each range)
TOLFUN = 1e-6  # or when its losses vary by less than this (of the know-nothing loss)


@dataclass
class FitResult:
    """The fitted patch, the values found, the learning curve and the final report."""

    graph: Graph
    values: dict[str, float]
    curve: list[float]  # best loss so far after each generation (over all restarts)
    report: dict = field(default_factory=dict)
    confidence: Confidence | None = None


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
        self.scorer = StftLoss(target, time_weight)
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
        return self.scorer(self.render(x))

    def close(self) -> None:
        if self.pool:
            self.pool.shutdown()


def search_range(graph: Graph, address: str, given: tuple[float, float] | None = None
                 ) -> tuple[float, float]:
    """Where a fit looks for ``address``: ``given`` (checked against the node's limits), or
    its current value ± :data:`SPAN` times its size (at least 1), within those limits."""
    value, lo, hi = address_bounds(graph, address)
    if given is None:
        reach = SPAN * max(abs(value), 1.0)
        return max(lo, value - reach), min(hi, value + reach)
    try:
        low, high = (float(v) for v in given)
    except (TypeError, ValueError):
        raise FitError(f"the search range of {address} must be two numbers, low and high "
                       f"(got {given!r:.60})") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise FitError(f"the search range of {address} must be two finite numbers, the first "
                       f"below the second (got {low:g} to {high:g})")
    if low < lo or high > hi:
        raise FitError(f"the search range of {address} ({low:g} to {high:g}) leaves its "
                       f"limits ({lo:g} to {hi:g})")
    return low, high


def _seed(seed: int, *stream: int) -> int:
    """A positive 32-bit seed for CMA-ES (which takes 0 as 'from the clock') from any seed."""
    state = np.random.SeedSequence([int(seed) & (2 ** 64 - 1), *stream]).generate_state(1)[0]
    return int(state) or 1


def sample_starts(count: int, dims: int, seed: int) -> np.ndarray:
    """``count`` scrambled Sobol points in the unit cube: the global first stage's candidates."""
    from scipy.stats import qmc

    if count == 0:
        return np.zeros((0, dims))
    sobol = qmc.Sobol(dims, scramble=True, seed=np.random.default_rng(_seed(seed, 0)))
    with warnings.catch_warnings():  # a count that is not a power of two is fine here
        warnings.simplefilter("ignore")
        return sobol.random(count)


def pick_starts(points: np.ndarray, losses: np.ndarray, count: int) -> list[int]:
    """Indices of the best ``count`` points, each at least :data:`SEPARATION` (of the unit
    cube, on some axis) from those picked before; the next best fill in when too few stand
    apart, and points repeat (a run with another seed) when there are fewer than ``count``."""
    order = [int(i) for i in np.argsort(losses, kind="stable") if np.isfinite(losses[i])]
    order = order or list(range(len(points)))
    picked: list[int] = []
    for i in order:
        if len(picked) == count:
            break
        if all(np.max(np.abs(points[i] - points[j])) > SEPARATION for j in picked):
            picked.append(i)
    rest = [i for i in order if i not in picked] or picked
    return picked + list(itertools.islice(itertools.cycle(rest), count - len(picked)))


def _bar(total: int, desc: str, unit: str, progress: bool | None):
    """A tqdm bar: on a terminal when ``progress`` is None, always when True, never when False."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, leave=False, mininterval=0.2,
                disable=None if progress is None else not progress)


def _refine(cma, evaluator: "LaneEvaluator", u0: np.ndarray, loss0: float, box: np.ndarray,
            options: dict, sigma: float, goal: float, on_generation) -> tuple[Run, int]:
    """One CMA-ES run in the unit cube from ``u0`` (whose loss is ``loss0``): its Run (values
    in the box's units) and its count of evaluations. ``on_generation(loss)`` after each."""
    lo, width = box[:, 0], box[:, 1] - box[:, 0]
    es = cma.CMAEvolutionStrategy(u0, sigma, options)
    own, own_u = loss0, u0
    while not es.stop() and own > goal:
        u = np.array(es.ask())
        got = evaluator.loss(lo + u * width)
        es.tell(list(u), [float(v) if np.isfinite(v) else 1e30 for v in got])
        k = int(np.argmin(got))
        if got[k] < own:
            own, own_u = float(got[k]), u[k].copy()
        on_generation(own)
    stop = ", ".join(sorted(es.stop())) or ("goal" if own <= goal else "budget")
    return Run(own, lo + own_u * width, stop), int(es.countevals)


def fit(graph: Graph, target: np.ndarray, addresses: list[str], *,
        ranges: dict[str, tuple[float, float]] | None = None, seconds: float | None = None,
        samples: int | None = None, restarts: int = 4, sigma: float = 0.1,
        popsize: int | None = None, generations: int = 200, time_weight: float = 1.0,
        seed: int = 0, threads: int = 2, goal: float = 0.0, progress: bool | None = None,
        callback=None) -> FitResult:
    """Fit ``addresses`` of ``graph`` so that its render matches ``target`` (at the patch's rate).

    Each parameter is searched within its range: ``ranges[address]`` = (low, high), or by
    default its current value ± 3 times its size (at least 1), within the node's limits. A
    global first stage scores ``samples`` Sobol points of that box (and the starting values)
    as lanes; then ``restarts`` CMA-ES runs, from the best points that stand apart, each of
    ``popsize`` candidates (lanes) per generation for at most ``generations``, with a first
    step of ``sigma`` times each range, refine them; a run ends once its loss is at or below
    ``goal``. ``seconds`` limits the part of the target used. The result holds the fitted copy
    of the graph and :attr:`FitResult.confidence`, the best loss against silence and a constant
    output, and a warning when restarts disagree. ``callback(generation, best_loss)`` is called
    after each generation; ``progress`` draws bars (None: on a terminal).
    """
    try:
        import cma
        import scipy.stats  # noqa: F401  (the Sobol sample)
    except ImportError:
        raise FitError("fitting needs the 'cma' and 'scipy' packages: "
                       "pip install 'neuromix[learn]'") from None
    if not addresses:
        raise FitError("say which parameters to fit (e.g. --param a.bias)")
    if len(set(addresses)) != len(addresses):
        raise FitError("a parameter is named twice")
    try:
        restarts = operator.index(restarts)
        samples = None if samples is None else operator.index(samples)
    except TypeError:
        raise FitError("restarts and samples are whole numbers") from None
    if restarts < 1 or (samples is not None and samples < 0) or not 0 < sigma <= MAX_SIGMA:
        raise FitError(f"a fit needs at least one restart, 0 or more samples and a first step "
                       f"(sigma) above 0, at most {MAX_SIGMA:g}")
    unknown = sorted(set(ranges or {}) - set(addresses))
    if unknown:
        raise FitError(f"a search range for {unknown[0]}, which is not fitted")
    target = mono(target)
    if seconds is not None:
        target = target[:max(1, int(round(seconds * graph.sr)))]
    if len(target) < 256 or not np.isfinite(target).all() or not np.any(target):
        raise FitError("the target must be at least 256 samples of finite, not silent audio")
    graph = copy.deepcopy(graph)
    limits = [address_bounds(graph, a)[1:] for a in addresses]
    box = np.array([search_range(graph, a, (ranges or {}).get(a)) for a in addresses])
    lo, width = box[:, 0], box[:, 1] - box[:, 0]
    start = np.clip([address_bounds(graph, a)[0] for a in addresses], box[:, 0], box[:, 1])
    samples = default_samples(len(addresses)) if samples is None else samples
    lanes = max(popsize or 16, 2)
    evaluator = LaneEvaluator(graph, addresses, target, lanes, time_weight, threads)
    silent, mean = evaluator.scorer(np.vstack([np.zeros_like(target),
                                               np.full_like(target, target.mean())]))
    began, runs, curve = time.perf_counter(), [], []
    baseline = min(silent, mean)
    options = {"popsize": lanes, "verbose": -9, "bounds": [0.0, 1.0], "maxiter": generations,
               "tolfun": TOLFUN * baseline, "tolx": TOLX, "tolstagnation": 40,
               "tolflatfitness": 5}
    try:
        points = np.vstack([(start - lo) / np.where(width > 0, width, 1.0),
                            sample_starts(samples, len(addresses), seed)])
        losses = np.empty(len(points))
        with _bar(len(points), "sample", "candidate", progress) as shown:
            for i in range(0, len(points), lanes):
                losses[i:i + lanes] = evaluator.loss(lo + points[i:i + lanes] * width)
                shown.update(len(points[i:i + lanes]))
        evaluations = len(points)
        for run, i in enumerate(pick_starts(points, losses, restarts), 1):
            with _bar(generations, f"restart {run}/{restarts}", "gen", progress) as shown:
                def generation(own, shown=shown):
                    curve.append(min(own, curve[-1] if curve else float(np.min(losses))))
                    shown.update(1)
                    shown.set_postfix(loss=f"{own:.4g}")
                    if callback:
                        callback(len(curve), curve[-1])

                found, count = _refine(cma, evaluator, points[i], float(losses[i]), box,
                                       {**options, "seed": _seed(seed, run)}, sigma, goal,
                                       generation)
            runs.append(found)
            evaluations += count
        best_run = min(runs, key=lambda r: r.loss)
        out = evaluator.render(best_run.values[None, :])[0]
    finally:
        evaluator.close()
    values = {a: float(v) for a, v in zip(addresses, best_run.values)}
    for a, v in values.items():
        set_address(graph, a, v)
    confidence = judge(best_run.loss, silent, mean, runs, addresses,
                       [tuple(r) for r in box], limits)
    report = {"loss": best_run.loss, "snr_db": snr_db(target, out),
              "log_spectral_distance_db": log_spectral_distance(out, target, graph.sr),
              "loss_ratio": confidence.ratio, "verdict": confidence.verdict,
              "generations": len(curve), "evaluations": evaluations, "samples": samples,
              "restarts": len(runs), "lanes": lanes, "threads": len(evaluator.patches),
              "seconds": round(time.perf_counter() - began, 3), "seed": seed,
              "stop": "; ".join(r.stop for r in runs),
              "ranges": {a: [float(x) for x in r] for a, r in zip(addresses, box)},
              "confidence": confidence.as_dict()}
    return FitResult(graph, values, curve, report, confidence)


def default_samples(dims: int) -> int:
    """Sobol points in the global first stage: 64 per parameter, as a power of two, at most
    4096."""
    return min(4096, 1 << math.ceil(math.log2(64 * dims)))


def check_rate(graph: Graph, sr: float, what: str) -> None:
    """A PatchError when a target's sample rate is not the patch's."""
    if float(sr) != float(graph.sr):
        raise PatchError(f"{what} is at {sr:g} Hz but the patch runs at {graph.sr:g} Hz",
                         hint="resample the target, or set the patch's sr")
