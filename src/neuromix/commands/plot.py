"""Draw a quick picture of a patch's sound: waveform, spectrogram and a delay-embedding portrait.

Example: ``neuromix plot examples/dual_neuron.yaml -o dual.png --seconds 2``.
"""

from __future__ import annotations

import sys

HELP = "draw waveform, spectrogram and a portrait of a patch's output as a PNG"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")
    parser.add_argument("-o", "--output", help="PNG to write (default: PATCH name .png)")
    parser.add_argument("--seconds", type=float,
                        help="length (default: the patch's render: seconds, at most 10)")
    parser.add_argument("--overview", action="store_true",
                        help="one waveform + spectrogram row per channel instead")


def run(args) -> int:
    from pathlib import Path

    from neuromix.analysis.plots import overview, quicklook
    from neuromix.commands.render import patch_seconds
    from neuromix.engine.compiled import CompiledPatch
    from neuromix.engine.render import render
    from neuromix.graph.patchfile import load_graph

    graph = load_graph(args.patch)
    seconds = args.seconds if args.seconds is not None else min(patch_seconds(graph), 10.0)
    if seconds <= 0:
        print("neuromix: --seconds must be positive", file=sys.stderr)
        return 2
    out = Path(args.output or Path(args.patch).with_suffix(".png"))
    audio = render(CompiledPatch(graph), seconds=seconds)
    draw = overview if args.overview else quicklook
    draw(audio, graph.sr, out, title=Path(args.patch).stem)
    print(f"wrote {out}")
    return 0
