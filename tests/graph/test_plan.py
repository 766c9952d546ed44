"""Delay placement and scheduling."""

import numpy as np
import pytest

import neuromix as nm
from neuromix.graph.plan import plan_graph


def dual(delay_ab=None):
    p = nm.Patch()
    a = p.neuron(name="a", bias=0.1)
    b = p.neuron(name="b", bias=-0.05)
    a.input(p.sine(110, name="s"), 1.5)
    a.input(b, 1.2)
    b.input(p.tri(165, name="t"), 1.3)
    b.input(a, -1.4, delay=delay_ab)
    p.out(a)
    return p


def delays(p):
    return {(str(e.src), e.dst): e.delay for e in plan_graph(p.graph).edges}


def test_back_edge_in_loop_gets_one_sample():
    d = delays(dual())
    assert d[("b", "a")] == 1 and d[("a", "b")] == 0
    assert d[("s", "a")] == 0 and d[("t", "b")] == 0


def test_explicit_delay_makes_both_directions_late():
    p = dual(delay_ab=1)
    assert delays(p)[("a", "b")] == 1
    assert plan_graph(p.graph).order.index("a") < plan_graph(p.graph).order.index("b")


def test_back_edge_outside_a_loop_costs_nothing():
    p = nm.Patch()
    a = p.neuron(name="a")
    s = p.sine(100, name="s")  # declared after a, but a does not feed s
    a.input(s, 1.0)
    p.out(a)
    assert delays(p)[("s", "a")] == 0
    assert plan_graph(p.graph).order == ["s", "a"]


def test_self_loop_is_delayed():
    p = nm.Patch()
    a = p.neuron(name="a")
    a.input(a, 0.5)
    p.out(a)
    assert delays(p)[("a", "a")] == 1


def test_zero_delay_loop_is_an_error():
    p = nm.Patch()
    a = p.neuron(name="a")
    b = p.neuron(name="b")
    a.input(b, 1.0, delay=0)
    b.input(a, 1.0)
    p.out(a)
    with pytest.raises(nm.PatchError, match="loop with no delay"):
        plan_graph(p.graph)


def test_delay_semantics_exact_samples():
    """a hears b one sample late; b hears a at once; an explicit 5 delays five samples."""
    p = nm.Patch(sr=1000)
    imp = p.square(1.0, width=0.001, name="imp")  # +1 at sample 0, then -1
    a = p.neuron(act="identity", name="a")
    a.input(imp, 1.0)
    late = p.mix(name="late", inputs={})
    late.input(a, 1.0, delay=5)
    p.out([a, late])
    y = p.render(frames=10)
    assert y[0, 0] == 1.0 and y[1, 0] == -1.0
    assert list(y[:, 1]) == [0.0] * 5 + [1.0] + [-1.0] * 4


def test_feedback_one_sample_late_in_dual_neuron():
    p = dual()
    c = p.compile()
    y = nm.Patch(graph=p.graph).render(frames=3)
    # by hand: a[n] = tanh(0.1 + 1.5 s[n] + 1.2 b[n-1]); b[n] = tanh(-0.05 + 1.3 t[n] - 1.4 a[n])
    s = np.sin(2 * np.pi * 110 * np.arange(3) / 48000)
    t = 4 * np.abs((165 * np.arange(3) / 48000) % 1 - 0.5) - 1
    a_prev_b, out = 0.0, []
    for n in range(3):
        a = np.tanh(0.1 + 1.5 * s[n] + 1.2 * a_prev_b)
        a_prev_b = np.tanh(-0.05 + 1.3 * t[n] - 1.4 * a)
        out.append(a)
    np.testing.assert_allclose(y[:, 0], out, atol=1e-12)
    assert c.channels == 1
