"""Filters against their transfer functions: onepole, svf, ping, dcblock, biquad."""

import numpy as np
import pytest
from dsp_helpers import assert_matches_reference, impulse_response, magnitude_db
from helpers import assert_block_invariant
from scipy import signal

import neuromix as nm

SR = 48000.0
FREQS = np.array([20.0, 100.0, 440.0, 1000.0, 3000.0, 8000.0, 15000.0, 23000.0])


def freqz_db(b, a, freqs=FREQS):
    return 20 * np.log10(np.abs(signal.freqz(b, a, worN=freqs, fs=SR)[1]))


def rbj(shape, f0, q, gain_db):
    """The cookbook formulas, written out independently of the node: (b, a) normalised."""
    amp = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / SR
    cs, sn = np.cos(w0), np.sin(w0)
    al = sn / (2 * q)
    sq = 2 * np.sqrt(amp) * al
    table = {
        "lowpass": ([(1 - cs) / 2, 1 - cs, (1 - cs) / 2], [1 + al, -2 * cs, 1 - al]),
        "highpass": ([(1 + cs) / 2, -(1 + cs), (1 + cs) / 2], [1 + al, -2 * cs, 1 - al]),
        "bandpass": ([al, 0, -al], [1 + al, -2 * cs, 1 - al]),
        "notch": ([1, -2 * cs, 1], [1 + al, -2 * cs, 1 - al]),
        "allpass": ([1 - al, -2 * cs, 1 + al], [1 + al, -2 * cs, 1 - al]),
        "peak": ([1 + al * amp, -2 * cs, 1 - al * amp], [1 + al / amp, -2 * cs, 1 - al / amp]),
        "lowshelf": ([amp * ((amp + 1) - (amp - 1) * cs + sq),
                      2 * amp * ((amp - 1) - (amp + 1) * cs),
                      amp * ((amp + 1) - (amp - 1) * cs - sq)],
                     [(amp + 1) + (amp - 1) * cs + sq, -2 * ((amp - 1) + (amp + 1) * cs),
                      (amp + 1) + (amp - 1) * cs - sq]),
        "highshelf": ([amp * ((amp + 1) + (amp - 1) * cs + sq),
                       -2 * amp * ((amp - 1) + (amp + 1) * cs),
                       amp * ((amp + 1) + (amp - 1) * cs - sq)],
                      [(amp + 1) - (amp - 1) * cs + sq, 2 * ((amp - 1) - (amp + 1) * cs),
                       (amp + 1) - (amp - 1) * cs - sq]),
    }
    b, a = (np.array(v, dtype=float) for v in table[shape])
    return b / a[0], a / a[0]


# -- onepole -------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["lowpass", "highpass"])
def test_onepole_matches_its_transfer_function(mode):
    fc = 1200.0
    h = impulse_response(lambda p, x: p.onepole(x, cutoff=fc, mode=mode), 4000)
    c = 1 - np.exp(-2 * np.pi * fc / SR)
    b, a = [c, 0.0], [1.0, c - 1.0]
    if mode == "highpass":  # 1 − H_lp
        b = [1.0 - c, c - 1.0]
    np.testing.assert_allclose(h, signal.lfilter(b, a, np.eye(1, 4000)[0]), atol=1e-12)
    expected = freqz_db(b, a)
    np.testing.assert_allclose(magnitude_db(h, FREQS), expected, atol=1e-6)
    if mode == "lowpass":
        assert expected[0] > -0.01 and expected[-1] < -20
    else:
        assert expected[0] < -30 and expected[-1] > -1.0


# -- svf -----------------------------------------------------------------------------------
def svf_reference(fc, q):
    """The analog state-variable filter, bilinear with the cutoff prewarped: (b, a) per output."""
    wc = 2 * SR * np.tan(np.pi * fc / SR)
    a = [1.0, wc / q, wc * wc]
    analog = {"lp": [wc * wc], "bp": [wc, 0.0], "hp": [1.0, 0.0, 0.0], "notch": [1.0, 0.0, wc * wc]}
    return {port: signal.bilinear(b, a, fs=SR) for port, b in analog.items()}


@pytest.mark.parametrize("fc", [50.0, 1000.0, 5000.0, 15000.0, 22000.0])
@pytest.mark.parametrize("q", [0.7071067811865476, 4.0])
def test_svf_outputs_match_the_bilinear_prototype(fc, q):
    ports = ("lp", "bp", "hp", "notch")
    h = impulse_response(lambda p, x: [p.svf(x, cutoff=fc, q=q, name="f")] +
                         [p["f"].port(port) for port in ports], 30000)
    np.testing.assert_array_equal(h[:, 0], h[:, 1])  # out is lp
    impulse = np.eye(1, len(h))[0]
    for col, (port, (b, a)) in enumerate(svf_reference(fc, q).items(), start=1):
        np.testing.assert_allclose(h[:, col], signal.lfilter(b, a, impulse), atol=1e-9,
                                   err_msg=port)


@pytest.mark.parametrize("fc", [100.0, 1000.0, 10000.0, 20000.0])
def test_svf_lowpass_is_3db_down_at_cutoff(fc):
    h = impulse_response(lambda p, x: p.svf(x, cutoff=fc), 20000)
    at_fc, at_dc = magnitude_db(h, [fc, 0.0])
    assert abs(at_fc - (-3.0103)) < 0.5
    assert abs(at_dc) < 0.01


def test_svf_stays_bounded_under_audio_rate_cutoff_sweeps():
    p = nm.Patch(sr=SR, seed=3)
    x = p.noise()
    # cutoff swept from below 0 Hz to above Nyquist several thousand times a second
    fast = p.svf(x, cutoff=p.sine(3000.0).mod(14000.0, 10000.0), q=20.0, name="fast")
    chaotic = p.svf(x, cutoff=p.noise(seed=9).mod(24000.0, 12000.0), q=50.0, name="chaotic")
    p.out([fast, fast.port("bp"), fast.port("hp"), chaotic, chaotic.port("bp")])
    y = p.render(seconds=2.0)
    assert np.all(np.isfinite(y))
    assert np.max(np.abs(y)) < 200.0
    assert np.std(y[:, 0]) > 0.01


# -- ping ----------------------------------------------------------------------------------
def test_ping_rings_at_its_frequency_and_decays_60db_in_decay_seconds():
    freq, decay = 660.0, 0.25
    p = nm.Patch(sr=SR)
    gate = p.square(2.0)  # a trigger at t = 0 (from the initial 0 to +1) and at t = 0.5 s
    p.out(p.ping(gate, freq=freq, decay=decay))
    y = p.render(seconds=0.5)[:, 0]
    n = np.arange(len(y))
    r = 10 ** (-3 / (decay * SR))
    np.testing.assert_allclose(y, r ** n * np.sin(2 * np.pi * freq / SR * n), atol=1e-9)
    # measured, not only compared: the ring's frequency and its level after `decay` seconds
    spectrum = np.abs(np.fft.rfft(y[:12000] * np.hanning(12000), 48000 * 4))
    assert abs(np.argmax(spectrum) / 4 - freq) < 1.0
    at_decay = int(decay * SR)
    level = 20 * np.log10(np.max(np.abs(y[at_decay - 200:at_decay + 200])))
    assert abs(level - (-60.0)) < 1.0


def test_ping_strikes_on_triggers_by_their_value():
    freq, decay = 200.0, 0.05
    p = nm.Patch(sr=SR)
    gate = 0.5 * p.square(2.0)  # rises through zero at 0 s and 0.5 s, falls at 0.25 s
    p.out(p.ping(gate, freq=freq, decay=decay))
    y = p.render(seconds=0.6)[:, 0]
    fall, rise = int(0.25 * SR), int(0.5 * SR)
    assert np.abs(y[fall:rise]).max() < 1e-12  # the first ring has died; the fall strikes nothing
    n = np.arange(len(y) - rise)
    ring = 0.5 * 10 ** (-3 * n / (decay * SR)) * np.sin(2 * np.pi * freq / SR * n)
    np.testing.assert_allclose(y[rise:], ring, atol=1e-9)  # struck by the trigger's value, 0.5


def test_ping_signal_mode_is_a_two_pole_resonator():
    freq, decay = 1000.0, 0.05
    h = impulse_response(lambda p, x: p.ping(x, freq=freq, decay=decay, strike="signal"), 12000)
    r, w = 10 ** (-3 / (decay * SR)), 2 * np.pi * freq / SR
    b, a = [0.0, r * np.sin(w)], [1.0, -2 * r * np.cos(w), r * r]
    np.testing.assert_allclose(h, signal.lfilter(b, a, np.eye(1, len(h))[0]), atol=1e-9)
    peak, low, high = magnitude_db(h, [freq, 100.0, 10000.0])
    assert peak - low > 20 and peak - high > 20


# -- dcblock -------------------------------------------------------------------------------
def test_dcblock_matches_its_transfer_function_and_removes_dc():
    fc = 20.0
    h = impulse_response(lambda p, x: p.dcblock(x, cutoff=fc), 48000)
    pole = np.exp(-2 * np.pi * fc / SR)
    np.testing.assert_allclose(h, signal.lfilter([1, -1], [1, -pole], np.eye(1, len(h))[0]),
                               atol=1e-12)
    p = nm.Patch(sr=SR)
    p.out(p.dcblock(p.sine(440.0) + 0.7))
    y = p.render(seconds=1.0)[:, 0]
    assert abs(np.mean(y[-4800:])) < 1e-3 and 0.99 < np.max(y[-4800:]) < 1.01


# -- biquad --------------------------------------------------------------------------------
SHAPES = ("lowpass", "highpass", "bandpass", "notch", "peak", "lowshelf", "highshelf", "allpass")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("f0,q,gain", [(1000.0, 0.7071067811865476, 6.0), (150.0, 3.0, -9.0),
                                       (9000.0, 0.5, 12.0)])
def test_biquad_matches_the_cookbook(shape, f0, q, gain):
    h = impulse_response(lambda p, x: p.biquad(x, freq=f0, q=q, gain=gain, shape=shape), 24000)
    b, a = rbj(shape, f0, q, gain)
    np.testing.assert_allclose(10 ** (magnitude_db(h, FREQS) / 20), 10 ** (freqz_db(b, a) / 20),
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(h, signal.lfilter(b, a, np.eye(1, len(h))[0]), atol=1e-9)


def test_biquad_shapes_do_what_they_say():
    f0, gain = 2000.0, 9.0

    def response(shape):
        h = impulse_response(lambda p, x: p.biquad(x, freq=f0, gain=gain, shape=shape), 24000)
        return dict(zip(("dc", "f0", "top"), magnitude_db(h, [0.0, f0, 23999.0])))

    assert abs(response("lowpass")["f0"] + 3.0103) < 0.01
    assert abs(response("highpass")["f0"] + 3.0103) < 0.01
    assert abs(response("bandpass")["f0"]) < 0.01
    assert response("notch")["f0"] < -60
    assert abs(response("peak")["f0"] - gain) < 0.01
    assert abs(response("lowshelf")["dc"] - gain) < 0.01
    assert abs(response("highshelf")["top"] - gain) < 0.05
    assert all(abs(v) < 1e-6 for v in response("allpass").values())


# -- every filter: blocks and the reference interpreter --------------------------------------
def filter_patch(kind):
    p = nm.Patch(sr=SR, seed=5)
    x, lfo = p.noise(), p.sine(3.0)
    nodes = {
        "onepole": lambda: p.onepole(x, cutoff=lfo.mod(900.0, 1000.0), mode="highpass"),
        "svf": lambda: p.svf(x, cutoff=lfo.mod(4000.0, 5000.0), q=p.tri(0.7).mod(2.0, 3.0)),
        "ping": lambda: p.ping(p.square(50.0), freq=lfo.mod(200.0, 600.0),
                               decay=p.sine(1.0).mod(0.05, 0.1)),
        "dcblock": lambda: p.dcblock(x + 0.5, cutoff=lfo.mod(10.0, 20.0)),
        "biquad": lambda: p.biquad(x, freq=lfo.mod(900.0, 1000.0), q=2.0, gain=lfo.mod(6.0),
                                   shape="peak"),
        "biquad_const": lambda: p.biquad(x, freq=500.0, q=2.0, shape="lowshelf", gain=-6.0),
    }
    p.out(nodes[kind]())
    return p


KINDS = ("onepole", "svf", "ping", "dcblock", "biquad", "biquad_const")


@pytest.mark.parametrize("kind", KINDS)
def test_filters_are_block_size_invariant(kind):
    assert_block_invariant(filter_patch(kind), frames=20000)


@pytest.mark.parametrize("kind", KINDS)
def test_filters_match_the_reference_interpreter(kind):
    assert_matches_reference(filter_patch(kind))
