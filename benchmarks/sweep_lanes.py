"""Variants per second of a sweep: one variant per task on the process pool versus lanes.

Sweeps the two cross weights of ``examples/dual_neuron.yaml`` over an N × N grid of
2-second renders (with the Lyapunov twin, as ``neuromix sweep`` does by default), once with
one variant per task and once with ``--lanes`` variants per compiled call, both on a local
process pool of all cores. Prints variants per second and the ratio.

    python benchmarks/sweep_lanes.py            # 64 x 64, as in the issue
    python benchmarks/sweep_lanes.py --n 8      # a quick look
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

from neuromix.analysis import sweep
from neuromix.graph.patchfile import load_graph

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=64, help="grid points per axis")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--lanes", type=int, default=32)
    args = parser.parse_args()
    graph = load_graph(ROOT / "examples" / "dual_neuron.yaml")
    axes = [sweep.Axis.parse(f"a.w.b=-3:3:{args.n}"), sweep.Axis.parse(f"b.w.a=-3:3:{args.n}")]
    points = args.n * args.n
    rates = {}
    for lanes in (1, args.lanes):
        with tempfile.TemporaryDirectory() as out:
            start, cpu = time.perf_counter(), os.times()
            sweep.sweep(graph, axes, out, seconds=args.seconds, lanes=lanes, maps=False)
            wall = time.perf_counter() - start
            end = os.times()
            used = (end.children_user + end.children_system + end.user + end.system
                    - cpu.children_user - cpu.children_system - cpu.user - cpu.system)
        rates[lanes] = points / wall
        print(f"lanes={lanes:3d}: {points} variants in {wall:.1f} s wall, {used:.1f} s CPU: "
              f"{points / wall:.1f} variants/s ({points / used:.1f} per CPU-second)", flush=True)
    print(f"lanes {args.lanes} vs 1: {rates[args.lanes] / rates[1]:.2f}x on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
