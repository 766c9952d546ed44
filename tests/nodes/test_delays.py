"""Delays: exact integer delays, interpolated fractional and modulated ones, feedback, comb."""

import numpy as np
import pytest
from dsp_helpers import assert_matches_reference, impulse_response, magnitude_db
from helpers import assert_block_invariant

import neuromix as nm

SR = 48000.0


def delayed_noise(frames, **options):
    """(input noise, delay output) rendered side by side."""
    p = nm.Patch(sr=SR, seed=11)
    x = p.noise()
    p.out([x, p.delay(x, **options)])
    y = p.render(frames=frames)
    return y[:, 0], y[:, 1]


@pytest.mark.parametrize("interp", ["none", "linear", "hermite"])
@pytest.mark.parametrize("samples", [2, 7, 100, 4801])
def test_integer_delays_are_exact(interp, samples):
    x, y = delayed_noise(10000, time=samples / SR, interp=interp)
    np.testing.assert_array_equal(y[samples:], x[:-samples])
    assert not y[:samples].any()


def test_linear_interpolation_between_samples():
    x, y = delayed_noise(3000, time=10.25 / SR, interp="linear")
    np.testing.assert_allclose(y[11:], 0.75 * x[1:-10] + 0.25 * x[:-11], atol=1e-15)


def test_hermite_interpolation_is_catmull_rom_and_closer_than_linear():
    x, y = delayed_noise(3000, time=10.4 / SR, interp="hermite")
    t = 0.4
    xm, x0, x1, x2 = x[2:-9], x[1:-10], x[:-11], np.concatenate([[0.0], x[:-12]])
    expect = x0 + 0.5 * t * (x1 - xm + t * (2 * xm - 5 * x0 + 4 * x1 - x2
                                              + t * (3 * (x0 - x1) + x2 - xm)))
    np.testing.assert_allclose(y[12:], expect[1:], atol=1e-12)
    # on a smooth signal the cubic is far closer to the true fractional delay than the line
    errors = {}
    for interp in ("linear", "hermite"):
        p = nm.Patch(sr=SR)
        p.out(p.delay(p.sine(2000.0), time=20.5 / SR, interp=interp))
        y = p.render(frames=2000)[100:, 0]
        truth = np.sin(2 * np.pi * 2000.0 / SR * (np.arange(100, 2000) - 20.5))
        errors[interp] = np.max(np.abs(y - truth))
    assert errors["hermite"] < errors["linear"] / 10


def test_modulated_delay_time_is_interpolated_sample_by_sample():
    p = nm.Patch(sr=SR, seed=2)
    x, ramp = p.noise(), p.phasor(37.0)
    p.out([x, ramp, p.delay(x, time=ramp.mod(0.002, 0.0005), interp="linear")])
    x, ramp, y = p.render(frames=5000).T
    dd = (ramp * 0.002 + 0.0005) * SR
    d = np.floor(dd + 1e-9).astype(int)
    frac = np.where(np.abs(dd - d) > 1e-9, dd - d, 0.0)
    n = np.arange(len(x))
    pad = np.concatenate([np.zeros(200), x])
    expect = pad[200 + n - d] + frac * (pad[200 + n - d - 1] - pad[200 + n - d])
    np.testing.assert_allclose(y, expect, atol=1e-12)
    assert len(np.unique(d)) > 50  # the delay really moved


def test_delay_feedback_repeats_with_gain():
    h = impulse_response(lambda p, x: p.delay(x, time=100 / SR, feedback=-0.6), 1000)
    taps = np.flatnonzero(h)
    np.testing.assert_array_equal(taps, [100, 200, 300, 400, 500, 600, 700, 800, 900])
    np.testing.assert_allclose(h[taps], (-0.6) ** np.arange(9), rtol=1e-12)


def test_shortest_delay_is_clamped_to_what_can_be_read():
    for interp, shortest in (("linear", 1), ("hermite", 2)):
        x, y = delayed_noise(100, time=0.0, interp=interp)
        np.testing.assert_array_equal(y[shortest:], x[:-shortest])


def comb_reference(x, delay, feedback, damping):
    """Freeverb's comb, written as a plain loop with an integer delay."""
    line, lp, y = np.zeros(len(x) + delay), 0.0, np.zeros(len(x))
    for n in range(len(x)):
        tap = line[n]  # written `delay` samples ago
        lp = tap + damping * (lp - tap)
        line[n + delay] = x[n] + feedback * lp
        y[n] = tap
    return y


def test_comb_matches_a_plain_loop():
    p = nm.Patch(sr=SR, seed=4)
    x = p.noise()
    p.out([x, p.comb(x, delay=37 / SR, feedback=0.8, damping=0.4)])
    x, y = p.render(frames=3000).T
    np.testing.assert_allclose(y, comb_reference(x, 37, 0.8, 0.4), atol=1e-12)


def test_undamped_comb_peaks_at_multiples_of_its_frequency():
    h = impulse_response(lambda p, x: p.comb(x, delay=48 / SR, feedback=0.7, damping=0.0), 20000)
    peaks, troughs = magnitude_db(h, [1000.0, 3000.0]), magnitude_db(h, [500.0, 1500.0])
    np.testing.assert_allclose(peaks, -20 * np.log10(0.3), atol=1e-6)
    np.testing.assert_allclose(troughs, -20 * np.log10(1.7), atol=1e-6)


@pytest.mark.parametrize("seconds", [0.003, 0.01])
def test_allpass_is_flat(seconds):
    h = impulse_response(lambda p, x: p.allpass(x, delay=seconds, gain=0.7), 48000)
    response = magnitude_db(h, np.linspace(10.0, 23990.0, 41))
    assert np.max(np.abs(response)) < 1e-6


def test_allpass_hermite_at_whole_samples_equals_rounded():
    def run(interp):
        return impulse_response(lambda p, x: p.allpass(x, delay=120 / SR, gain=0.5, interp=interp),
                                2000)
    np.testing.assert_array_equal(run("hermite"), run("none"))


def delay_patch(kind):
    p = nm.Patch(sr=SR, seed=8)
    x, lfo = p.noise(), p.sine(0.7)
    nodes = {
        "delay": lambda: p.delay(x, time=lfo.mod(0.003, 0.005), feedback=0.5, interp="hermite",
                                 max_delay=0.01),
        "comb": lambda: p.comb(x, delay=lfo.mod(0.001, 0.002), feedback=lfo.mod(0.2, 0.7),
                               damping=0.3, max_delay=0.01),
        "allpass": lambda: p.allpass(x, delay=lfo.mod(0.001, 0.002), gain=lfo.mod(0.5),
                                     interp="linear"),
    }
    p.out(nodes[kind]())
    return p


@pytest.mark.parametrize("kind", ["delay", "comb", "allpass"])
def test_delays_are_block_size_invariant(kind):
    assert_block_invariant(delay_patch(kind), frames=20000)


@pytest.mark.parametrize("kind", ["delay", "comb", "allpass"])
def test_delays_match_the_reference_interpreter(kind):
    assert_matches_reference(delay_patch(kind), frames=400)
