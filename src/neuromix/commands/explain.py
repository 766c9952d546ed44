"""Explain a patch in one self-contained HTML report.

The report draws the network (weights as edge width and colour, feedback delays marked),
shows for every neuron where it works on its activation curve, its output over time and who
drives it, with a plain-language summary; phase portraits; waveform, spectrogram and loudness;
and the largest Lyapunov exponent; a player for each output. An instrument file is explained
as its gesture replay drives its network. Example:
``neuromix explain examples/dual_neuron.yaml -o dual.html``.
"""

from __future__ import annotations

import sys

HELP = "write an HTML report that shows what every neuron of a patch does"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch or instrument file (YAML or JSON)")
    parser.add_argument("-o", "--output", help="HTML file to write (default: PATCH name .html)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="length of the render analysed (default 2; for an instrument "
                             "its gesture's length plus one second)")


def run(args) -> int:
    from pathlib import Path

    from neuromix.analysis.explain import explain_file

    if args.seconds is not None and not args.seconds > 0:
        print("neuromix: --seconds must be positive", file=sys.stderr)
        return 2
    report = explain_file(args.patch, args.seconds)
    out = report.save(args.output or Path(args.patch).with_suffix(".html"))
    report.close()
    print(f"wrote {out}")
    print(f"  {report.lyapunov.describe() if report.lyapunov else report.source}")
    for nid, neuron in report.neurons.items():
        print(f"  {nid}: {neuron.summary}")
    return 0
