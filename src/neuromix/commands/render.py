"""Render a patch file to a WAV or FLAC file, far faster than real time.

The render runs in blocks and streams to disk, so memory stays flat however long it is, and
the file appears under its final name only when it is complete.
"""

from __future__ import annotations

import sys

HELP = "render a patch to an audio file"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")
    parser.add_argument("-o", "--output", help="audio file to write (default: PATCH name .wav)")
    parser.add_argument("--seconds", type=float,
                        help="length (default: the patch's render: seconds, else 10)")
    parser.add_argument("--sr", type=float, help="sample rate in Hz (default: the patch's)")
    parser.add_argument("--seed", type=int, help="random seed (default: the patch's)")
    parser.add_argument("--format", choices=("wav", "flac"), help="file format (default: by suffix)")
    parser.add_argument("--subtype", choices=("float", "pcm24", "pcm16"), default="float",
                        help="sample format (default float; FLAC uses pcm24)")
    parser.add_argument("--block", type=int, default=4096, help="frames per block (default 4096)")
    parser.add_argument("--progress", action=argparse_bool(), default=None,
                        help="show a progress bar (default: for long renders on a terminal)")


def argparse_bool():
    import argparse

    return argparse.BooleanOptionalAction


def run(args) -> int:
    from pathlib import Path

    from neuromix.engine.compiled import CompiledPatch
    from neuromix.engine.render import FORMATS, render_to_file
    from neuromix.graph.patchfile import load_graph

    graph = load_graph(args.patch)
    if args.sr is not None:
        graph.sr = args.sr
    if args.seed is not None:
        graph.seed = args.seed
    seconds = args.seconds if args.seconds is not None else patch_seconds(graph)
    if seconds <= 0 or args.block <= 0:
        print("neuromix: --seconds and --block must be positive", file=sys.stderr)
        return 2
    out = args.output or str(Path(args.patch).with_suffix(f".{args.format or 'wav'}"))
    suffix = Path(out).suffix.lstrip(".").lower()
    if args.format is None and suffix and suffix not in FORMATS:
        print(f"neuromix: {out}: cannot write '.{suffix}' files: name it .wav or .flac, "
              f"or give --format wav|flac", file=sys.stderr)
        return 2
    compiled = CompiledPatch(graph)
    compiled.compile_now(f"{args.patch} ({len(graph.nodes)} nodes, first time)")
    info = render_to_file(compiled, out, seconds, fmt=args.format, subtype=args.subtype,
                          block=args.block, progress=args.progress)
    clipped = f", {info['clipped']} samples clipped" if info["clipped"] else ""
    print(f"wrote {info['path']}: {seconds:g} s, {info['channels']} ch, {info['sr']:g} Hz, "
          f"peak {info['peak']:.3f}{clipped}")
    for record in compiled.blowups.values():
        print(record.message(), file=sys.stderr)
    return 0


def patch_seconds(graph, default: float = 10.0) -> float:
    """The render length a patch asks for in its ``render: {seconds: N}`` section."""
    value = graph.extra.get("render", {}).get("seconds", default)
    return float(value)
