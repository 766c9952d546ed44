"""Patch files: round trip and a clear, located message for every kind of bad input."""

import numpy as np
import pytest

import neuromix as nm
from neuromix.graph.patchfile import dumps, loads

DUAL = """\
# dual neuron
neuromix: 1
sr: 48000
nodes:
  s1:  {type: sine, freq: 110}
  t1:  {type: tri,  freq: 165}
  lfo: {type: sine, freq: 0.3}
  a:   {type: neuron, act: tanh, bias: 0.1,   inputs: {s1: 1.5, b: {weight: 1.2, delay: 2}}}
  b:   {type: neuron, act: tanh, bias: -0.05, inputs: {t1: 1.3, a: lfo}}
  fm:  {type: sine, freq: {from: a, scale: 30, offset: 220}}
  mix: {type: mix, inputs: {a: 0.5, b: 0.5, fm: 0.1}}
out: [mix, b]
render: {seconds: 2}
"""


def test_round_trip_keeps_graph_and_sound(tmp_path):
    g = loads(DUAL)
    path = tmp_path / "again.yaml"
    nm.Patch(graph=g).save(path)
    again = nm.load(path)
    assert again.graph == g
    np.testing.assert_array_equal(again.render(frames=3000), nm.Patch(graph=g).render(frames=3000))


def test_python_patch_round_trips():
    p = nm.Patch(sr=44100, seed=9)
    a = p.neuron(act="relu", name="odd_Name_2")
    a.input(p.noise(), p.sine(2).mod(0.5, 1.0))
    p.out(a)
    assert loads(dumps(p.graph)) == p.graph


def test_json_is_accepted():
    import json

    g = loads(json.dumps({"nodes": {"s": {"type": "sine", "freq": 220}}, "out": "s"}))
    assert g.nodes["s"].params["freq"] == 220.0


BAD = [
    ("unknown node type", "  a: {type: sinee, freq: 1}\n", 2, "did you mean 'sine'"),
    ("unknown parameter", "  a: {type: sine, freqq: 1}\n", 2, "did you mean 'freq'"),
    ("dangling reference", "  a: {type: sine, freq: 1}\n  b: {type: neuron, inputs: {aa: 1}}\n", 3,
     "no node 'aa'"),
    ("wrong type", "  a: {type: sine, freq: [1, 2]}\n", 2, "must be a number"),
    ("out of range", "  a: {type: sine, freq: 1e9}\n", 2, "out of range"),
    ("bad option", "  a: {type: neuron, act: tanhh}\n", 2, "did you mean 'tanh'"),
    ("unknown port", "  a: {type: sine}\n  b: {type: neuron, inputs: {a.bp: 1}}\n", 3, "no output 'bp'"),
    ("missing type", "  a: {freq: 1}\n", 2, "has no 'type'"),
    ("zero-delay loop", "  a: {type: neuron, inputs: {a: {weight: 1, delay: 0}}}\n", 2,
     "delay 0"),
]


@pytest.mark.parametrize("what,nodes,line,text", BAD, ids=[b[0] for b in BAD])
def test_bad_patch_gives_a_located_message(what, nodes, line, text):
    with pytest.raises(nm.PatchError) as err:
        loads("nodes:\n" + nodes + "out: a\n", filename="bad.yaml")
    msg = str(err.value)
    assert msg.startswith(f"bad.yaml, line {line}: node 'a'") or msg.startswith(
        f"bad.yaml, line {line}: node 'b'"), msg
    assert text in msg
    assert "Traceback" not in msg


def test_yaml_syntax_error_is_located():
    with pytest.raises(nm.PatchError, match=r"bad.yaml, line 3: is not valid YAML"):
        loads("nodes:\n  a: {type: sine, freq: 1\nout: a\n", filename="bad.yaml")


def test_unknown_section_and_missing_output():
    with pytest.raises(nm.PatchError, match="unknown section 'nodez'.*did you mean 'nodes'"):
        loads("nodez: {}\n")
    with pytest.raises(nm.PatchError, match="no output"):
        loads("nodes:\n  a: {type: sine}\n")
    with pytest.raises(nm.PatchError, match="no node 'c'"):
        loads("nodes:\n  a: {type: sine}\nout: c\n")


def test_missing_file_is_a_patch_error(tmp_path):
    with pytest.raises(nm.PatchError, match="no such patch file"):
        nm.load(tmp_path / "nope.yaml")


def test_bare_connection_has_no_scale_address_but_a_scaled_one_does():
    g = loads("nodes:\n  lfo: {type: sine, freq: 1}\n  a: {type: sine, freq: lfo}\n"
              "  b: {type: sine, freq: {from: lfo, scale: 1}}\nout: [a, b]\n")
    addresses = nm.Patch(graph=g).compile().addresses
    assert "a.freq.scale" not in addresses and "a.freq" not in addresses
    assert {"b.freq.scale", "b.freq.offset"} <= set(addresses)
    assert loads(dumps(g)) == g
