"""Neurons and every activation function against numpy formulas."""

import numpy as np
import pytest
from helpers import assert_block_invariant

import neuromix as nm
from neuromix.nodes.activations import ACTIVATIONS

FORMULAS = {
    "identity": lambda u: u,
    "tanh": np.tanh,
    "sigmoid": lambda u: 1 / (1 + np.exp(-u)),
    "bipolar_sigmoid": lambda u: np.tanh(u / 2),
    "relu": lambda u: np.maximum(u, 0),
    "leaky_relu": lambda u: np.where(u > 0, u, 0.01 * u),
    "hardclip": lambda u: np.clip(u, -1, 1),
    "softsign": lambda u: u / (1 + np.abs(u)),
    "sin": np.sin,
    "abs": np.abs,
    "halfwave": lambda u: np.maximum(u, 0),
    "step": lambda u: np.where(u >= 0, 1.0, -1.0),
}


def test_every_activation_has_a_formula_here():
    assert set(FORMULAS) == set(ACTIVATIONS)


@pytest.mark.parametrize("act", sorted(FORMULAS))
def test_neuron_output_matches_formula(act):
    p = nm.Patch(sr=1000.0)
    ramp = p.saw(1.0)  # -1..1 over one second
    n = p.neuron(act=act, bias=0.25)
    n.input(ramp, 3.0)
    p.out(n)
    u = 3.0 * (2 * np.arange(1000) / 1000.0 - 1) + 0.25
    np.testing.assert_allclose(p.render(frames=1000)[:, 0], FORMULAS[act](u), atol=1e-12)
    np.testing.assert_allclose(ACTIVATIONS[act].numpy(u), FORMULAS[act](u), atol=1e-12)


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "softsign", "sin", "bipolar_sigmoid"])
def test_derivatives_match_finite_differences(act):
    import math

    a = ACTIVATIONS[act]
    for u in (-1.7, -0.3, 0.2, 1.1):
        y = float(a.numpy(np.array(u)))
        analytic = eval(a.deriv("u", "y"), {"math": math, "u": u, "y": y})
        numeric = (a.numpy(np.array(u + 1e-6)) - a.numpy(np.array(u - 1e-6))) / 2e-6
        assert analytic == pytest.approx(float(numeric), rel=1e-5)


def test_weights_are_settable_parameters_without_recompiling():
    p = nm.Patch()
    a = p.neuron(act="identity", name="a")
    a.input(p.const(1.0, name="one"), 0.5)
    p.out(a)
    c = p.compile()
    assert c.process(1)[0, 0] == 0.5
    c.set("a.w.one", 2.0)
    c.set("a.bias", 0.25)
    assert c.process(1)[0, 0] == 2.25
    assert p.compile()._fn is c._fn  # same structure: the same compiled kernel


def test_weight_driven_by_a_signal():
    p = nm.Patch(sr=1000.0)
    a = p.neuron(act="identity", name="a")
    lfo = p.sine(2.0)
    a.input(p.const(1.0), lfo.mod(scale=0.5, offset=1.0))
    p.out(a)
    t = np.arange(1000) / 1000.0
    np.testing.assert_allclose(p.render(frames=1000)[:, 0], 1.0 + 0.5 * np.sin(2 * np.pi * 2 * t),
                               atol=1e-9)


def test_neuron_block_invariance_with_feedback():
    p = nm.Patch()
    a = p.neuron(act="tanh", bias=0.1)
    a.input(p.sine(110), 1.5)
    a.input(a, 0.9)
    p.out(a)
    assert_block_invariant(p)
