"""Render every example: each patch file to WAV (and a picture), and run each example script.

Patch files are the ``*.yaml`` / ``*.json`` files with a ``nodes:`` section (one that listens
to ``audio_in`` hears the sound file its ``input:`` section names, relative to it); scripts are
the ``*.py`` files, each run as ``python SCRIPT --out DIR``. Then ``index.html`` in the output
folder shows every example with its description, pictures, a player per sound and links to
its reports: open it in a browser to look and listen.
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

    from neuromix.commands._gallery import Example, describe, write_gallery
    from neuromix.errors import NeuromixError, UsageError

    src = Path(args.examples)
    if not src.is_dir():
        raise UsageError(f"no examples folder '{src}'")
    out = _args.output_path(args.output or "out", folder=True)
    say = _args.progress(args) is not False
    out.mkdir(parents=True, exist_ok=True)
    made, failed, gallery = [], [], []
    for path in sorted(src.iterdir()):
        patch = path.suffix in (".yaml", ".yml", ".json") and is_patch(path)
        if not (patch or path.suffix == ".py"):
            continue
        start = time.perf_counter()
        before = _files(out)
        example = Example(path.stem, path.name, describe(path))
        if patch:
            try:
                made += render_example(path, out, args.quick)
            except NeuromixError as err:
                failed.append(f"{path.name}: {err}")
                example.failed = str(err)
        else:
            cmd = [sys.executable, str(path), "--out", str(out)] + (["--quick"] if args.quick else [])
            result = subprocess.run(cmd, capture_output=True, text=True)
            if result.returncode != 0:
                failed.append(f"{path.name}: exit {result.returncode}\n{result.stderr.strip()[-2000:]}")
                example.failed = f"exit {result.returncode}"
            else:
                made.append(f"{path.name}: {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else 'ran'}")
        after = _files(out)
        example.files = sorted(f for f, stamp in after.items() if before.get(f) != stamp)
        gallery.append(example)
        if say and not example.failed:
            print(f"  {made[-1]}  ({time.perf_counter() - start:.1f} s)", flush=True)
    page = write_gallery(out, gallery)
    print(f"made {len(made)} example outputs in {out}/; look and listen: {page}")
    for line in failed:
        print(f"FAILED {line}", file=sys.stderr)
    return 1 if failed else 0


def _files(folder) -> dict:
    """Every file under ``folder`` with its modification stamp (what an example made is what
    changed while it ran)."""
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*")
            if p.is_file() and p.name != "index.html" and not p.name.startswith(".")}


def is_patch(path) -> bool:
    """Whether a YAML/JSON file is a patch file (it has 'nodes:' at the top level)."""
    from neuromix.errors import NeuromixError
    from neuromix.graph.yamlfile import load_yaml, read_text

    try:
        doc = load_yaml(read_text(path, "patch file"), str(path))
    except NeuromixError:  # not for us to judge here: render_example reports it properly
        return path.suffix in (".yaml", ".yml")
    return isinstance(doc, dict) and "nodes" in doc


def render_example(path, out, quick: bool) -> list[str]:
    """Render one example patch to WAV and, where matplotlib is installed, a picture."""
    import soundfile as sf

    from neuromix.commands.render import patch_seconds
    from neuromix.engine.compiled import CompiledPatch
    from neuromix.engine.feed import patch_feed
    from neuromix.engine.render import render_to_file
    from neuromix.graph.patchfile import load_graph

    graph = load_graph(path)
    seconds = patch_seconds(graph, file=path)
    seconds = min(seconds, 2.0) if quick else seconds
    wav = out / f"{path.stem}.wav"
    compiled = CompiledPatch(graph)
    feed = patch_feed(graph) if compiled.inputs else None
    try:
        info = render_to_file(compiled, wav, seconds, progress=False, input=feed)
    finally:
        if feed is not None:
            feed.close()
    made = [f"{wav} ({seconds:g} s, peak {info['peak']:.2f})"]
    try:
        from neuromix.analysis.plots import overview
    except ImportError:
        return made
    audio, sr = sf.read(wav)
    png = out / f"{path.stem}.png"
    overview(audio, sr, png, title=path.stem)
    return [made[0] + f" + {png.name}"]
