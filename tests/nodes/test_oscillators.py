"""Oscillators and noise against closed forms (DESIGN.md §2 conventions)."""

import numpy as np
import pytest
from helpers import assert_block_invariant

import neuromix as nm

SR = 48000.0


def phases(freq, n, sr=SR):
    """phase[0] = 0, phase[n+1] = frac(phase[n] + f/sr), by exact accumulation."""
    ph = np.zeros(n)
    for i in range(1, n):
        ph[i] = (ph[i - 1] + freq / sr) % 1.0
    return ph


@pytest.mark.parametrize("kind,formula", [
    ("sine", lambda ph: np.sin(2 * np.pi * ph)),
    ("tri", lambda ph: 4 * np.abs(ph - 0.5) - 1),
    ("saw", lambda ph: 2 * ph - 1),
    ("phasor", lambda ph: ph),
    ("square", lambda ph: np.where(ph < 0.5, 1.0, -1.0)),
])
def test_oscillator_matches_closed_form(kind, formula):
    p = nm.Patch(sr=SR)
    p.out(getattr(p, kind)(441.0))
    y = p.render(frames=5000)[:, 0]
    ph = phases(441.0, 5000)
    ok = np.abs(ph - 0.5) > 1e-9 if kind == "square" else slice(None)  # edge rounding
    np.testing.assert_allclose(y[ok], formula(ph)[ok], atol=1e-9)


def test_sine_frequency_and_phase():
    p = nm.Patch(sr=SR)
    p.out(p.sine(1000.0))
    y = p.render(seconds=1.0)[:, 0]
    assert y[0] == 0.0 and y[1] > 0  # starts at phase 0, rising
    spectrum = np.abs(np.fft.rfft(y))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins over one second


def test_tri_starts_at_plus_one():
    p = nm.Patch(sr=SR)
    p.out(p.tri(100.0))
    assert p.render(frames=1)[0, 0] == 1.0


def test_pulse_width():
    p = nm.Patch(sr=SR)
    p.out(p.pulse(100.0, width=0.25))
    y = p.render(frames=4800)[:, 0]
    assert abs(np.mean(y > 0) - 0.25) < 0.002


def test_fm_by_signal_matches_closed_form():
    p = nm.Patch(sr=SR)
    lfo = p.sine(5.0)
    p.out(p.sine(lfo.mod(scale=50.0, offset=440.0)))
    y = p.render(frames=4000)[:, 0]
    f = 440.0 + 50.0 * np.sin(2 * np.pi * phases(5.0, 4000))
    ph = np.concatenate([[0.0], np.cumsum(f[:-1] / SR)]) % 1.0
    np.testing.assert_allclose(y, np.sin(2 * np.pi * ph), atol=1e-9)


@pytest.mark.parametrize("kind", ["saw", "square"])
def test_polyblep_is_band_limited(kind):
    def energy_above(antialias):
        p = nm.Patch(sr=SR)
        p.out(getattr(p, kind)(2637.0, antialias=antialias))
        spec = np.abs(np.fft.rfft(p.render(seconds=1.0)[:, 0] * np.hanning(48000))) ** 2
        freqs = np.fft.rfftfreq(48000, 1 / SR)
        harmonics = np.zeros_like(freqs, dtype=bool)
        for k in range(1, 10):
            harmonics |= np.abs(freqs - k * 2637.0) < 20
        return spec[~harmonics & (freqs > 100)].sum() / spec.sum()

    naive, blep = energy_above("naive"), energy_above("polyblep")
    assert blep < naive / 10  # aliases at least 10 dB down


def test_polyblep_keeps_shape_away_from_edges():
    p = nm.Patch(sr=SR)
    p.out(p.saw(100.0, antialias="polyblep"))
    y = p.render(frames=480)[:, 0]
    ph = phases(100.0, 480)
    far = (ph > 0.01) & (ph < 0.99)
    np.testing.assert_allclose(y[far], 2 * ph[far] - 1, atol=1e-12)


def test_noise_is_seeded_uniform_and_independent_per_node():
    def noise(seed, name="n"):
        p = nm.Patch(seed=seed)
        p.out(p.noise(name=name))
        return p.render(frames=48000)[:, 0]

    a, b = noise(1), noise(1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, noise(2))
    assert not np.array_equal(a, noise(1, "other"))
    assert -1.0 <= a.min() < -0.99 and 0.99 < a.max() < 1.0
    assert abs(a.mean()) < 0.01 and abs(a.var() - 1 / 3) < 0.01
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < 0.02


def test_noise_own_seed_option():
    p = nm.Patch(seed=1)
    p.out([p.noise(seed=5, name="x"), p.noise(seed=5, name="y")])
    y = p.render(frames=100)
    np.testing.assert_array_equal(y[:, 0], y[:, 1])


@pytest.mark.parametrize("kind", ["sine", "tri", "saw", "square", "pulse", "phasor", "noise"])
def test_block_size_invariance(kind):
    p = nm.Patch(sr=SR)
    node = p.noise() if kind == "noise" else getattr(p, kind)(p.sine(3.0).mod(200, 300))
    p.out(node)
    assert_block_invariant(p)
