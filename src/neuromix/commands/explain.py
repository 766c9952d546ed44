"""Explain a patch in one self-contained HTML report.

The report draws the network (weights as edge width and colour, feedback delays marked),
shows for every neuron where it works on its activation curve, its output over time and who
drives it, with a plain-language summary; phase portraits; waveform, spectrogram and loudness;
and the largest Lyapunov exponent. Example:
``neuromix explain examples/dual_neuron.yaml -o dual.html``.
"""

from __future__ import annotations

import sys

HELP = "write an HTML report that shows what every neuron of a patch does"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")
    parser.add_argument("-o", "--output", help="HTML file to write (default: PATCH name .html)")
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="length of the render analysed (default 2)")


def run(args) -> int:
    from pathlib import Path

    from neuromix.analysis.explain import explain
    from neuromix.graph.patchfile import load_graph

    if args.seconds <= 0:
        print("neuromix: --seconds must be positive", file=sys.stderr)
        return 2
    graph = load_graph(args.patch)
    report = explain(graph, seconds=args.seconds, title=Path(args.patch).stem)
    out = report.save(args.output or Path(args.patch).with_suffix(".html"))
    report.close()
    print(f"wrote {out}")
    print(f"  {report.lyapunov.describe()}")
    for nid, neuron in report.neurons.items():
        print(f"  {nid}: {neuron.summary}")
    return 0
