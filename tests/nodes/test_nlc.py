"""The NLC neuron against the published clone's formula, alone and in a GENiE ring."""

import numpy as np
from helpers import assert_block_invariant

import neuromix as nm
from neuromix.compiler.reference import run_reference

SR = 48000.0


def nlc(total, sense, response):
    """The VCV Rack clone: r = clamp(sum + sense, 0, 10); r − response if r > 0 else +response."""
    r = np.clip(total + sense, 0.0, 10.0)
    return np.where(r > 0.0, r - response, response)


def test_closed_form_over_the_knob_ranges():
    p = nm.Patch(sr=SR)
    a, b = p.sine(50.0), p.tri(73.0)
    outs = [p.nlc_neuron(sense=s, response=r, inputs={a: 8.0, b: -3.0})
            for s, r in [(0.0, 1.0), (2.5, 4.0), (5.0, 10.0)]]
    p.out([a, b, *outs])
    y = p.render(frames=4000)
    total = 8.0 * y[:, 0] - 3.0 * y[:, 1]
    for col, (s, r) in enumerate([(0.0, 1.0), (2.5, 4.0), (5.0, 10.0)], start=2):
        np.testing.assert_allclose(y[:, col], nlc(total, s, r), atol=1e-12)
    # both branches were exercised
    assert (y[:, 2] == 1.0).any() and (y[:, 2] != 1.0).any()


def test_genie_ring_matches_the_clones_loop():
    """Three neurons in a ring (1 ← osc + 3, 2 ← 1, 3 ← 2), as GENiE runs them per sample."""
    gains, senses, responses = (0.9, 0.7, 0.8), (1.0, 0.5, 2.0), (3.0, 1.5, 2.5)
    p = nm.Patch(sr=SR)
    osc = p.sine(110.0)
    n1 = p.nlc_neuron(sense=senses[0], response=responses[0], name="n1")
    n2 = p.nlc_neuron(sense=senses[1], response=responses[1], inputs={n1: gains[1]}, name="n2")
    n3 = p.nlc_neuron(sense=senses[2], response=responses[2], inputs={n2: gains[2]}, name="n3")
    n1.input(osc, 5.0)
    n1.input(n3, gains[0])
    p.out([osc, n1, n2, n3])
    y = p.render(frames=3000)
    out3, expected = 0.0, []
    for x in y[:, 0]:  # neuron 1 hears neuron 3's previous output, 2 and 3 the current ones
        o1 = nlc(5.0 * x + gains[0] * out3, senses[0], responses[0])
        o2 = nlc(gains[1] * o1, senses[1], responses[1])
        out3 = nlc(gains[2] * o2, senses[2], responses[2])
        expected.append((o1, o2, out3))
    np.testing.assert_allclose(y[:, 1:], np.array(expected, dtype=float), atol=1e-9)
    assert y[:, 1:].std(0).min() > 0.1


def test_block_invariance():
    p = nm.Patch(sr=SR)
    n = p.nlc_neuron(sense=p.sine(0.5).mod(2.5, 2.5), response=3.0, name="n")
    n.input(p.sine(220.0), 4.0)
    n.input(n, 0.5)
    p.out(n)
    assert_block_invariant(p, 9000)
    np.testing.assert_allclose(p.render(frames=300), run_reference(p.graph, 300), atol=1e-9)
