"""The README and docs stay true to the code: their Python blocks run, their patches load.

A code block right after a line ``<!-- not-tested: reason -->`` is skipped (hardware, servers).
"""

import re
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
