"""The node registry: one type per name, whatever the import path."""

import importlib.util
import sys

import pytest

import neuromix.nodes.sample as sample_module
from neuromix.nodes import registry
from neuromix.nodes._registry import NodeType, register


def test_a_module_imported_again_under_another_name_keeps_its_registration():
    """pytest's importlib mode imports a node module's file a second time, under another name,
    to run its doctests: that is the same node type, not a clash."""
    first = registry()["sample"]
    spec = importlib.util.spec_from_file_location("second_sample", sample_module.__file__)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        assert registry()["sample"] is first
    finally:
        sys.modules.pop("second_sample", None)


def test_another_definition_cannot_take_a_name():
    def emit(ctx):
        return []

    with pytest.raises(ValueError, match="'sine' registered twice"):
        register(NodeType("sine", "an impostor", emit))
    assert registry()["sine"].emit is not emit
