"""The house stays in order: every module imports only from its own layer or the ones below.

The layers, from the bottom (docs/engine.md, "The layers"): the errors module, ``_config``,
``io`` and ``features``; ``nodes``; ``graph``; ``compiler``; ``engine``; then ``live``,
``instrument``, ``learn`` and ``analysis`` side by side, none importing another; then the
``Patch`` front door (``patch``); ``commands`` and the starter ``templates``; and ``cli``, the
package itself and ``__main__`` on top. Imports are read with ``ast`` from every module, at the
top and inside functions alike, so an arrow cannot hide in a function body.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "neuromix"
LAYERS = [
    {"errors", "_config", "io", "features"},
    {"nodes"},
    {"graph"},
    {"compiler"},
    {"engine"},
    {"live", "instrument", "learn", "analysis"},
    {"patch"},
    {"commands", "templates"},
    {"cli", "__main__", "__init__"},
]
SIDE_BY_SIDE = LAYERS[5]  # none of these imports another
RANK = {part: rank for rank, layer in enumerate(LAYERS) for part in layer}


def module_name(path: Path) -> str:
    parts = ["neuromix", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str:
    """The top-level part of the package a module belongs to (``neuromix.graph.plan`` -> graph)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported(path: Path, source: str | None = None) -> list[tuple[str, int]]:
    """(module, line) of every import of neuromix in the module at ``path`` (its text, or
    ``source`` read as if it were there), anywhere in it."""
    tree = ast.parse(path.read_text() if source is None else source, str(path))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            if base == "neuromix":  # from neuromix import errors: the submodule, if it is one
                found += [(f"neuromix.{a.name}" if (PACKAGE / a.name).with_suffix(".py").exists()
                           or (PACKAGE / a.name).is_dir() else "neuromix", node.lineno)
                          for a in node.names]
            else:
                found.append((base, node.lineno))
    return [(m, line) for m, line in found if m == "neuromix" or m.startswith("neuromix.")]


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_part_of_the_package_has_a_layer():
    parts = {part_of(module_name(p)) for p in MODULES}
    assert parts <= set(RANK), f"give these a layer in LAYERS: {sorted(parts - set(RANK))}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_go_downwards_only(path):
    me = part_of(module_name(path))
    wrong = []
    for module, line in imported(path):
        other = part_of(module)
        if other == me:
            continue
        if RANK[other] > RANK[me]:
            wrong.append(f"line {line}: {module} is in a higher layer ({other} above {me})")
        elif other in SIDE_BY_SIDE and me in SIDE_BY_SIDE:
            wrong.append(f"line {line}: {module}: {me} and {other} sit side by side")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_arrows_inside_functions():
    """An import hidden in a function body is found, relative or absolute."""
    probe = ("def f():\n    from neuromix.engine import render\n"
             "    from ..live import player\n    from neuromix import errors, __version__\n")
    found = [m for m, _ in imported(PACKAGE / "graph" / "graph.py", probe)]
    assert found == ["neuromix.engine", "neuromix.live", "neuromix.errors", "neuromix"]


def test_no_two_modules_import_each_other():
    """No circles between modules either (a circle hides which one is the lower)."""
    known = {module_name(p) for p in MODULES}
    arrows = {}
    for path in MODULES:
        me = module_name(path)
        arrows[me] = set()
        for module, _ in imported(path):
            while module not in known and "." in module:  # from a.b import c: c is a name
                module = module.rsplit(".", 1)[0]
            if module != me and not me.startswith(module + "."):  # a package's own __init__
                arrows[me].add(module)
    circles = sorted(f"{a} <-> {b}" for a in arrows for b in arrows[a]
                     if a < b and a in arrows.get(b, ()))
    assert not circles, "\n".join(circles)
