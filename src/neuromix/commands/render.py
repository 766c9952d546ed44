"""Render a patch file to a WAV or FLAC file, far faster than real time.

The render runs in blocks and streams to disk, so memory stays flat however long it is, and
the file appears under its final name only when it is complete: interrupted (Ctrl-C, SIGTERM,
SIGHUP), it leaves no temporary behind and any earlier file of that name as it was.
Renders of 2 s or more show progress in seconds of audio on a terminal.

Example: neuromix render examples/dual_neuron.yaml -o dual.wav --seconds 30 --set a.w.b=1.3
"""

from __future__ import annotations

from neuromix.commands import _args

HELP = "render a patch to an audio file"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")
    _args.add_output(parser, "audio file to write (default: PATCH name .wav)")
    _args.add_render(parser, "length (default: the patch's render: seconds, else 10)")
    parser.add_argument("--format", choices=("wav", "flac"), help="file format (default: by suffix)")
    parser.add_argument("--subtype", choices=("float", "pcm24", "pcm16"), default="float",
                        help="sample format (default float; FLAC uses pcm24)")
    parser.add_argument("--block", type=_args.whole(1, _args.MAX_BLOCK), default=4096,
                        help="frames per block (default 4096)")
    parser.add_argument("--exact", action="store_true",
                        help="libm's tanh and sine, no fast-math: bit for bit the reference "
                             "interpreter (and Faust -double); slower")
    _args.add_progress(parser)


def run(args) -> int:
    import sys
    from pathlib import Path

    from neuromix.engine.compiled import CompiledPatch
    from neuromix.engine.render import FORMATS, render_to_file
    from neuromix.graph.patchfile import load_graph

    graph = load_graph(args.patch)
    _args.apply_render(graph, args)
    seconds = args.seconds if args.seconds is not None else patch_seconds(graph, file=args.patch)
    out = args.output or str(Path(args.patch).with_suffix(f".{args.format or 'wav'}"))
    suffixes = () if args.format else tuple(f".{f}" for f in FORMATS)
    _args.output_path(out, suffixes)
    compiled = CompiledPatch(graph, exact=args.exact)
    compiled.compile_now(f"{args.patch} ({len(graph.nodes)} nodes, first time)")
    info = render_to_file(compiled, out, seconds, fmt=args.format, subtype=args.subtype,
                          block=args.block, progress=_args.progress(args))
    clipped = f", {info['clipped']} samples clipped" if info["clipped"] else ""
    print(f"wrote {info['path']}: {seconds:g} s, {info['channels']} ch, {info['sr']:g} Hz, "
          f"peak {info['peak']:.3f}{clipped}")
    for record in compiled.blowups.values():
        print(record.message(), file=sys.stderr)
    return 0


def patch_seconds(graph, default: float = 10.0, file=None) -> float:
    """The render length a patch asks for in its ``render: {seconds: N}`` section; PatchError
    unless it is a length :func:`neuromix.commands._args.seconds` accepts.

    Examples
    --------
    >>> from neuromix.graph.graph import Graph
    >>> patch_seconds(Graph(extra={"render": {"seconds": 2}}))
    2.0
    >>> patch_seconds(Graph(extra={"render": {"seconds": float("nan")}}))
    Traceback (most recent call last):
    neuromix.errors.PatchError: render: seconds: 'nan' is not a length in seconds: give a finite number above 0 (at most 86400, a day)
    """
    import argparse

    from neuromix.errors import PatchError

    section = graph.extra.get("render", {})
    if not isinstance(section, dict):
        raise PatchError(f"render: must be a mapping like {{seconds: 10}}, not {section!r}",
                         file=file)
    value = section.get("seconds", default)
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise argparse.ArgumentTypeError(f"must be a number of seconds, not {value!r}")
        return _args.seconds(value)
    except argparse.ArgumentTypeError as err:
        raise PatchError(f"render: seconds: {err}", file=file) from None
