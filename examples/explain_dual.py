"""Explain and map the dual-neuron patches: HTML reports, chaos maps and a bifurcation diagram.

Writes into ``--out DIR``: ``dual_neuron-explain.html`` and ``dual_fold-explain.html`` (what
every neuron does), ``dual_neuron-map/`` and ``dual_fold-map/`` (a sweep of the two cross
weights: table plus a map per measure, ``map_lyapunov.png`` being the chaos map) and
``dual_fold-bifurcation.png``. ``--quick`` makes everything small, for the tests.
"""

import argparse
import time
from pathlib import Path

from neuromix.analysis import chaos, explain, sweep
from neuromix.graph.patchfile import load_graph

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="out", help="output folder")
    parser.add_argument("--quick", action="store_true", help="small and fast")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n, seconds = (4, 0.1) if args.quick else (32, 1.0)
    start = time.perf_counter()
    made = []
    for name in ("dual_neuron", "dual_fold"):
        graph = load_graph(HERE / f"{name}.yaml")
        report = explain.explain(graph, seconds=0.2 if args.quick else 2.0, title=name)
        made.append(report.save(out / f"{name}-explain.html"))
        report.close()
        axes = [sweep.Axis.parse(f"a.w.b=-4:4:{n}"), sweep.Axis.parse(f"b.w.a=-4:4:{n}")]
        folder = out / f"{name}-map{'-quick' if args.quick else ''}"
        result = sweep.sweep(graph, axes, folder, seconds=seconds, lanes=16,
                             workers=1 if args.quick else None, keep_audio=0 if args.quick else 4)
        made.append(folder / "map_lyapunov.png")
        print(f"{name}: {len(result.table['index'])} points, exponent from "
              f"{result.table['lyapunov'].min():.3g} to {result.table['lyapunov'].max():.3g} /s")
    graph = load_graph(HERE / "dual_fold.yaml")
    values = chaos.parse_range(f"a.w.b=0:4:{20 if args.quick else 400}")[1]
    diagram = chaos.bifurcation(graph, "a.w.b", values, seconds=0.05 if args.quick else 0.3,
                                transient=0.05 if args.quick else 0.2)
    chaos.draw_bifurcation(diagram, out / "dual_fold-bifurcation.png",
                           title="dual fold: output peaks over the weight a.w.b")
    made.append(out / "dual_fold-bifurcation.png")
    print(f"wrote {len(made)} reports and pictures in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
