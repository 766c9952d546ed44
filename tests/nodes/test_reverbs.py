"""Reverbs: RT60 by Schroeder integration, the spring's dispersion, level, mix, blocks."""

import numpy as np
import pytest
from dsp_helpers import assert_matches_reference, impulse_response, rt60
from helpers import assert_block_invariant

import neuromix as nm
from neuromix.nodes.reverbs import STRETCH_MAX_A, _stretch

SR = 48000.0


@pytest.mark.parametrize("decay", [0.5, 2.0])
@pytest.mark.parametrize("damping", [0.0, 0.5, 0.95])
@pytest.mark.parametrize("size", [0.5, 1.0])
def test_room_rt60_is_within_20_percent(decay, damping, size):
    h = impulse_response(lambda p, x: p.room(x, decay=decay, damping=damping, size=size, mix=1.0),
                         int(1.2 * decay * SR))
    assert abs(rt60(h, SR) / decay - 1) < 0.2
    if damping == 0.0:
        assert abs(rt60(h, SR) / decay - 1) < 0.02


@pytest.mark.parametrize("decay", [0.5, 2.0])
@pytest.mark.parametrize("damping", [0.0, 0.5, 0.95])
@pytest.mark.parametrize("dispersion", [0.0, 0.8])
def test_spring_rt60_is_within_20_percent(decay, damping, dispersion):
    h = impulse_response(lambda p, x: p.spring(x, decay=decay, damping=damping,
                                               dispersion=dispersion, mix=1.0),
                         int(1.2 * decay * SR))
    assert abs(rt60(h, SR) / decay - 1) < 0.2


def group_delay(h, freq):
    """Group delay of h in samples at freq: Re(Σ n·h[n]·e^{−jωn} / Σ h[n]·e^{−jωn})."""
    n = np.arange(len(h))
    e = np.exp(-2j * np.pi * freq / SR * n)
    return float(np.real((n * h) @ e / (h @ e)))


@pytest.mark.parametrize("dispersion", [0.0, 0.5, 1.0])
def test_spring_echo_is_a_chirp_with_the_designed_group_delay(dispersion):
    length, stages = 0.1, 16
    h = impulse_response(lambda p, x: p.spring(x, length=length, dispersion=dispersion, damping=0.0,
                                               decay=3.0, mix=1.0, stages=stages), 7200)
    k, a = _stretch(SR), STRETCH_MAX_A * dispersion
    line = round(length * SR - stages * k * (1 - a) / (1 + a))
    for freq in (200.0, 1000.0, 3000.0):
        kw = k * 2 * np.pi * freq / SR
        designed = line + stages * k * (1 - a * a) / (1 + 2 * a * np.cos(kw) + a * a)
        assert abs(group_delay(h, freq) - designed) < 0.5
    spread = group_delay(h, 3000.0) - group_delay(h, 200.0)
    if dispersion == 0.0:
        assert abs(spread) < 0.01
    else:  # higher frequencies come later, as in a spring: a rising chirp
        assert spread > 40 * dispersion


@pytest.mark.parametrize("kind", ["room", "spring"])
def test_reverb_keeps_the_level_of_steady_noise(kind):
    p = nm.Patch(sr=SR, seed=1)
    x = p.noise()
    p.out([x, getattr(p, kind)(x, decay=1.0, damping=0.0, mix=1.0)])
    y = p.render(seconds=4.0)[int(2 * SR):]
    ratio = np.std(y[:, 1]) / np.std(y[:, 0])
    assert 0.7 < ratio < 1.4


@pytest.mark.parametrize("kind", ["room", "spring"])
def test_reverb_mix_zero_is_the_dry_input(kind):
    p = nm.Patch(sr=SR, seed=1)
    x = p.noise()
    p.out([x, getattr(p, kind)(x, mix=0.0)])
    y = p.render(frames=5000)
    np.testing.assert_array_equal(y[:, 1], y[:, 0])


def reverb_patch(kind, short=False):
    p = nm.Patch(sr=SR, seed=6)
    x, lfo = p.noise() * p.square(30.0), p.sine(0.9)
    if kind == "room":
        node = p.room(x, decay=lfo.mod(0.5, 1.0), size=0.1 if short else lfo.mod(0.2, 0.8),
                      damping=lfo.mod(0.2, 0.4), mix=lfo.mod(0.3, 0.6))
    else:
        node = p.spring(x, length=lfo.mod(0.001, 0.002 if short else 0.03), interp="linear",
                        decay=lfo.mod(0.4, 1.0), dispersion=lfo.mod(0.3, 0.6),
                        damping=lfo.mod(0.2, 0.4), mix=0.7, stages=4 if short else 16)
    p.out(node)
    return p


@pytest.mark.parametrize("kind", ["room", "spring"])
def test_reverbs_are_block_size_invariant(kind):
    assert_block_invariant(reverb_patch(kind), frames=20000)


@pytest.mark.parametrize("kind", ["room", "spring"])
def test_reverbs_match_the_reference_interpreter(kind):
    assert_matches_reference(reverb_patch(kind, short=True), frames=600)
