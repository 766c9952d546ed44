"""How often ``learn fit`` recovers known parameters, over random starts and seeds.

Two non-chaotic example patches (``neuromix chaos``: the dual neuron -1.5e4 per second, the
NLC GENiE ring -63 per second), each with four parameters forgotten (``dual6``: the dual
neuron's four weights and two biases, run only when named): for seed s the fit starts
from values drawn uniformly from the search ranges (by ``numpy.random.default_rng(s)``) and
runs with ``seed=s``, against the first 0.1 s of the true patch's render. A seed counts as
recovered when every value is within 1% of the truth. Prints, per patch, the seeds recovered,
the worst error and the time, for the fit as it is and for one CMA-ES run from the starting
values (no global stage, no restarts: the fit before this benchmark existed).

    python benchmarks/bench_fit.py                 # 10 seeds per patch (about 2 minutes of CPU)
    python benchmarks/bench_fit.py --seeds 3 --patch dual
"""

import argparse
import copy
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import neuromix as nm
from neuromix.graph.patchfile import load_graph
from neuromix.learn.fit import fit, set_address

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 0.01  # recovered: every value within 1% of the truth


@dataclass
class Problem:
    """A patch, the parameters forgotten (with their true values) and where to search."""

    patch: str
    truth: dict[str, float]
    ranges: dict[str, tuple[float, float]]


PROBLEMS = {
    "dual": Problem("dual_neuron.yaml",
                    {"a.w.s1": 1.5, "a.w.b": 1.2, "b.w.t1": 1.3, "b.w.a": -1.4},
                    {a: (-3.0, 3.0) for a in ("a.w.s1", "a.w.b", "b.w.t1", "b.w.a")}),
    "dual6": Problem("dual_neuron.yaml",
                     {"a.w.s1": 1.5, "a.w.b": 1.2, "b.w.t1": 1.3, "b.w.a": -1.4, "a.bias": 0.1,
                      "b.bias": -0.05},
                     {"a.w.s1": (-3.0, 3.0), "a.w.b": (-3.0, 3.0), "b.w.t1": (-3.0, 3.0),
                      "b.w.a": (-3.0, 3.0), "a.bias": (-1.0, 1.0), "b.bias": (-1.0, 1.0)}),
    "genie": Problem("nlc_genie.yaml",
                     {"n1.w.osc": 6.0, "n1.w.back.offset": -0.7, "n2.w.n1": 0.8,
                      "n3.w.n2": 0.9},
                     {"n1.w.osc": (0.0, 10.0), "n1.w.back.offset": (-2.0, 2.0),
                      "n2.w.n1": (0.0, 2.0), "n3.w.n2": (0.0, 2.0)}),
}


def target_of(problem: Problem, seconds: float) -> np.ndarray:
    """The true patch's first ``seconds``."""
    return nm.Patch(graph=load_graph(ROOT / "examples" / problem.patch)).render(seconds=seconds)


def recover(problem: Problem, seed: int, target: np.ndarray, **options):
    """One fit from random starting values: (worst relative error, fit result)."""
    graph = load_graph(ROOT / "examples" / problem.patch)
    rng = np.random.default_rng(seed)
    start = copy.deepcopy(graph)
    for address, (lo, hi) in problem.ranges.items():
        set_address(start, address, rng.uniform(lo, hi))
    result = fit(start, target, list(problem.truth), ranges=problem.ranges, seed=seed,
                 progress=False, **options)
    error = max(abs(result.values[a] - v) / abs(v) for a, v in problem.truth.items())
    return error, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=0.1, help="target length")
    parser.add_argument("--patch", choices=sorted(PROBLEMS), action="append")
    parser.add_argument("--no-single", action="store_true",
                        help="skip the single-run comparison")
    parser.add_argument("--time-weight", type=float, default=1.0,
                        help="weight of the loss's time-domain term (0: spectra only)")
    args = parser.parse_args()
    ways = {"fit (Sobol stage + 4 restarts)": {"time_weight": args.time_weight}}
    if not args.no_single:
        ways["one CMA-ES run from the start"] = {"samples": 0, "restarts": 1,
                                                 "time_weight": args.time_weight}
    for name in args.patch or ["dual", "genie"]:
        problem = PROBLEMS[name]
        target = target_of(problem, args.seconds)
        for way, options in ways.items():
            errors, times, cpu = [], [], []
            for seed in range(args.seeds):
                began, used = time.perf_counter(), time.process_time()
                error, result = recover(problem, seed, target, **options)
                times.append(time.perf_counter() - began)
                cpu.append(time.process_time() - used)
                errors.append(error)
                print(f"  {name} seed {seed}: worst error {error:.2e}, loss ratio "
                      f"{result.confidence.ratio:.2e} ({result.confidence.verdict}), "
                      f"{times[-1]:.1f} s ({cpu[-1]:.1f} s of CPU)", flush=True)
            good = [e for e in errors if e < TOLERANCE]
            print(f"{name} ({problem.patch}), {way}: recovered {len(good)} of {args.seeds} "
                  f"(within 1%); worst error of those {max(good, default=float('nan')):.1e}; "
                  f"median {np.median(times):.1f} s per fit ({np.median(cpu):.1f} s of CPU), "
                  f"total {sum(times):.0f} s", flush=True)


if __name__ == "__main__":
    main()
