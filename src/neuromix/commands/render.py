"""Render a patch file to a WAV or FLAC file, far faster than real time.

The render runs in blocks and streams to disk, so memory stays flat however long it is, and
the file appears under its final name only when it is complete: interrupted (Ctrl-C, SIGTERM,
SIGHUP), it leaves no temporary behind and any earlier file of that name as it was.
Renders of 2 s or more show progress in seconds of audio on a terminal.

A patch with audio_in nodes hears a sound file (--input FILE, or the file its input: section
names), streamed block by block and resampled to the patch's rate; the render lasts as long
as the file unless --seconds says otherwise (then silence follows it, or with --loop-input the
file again).

Example: neuromix render examples/dual_neuron.yaml -o dual.wav --seconds 30 --set a.w.b=1.3
"""

from __future__ import annotations

from neuromix.commands import _args

HELP = "render a patch to an audio file"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")
    _args.add_output(parser, "audio file to write (default: PATCH name .wav)")
    _args.add_render(parser, "length (default: the input file's with --input, else the patch's "
                             "render: seconds, else its input file's, else 10)")
    _args.add_input(parser)
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
    out = args.output or str(Path(args.patch).with_suffix(f".{args.format or 'wav'}"))
    suffixes = () if args.format else tuple(f".{f}" for f in FORMATS)
    _args.output_path(out, suffixes)
    compiled = CompiledPatch(graph, exact=args.exact)
    with open_input(graph, compiled, args) as feed:
        seconds = render_seconds(graph, args, feed)
        compiled.compile_now(f"{args.patch} ({len(graph.nodes)} nodes, first time)")
        info = render_to_file(compiled, out, seconds, fmt=args.format, subtype=args.subtype,
                              block=args.block, progress=_args.progress(args), input=feed)
    clipped = f", {info['clipped']} samples clipped" if info["clipped"] else ""
    heard = f", hearing {feed.name}{_resampled(feed, graph.sr)}" if feed is not None else ""
    print(f"wrote {info['path']}: {seconds:g} s, {info['channels']} ch, {info['sr']:g} Hz, "
          f"peak {info['peak']:.3f}{clipped}{heard}")
    if feed is not None and feed.scrubbed:
        print(f"{feed.name}: {feed.scrubbed} samples were NaN or infinite and were played as 0",
              file=sys.stderr)
    for record in compiled.blowups.values():
        print(record.message(), file=sys.stderr)
    return 0


def open_input(graph, compiled, args):
    """The sound the patch's audio_in nodes hear, as a context manager giving a streamed
    :class:`~neuromix.io.audiofile.SoundIn` (or None): ``--input FILE``, else the file the
    patch's ``input:`` section names; UsageError when a patch that listens has neither."""
    import contextlib
    import sys

    from neuromix.engine.feed import check_feed, patch_feed
    from neuromix.errors import UsageError
    from neuromix.io.audiofile import SoundIn

    if args.input is not None and not compiled.inputs:
        print(f"warning: the patch has no audio_in node: {args.input} is not heard",
              file=sys.stderr)
        return contextlib.nullcontext()
    if not compiled.inputs:
        return contextlib.nullcontext()
    loop = True if args.loop_input else None
    feed = (SoundIn(args.input, graph.sr, loop=args.loop_input) if args.input is not None
            else patch_feed(graph, loop=loop))
    if feed is None:
        raise UsageError(f"{args.patch}: the patch listens to audio_in but has no input: give "
                         "--input FILE (or name one in the patch: input: FILE)")
    try:
        check_feed(compiled, feed)
    except UsageError:
        feed.close()
        raise
    return feed


def render_seconds(graph, args, feed) -> float:
    """The length: --seconds, else the --input file's, else the patch's render: seconds, else
    the length of the file the patch names, else 10 s."""
    from neuromix.errors import UsageError

    if args.seconds is not None:
        return args.seconds
    named = feed is not None and (args.input is not None or "render" not in graph.extra)
    if not named:
        return patch_seconds(graph, file=args.patch)
    if feed.frames == 0:
        raise UsageError(f"{feed.name} holds no sound: give --seconds")
    return feed.frames / graph.sr


def _resampled(feed, sr: float) -> str:
    return f" (resampled from {feed.source_sr:g} Hz)" if feed.source_sr != sr else ""


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
