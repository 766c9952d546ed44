"""Build the documentation site: ``make docs`` runs this after regenerating docs/nodes.md.

The guides in ``docs/`` are copied to a staging folder, and three pages are generated there:
the node reference with a small picture of every node type (each rendered by its own small
cached kernel), the command-line reference from the real argument parsers (beside the guide docs/cli.md), and the Python API
from docstrings (mkdocstrings). MkDocs then builds the HTML in strict mode: a broken link or a
missing page fails the build.

    python tools/docsite.py -o site          # the site in site/ (open site/index.html)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PICTURE_SR = 16000

CONFIG = """\
site_name: neuromix
site_description: Make music and sound with artificial neurons
docs_dir: {docs}
site_dir: {site}
use_directory_urls: false
theme: {{name: mkdocs}}
nav:
  - Home: index.md
  - Getting started: tutorial.md
  - Patch format: patch-format.md
  - Node reference: nodes.md
  - Guides:
      - Filters, delays and reverbs: nodes-dsp.md
      - Shapers, control and chaos: nodes-control.md
      - How a patch becomes sound: engine.md
      - Play live: live.md
      - Instruments: instruments.md
      - Neurons that learn: learn.md
      - Explain and explore: explain.md
  - Command line:
      - The shared flags: cli.md
      - Every command: cli-reference.md
  - Python API: api.md
validation: {{omitted_files: warn, absolute_links: warn, unrecognized_links: warn, anchors: warn}}
plugins:
  - search
  - mkdocstrings:
      handlers:
        python:
          paths: [{src}]
          options: {{docstring_style: numpy, show_source: false, heading_level: 2}}
"""


def node_picture_patch(nt):
    """A tiny patch that shows what node type ``nt`` does: its inputs fed with test signals
    (a sine on audio inputs and on audio_in, a clock on triggers and gates), its outputs as
    channels."""
    import neuromix as nm

    slow = nt.category in ("chaos", "control", "drums", "learning", "reverbs", "delays")
    p = nm.Patch(sr=PICTURE_SR, seed=1)
    sine, tri = p.sine(110.0, name="test_sine"), p.tri(165.0, name="test_tri")
    clock = p.clock(240.0, name="test_clock")
    feeds = {}
    for spec in nt.params:
        if spec.name in ("in", "pos1", "neg1", "cv"):
            feeds[spec.name] = sine
        elif spec.name in ("trig", "clock"):
            feeds[spec.name] = clock.port("trig")
        elif spec.name == "gate":
            feeds[spec.name] = clock.port("gate")
        elif spec.name == "target":
            feeds[spec.name] = tri
    inputs = None
    if nt.inputs == "weighted":
        inputs = {sine: 1.5, tri: 0.8}
    elif nt.inputs == "list":
        inputs = [sine, tri]
    node = p.node(nt.name, name="shown", inputs=inputs,
                  **{k + ("_" if k == "in" else ""): v for k, v in feeds.items()})
    p.out(*[node.port(port) for port in nt.output_ports(p.graph.nodes["shown"])][:4])
    return p, (1.0 if slow else 0.03)


def draw_node_picture(nt, path: Path) -> bool:
    """Render node type ``nt`` for a moment and draw its outputs; False when it cannot be
    shown on its own (it needs a file or a structure of its own)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from neuromix.errors import NeuromixError

    try:
        patch, seconds = node_picture_patch(nt)
        heard = np.sin(2 * np.pi * 110.0 * np.arange(int(seconds * PICTURE_SR)) / PICTURE_SR)
        audio = patch.render(seconds=seconds, input=heard)  # a sine is what audio_in hears
    except (NeuromixError, TypeError, ValueError, KeyError):
        return False
    t = np.arange(len(audio)) / PICTURE_SR
    fig, ax = plt.subplots(figsize=(5.0, 1.6), dpi=80)
    ports = nt.output_ports(patch.graph.nodes["shown"])
    for c in range(audio.shape[1]):
        ax.plot(t, audio[:, c], lw=1.0, label=ports[c])
    if audio.shape[1] > 1:
        ax.legend(loc="upper right", fontsize=7, ncols=audio.shape[1])
    ax.set_xlabel("seconds", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.margins(x=0)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def cli_reference() -> str:
    """Every command's --help, from the parsers the command line really uses."""
    from neuromix.cli import build_parser

    parser = build_parser()
    lines = ["# Every command", "", "Generated from the argument parsers (`neuromix COMMAND --help` "
             "prints the same). The flags they share are explained in [the command line](cli.md).",
             "", "```text", parser.format_help().rstrip(), "```", ""]
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, command in sorted(sub.choices.items()):
        lines += [f"## `neuromix {name}`", "", "```text", command.format_help().rstrip(), "```", ""]
        nested = [a for a in command._actions if a.__class__.__name__ == "_SubParsersAction"]
        for action in nested:
            for inner, inner_parser in sorted(action.choices.items()):
                lines += [f"### `neuromix {name} {inner}`", "", "```text",
                          inner_parser.format_help().rstrip(), "```", ""]
    return "\n".join(lines)


def stage(folder: Path) -> None:
    """Copy the guides to ``folder`` and generate the reference pages beside them."""
    from neuromix.nodes import registry
    from neuromix.nodes._catalogue import markdown

    for path in (ROOT / "docs").iterdir():
        if path.is_file():
            shutil.copy2(path, folder / path.name)
        elif path.is_dir():
            shutil.copytree(path, folder / path.name)
    pictures = folder / "img" / "nodes"
    pictures.mkdir(parents=True, exist_ok=True)
    shown = {}
    types = list(registry().values())
    from tqdm import tqdm

    for nt in tqdm(types, desc="node pictures", unit="type", disable=not sys.stderr.isatty()):
        if draw_node_picture(nt, pictures / f"{nt.name}.png"):
            shown[nt.name] = f"img/nodes/{nt.name}.png"
    (folder / "nodes.md").write_text(markdown(picture=shown.get), encoding="utf-8")
    (folder / "cli-reference.md").write_text(cli_reference(), encoding="utf-8")


def build(site: Path) -> None:
    """Stage the pages and build the site into ``site`` (strict: any warning fails)."""
    with tempfile.TemporaryDirectory(prefix="neuromix-docs-") as tmp:
        staging = Path(tmp) / "docs"
        staging.mkdir()
        stage(staging)
        config = Path(tmp) / "mkdocs.yml"
        config.write_text(CONFIG.format(docs=staging, site=site.resolve(), src=ROOT / "src"))
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                        "-f", str(config)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--out", type=Path, default=ROOT / "site", help="site folder")
    args = parser.parse_args()
    try:
        build(args.out)
    except subprocess.CalledProcessError:
        print("docs: mkdocs failed (see its messages above)", file=sys.stderr)
        return 1
    print(f"wrote the documentation site to {args.out}/ (open {args.out / 'index.html'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
