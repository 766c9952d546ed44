"""The shipped type stub of the Patch front door is the one the registry makes today."""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import patch_stub  # noqa: E402
from neuromix.nodes import registry  # noqa: E402


def test_the_stub_is_up_to_date_with_the_registry():
    path = patch_stub.stub_path(patch_stub.front_door())
    assert path.read_text() == patch_stub.generate(), "run: python tools/patch_stub.py"


def test_every_node_type_is_a_typed_method_in_the_stub():
    tree = ast.parse(patch_stub.generate())
    patch = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Patch")
    methods = {n.name: n for n in patch.body if isinstance(n, ast.FunctionDef)}
    for name, nt in registry().items():
        method = methods[name]
        assert ast.unparse(method.returns) == "Handle", name
        assert ast.get_docstring(method).startswith(nt.doc.split("\n")[0]), name
        args = [a.arg for a in method.args.args + method.args.kwonlyargs]
        assert args[0] == "self" and args[-1] == "name", name
        assert all(a.annotation is not None for a in method.args.args[1:]), name


def test_options_with_choices_are_literals():
    text = patch_stub.generate()
    assert "act: Literal['identity', 'tanh'," in text  # a typo in act= is caught by the editor


def test_the_package_says_it_is_typed():
    stub = patch_stub.stub_path(patch_stub.front_door())
    assert (ROOT / "src" / "neuromix" / "py.typed").exists()
    assert stub.is_relative_to(ROOT / "src" / "neuromix")
    assert '"neuromix" = ["py.typed", "**/*.pyi"]' in (ROOT / "pyproject.toml").read_text()
