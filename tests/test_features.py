import numpy as np
import pytest

from neuromix import features as F

SR = 48000
T = np.arange(SR) / SR


def test_sine_closed_forms():
    x = 0.8 * np.sin(2 * np.pi * 330 * T)
    f = F.features(x, SR)
    assert f["rms"] == pytest.approx(0.8 / np.sqrt(2), rel=1e-3)
    assert f["peak"] == pytest.approx(0.8, rel=1e-3)
    assert f["centroid_hz"] == pytest.approx(330, rel=0.02)
    assert f["zcr_hz"] == pytest.approx(330, rel=0.01)
    assert f["pitch_hz"] == pytest.approx(330, rel=0.002)
    assert f["pitch_stability"] == 1.0
    assert f["flatness"] < 0.01


def test_pitch_of_a_sawtooth_is_its_fundamental_not_a_harmonic():
    saw = 2 * ((110 * T) % 1.0) - 1
    assert F.features(saw, SR)["pitch_hz"] == pytest.approx(110, rel=0.003)
    assert F.features(saw, SR)["centroid_hz"] > 300  # harmonics make it brighter than 110 Hz


def test_white_noise_is_flat_and_unpitched():
    x = np.random.default_rng(3).standard_normal(SR)
    f = F.features(x, SR)
    assert f["flatness"] > 0.45
    assert f["centroid_hz"] == pytest.approx(SR / 4, rel=0.05)
    assert np.isnan(f["pitch_hz"]) and f["pitch_stability"] == 0.0


def test_a_glide_has_a_pitch_but_little_stability():
    freq = np.geomspace(200, 800, SR)
    x = np.sin(2 * np.pi * np.cumsum(freq) / SR)
    f = F.features(x, SR)
    assert 200 < f["pitch_hz"] < 800
    assert f["pitch_stability"] < 0.25


def test_silence_and_tiny_inputs():
    f = F.features(np.zeros(SR // 10), SR)
    assert f["rms"] == 0 and f["centroid_hz"] == 0 and f["flatness"] == 0 and f["zcr_hz"] == 0
    assert np.isnan(f["pitch_hz"])
    assert set(F.features(np.zeros(3), SR)) == set(F.FEATURES)


def test_stereo_is_mixed_to_mono():
    x = np.stack([np.sin(2 * np.pi * 440 * T), np.sin(2 * np.pi * 440 * T)], axis=1)
    assert F.features(x, SR)["rms"] == pytest.approx(1 / np.sqrt(2), rel=1e-3)


def test_loudness_follows_level():
    x = np.concatenate([np.full(SR // 2, 0.1), np.full(SR // 2, 1.0)])
    t, db = F.loudness_db(x, SR)
    assert db[0] == pytest.approx(-20, abs=0.01) and db[-1] == pytest.approx(0, abs=0.01)
    assert np.all(np.diff(t) > 0)


def test_pitch_is_the_period_the_waveform_repeats_at():
    """The dual neuron (110 Hz sine and 165 Hz triangle in) repeats every 1/55 s, and nearly
    every 1/165 s: the pitch is the period after which it truly repeats (it once said 164.9)."""
    from pathlib import Path

    import neuromix as nm

    root = Path(__file__).resolve().parents[1]
    x = nm.load(root / "examples" / "dual_neuron.yaml").render(seconds=2.0)[:, 0]
    sr = 48000
    n = np.arange(sr // 2, sr)

    def mismatch(period):  # RMS of x(t + period) − x(t), linearly interpolated
        return np.sqrt(np.mean((np.interp(n + period, np.arange(len(x)), x) - x[n]) ** 2))
    level = np.sqrt(np.mean(x ** 2))
    assert mismatch(sr / 55.0) < 0.05 * level  # the period (up to interpolation)
    assert mismatch(sr / 165.0) > 0.2 * level  # nearly one, not one
    assert F.pitch(x, sr)["pitch_hz"] == pytest.approx(55.0, rel=3e-3)
