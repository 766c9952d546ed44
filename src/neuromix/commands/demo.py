"""Render every example: each patch file to WAV (and a picture), and run each example script.

Patch files are the ``*.yaml`` / ``*.json`` files with a ``nodes:`` section; scripts are the
``*.py`` files, each run as ``python SCRIPT --out DIR``.
"""

from __future__ import annotations

HELP = "render every example patch to WAV and pictures, and run the example scripts"


def add_arguments(parser) -> None:
    parser.add_argument("examples", nargs="?", default="examples", help="folder of examples")
    parser.add_argument("-o", "--out", default="out", help="folder for what is made (default out)")
    parser.add_argument("--quick", action="store_true", help="short renders (for tests)")


def run(args) -> int:
    import subprocess
    import sys
    import time
    from pathlib import Path

    from neuromix.graph.graph import PatchError

    src, out = Path(args.examples), Path(args.out)
    if not src.is_dir():
        print(f"neuromix: no examples folder '{src}'", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    made, failed = [], []
    for path in sorted(src.iterdir()):
        start = time.perf_counter()
        if path.suffix in (".yaml", ".yml", ".json") and is_patch(path):
            try:
                made += render_example(path, out, args.quick)
            except PatchError as err:
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
    seconds = min(patch_seconds(graph), 2.0) if quick else patch_seconds(graph)
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
