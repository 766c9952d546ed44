"""The README and docs stay true to the code: their Python blocks run, their patches load.

A code block right after a line ``<!-- not-tested: reason -->`` is skipped (hardware, servers).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import neuromix as nm
from neuromix.graph.patchfile import loads

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(<!-- not-tested[^>]*-->\s*)?```(\w+)\n(.*?)```", re.S)


def blocks(lang):
    for doc in DOCS:
        for m in BLOCK.finditer(doc.read_text()):
            if m.group(2) == lang and not m.group(1):
                yield pytest.param(m.group(3), id=f"{doc.name}:{doc.read_text()[:m.start()].count(chr(10)) + 1}")


@pytest.mark.parametrize("code", list(blocks("python")))
def test_python_blocks_run(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "<doc>", "exec"), {"__name__": "__doc__"})


@pytest.mark.parametrize("text", [b for b in blocks("yaml") if "nodes:" in b.values[0]])
def test_yaml_patches_load_and_render(text):
    graph = loads(text)
    assert nm.Patch(graph=graph).render(frames=256).shape[0] == 256


def test_readme_names_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme


def test_the_documentation_site_builds_strict_with_every_node_class_and_command(tmp_path):
    import re

    from neuromix.cli import build_parser
    from neuromix.nodes import registry

    site = tmp_path / "site"
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "docsite.py"), "-o", str(site)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]  # strict: no broken link or anchor
    nodes = (site / "nodes.html").read_text()
    for name in registry():
        assert f'id="{name}"' in nodes, name
    pictures = re.findall(r'<img alt="([a-z_0-9]+): its output" src="(img/nodes/[a-z_0-9]+\.png)"', nodes)
    assert len(pictures) >= 0.9 * len(registry())  # nearly every type shows itself
    assert all((site / src).stat().st_size > 2000 for _, src in pictures)
    api = (site / "api.html").read_text()
    for public in ("Patch", "Handle", "load", "CompiledPatch", "render_to_file", "lyapunov",
                   "NeuromixError", "PatchError", "LiveError"):
        assert f'id="neuromix.' in api and re.search(rf'id="neuromix\.[\w.]*\b{public}"', api), public
    cli = (site / "cli-reference.html").read_text()
    for command in build_parser()._subparsers._group_actions[0].choices:
        assert f"neuromix {command}" in cli, command
    for page in ("index", "tutorial", "patch-format", "cli", "engine", "live", "learn", "explain"):
        assert (site / f"{page}.html").exists(), page
