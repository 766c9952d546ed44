"""The code generator: neuron groups as loops against the reference, tables in arrays, safe
source from hostile ids, the in-kernel blow-up guard through the CLI."""

import subprocess
import sys

import numpy as np
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import neuromix as nm
from neuromix import _config
from neuromix.compiler import codegen
from neuromix.graph.plan import Plan, place_delays, schedule
from neuromix.compiler.reference import run_reference
from neuromix.graph.graph import Graph, Input, Node, Ref

ACTS = ["tanh", "identity", "relu", "hardclip", "softsign", "sigmoid"]


@st.composite
def neuron_net(draw):
    """A run of plain neurons (dense or sparse) fed from outside and from each other, with
    mixed activations, custom delays and now and then a signal-driven weight or a node of
    another type in between (which splits the run)."""
    p = nm.Patch(sr=48000, seed=draw(st.integers(0, 9)))
    outside = [p.sine(draw(st.floats(50, 2000))), p.noise(), p.const(draw(st.floats(-1, 1)))]
    n = draw(st.integers(codegen.GROUP_MIN, 2 * codegen.GROUP_MIN + 3))
    dense = draw(st.booleans())
    mixed = draw(st.booleans())
    neurons = []
    for k in range(n):
        if draw(st.integers(0, 15)) == 0:
            p.onepole(draw(st.sampled_from(outside)), 500.0)  # another node type in the run
        act = draw(st.sampled_from(ACTS)) if mixed else "tanh"
        neurons.append(p.neuron(act=act, bias=draw(st.floats(-0.5, 0.5))))
    for h in neurons:
        h.input(draw(st.sampled_from(outside)), draw(st.floats(-1.5, 1.5)))
        sources = neurons if dense else draw(st.lists(st.sampled_from(neurons), max_size=3))
        for src in sources:
            delay = draw(st.sampled_from([None] * 6 + [1, 2]))
            weight = draw(st.floats(-1.0, 1.0)) / (len(sources) ** 0.5 if dense else 1.0)
            if draw(st.integers(0, 30)) == 0:
                weight = outside[0].mod(scale=0.5, offset=weight)
            h.input(src, weight, delay=delay)
    p.out(draw(st.lists(st.sampled_from(neurons), min_size=1, max_size=2)))
    return p


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(neuron_net())
def test_neuron_groups_match_the_reference(patch):
    compiled = patch.compile(exact=True)
    frames = 200
    ours = compiled.process(frames).copy()
    assert not compiled.blown_up
    np.testing.assert_allclose(ours, run_reference(patch.graph, frames), atol=1e-12, rtol=0)


def test_a_dense_group_becomes_one_loop_and_matches_the_reference():
    p = nm.Patch(sr=48000)
    rng = np.random.default_rng(1)
    s = p.sine(220)
    net = [p.neuron(act="tanh", bias=float(b)) for b in rng.uniform(-0.2, 0.2, 12)]
    for i, h in enumerate(net):
        h.input(s, 0.8)
        for j, src in enumerate(net):  # earlier ones at once, itself and later ones a sample late
            h.input(src, float(rng.normal(0, 0.4)), delay=2 if (i + j) % 7 == 0 else None)
    for h in net[::3]:
        h.input(net[-1], 0.1, delay=1)  # a custom delay that the schedule alone would not give
    p.out(net[0], net[-1])
    compiled = p.compile(exact=True)
    assert "for g in range(" not in compiled.kernel.source  # ring-buffer reads keep it unrolled
    np.testing.assert_allclose(compiled.process(300), run_reference(p.graph, 300),
                               atol=1e-12, rtol=0)

    q = nm.Patch(sr=48000)
    s = q.sine(220)
    net = [q.neuron(act="tanh", bias=float(b)) for b in rng.uniform(-0.2, 0.2, 12)]
    for h in net:
        h.input(s, 0.8)
        for src in net:
            h.input(src, float(rng.normal(0, 0.4)))
    q.out(net[3])
    compiled = q.compile(exact=True)
    assert compiled.kernel.source.count("for g in range(12)") == 1
    np.testing.assert_allclose(compiled.process(300)[:, 0], run_reference(q.graph, 300)[:, 0],
                               atol=1e-12, rtol=0)


def _dense_layer(p, sources, n, rng, reverse=False):
    """n plain neurons, each hearing every neuron of the layer and ``sources``, small weights
    (a contractive net: fast math's 1e-10 differences do not grow); ``reverse`` declares the
    layer feed-forward in reverse, so the schedule reorders it (its slots are not in order)."""
    acts = ["tanh", "softsign", "tanh", "hardclip", "sigmoid", "identity"]
    net = [p.neuron(act=acts[k % len(acts)], bias=float(rng.uniform(-0.3, 0.3)))
           for k in range(n)]
    for i, h in enumerate(net):
        for src in sources:
            h.input(src, float(rng.uniform(-0.8, 0.8)))
        for j, src in enumerate(net):
            if reverse and j <= i:
                continue  # neuron i hears only those declared after it: no loop, reordered
            delay = 1 if (i + 2 * j) % 9 == 0 and j < i else None  # a register, in the run
            h.input(src, float(rng.normal(0.0, 0.3 / n ** 0.5)), delay=delay)
    return net


def test_dense_groups_match_the_reference_in_fast_mode():
    """The dense form (a matrix built per block, a SIMD dot product per neuron: fast mode
    only) against the reference: groups mixing in-group and outside inputs, one-sample
    registers, a ring-buffer input that splits a run, mixed activations, and a group whose
    slots are out of order (gathered and scattered)."""
    rng = np.random.default_rng(7)
    p = nm.Patch(sr=48000, seed=3)
    outside = [p.sine(180.0), p.noise(), p.const(0.4)]
    first = _dense_layer(p, outside[:2], 20, rng)
    first[5].input(first[9], 0.05, delay=3)  # a ring buffer: splits the run (5 unrolled, 14)
    between = p.onepole(first[2], 800.0)  # scheduled between the layers: two runs
    later = _dense_layer(p, [between, outside[2]], 10, rng, reverse=True)
    p.out(first[0], later[0], later[-1])
    compiled = p.compile()
    source = compiled.kernel.source
    assert source.count("groups_matrix(") == 2 and "x = st[" in source  # both forms
    frames = 400
    ours = np.concatenate([compiled.process(n).copy() for n in (1, 64, 335)])
    assert not compiled.blown_up
    np.testing.assert_allclose(ours, run_reference(p.graph, frames), atol=1e-8, rtol=0)


def test_a_dense_group_mutes_a_blown_up_neuron_from_its_first_bad_sample():
    """The select-based guard of a group: the bad neuron writes 0 (the others hear 0), and it
    is recorded and stays muted until the end of the block, then reset."""
    p = nm.Patch(sr=1000)
    net = [p.neuron(act="identity", bias=0.1, name=f"n{k}") for k in range(8)]
    for i, h in enumerate(net):
        for j, src in enumerate(net):
            h.input(src, 3.0 if i == j == 4 else 0.001)
    p.out(net[4], net[7])
    compiled = p.compile()
    assert "groups_matrix(" in compiled.kernel.source
    out = compiled.process(256)
    assert np.isfinite(out).all() and np.abs(out).max() < _config.BLOWUP_LIMIT
    assert compiled.blown_up == ["n4"]
    bad = int(compiled.blowups["n4"].seconds * 1000)
    assert out[bad:, 0].max() == 0.0 and out[bad - 1, 0] != 0.0
    assert compiled.blowups["n4"].muted == 256 - bad
    assert abs(out[-1, 1] - 0.1 / (1 - 7 * 0.001)) < 1e-9  # the others go on, hearing 0


def test_group_size_does_not_reach_the_source():
    """Two nets of the same shape but different sizes share nothing but code that does not
    grow: the run's tables live outside the source."""
    sizes = []
    for n in (16, 64):
        p = nm.Patch()
        net = [p.neuron() for _ in range(n)]
        for h in net:
            for src in net:
                h.input(src, 0.01)
        p.out(net[0])
        sizes.append(len(p.compile().kernel.source))
    assert abs(sizes[0] - sizes[1]) < 20


def test_a_long_waveshaper_table_is_an_array_and_matches_the_reference():
    p = nm.Patch(sr=48000)
    table = np.sin(np.linspace(-3, 3, 4096)).tolist()
    p.out(p.waveshaper(p.sine(110), drive=1.3, table=table))
    compiled = p.compile(exact=True)
    assert len(compiled.kernel.source) < 20000
    np.testing.assert_allclose(compiled.process(200), run_reference(p.graph, 200),
                               atol=1e-12, rtol=0)


def test_a_hostile_node_id_never_reaches_the_kernel_source():
    """Whatever the loaders accept, the generator pastes no id, port or option string (the
    nodes go in past Graph.add's id rule, to test the generator's own defence)."""
    evil = "a\nimport os; os._exit(3)\n#"
    g = Graph(sr=48000)
    for node in (Node("s\n__import__('os')._exit(4)", "sine", params={"freq": 110.0}),
                 Node(evil, "neuron", options={"act": "tanh"},
                      inputs=[Input(Ref("s\n__import__('os')._exit(4)"), 1.0),
                              Input(Ref(evil), 0.5)])):
        g.nodes[node.id] = node
    g.outputs = [Ref(evil)]
    edges = place_delays(g)
    kernel = codegen.generate(Plan(g, edges, schedule(g, edges)))
    assert "os" not in kernel.source.replace("pos", "").replace("cos", "")
    assert "import os" not in kernel.source and "_exit" not in kernel.source
    compile(kernel.source, "<kernel>", "exec")  # well-formed Python


def test_render_mutes_a_blow_up_and_reports_it_in_one_line(tmp_path):
    patch = tmp_path / "grow.yaml"
    patch.write_text("neuromix: 1\nsr: 1000\nnodes:\n"
                     "  a: {type: neuron, act: identity, bias: 1.0, inputs: {a: 1000000.0}}\n"
                     "out: a\n")
    out = tmp_path / "grow.wav"
    run = subprocess.run([sys.executable, "-m", "neuromix", "render", str(patch), "-o", str(out),
                          "--seconds", "2", "--block", "256"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data, _ = sf.read(out)
    assert np.isfinite(data).all() and np.abs(data).max() < _config.BLOWUP_LIMIT
    lines = [line for line in run.stderr.splitlines() if "blew up" in line]
    assert len(lines) == 1 and lines[0].startswith("node 'a' blew up at 0.003 s (")
    assert lines[0].endswith("samples muted") and "Warning" not in run.stderr
    assert ".py" not in run.stderr
