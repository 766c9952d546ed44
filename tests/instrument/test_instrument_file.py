"""Instrument files: good ones load, bad ones give clear, line-numbered errors."""

from __future__ import annotations

import pytest

from neuromix import PatchError
from neuromix.instrument.file import load, loads

GOOD = """\
instrument: 1
rate: 100
inputs:
  x: {source: mouse, axis: x}
  j: {source: joystick, axis: 1, dead_zone: 0.1}
  c: {source: midi, event: cc, number: 1}
  o: {source: osc, address: /wek/inputs, index: 1, range: [0, 10]}
network:
  nodes:
    a: {type: neuron, act: tanh, inputs: {x: 2.0, b: 1.0}}
    b: {type: neuron, act: tanh, inputs: {j: 1.0, a: -1.0}}
outputs:
  m: {type: notes, pitch: a, scale: [0, 3, 7], notes: [60, 72], trigger: clock, clock: 4}
  c14: {type: cc, from: b, number: 1, bits: 14}
  w: {type: osc, preset: wekinator, values: [a, {from: b, range: [-1, 1], to: [0, 1]}]}
"""


def test_good_file_loads_with_inputs_as_network_nodes():
    spec = loads(GOOD)
    assert spec.rate == 100 and not spec.linear
    assert list(spec.network.nodes) == ["x", "j", "c", "o", "a", "b"]
    assert spec.network.nodes["x"].type == "input"
    assert spec.network.sr == 100.0
    notes = spec.outputs[0].settings
    assert notes["allowed"] == [60, 63, 67, 72]
    assert spec.outputs[2].settings["port"] == 12000
    assert spec.outputs[2].settings["address"] == "/wek/outputs"


def test_linear_network_has_only_inputs():
    spec = loads("inputs: {x: {source: replay}}\nnetwork: linear\n"
                 "outputs: {b: {type: bend, from: x}}")
    assert spec.linear and list(spec.network.nodes) == ["x"]


@pytest.mark.parametrize("text, line, words", [
    ("inputs: {x: {source: mose}}\noutputs: {}", 1, ["unknown source 'mose'", "mouse"]),
    ("inputs:\n  x: {source: mouse, axis: z}\noutputs: {}", 2, ["axis", "x, y"]),
    ("inputs:\n  x: {source: mouse, axis: x}\nnetwork:\n  nodes:\n"
     "    a: {type: nuron}\noutputs: {}", 5, ["unknown node type 'nuron'", "neuron"]),
    ("inputs:\n  x: {source: mouse, axis: x}\nnetwork:\n  nodes:\n"
     "    a: {type: neuron, inputs: {xx: 1.0}}\noutputs: {}", 5, ["no node 'xx'", "'x'"]),
    ("inputs:\n  x: {source: mouse, axis: x}\nnetwork:\n  nodes:\n"
     "    x: {type: neuron}\noutputs: {}", 5, ["called 'x' like an input"]),
    ("inputs:\n  x: {source: mouse, axis: x}\noutputs:\n"
     "  m: {type: notes, pitch: y}\n", 4, ["no node 'y'", "the inputs"]),
    ("inputs:\n  x: {source: mouse, axis: x}\noutputs:\n"
     "  m:\n    type: notes\n    pitch: x\n    scale: dorain\n", 7, ["unknown scale 'dorain'"]),
    ("inputs:\n  x: {source: mouse, axis: x}\noutputs:\n"
     "  m: {type: cc, from: x, number: 74, bits: 14}\n", 4, ["'number'", "0 to 31"]),
    ("inputs:\n  x: {source: mouse, axis: x}\noutputs:\n"
     "  m: {type: notez, from: x}\n", 4, ["unknown type 'notez'", "notes"]),
    ("inputs:\n  x: {source: mouse, axis: x}\noutputs:\n"
     "  m: {type: cc, from: x, number: 74, rnage: [0, 1]}\n", 4, ["unknown key 'rnage'", "range"]),
    ("inputs:\n  x: {source: mouse, axis: x}\noutputs:\n"
     "  m: {type: param, address: a.b, from: x, to: [0, 1]}\n", 4, ["needs an audio patch"]),
    ("inputs:\n  x: {source: mouse, axis: x}\nrate: 0\noutputs: {}", 3, ["'rate'", "1 to 4000"]),
    ("inputs:\n  x: {source: mouse, axis: x}\noutput: {}", 3, ["unknown key 'output'", "outputs"]),
    ("inputs: [x]\noutputs: {}", 1, ["'inputs:' must map"]),
    ("inputs:\n  x: {source: mouse, axis: x\n", 3, ["not valid YAML"]),
])
def test_bad_files_name_the_line_and_the_problem(text, line, words):
    with pytest.raises(PatchError) as info:
        loads(text, filename="bad.yaml")
    message = str(info.value)
    assert message.startswith(f"bad.yaml, line {line}: "), message
    for word in words:
        assert word in message, message


def test_param_output_checks_the_played_patch_address(write, tmp_path):
    (tmp_path / "voice.yaml").write_text("nodes:\n  cut: {type: const, value: 100}\n"
                                         "  s: {type: sine, freq: cut}\nout: s\n")
    path = write("inputs:\n  x: {source: replay}\nplay: voice.yaml\noutputs:\n"
                 "  c:\n    type: param\n    address: cut.valeu\n    from: x\n    to: [1, 2]\n")
    with pytest.raises(PatchError) as info:
        load(path)
    assert "line 7" in str(info.value) and "'cut.value'" in str(info.value)


def test_missing_file_and_missing_gesture(write, tmp_path):
    with pytest.raises(PatchError, match="no such instrument file"):
        load(tmp_path / "nope.yaml")
    path = write("replay: g.csv\ninputs:\n  x: {source: replay}\noutputs: {}\n")
    with pytest.raises(PatchError, match="line 1: replay: no gesture file 'g.csv'"):
        load(path)


def test_cli_reports_bad_file_without_traceback(write, capsys):
    from neuromix.cli import main

    path = write("inputs:\n  x: {source: mouse, axis: q}\noutputs: {}\n")
    assert main(["instrument", str(path), "--offline", "--seconds", "1"]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "Traceback" not in err


def test_the_instrument_file_in_the_docs_loads(tmp_path):
    import re

    from instrument_helpers import ROOT

    text = (ROOT / "docs" / "instruments.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    (tmp_path / "mouse_to_midi.csv").write_text("tick,seconds,x,y\n0,0.0,0.5,0.5\n")
    spec = loads(block, base=tmp_path)
    assert [o.name for o in spec.outputs] == ["melody", "brightness"]
