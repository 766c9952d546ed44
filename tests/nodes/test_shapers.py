"""Shapers against closed forms: comparator (hysteresis), folds, waveshapers, slew, S&H, quantizer."""

import numpy as np
import pytest
from helpers import assert_block_invariant

import neuromix as nm
from neuromix.compiler.reference import run_reference
from neuromix.nodes.shapers import SCALES

SR = 1000.0


def shaped(build, frames=1000):
    """(input, output): a 1 Hz triangle through the node that ``build(patch, tri)`` makes."""
    p = nm.Patch(sr=SR)
    tri = p.tri(1.0)
    p.out([tri, build(p, tri)])
    y = p.render(frames=frames)
    return y[:, 0], y[:, 1]


def render_one(build, frames, sr=SR):
    p = nm.Patch(sr=sr)
    p.out(build(p))
    return p.render(frames=frames)


def test_comparator_defaults_keep_plain_behaviour():
    x, y = shaped(lambda p, t: p.comparator(t))
    np.testing.assert_array_equal(y, np.where(x > 0.0, 1.0, -1.0))
    # exactly at the threshold it is low, as before
    assert render_one(lambda p: p.comparator(p.const(0.2), threshold=0.2), 1)[0, 0] == -1.0


def test_comparator_hysteresis_switches_at_band_edges():
    thr, hyst, high, low = 0.1, 0.4, 5.0, -2.0
    x, y = shaped(lambda p, t: p.comparator(t, threshold=thr, hysteresis=hyst, high=high,
                                            low=low), 2000)
    state, expected = False, []
    for v in x:  # a Schmitt trigger, written out
        if not state and v > thr + hyst / 2:
            state = True
        elif state and v <= thr - hyst / 2:
            state = False
        expected.append(high if state else low)
    np.testing.assert_array_equal(y, expected)
    # it really lags: the output goes high only once the input passed thr + hyst/2
    ups = np.nonzero((y[1:] == high) & (y[:-1] == low))[0] + 1
    downs = np.nonzero((y[1:] == low) & (y[:-1] == high))[0] + 1
    assert len(ups) == len(downs) == 2
    assert all(x[i] > thr + hyst / 2 >= x[i - 1] for i in ups)
    assert all(x[i] <= thr - hyst / 2 < x[i - 1] for i in downs)
    assert ((x > thr - hyst / 2) & (x < thr + hyst / 2) & (y == high)).any()
    assert ((x > thr - hyst / 2) & (x < thr + hyst / 2) & (y == low)).any()


def test_wavefolder_closed_forms():
    x, tri = shaped(lambda p, t: p.wavefolder(t, gain=3.7, bias=0.2))
    folded = 3.7 * x + 0.2
    np.testing.assert_allclose(tri, np.arcsin(np.sin(np.pi / 2 * folded)) * 2 / np.pi, atol=1e-9)
    _, sine = shaped(lambda p, t: p.wavefolder(t, gain=3.7, bias=0.2, shape="sine"))
    np.testing.assert_allclose(sine, np.sin(np.pi / 2 * folded), atol=1e-12)
    # identity inside ±1 with gain 1
    np.testing.assert_allclose(shaped(lambda p, t: p.wavefolder(t))[1], x, atol=1e-12)


def test_waveshaper_table_interpolates_linearly():
    table = [0.0, 1.0, -0.5, 0.25, 0.9, -1.0, 0.3]
    x, y = shaped(lambda p, t: p.waveshaper(t, drive=1.3, table=table))
    expected = np.interp(np.clip(1.3 * x, -1, 1), np.linspace(-1, 1, len(table)), table)
    np.testing.assert_allclose(y, expected, atol=1e-12)


def test_waveshaper_chebyshev_adds_harmonics():
    coeffs = [0.1, 0.5, 0.0, 0.3, -0.2]
    x, y = shaped(lambda p, t: p.waveshaper(t, cheby=coeffs))
    np.testing.assert_allclose(y, np.polynomial.chebyshev.chebval(x, coeffs), atol=1e-12)
    # T3 of a full-scale cosine is the third harmonic
    n = 1000
    y = render_one(lambda p: p.waveshaper(p.sine(1.0), cheby=[0, 0, 0, 1]), n)[:, 0]
    np.testing.assert_allclose(y, np.sin(2 * np.pi * 3 * np.arange(n) / SR + np.pi), atol=1e-9)


def test_waveshaper_rejects_bad_tables():
    with pytest.raises(nm.PatchError, match="table"):
        render_one(lambda p: p.waveshaper(p.sine(1.0), table=[1.0]), 1)
    with pytest.raises(nm.PatchError, match="either"):
        render_one(lambda p: p.waveshaper(p.sine(1.0), table=[0, 1], cheby=[0, 1]), 1)


def test_clip_rectifier_diffrect():
    def build(p):
        s = p.tri(1.0) * 3.0
        d = p.diffrect(pos1=s, pos2=0.5, neg1=p.const(0.25), limit=2.0)
        return [s, p.clip(s, lo=-0.4, hi=1.5), p.rectifier(s), p.rectifier(s, mode="full"),
                d.port("pos"), d.port("neg")]
    x, y = (lambda r: (r[:, 0], r[:, 1:]))(render_one(build, 1000))
    d = np.clip(x + 0.5 - 0.25, -2, 2)
    np.testing.assert_allclose(y, np.stack([np.clip(x, -0.4, 1.5), np.maximum(x, 0), np.abs(x),
                                            np.maximum(d, 0), np.minimum(d, 0)], 1), atol=1e-12)


def test_slew_limits_rise_and_fall_rates():
    # a square, +1 for 500 samples then -1: from 0 it rises 1/(0.1·sr) per sample, falls 1/(0.05·sr)
    y = render_one(lambda p: p.slew(p.square(1.0), rise=0.1, fall=0.05), 1000)[:, 0]
    np.testing.assert_allclose(y[:100], np.arange(1, 101) / 100.0, atol=1e-9)
    np.testing.assert_allclose(y[100:500], 1.0, atol=1e-9)
    np.testing.assert_allclose(y[500:600], 1.0 - np.arange(1, 101) / 50.0, atol=1e-9)
    np.testing.assert_allclose(y[600:], -1.0, atol=1e-9)


def test_sample_hold_takes_input_at_each_trigger():
    x, y = shaped(lambda p, t: p.sample_hold(t, trig=p.clock(bpm=600.0).port("trig")))
    ticks = np.arange(0, 1000, 100)
    expected = np.repeat(x[ticks], 100)
    np.testing.assert_array_equal(y, expected)


def _nearest_in_scale(notes, degrees, root):
    grid = np.array([root + 12 * o + d for o in range(-12, 14) for d in degrees])
    idx = np.abs(notes[:, None] - grid[None, :]).argmin(1)
    return grid[idx]


@pytest.mark.parametrize("scale,root", [("major", 0.0), ("minor_pentatonic", 3.0),
                                        ([0, 1, 6, 9], 2.5)])
def test_quantizer_midi_snaps_to_nearest_note(scale, root):
    notes = np.random.default_rng(3).uniform(20, 100, 512)
    degrees = SCALES[scale] if isinstance(scale, str) else scale
    expected = _nearest_in_scale(notes, degrees, root)
    p = nm.Patch(sr=SR)
    src = p.const(0.0, name="src")
    p.out(p.quantizer(src, root=root, **({"scale": scale} if isinstance(scale, str)
                                          else {"degrees": scale})))
    c = p.compile()
    got = []
    for v in notes:
        c.set("src.value", v)
        got.append(c.process(1)[0, 0])
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_quantizer_hz_snaps_in_pitch():
    freqs = np.random.default_rng(4).uniform(50, 2000, 256)
    notes = 69 + 12 * np.log2(freqs / 440)
    expected = 440 * 2 ** ((_nearest_in_scale(notes, SCALES["pentatonic"], 0.0) - 69) / 12)
    p = nm.Patch(sr=SR)
    src = p.const(0.0, name="src")
    p.out(p.quantizer(src, scale="pentatonic", unit="hz"))
    c = p.compile()
    got = []
    for f in freqs:
        c.set("src.value", f)
        got.append(c.process(1)[0, 0])
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_quantizer_bad_scales_are_patch_errors():
    with pytest.raises(nm.PatchError, match="did you mean 'major'"):
        render_one(lambda p: p.quantizer(p.const(60.0), scale="majr"), 1)
    with pytest.raises(nm.PatchError, match="degrees"):
        render_one(lambda p: p.quantizer(p.const(60.0), degrees=[0, 12]), 1)


def test_block_invariance_of_every_shaper():
    p = nm.Patch(sr=48000, seed=2)
    s, n = p.sine(3.1), p.noise()
    lfo = p.sine(0.7)
    d = p.diffrect(pos1=s, pos2=n, neg1=lfo)
    p.out([
        p.comparator(s, threshold=lfo.mod(0.3), hysteresis=0.2),
        p.wavefolder(s, gain=lfo.mod(2.0, 3.0)),
        p.waveshaper(n, table=[0, 1, -1, 0.5]),
        p.waveshaper(s, drive=lfo, cheby=[0, 1, 0.5, 0.2]),
        p.clip(n, lo=lfo.mod(0.5, -0.5)),
        p.rectifier(n, mode="full"),
        d.port("pos"), d.port("neg"),
        p.slew(n, rise=lfo.mod(0.001, 0.002)),
        p.sample_hold(n, trig=s),
        p.quantizer(s.mod(24.0, 60.0), scale="dorian", root=lfo.mod(2.0)),
    ])
    assert_block_invariant(p, 9000)
    y = p.render(frames=9000)
    assert np.isfinite(y).all() and (y.std(0) > 0).all()
    np.testing.assert_allclose(y[:300], run_reference(p.graph, 300), atol=1e-9)
