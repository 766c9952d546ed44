"""Every node type is a real, documented method of Patch: dir, help and inspect see it."""

import inspect
import keyword
import pydoc

import pytest

import neuromix as nm
from neuromix.patch import Handle, Patch
from neuromix.nodes import registry


def test_every_node_type_is_a_method_that_dir_lists():
    p = nm.Patch()
    names = set(dir(p))
    for name in registry():
        assert name in names, name
        assert inspect.isfunction(getattr(Patch, name)), name


@pytest.mark.parametrize("name", sorted(registry()))
def test_signature_and_docstring_come_from_the_registry(name):
    nt = registry()[name]
    method = getattr(Patch, name)
    sig = inspect.signature(method)
    python = lambda name: name + "_" if keyword.iskeyword(name) else name  # noqa: E731
    expected = ["self"] + [python(s.name) for s in nt.params]
    expected += [python(o.name) for o in nt.options]
    expected += (["inputs"] if nt.inputs else []) + ["name"]
    assert list(sig.parameters) == expected
    for spec in nt.params:
        key = python(spec.name)
        assert sig.parameters[key].default == spec.default
        assert f"{key} : float or signal, default {spec.default:g}" in method.__doc__
    for opt in nt.options:
        assert sig.parameters[python(opt.name)].kind is inspect.Parameter.KEYWORD_ONLY
        assert sig.parameters[python(opt.name)].default == opt.default
    assert sig.return_annotation is Handle
    assert method.__doc__.startswith(nt.doc) and method.__qualname__ == f"Patch.{name}"


def test_help_shows_the_node_not_a_partial():
    text = pydoc.render_doc(nm.Patch().svf, renderer=pydoc.plaintext)
    assert "svf(in_=0.0, cutoff=1000.0, q=" in text and "State-variable filter" in text
    assert "partial" not in text


def test_the_methods_build_what_they_say():
    p = nm.Patch(sr=8000)
    s = p.sine(220, name="s")
    f = p.svf(s, cutoff=500.0, q=2.0, name="f")
    a = p.neuron(0.1, act="hardclip", inputs={f.port("bp"): 0.5}, name="a")
    assert p.graph.nodes["s"].params == {"freq": 220.0}
    assert p.graph.nodes["f"].params["cutoff"] == 500.0
    assert p.graph.nodes["a"].options == {"act": "hardclip"} and p.graph.nodes["a"].params == {"bias": 0.1}
    p.out(a)
    assert p.render(frames=16).shape == (16, 1)


def test_a_misspelt_node_type_names_the_nearest():
    with pytest.raises(AttributeError, match="did you mean 'sine'"):
        nm.Patch().sinee(110)

