"""Sweep parameters over a grid: render every variant, measure it, write a table and maps.

Example: ``neuromix sweep examples/dual_neuron.yaml --param a.w.b=-3:3:64
--param b.w.a=-3:3:64 --seconds 2 -o dual-sweep``. Each point gets its RMS, peak, spectral
centroid and flatness, pitch and its stability, zero-crossing rate and Lyapunov exponent, in
``DIR/sweep.parquet`` (or ``--format csv``), with a map picture per measure. Variants run as
lanes of one compiled kernel, chunks on a local process pool, or on a Dask cluster with
``--dask ADDRESS`` (``--dask local`` starts one here). Interrupted, the same command picks up
where it stopped. A grid has at most 1,000,000 points.
"""

from __future__ import annotations

from neuromix.commands import _args

HELP = "render a grid of parameter values; table of audio features and chaos, plus maps"
MAX_POINTS = 1_000_000


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")
    parser.add_argument("--param", action="append", required=True, metavar="ADDRESS=LO:HI:N",
                        type=_args.value_range(MAX_POINTS),
                        help="a swept parameter (repeatable; one or two give maps)")
    _args.add_output(parser, "output folder (default: PATCH-sweep)", metavar="DIR")
    _args.add_render(parser, "length measured per point (default 2)", default=2.0)
    _args.add_input(parser)
    parser.add_argument("--transient", type=_args.duration, default=0.1,
                        help="seconds rendered before measuring (default 0.1)")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet",
                        help="table format (default parquet)")
    parser.add_argument("--lanes", type=_args.whole(1, 4096), default=32,
                        help="variants per compiled call (default 32)")
    parser.add_argument("--workers", type=_args.whole(1, 1024),
                        help="local processes (default: all cores)")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run on the Dask scheduler at ADDRESS ('local' starts one here)")
    parser.add_argument("--no-lyapunov", dest="lyapunov", action="store_false",
                        help="skip the Lyapunov exponent (half the work)")
    parser.add_argument("--keep-audio", type=_args.whole(0), default=0, metavar="N",
                        help="write WAVs of the N most varied points (default 0)")
    _args.add_progress(parser)


def run(args) -> int:
    import contextlib
    import math
    from pathlib import Path

    import numpy as np

    from neuromix.analysis import sweep as sw
    from neuromix.graph.patchfile import load_graph

    axes = [sw.Axis(address, np.linspace(lo, hi, n)) for address, lo, hi, n in args.param]
    points = math.prod(len(axis.values) for axis in axes)
    if points > MAX_POINTS:
        raise sw.SweepError(f"the grid has {points:,} points; at most {MAX_POINTS:,}")
    graph = load_graph(args.patch)
    _args.apply_render(graph, args)
    _args.apply_input(graph, args)
    out = _args.output_path(args.output or Path(args.patch).with_name(
        Path(args.patch).stem + "-sweep"), folder=True)
    with contextlib.ExitStack() as stack:
        executor = None
        if args.dask:
            executor = stack.enter_context(sw.dask_executor(args.dask, args.workers))
        result = sw.sweep(graph, axes, out, seconds=args.seconds, transient=args.transient,
                          lyapunov=args.lyapunov, lanes=args.lanes, executor=executor,
                          workers=args.workers, fmt=args.format,
                          keep_audio=args.keep_audio, progress=_args.progress(args))
    total = len(result.table["index"])
    print(f"wrote {result.table_path}: {total} points ({result.computed} rendered now, "
          f"{total - result.computed} found done)")
    for path in result.pictures + result.audio:
        print(f"  {path}")
    return 0
