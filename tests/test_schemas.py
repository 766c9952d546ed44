"""The JSON Schemas say what the readers say: every example passes both, and what a reader
refuses for a reason a schema can express, the schema refuses too."""

from pathlib import Path

import jsonschema
import pytest

from neuromix.errors import PatchError
from neuromix.graph.patchfile import loads as load_patch
from neuromix.graph.schema import patch_schema
from neuromix.graph.yamlfile import load_yaml, plain
from neuromix.instrument.file import is_instrument_file, loads as load_instrument
from neuromix.instrument.schema import instrument_schema

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").rglob("*.yaml"))
PATCH = "neuromix: 1\nsr: 48000\nnodes:\n  s: {type: sine, freq: 110}\n" \
        "  a: {type: neuron, act: tanh, inputs: {s: 1.5}}\nout: a\n"
INSTRUMENT = ("instrument: 1\nrate: 100\ninputs:\n  x: {source: mouse, axis: x}\n"
              "network:\n  nodes:\n    a: {type: neuron, act: tanh, inputs: {x: 2.0}}\n"
              "outputs:\n  cut: {type: cc, from: a, number: 74}\n")


def as_json(text: str):
    """A YAML document as an editor hands it to a JSON Schema: keys are text."""
    def convert(value):
        if isinstance(value, dict):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value
    return convert(plain(load_yaml(text)))


def valid(schema: dict, text: str) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(as_json(text))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_file_passes_its_schema(path):
    kind = instrument_schema() if is_instrument_file(path) else patch_schema()
    errors = list(jsonschema.Draft202012Validator(kind).iter_errors(as_json(path.read_text())))
    assert not errors, [e.message for e in errors]


PATCH_CHANGES = [
    ("sr: 48000", "sr: 0"), ("sr: 48000", "sr: 2000000"), ("sr: 48000", "sr: fast"),
    ("type: sine", "type: sin"), ("freq: 110", "fre: 110"), ("act: tanh", "act: tanhh"),
    ("  a: {", "  2a: {"), ("neuromix: 1", "neuromix: 2"), ("out: a", "outs: a"),
    ("freq: 110", "freq: 30000"), ("\nout: a\n", "\nout: a\nrender: {seconds: -1}\n"),
]


@pytest.mark.parametrize("old,new", PATCH_CHANGES)
def test_what_the_patch_reader_refuses_the_schema_refuses(old, new):
    assert valid(patch_schema(), PATCH) and load_patch(PATCH)
    bad = PATCH.replace(old, new)
    with pytest.raises(PatchError):
        load_patch(bad)
    assert not valid(patch_schema(), bad)


INSTRUMENT_CHANGES = [
    ("rate: 100", "rate: 0"), ("rate: 100", "rate: 5000"), ("rate: 100", "rate: 10.5"),
    ("source: mouse", "source: mose"), ("axis: x}", "axis: x, speed: 2}"),
    ("type: cc", "type: cv"), ("number: 74}", "number: 74, colour: red}"),
    ("network:\n", "netwrk:\n"), ("type: neuron", "type: neurn"),
    ("instrument: 1", "instrument: 2"), ("inputs: {x: 2.0}", "inputs: {x: 2.0}, foo: 1"),
]


@pytest.mark.parametrize("old,new", INSTRUMENT_CHANGES)
def test_what_the_instrument_reader_refuses_the_schema_refuses(old, new):
    assert valid(instrument_schema(), INSTRUMENT) and load_instrument(INSTRUMENT)
    bad = INSTRUMENT.replace(old, new)
    assert bad != INSTRUMENT
    with pytest.raises(PatchError):
        load_instrument(bad)
    assert not valid(instrument_schema(), bad)


def test_both_schemas_share_the_node_definitions():
    patch, instrument = patch_schema(), instrument_schema()
    for name, definition in patch["$defs"].items():
        assert instrument["$defs"][name] == definition, name
