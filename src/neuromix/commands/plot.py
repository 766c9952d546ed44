"""Draw a quick picture of a patch's sound: waveform, spectrogram and a delay-embedding portrait.

Example: ``neuromix plot examples/dual_neuron.yaml -o dual.png --seconds 2``.
"""

from __future__ import annotations

from neuromix.commands import _args

HELP = "draw waveform, spectrogram and a portrait of a patch's output as a PNG"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")
    _args.add_output(parser, "PNG to write (default: PATCH name .png)")
    _args.add_render(parser, "length (default: the patch's render: seconds, at most 10)")
    _args.add_input(parser)
    parser.add_argument("--overview", action="store_true",
                        help="one waveform + spectrogram row per channel instead")
    _args.add_progress(parser)


def run(args) -> int:
    from pathlib import Path

    from neuromix.analysis.plots import overview, quicklook
    from neuromix.commands.render import patch_seconds
    from neuromix.engine.compiled import CompiledPatch
    from neuromix.engine.render import render
    from neuromix.graph.patchfile import load_graph

    graph = load_graph(args.patch)
    _args.apply_render(graph, args)
    _args.apply_input(graph, args)
    seconds = args.seconds if args.seconds is not None else min(
        patch_seconds(graph, file=args.patch), 10.0)
    out = _args.output_path(args.output or Path(args.patch).with_suffix(".png"), (".png",))
    with _args.Working(args, f"plot: rendering and drawing {seconds:g} s"):
        audio = render(CompiledPatch(graph), seconds=seconds)
        draw = overview if args.overview else quicklook
        draw(audio, graph.sr, out, title=Path(args.patch).stem)
    print(f"wrote {out}")
    return 0
