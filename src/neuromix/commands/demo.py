"""Render every example: each patch file to WAV (and a picture), and run each example script.

Patch files are the ``*.yaml`` / ``*.json`` files with a ``nodes:`` section; scripts are the
``*.py`` files, each run as ``python SCRIPT --out DIR``.
"""

from __future__ import annotations

from neuromix.commands import _args

HELP = "render every example patch to WAV and pictures, and run the example scripts"


def add_arguments(parser) -> None:
    parser.add_argument("examples", nargs="?", default="examples", help="folder of examples")
    _args.add_output(parser, "folder for what is made (default out)", old="--out",
                     metavar="DIR")
    parser.add_argument("--quick", action="store_true", help="short renders (for tests)")
    _args.add_progress(parser)


def run(args) -> int:
    import subprocess
    import sys
    import time
    from pathlib import Path

    from neuromix.errors import NeuromixError, UsageError

    src = Path(args.examples)
    if not src.is_dir():
        raise UsageError(f"no examples folder '{src}'")
    out = _args.output_path(args.output or "out", folder=True)
    say = _args.progress(args) is not False
    out.mkdir(parents=True, exist_ok=True)
    made, failed = [], []
    for path in sorted(src.iterdir()):
        start = time.perf_counter()
        if path.suffix in (".yaml", ".yml", ".json") and is_patch(path):
            try:
                made += render_example(path, out, args.quick)
            except NeuromixError as err:
                failed.append(f"{path.name}: {err}")
                continue
        elif path.suffix == ".py":
            cmd = [sys.executable, str(path), "--out", str(out)] + (["--quick"] if args.quick else [])
            result = subprocess.run(cmd, capture_output=True, text=True)
            if result.returncode != 0:
                failed.append(f"{path.name}: exit {result.returncode}\n{result.stderr.strip()[-2000:]}")
                continue
            made.append(f"{path.name}: {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else 'ran'}")
        else:
            continue
        if say:
            print(f"  {made[-1]}  ({time.perf_counter() - start:.1f} s)", flush=True)
    print(f"made {len(made)} example outputs in {out}/")
    for line in failed:
        print(f"FAILED {line}", file=sys.stderr)
    return 1 if failed else 0


def is_patch(path) -> bool:
    """Whether a YAML/JSON file is a patch file (it has 'nodes:' at the top level)."""
    from neuromix.graph.patchfile import _yaml

    try:
        doc = _yaml().load(path.read_text(encoding="utf-8"))
    except Exception:  # not for us to judge here: render_example reports it properly
        return path.suffix in (".yaml", ".yml")
    return isinstance(doc, dict) and "nodes" in doc


def render_example(path, out, quick: bool) -> list[str]:
    """Render one example patch to WAV and, where matplotlib is installed, a picture."""
    import soundfile as sf

    from neuromix.commands.render import patch_seconds
    from neuromix.engine.compiled import CompiledPatch
    from neuromix.engine.render import render_to_file
    from neuromix.graph.patchfile import load_graph

    graph = load_graph(path)
    seconds = patch_seconds(graph, file=path)
    seconds = min(seconds, 2.0) if quick else seconds
    wav = out / f"{path.stem}.wav"
    info = render_to_file(CompiledPatch(graph), wav, seconds, progress=False)
    made = [f"{wav} ({seconds:g} s, peak {info['peak']:.2f})"]
    try:
        from neuromix.analysis.plots import overview
    except ImportError:
        return made
    audio, sr = sf.read(wav)
    png = out / f"{path.stem}.png"
    overview(audio, sr, png, title=path.stem)
    return [made[0] + f" + {png.name}"]
