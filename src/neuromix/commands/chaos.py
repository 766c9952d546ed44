"""Measure how chaotic a patch is: its largest Lyapunov exponent, or a bifurcation diagram.

``neuromix chaos PATCH`` prints the exponent per second (negative: stable, near zero: a limit
cycle, positive: chaotic). ``--set a.w.b=1.3`` changes a parameter first.
``--bifurcation a.w.b=-3:3:200 -o fig.png`` draws where the output peaks for 200 values of
that parameter, with the exponent below.
"""

from __future__ import annotations

import sys

HELP = "print a patch's Lyapunov exponent, or draw a bifurcation diagram"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="length of the run measured (default 2)")
    parser.add_argument("--set", action="append", default=[], metavar="ADDRESS=VALUE",
                        help="set a parameter first (repeatable)")
    parser.add_argument("--renorm", type=int, help="samples between renormalisations (default 8)")
    parser.add_argument("--bifurcation", metavar="ADDRESS=LO:HI:N",
                        help="draw a bifurcation diagram over one parameter")
    parser.add_argument("-o", "--output", help="PNG for the diagram (default: PATCH-bifurcation.png)")


def run(args) -> int:
    from pathlib import Path

    from neuromix.analysis import chaos
    from neuromix.graph.patchfile import load_graph

    if args.seconds <= 0 or (args.renorm is not None and args.renorm < 1):
        print("neuromix: --seconds and --renorm must be positive", file=sys.stderr)
        return 2
    graph = load_graph(args.patch)
    renorm = args.renorm or chaos.RENORM
    try:
        values = {}
        for text in args.set:
            address, vals = chaos.parse_range(text)
            values[address] = float(vals[0])
        if args.bifurcation:
            address, grid = chaos.parse_range(args.bifurcation)
            result = chaos.bifurcation(graph, address, grid, seconds=args.seconds, renorm=renorm,
                                       values_fixed=values)
            out = args.output or str(Path(args.patch).with_name(Path(args.patch).stem
                                                                 + "-bifurcation.png"))
            chaos.draw_bifurcation(result, out, title=f"{Path(args.patch).stem}: {address}")
            lam = result.lyapunov
            print(f"wrote {out}: {len(grid)} values of {address}; exponent from "
                  f"{_fmt(lam.min())} to {_fmt(lam.max())} per second")
            return 0
        lam = chaos.lyapunov(graph, seconds=args.seconds, renorm=renorm, values=values)
    except (KeyError, ValueError) as err:
        print(f"neuromix: {err.args[0] if err.args else err}", file=sys.stderr)
        return 2
    print(f"largest Lyapunov exponent: {_fmt(lam.per_second)} per second "
          f"({_fmt(lam.per_sample)} per sample)")
    print(lam.describe())
    return 0


def _fmt(v: float) -> str:
    import math

    return "undefined (nothing to disturb)" if not math.isfinite(v) else f"{v:.4g}"
