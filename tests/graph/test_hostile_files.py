"""Hostile and careless patch and instrument files: one clear line each, fast, in bounded memory.

Node ids follow one rule ([A-Za-z_][A-Za-z0-9_]*) in every format and in the Python API;
options take only their declared choices and kinds; no number in a file may be non-finite;
aliases, nesting and sizes have documented limits (docs/patch-format.md, "Limits").
"""

import json
import subprocess
import sys
import tracemalloc

import pytest

import neuromix as nm
from neuromix.errors import NeuromixError, PatchError
from neuromix.graph.graph import Graph, Node
from neuromix.graph.patchfile import load_graph, loads
from neuromix.graph.yamlfile import MAX_DEPTH, MAX_VALUES
from neuromix.instrument import file as instrument_file

BAD_IDS = ["a$b", "a\nimport os", "1a", "a.b", "é", "a b", "", "a-b", "x\x00"]

PATCH = """\
neuromix: 1
sr: 48000
nodes:
  s1: {type: sine, freq: 110}
  NODE: {type: neuron, act: tanh, inputs: {s1: 1.5}}
out: NODE
"""

INSTRUMENT = """\
instrument: 1
inputs:
  INPUT: {source: osc, address: /x}
network:
  nodes:
    a: {type: neuron, act: tanh, inputs: {INPUT: 2.0}}
outputs:
  cut: {type: cc, from: a, number: 74}
"""


def _one_line(err: Exception) -> str:
    text = str(err)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_bad_node_id_is_refused_at_load_in_yaml_and_json(bad):
    text = PATCH.replace("NODE", json.dumps(bad))
    with pytest.raises(PatchError) as info:
        loads(text, "p.yaml")
    line = _one_line(info.value)
    assert line.startswith("p.yaml, line 5: ") and repr(bad) in line
    assert "[A-Za-z_][A-Za-z0-9_]*" in line
    doc = {"nodes": {"s1": {"type": "sine"}, bad: {"type": "neuron", "inputs": {"s1": 1}}},
           "out": bad}
    with pytest.raises(PatchError, match=r"\[A-Za-z_\]"):
        loads(json.dumps(doc), "p.json")


def test_a_node_id_with_code_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    evil = f"a\nimport pathlib; pathlib.Path({str(marker)!r}).touch()\nb"
    path = tmp_path / "evil.yaml"
    path.write_text(PATCH.replace("NODE", json.dumps(evil)))
    with pytest.raises(PatchError, match="is not valid"):
        load_graph(path)
    done = subprocess.run([sys.executable, "-m", "neuromix", "render", str(path), "-o",
                           str(tmp_path / "o.wav")], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and not marker.exists()
    assert "Traceback" not in done.stderr and "not valid" in done.stderr


@pytest.mark.parametrize("bad", ["a$b", "a\nb", "9x", "x.y"])
def test_the_python_api_and_graph_add_refuse_bad_ids(bad):
    with pytest.raises(PatchError, match="is not valid"):
        nm.Patch().sine(110, name=bad)
    with pytest.raises(PatchError, match="is not valid"):
        Graph().add(Node(bad, "sine"))
    g = Graph()
    g.nodes[bad] = Node(bad, "sine")  # a graph built by hand is still validated before use
    g.outputs = [nm.graph.graph.Ref(bad)] if "." not in bad else []
    with pytest.raises(PatchError):
        g.validate()


def test_bad_references_and_ports_are_refused():
    for text, word in [(PATCH.replace("{s1: 1.5}", '{"s1.b$d": 1.5}'), "not valid"),
                       (PATCH.replace("out: NODE", 'out: "a\\nb"'), "not valid"),
                       (PATCH.replace("freq: 110", 'freq: "s1.p q"'), "not valid")]:
        with pytest.raises(PatchError, match=word) as info:
            loads(text.replace("NODE", "a"), "p.yaml")
        assert _one_line(info.value).startswith("p.yaml, line ")


@pytest.mark.parametrize("option, message", [
    ("act: [tanh]", "is not one of"),
    ("act: {a: 1}", "is not one of"),
    ("act: 3", "is not one of"),
])
def test_options_take_only_their_declared_choices(option, message):
    with pytest.raises(PatchError, match=message) as info:
        loads(PATCH.replace("NODE", "a").replace("act: tanh", option), "p.yaml")
    assert _one_line(info.value).startswith("p.yaml, line 5: node 'a'")


def test_the_python_api_refuses_a_bad_option_where_it_is_given():
    p = nm.Patch()
    with pytest.raises(PatchError, match="is not one of"):
        p.neuron(act="tanh\nimport os")
    with pytest.raises(PatchError, match="finite"):
        p.waveshaper(table=[0.0, float("inf")])
    with pytest.raises(PatchError, match="whole number"):
        p.noise(seed=1.5)
    assert list(p.graph.nodes) == []  # nothing half-made stays in the patch


@pytest.mark.parametrize("table, message", [
    ("[.inf, 0, 1]", "line 4: .inf is not a finite number"),
    ("[0, .nan, 1]", "line 4: .nan is not a finite number"),
    ("[a, 0, 1]", "list of at most 4096 numbers"),
    ("[1e300, 0, 1]", "out of range"),
    ("[" + ", ".join(["0"] * 5000) + "]", "list of at most 4096 numbers"),
    ("7", "list of at most 4096 numbers"),
    ("[0.5]", "table must be a list of 2 to 4096 finite numbers"),
])
def test_list_options_are_finite_numbers_within_limits(table, message):
    text = f"nodes:\n  s: {{type: sine}}\n  w:\n    {{type: waveshaper, in: s, table: {table}}}\n" \
           f"out: w\n"
    with pytest.raises(PatchError, match=message.replace("[", r"\[")) as info:
        loads(text, "p.yaml")
    assert _one_line(info.value).startswith("p.yaml, line")


@pytest.mark.parametrize("degrees, message", [("[13]", "semitones from 0 to below 12"),
                                              ("[]", "degrees must be a list of 1 to 128")])
def test_a_quantizer_scale_is_checked_at_load(degrees, message):
    text = f"nodes:\n  s: {{type: sine}}\n  q: {{type: quantizer, in: s, degrees: {degrees}}}\n" \
           f"out: q\n"
    with pytest.raises(PatchError, match=message) as info:
        loads(text, "q.yaml")
    assert _one_line(info.value).startswith("q.yaml, line 3: node 'q'")


@pytest.mark.parametrize("where", ["sr: .inf", "seed: 1", "bias: .nan", "weight: -.inf",
                                   "meta: .inf", "scale: .inf"])
def test_any_non_finite_number_is_one_line(where):
    body = {"sr: .inf": PATCH.replace("sr: 48000", "sr: .inf"),
            "seed: 1": PATCH.replace("sr: 48000", "sr: 48000\nseed: .inf"),
            "bias: .nan": PATCH.replace("act: tanh", "act: tanh, bias: .nan"),
            "weight: -.inf": PATCH.replace("{s1: 1.5}", "{s1: -.inf}"),
            "meta: .inf": PATCH + "meta: {deep: [[1, {x: .inf}]]}\n",
            "scale: .inf": PATCH.replace("freq: 110", "freq: {from: s1, scale: .inf}")}[where]
    with pytest.raises(PatchError, match="not a finite number") as info:
        loads(body.replace("NODE", "a"), "p.yaml")
    assert _one_line(info.value).startswith("p.yaml, line ")


def test_non_finite_values_from_python_are_refused():
    with pytest.raises(PatchError, match="finite"):
        nm.Patch().const(float("inf"))
    p = nm.Patch()
    s = p.sine(110)
    p.out(p.neuron(inputs={s: 1.0}, name="a"))
    p.graph.nodes["a"].params["bias"] = float("nan")
    with pytest.raises(PatchError, match="finite"):
        p.graph.validate()


@pytest.mark.parametrize("section", ["render: {seconds: long}", "render: 5",
                                     "render: {seconds: .nan}", "render: {seconds: 1e300}",
                                     "render: {seconds: -1}", "render: {secs: 2}"])
def test_a_bad_render_section_is_one_line(section):
    with pytest.raises(PatchError, match="render|finite") as info:
        loads(PATCH.replace("NODE", "a") + section + "\n", "p.yaml")
    assert _one_line(info.value).startswith("p.yaml, line 7")


def test_a_good_render_section_passes():
    g = loads(PATCH.replace("NODE", "a") + "render: {seconds: 2.5}\n")
    assert g.extra["render"] == {"seconds": 2.5}


def _bomb(section_key: str, levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    body = "\n".join("  " + x for x in lines)
    return f"{section_key}:\n{body}\n"


@pytest.mark.parametrize("section", ["meta", "render", "midi", "osc", "nodes"])
def test_an_alias_bomb_in_any_section_is_refused_fast_in_bounded_memory(section):
    text = PATCH.replace("NODE", "a")
    text = text.replace("nodes:\n", _bomb("nodes") + "  ", 1) if section == "nodes" \
        else text + _bomb(section)
    tracemalloc.start()
    try:
        with pytest.raises(PatchError, match=f"more than {MAX_VALUES} values") as info:
            loads(text, "bomb.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20  # 9**9 strings would be gigabytes
    assert _one_line(info.value).startswith("bomb.yaml, line ")


def test_an_alias_bomb_in_an_instrument_file_is_refused():
    with pytest.raises(PatchError, match="values"):
        instrument_file.loads(INSTRUMENT.replace("INPUT", "x") + _bomb("window"), "i.yaml")
    with pytest.raises(PatchError, match="values"):
        instrument_file.loads(INSTRUMENT.replace("INPUT", "x").replace(
            "network:\n  nodes:\n", "network:\n  nodes:\n" + _bomb("    z").replace(
                "\n  ", "\n      "), 1), "i.yaml")


def test_small_aliases_still_share_settings():
    text = "nodes:\n  s: &osc {type: sine, freq: 110}\n  t: *osc\n  m: {type: mix, " \
           "inputs: {s: 0.5, t: 0.5}}\nout: m\n"
    g = loads(text)
    assert g.nodes["t"].params == g.nodes["s"].params


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000])
def test_deep_nesting_is_one_line_not_a_recursion_error(depth):
    flow = PATCH.replace("NODE", "a") + "meta: " + "[" * depth + "]" * depth + "\n"
    block = PATCH.replace("NODE", "a") + "meta:\n" + "".join(
        " " * (i + 1) + f"k{i}:\n" for i in range(depth))
    for text in (flow, block):
        with pytest.raises(PatchError, match=f"nesting deeper than {MAX_DEPTH} levels") as info:
            loads(text, "deep.yaml")
        assert _one_line(info.value).startswith("deep.yaml, line ")
    with pytest.raises(PatchError, match="nesting deeper"):
        instrument_file.loads(INSTRUMENT.replace("INPUT", "x") + "window: " + "[" * depth
                              + "]" * depth + "\n", "i.yaml")


@pytest.mark.parametrize("text, message", [
    ("nodes:\n  s: {type: sine}\n  d: {type: delay, in: s, max_delay: 60}\nout: d\nsr: 1000000\n",
     "max_delay needs 60000000 samples"),
    ("nodes:\n  s: {type: sine}\n  d: {type: neuron, inputs: {s: {weight: 1, delay: 20000000}}}"
     "\nout: d\n", "delay must be a whole number"),
    ("".join(["nodes:\n  s: {type: sine}\n"] + [
        f"  d{i}: {{type: delay, in: s, max_delay: 60}}\n" for i in range(30)]) + "out: s\n",
     "need 86400000 samples together"),
])
def test_absurd_sizes_are_refused_with_the_limit(text, message):
    with pytest.raises(PatchError, match=message):
        loads(text, "big.yaml")


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.truncate(17 << 20)
    with pytest.raises(PatchError, match="larger than the limit"):
        load_graph(path)
    with pytest.raises(PatchError, match="larger than the limit"):
        instrument_file.load(path)


@pytest.mark.parametrize("bad", ["a$b", "1x", "é", "a\nb"])
def test_instrument_names_follow_the_id_rule(bad):
    with pytest.raises(PatchError, match=r"input name .* is not valid") as info:
        instrument_file.loads(INSTRUMENT.replace("INPUT", json.dumps(bad)), "i.yaml")
    assert _one_line(info.value).startswith("i.yaml, line 3: ")
    with pytest.raises(PatchError, match=r"node id .* is not valid"):
        instrument_file.loads(INSTRUMENT.replace("INPUT", "x").replace(
            "    a: {type", f"    {json.dumps(bad)}: {{type").replace("from: a", "from: x"),
            "i.yaml")
    with pytest.raises(PatchError, match=r"output name .* is not valid"):
        instrument_file.loads(INSTRUMENT.replace("INPUT", "x").replace(
            "cut:", f"{json.dumps(bad)}:"), "i.yaml")


def test_a_dollar_in_a_node_id_is_refused_by_explain(tmp_path):
    path = tmp_path / "dollar.yaml"
    path.write_text(PATCH.replace("NODE", '"a$b$"'))
    done = subprocess.run([sys.executable, "-m", "neuromix", "explain", str(path), "-o",
                           str(tmp_path / "x.html")], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "'a$b$' is not valid" in done.stderr and not (tmp_path / "x.html").exists()


def test_errors_are_neuromix_errors():
    assert issubclass(PatchError, NeuromixError)


def test_the_schema_states_the_id_rule_and_the_render_limit():
    import re

    from neuromix.graph.schema import patch_schema

    schema = patch_schema()
    pattern = schema["$defs"]["nodes-section"]["propertyNames"]["pattern"]
    assert re.search(pattern, "lfo_2") and re.search(pattern, "_A9")
    assert not any(re.search(pattern, bad) for bad in BAD_IDS)
    assert schema["properties"]["render"]["properties"]["seconds"]["maximum"] == 86400
