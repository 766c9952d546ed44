"""Sweep parameters over a grid: render every variant, measure it, write a table and maps.

Example: ``neuromix sweep examples/dual_neuron.yaml --param a.w.b=-3:3:64
--param b.w.a=-3:3:64 --seconds 2 -o dual-sweep``. Each point gets its RMS, peak, spectral
centroid and flatness, pitch and its stability, zero-crossing rate and Lyapunov exponent, in
``DIR/sweep.parquet`` (or ``--format csv``), with a map picture per measure. Variants run as
lanes of one compiled kernel, chunks on a local process pool, or on a Dask cluster with
``--dask ADDRESS`` (``--dask local`` starts one here). Interrupted, the same command picks up
where it stopped.
"""

from __future__ import annotations

import sys

HELP = "render a grid of parameter values; table of audio features and chaos, plus maps"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")
    parser.add_argument("--param", action="append", required=True, metavar="ADDRESS=LO:HI:N",
                        help="a swept parameter (repeatable; one or two give maps)")
    parser.add_argument("-o", "--output", help="output folder (default: PATCH-sweep)")
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="length measured per point (default 2)")
    parser.add_argument("--transient", type=float, default=0.1,
                        help="seconds rendered before measuring (default 0.1)")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet",
                        help="table format (default parquet)")
    parser.add_argument("--lanes", type=int, default=32,
                        help="variants per compiled call (default 32)")
    parser.add_argument("--workers", type=int, help="local processes (default: all cores)")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run on the Dask scheduler at ADDRESS ('local' starts one here)")
    parser.add_argument("--no-lyapunov", dest="lyapunov", action="store_false",
                        help="skip the Lyapunov exponent (half the work)")
    parser.add_argument("--keep-audio", type=int, default=0, metavar="N",
                        help="write WAVs of the N most varied points (default 0)")
    parser.add_argument("--progress", action=_bool(), default=None,
                        help="show a progress bar (default: on a terminal)")


def _bool():
    import argparse

    return argparse.BooleanOptionalAction


def run(args) -> int:
    import contextlib
    from pathlib import Path

    from neuromix.analysis import sweep as sw
    from neuromix.graph.patchfile import load_graph

    if args.seconds <= 0 or args.lanes < 1 or args.transient < 0:
        print("neuromix: --seconds and --lanes must be positive", file=sys.stderr)
        return 2
    try:
        axes = [sw.Axis.parse(text) for text in args.param]
    except ValueError as err:
        print(f"neuromix: {err}", file=sys.stderr)
        return 2
    graph = load_graph(args.patch)
    out = Path(args.output or Path(args.patch).with_name(Path(args.patch).stem + "-sweep"))
    with contextlib.ExitStack() as stack:
        executor = None
        if args.dask:
            executor = stack.enter_context(sw.dask_executor(args.dask, args.workers))
        try:
            result = sw.sweep(graph, axes, out, seconds=args.seconds, transient=args.transient,
                              lyapunov=args.lyapunov, lanes=args.lanes, executor=executor,
                              workers=args.workers, fmt=args.format,
                              keep_audio=args.keep_audio, progress=args.progress)
        except (KeyError, sw.SweepError) as err:
            print(f"neuromix: {err.args[0] if err.args else err}", file=sys.stderr)
            return 2
    total = len(result.table["index"])
    print(f"wrote {result.table_path}: {total} points ({result.computed} rendered now, "
          f"{total - result.computed} found done)")
    for path in result.pictures + result.audio:
        print(f"  {path}")
    return 0
