"""Small patches the analysis tests share (the ``patches`` fixture)."""

import math
import types

import pytest

import neuromix as nm


def dual(sr=48000):
    """The dual-neuron patch of DESIGN.md: two tanh neurons feeding each other."""
    p = nm.Patch(sr=sr)
    a = p.neuron(act="tanh", bias=0.1, name="a")
    b = p.neuron(act="tanh", bias=-0.05, name="b")
    a.input(p.sine(110, name="s1"), 1.5); a.input(b, 1.2)
    b.input(p.tri(165, name="t1"), 1.3); b.input(a, -1.4)
    p.out(p.mix(inputs={a: 0.5, b: 0.5}, name="mix"))
    return p


def folded(sr=48000, w_ab=3.0, w_ba=-3.0):
    """The dual neuron with sine activations (wavefolders): strong weights make it chaotic."""
    p = dual(sr)
    for nid in ("a", "b"):
        p[nid].set(act="sin")
    p.graph.nodes["a"].inputs[1].weight = w_ab
    p.graph.nodes["b"].inputs[1].weight = w_ba
    return p


def single(sr=48000):
    """One tanh neuron on a sine, with a little self-feedback: stable."""
    p = nm.Patch(sr=sr)
    a = p.neuron(act="tanh", name="a")
    a.input(p.sine(220, name="s1"), 2.0); a.input(a, 0.5)
    p.out(a)
    return p


def rotor(sr=48000, gain=1.02, freq=440.0):
    """Two tanh neurons rotating a vector: a self-sustained oscillation (a limit cycle)."""
    theta = 2 * math.pi * freq / sr
    c, s = gain * math.cos(theta), gain * math.sin(theta)
    p = nm.Patch(sr=sr)
    x = p.neuron(act="tanh", bias=0.01, name="x")
    y = p.neuron(act="tanh", name="y")
    x.input(x, c); x.input(y, -s)
    y.input(x, s); y.input(y, c)
    p.out(x)
    return p


def logistic(r=4.0):
    """The logistic map x ← r·x·(1 − x) as a patch at sr = 1 (one sample is one step).

    ``kick`` is +1 on the first sample only (a square wave far too slow to switch back), so
    x starts at 0.3 and then follows the map.
    """
    p = nm.Patch(sr=1)
    x = p.mix(name="x")
    f = p.scale(x, r, name="f")
    g = p.offset(p.scale(x, -1.0, name="negx"), 1.0, name="g")
    prod = p.mul(inputs=[f, g], name="prod")
    kick = p.square(1e-9, 1e-10, name="kick")
    x.input(prod, 1.0); x.input(kick, 0.15); x.input(p.const(1.0, name="one"), 0.15)
    p.out(x)
    return p


@pytest.fixture
def patches():
    """The builders above: ``patches.dual()``, ``patches.logistic(3.2)``, ..."""
    return types.SimpleNamespace(dual=dual, folded=folded, single=single, rotor=rotor, logistic=logistic)
