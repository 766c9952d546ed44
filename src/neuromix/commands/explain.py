"""Explain a patch in one self-contained HTML report.

The report draws the network (weights as edge width and colour, feedback delays marked),
shows for every neuron where it works on its activation curve, its output over time and who
drives it, with a plain-language summary; phase portraits; waveform, spectrogram and loudness;
and the largest Lyapunov exponent. Example:
``neuromix explain examples/dual_neuron.yaml -o dual.html``.
"""

from __future__ import annotations

from neuromix.commands import _args

HELP = "write an HTML report that shows what every neuron of a patch does"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")
    _args.add_output(parser, "HTML file to write (default: PATCH name .html)")
    _args.add_render(parser, "length of the render analysed (default 2)", default=2.0)
    _args.add_progress(parser)


def run(args) -> int:
    from pathlib import Path

    from neuromix.analysis.explain import explain
    from neuromix.graph.patchfile import load_graph

    graph = load_graph(args.patch)
    _args.apply_render(graph, args)
    out = _args.output_path(args.output or Path(args.patch).with_suffix(".html"),
                            (".html", ".htm"))
    with _args.Working(args, f"explain: analysing {args.seconds:g} s of {Path(args.patch).name}"):
        report = explain(graph, seconds=args.seconds, title=Path(args.patch).stem)
        out = report.save(out)
        report.close()
    print(f"wrote {out}")
    print(f"  {report.lyapunov.describe()}")
    for nid, neuron in report.neurons.items():
        print(f"  {nid}: {neuron.summary}")
    return 0
