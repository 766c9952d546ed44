"""Explain a patch in one self-contained HTML report.

The report draws the network (weights as edge width and colour, feedback delays marked),
shows for every neuron where it works on its activation curve, its output over time and who
drives it, with a plain-language summary; phase portraits; waveform, spectrogram and loudness;
and the largest Lyapunov exponent; a player for each output. An instrument file is explained
as its gesture replay drives its network. Example:
``neuromix explain examples/dual_neuron.yaml -o dual.html``.
"""

from __future__ import annotations

from neuromix.commands import _args

HELP = "write an HTML report that shows what every neuron of a patch does"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch or instrument file (YAML or JSON)")
    _args.add_output(parser, "HTML file to write (default: PATCH name .html)")
    _args.add_render(parser, "length of the render analysed (default 2; for an instrument, its "
                             "gesture's length plus one second)")
    _args.add_input(parser)
    _args.add_progress(parser)


def run(args) -> int:
    from pathlib import Path

    from neuromix.analysis.explain import explain, explain_instrument
    from neuromix.errors import UsageError
    from neuromix.graph.patchfile import load_graph
    from neuromix.instrument.file import is_instrument_file, load
    from neuromix.instrument.inputs import gesture

    path = Path(args.patch)
    out = _args.output_path(args.output or path.with_suffix(".html"), (".html", ".htm"))
    if is_instrument_file(path):
        if args.sr is not None:
            raise UsageError("--sr: an instrument's network runs at its control rate ('rate:' "
                             "in the file)")
        if args.input is not None:
            raise UsageError("--input: an instrument hears its controllers, not a sound file")
        spec = load(path)
        _args.apply_render(spec.network, args)
        with _args.Working(args, f"explain: playing the gesture of {path.name}"):
            report = explain_instrument(spec, gesture(spec, args.seconds), title=path.stem)
            out = report.save(out)
            report.close()
    else:
        graph = load_graph(path)
        _args.apply_render(graph, args)
        _args.apply_input(graph, args)
        seconds = 2.0 if args.seconds is None else args.seconds
        with _args.Working(args, f"explain: analysing {seconds:g} s of {path.name}"):
            report = explain(graph, seconds=seconds, title=path.stem)
            out = report.save(out)
            report.close()
    print(f"wrote {out}")
    print(f"  {report.lyapunov.describe() if report.lyapunov else report.source}")
    for nid, neuron in report.neurons.items():
        print(f"  {nid}: {neuron.summary}")
    return 0
