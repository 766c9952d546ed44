"""Measure how chaotic a patch is: its largest Lyapunov exponent, or a bifurcation diagram.

``neuromix chaos PATCH`` prints the exponent per second (negative: stable, near zero: a limit
cycle, positive: chaotic). ``--set a.w.b=1.3`` changes a parameter first.
``--bifurcation a.w.b=-3:3:200 -o fig.png`` draws where the output peaks for 200 values of
that parameter, with the exponent below: at most 10,000 values, each run at most 25 million
samples long (``--seconds`` plus half a second of transient, times the sample rate).
"""

from __future__ import annotations

from neuromix.commands import _args

HELP = "print a patch's Lyapunov exponent, or draw a bifurcation diagram"
MAX_VALUES = 10_000  # values of a bifurcation diagram
MAX_FRAMES = 25_000_000  # samples per value of a bifurcation diagram (its audio is kept)
CHUNK_SAMPLES = 4_000_000  # values run together as lanes while their audio stays this small
TRANSIENT = 0.5  # seconds before a bifurcation diagram's peaks are collected


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")
    _args.add_render(parser, "length of the run measured (default 2)", default=2.0)
    parser.add_argument("--renorm", type=_args.whole(1), help="samples between renormalisations "
                        "(default 8)")
    parser.add_argument("--bifurcation", type=_args.value_range(MAX_VALUES),
                        metavar="ADDRESS=LO:HI:N",
                        help=f"draw a bifurcation diagram over one parameter (N at most "
                             f"{MAX_VALUES:,})")
    _args.add_output(parser, "PNG for the diagram (default: PATCH-bifurcation.png)")
    _args.add_input(parser)
    _args.add_progress(parser)


def run(args) -> int:
    from pathlib import Path

    from neuromix.analysis import chaos
    from neuromix.engine.lyapunov import RENORM, lyapunov
    from neuromix.graph.patchfile import load_graph

    graph = load_graph(args.patch)
    _args.apply_render(graph, args)
    _args.apply_input(graph, args)
    renorm = args.renorm or RENORM
    if args.bifurcation:
        out = _args.output_path(args.output or Path(args.patch).with_name(
            Path(args.patch).stem + "-bifurcation.png"), (".png",))
        result = _bifurcation(graph, args, renorm)
        address = result.address
        chaos.draw_bifurcation(result, out, title=f"{Path(args.patch).stem}: {address}")
        lam = result.lyapunov
        print(f"wrote {out}: {len(result.values)} values of {address}; exponent from "
              f"{_fmt(lam.min())} to {_fmt(lam.max())} per second")
        return 0
    if args.output:
        raise _args.UsageError("-o is for the diagram of --bifurcation; the exponent is printed")
    with _args.Working(args, f"chaos: measuring {args.seconds:g} s"):
        lam = lyapunov(graph, seconds=args.seconds, renorm=renorm)
    print(f"largest Lyapunov exponent: {_fmt(lam.per_second)} per second "
          f"({_fmt(lam.per_sample)} per sample)")
    print(lam.describe())
    return 0


def _bifurcation(graph, args, renorm: int):
    """The diagram, its values run in chunks of lanes (bounded memory, a progress bar)."""
    import numpy as np
    from tqdm import tqdm

    from neuromix.analysis import chaos
    from neuromix.engine.compiled import CompiledPatch

    address, lo, hi, n = args.bifurcation
    CompiledPatch(graph).index(address)  # an unknown address, before any work
    frames = (args.seconds + TRANSIENT) * graph.sr
    if frames > MAX_FRAMES:
        raise _args.UsageError(
            f"--bifurcation: {args.seconds:g} s at {graph.sr:g} Hz is {frames:,.0f} samples per "
            f"value; at most {MAX_FRAMES:,} (shorten --seconds)")
    values = np.linspace(lo, hi, n)
    chunk = int(max(1, min(32, CHUNK_SAMPLES // frames)))
    show = _args.progress(args)
    parts = []
    with tqdm(total=n, desc="bifurcation", unit="value", leave=False,
              disable=None if show is None else not show) as bar:
        for start in range(0, n, chunk):
            parts.append(chaos.bifurcation(graph, address, values[start:start + chunk],
                                           seconds=args.seconds, transient=TRANSIENT,
                                           renorm=renorm))
            bar.update(len(parts[-1].values))
    return chaos.Bifurcation(address, values, [p for part in parts for p in part.points],
                             np.concatenate([part.lyapunov for part in parts]))


def _fmt(v: float) -> str:
    import math

    return "undefined (nothing to disturb)" if not math.isfinite(v) else f"{v:.4g}"
