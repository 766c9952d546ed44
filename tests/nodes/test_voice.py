"""Voice parts and drums against closed forms."""

import numpy as np
from helpers import assert_block_invariant

import neuromix as nm
from neuromix.compiler.reference import run_reference

SR = 48000.0


def render(outputs, frames, sr=SR, seed=0):
    p = nm.Patch(sr=sr, seed=seed)
    p.out(outputs(p))
    return p.render(frames=frames)


def test_vca_pan_mtof():
    def build(p):
        s, cv = p.sine(3.0), p.sine(0.7)
        pan = p.pan(s, pos=cv)
        return [s, cv, p.vca(s, cv), pan.port("left"), pan.port("right"),
                p.mtof(cv.mod(24.0, 60.0))]

    y = render(build, 48000)
    s, cv = y[:, 0], y[:, 1]
    np.testing.assert_allclose(y[:, 2], s * np.maximum(cv, 0), atol=1e-15)
    angle = (cv + 1) * np.pi / 4
    np.testing.assert_allclose(y[:, 3], s * np.cos(angle), atol=1e-12)
    np.testing.assert_allclose(y[:, 4], s * np.sin(angle), atol=1e-12)
    np.testing.assert_allclose(y[:, 3] ** 2 + y[:, 4] ** 2, s ** 2, atol=1e-12)  # equal power
    np.testing.assert_allclose(y[:, 5], 440 * 2 ** ((24 * cv + 60 - 69) / 12), rtol=1e-12)


def test_morph_shapes_are_aligned_to_the_sine():
    sr, f = 1000.0, 4.0
    y = render(lambda p: [p.phasor(f)] + [p.morph(f, morph=m) for m in (0, 1 / 3, 2 / 3, 1, 0.5)]
               + [p.morph(f, morph=1 / 3, timbre=0.5)], 1000, sr=sr)
    ph = y[:, 0]
    sine = np.sin(2 * np.pi * ph)
    tri = 2 / np.pi * np.arcsin(sine)
    saw = 2 * ((ph + 0.5) % 1.0) - 1
    square = np.where(ph < 0.5, 1.0, -1.0)
    np.testing.assert_allclose(y[:, 1], sine, atol=1e-12)
    np.testing.assert_allclose(y[:, 2], tri, atol=1e-9)
    np.testing.assert_allclose(y[:, 3], saw, atol=1e-9)
    np.testing.assert_array_equal(y[:, 4], square)
    np.testing.assert_allclose(y[:, 5], (tri + saw) / 2, atol=1e-9)  # halfway tri → saw
    np.testing.assert_allclose(y[:, 6], 2 / np.pi * np.arcsin(np.sin(np.pi / 2 * 3 * tri)),
                               atol=1e-9)


def test_kick_sweep_and_decay_closed_form():
    freq, sweep, tau_p, tau = 50.0, 2.0, 0.03, 0.4
    n = 9600
    y = render(lambda p: p.kick(p.clock(bpm=60.0).port("trig"), freq=freq, sweep=sweep,
                                sweep_time=tau_p, decay=tau), n)[:, 0]
    t = np.arange(n) / SR
    inst = freq * (1 + (2 ** sweep - 1) * np.exp(-t / tau_p))
    phase = np.concatenate([[0.0], np.cumsum(inst[:-1] / SR)])
    np.testing.assert_allclose(y, np.exp(-t / tau) * np.sin(2 * np.pi * phase), atol=1e-9)


def test_drums_are_silent_until_struck_then_decay():
    def build(p):
        trig = p.const(0.0, name="trig")
        return [p.kick(trig), p.snare(trig), p.hihat(trig)]

    p = nm.Patch(sr=SR)
    p.out(build(p))
    c = p.compile()
    assert not c.process(1000).any()
    c.set("trig.value", 1.0)
    hit = c.process(int(2 * SR)).copy()
    first, last = np.abs(hit[:2400]).max(0), np.abs(hit[-2400:]).max(0)
    assert (first > 0.3).all() and (last < 0.05 * first).all()


def test_hihat_is_high_passed_and_snare_seeded():
    y = render(lambda p: [p.hihat(p.clock(bpm=30.0).port("trig"), decay=1.0, cutoff=7000.0),
                          p.snare(p.clock(bpm=30.0).port("trig"))], 24000)
    spectrum = np.abs(np.fft.rfft(y[:, 0])) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / SR)
    assert spectrum[freqs > 7000].sum() > 10 * spectrum[freqs < 2000].sum()
    again = render(lambda p: [p.hihat(p.clock(bpm=30.0).port("trig"), decay=1.0, cutoff=7000.0),
                              p.snare(p.clock(bpm=30.0).port("trig"))], 24000)
    np.testing.assert_array_equal(again, y)
    other = render(lambda p: [p.hihat(p.clock(bpm=30.0).port("trig"), decay=1.0, cutoff=7000.0),
                              p.snare(p.clock(bpm=30.0).port("trig"))], 24000, seed=1)
    assert not np.array_equal(other, y)


def test_block_invariance_of_every_voice_node():
    p = nm.Patch(sr=SR, seed=4)
    lfo = p.sine(0.8)
    trig = p.clock(bpm=480.0).port("trig")
    pan = p.pan(p.morph(lfo.mod(50.0, 200.0), morph=lfo.mod(0.5, 0.5), timbre=lfo.mod(0.3, 0.3)),
                pos=lfo)
    p.out([p.vca(p.sine(300.0), lfo), pan.port("left"), pan.port("right"), p.mtof(lfo.mod(12.0, 60.0)),
           p.kick(trig, freq=lfo.mod(10.0, 50.0)), p.snare(trig), p.hihat(trig, cutoff=lfo.mod(2000.0, 8000.0))])
    assert_block_invariant(p, 9000)
    y = p.render(frames=9000)
    assert np.isfinite(y).all() and (y.std(0) > 0).all()
    np.testing.assert_allclose(y[:300], run_reference(p.graph, 300), atol=1e-9)
