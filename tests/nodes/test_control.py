"""Control nodes: clock and sequencer timing exact to the sample, envelope stage lengths, LFOs."""

import math

import numpy as np
import pytest
from helpers import assert_block_invariant

import neuromix as nm
from neuromix.compiler.reference import run_reference

SR = 48000.0


def render(outputs, frames, sr=SR, seed=0):
    p = nm.Patch(sr=sr, seed=seed)
    p.out(outputs(p))
    return p.render(frames=frames)


# -- clock ----------------------------------------------------------------------------------

@pytest.mark.parametrize("bpm,division", [(120.0, 1.0), (130.0, 4.0), (97.3, 3.0)])
def test_clock_ticks_exact_to_the_sample(bpm, division):
    frames = int(60 * SR)  # a minute
    y = render(lambda p: [p.clock(bpm=bpm, division=division).port("trig")], frames)[:, 0]
    ticks = np.nonzero(y)[0]
    period = 60.0 * SR / (bpm * division)  # samples per tick
    expected = np.ceil(np.arange(len(ticks)) * period - 1e-6).astype(int)
    np.testing.assert_array_equal(ticks, expected)
    assert len(ticks) == math.floor((frames - 1) / period) + 1
    assert set(np.unique(y)) == {0.0, 1.0}


def test_clock_swing_and_gate_width():
    sr = 1000.0
    y = render(lambda p: (lambda c: [c.port("trig"), c.port("gate")])(
        p.clock(bpm=300.0, swing=0.25, width=0.5)), 2000, sr=sr)
    # 200 samples per tick, every second tick 50 samples late
    np.testing.assert_array_equal(np.nonzero(y[:, 0])[0],
                                  [0, 250, 400, 650, 800, 1050, 1200, 1450, 1600, 1850])
    rises = np.nonzero(np.diff(np.r_[0.0, y[:, 1]]) > 0)[0]
    falls = np.nonzero(np.diff(np.r_[0.0, y[:, 1]]) < 0)[0]
    np.testing.assert_array_equal(rises, np.nonzero(y[:, 0])[0])
    # on-beat interval 250 → gate 125 samples; off-beat interval 150 → 75
    np.testing.assert_array_equal((falls - rises[:len(falls)])[:4], [125, 75, 125, 75])


# -- sequencer ------------------------------------------------------------------------------

def test_sequencer_steps_gates_and_trigs_exact():
    sr = 1000.0
    steps = {"step0": 60.0, "step1": 62.0, "step2": 65.0, "step3": 67.0, "gate2": 0.0}

    def build(p):
        seq = p.sequencer(p.clock(bpm=600.0).port("trig"), steps=4, length=0.25, **steps,
                          name="seq")
        return [seq, seq.port("gate"), seq.port("trig")]

    y = render(build, 1000, sr=sr)
    values = [60.0, 62.0, 65.0, 67.0]
    np.testing.assert_array_equal(y[:, 0], np.repeat(values * 3, 100)[:1000])
    # the first step's period is unknown: its gate stays open until the next clock
    gate = np.zeros(1000)
    gate[0:100] = 1
    for start in range(100, 1000, 100):
        if (start // 100) % 4 != 2:
            gate[start:start + 25] = 1
    np.testing.assert_array_equal(y[:, 1], gate)
    trig = np.zeros(1000)
    trig[[s for s in range(0, 1000, 100) if (s // 100) % 4 != 2]] = 1
    np.testing.assert_array_equal(y[:, 2], trig)


def test_sequencer_reset_and_live_steps():
    sr = 1000.0
    p = nm.Patch(sr=sr)
    clk = p.clock(bpm=600.0)
    rst = p.clock(bpm=600.0 / 7.0)  # every 700 samples, starting at 0
    seq = p.sequencer(clk.port("trig"), reset=rst.port("trig"), steps=5,
                      **{f"step{k}": float(k) for k in range(5)}, name="seq")
    p.out(seq)
    c = p.compile()
    y = c.process(1000)[:, 0]
    # 0 1 2 3 4 0 1 | reset at 700: step 0 again at 700
    np.testing.assert_array_equal(y[::100], [0, 1, 2, 3, 4, 0, 1, 0, 1, 2])
    c.set("seq.step3", 9.5)  # a step turned while playing
    y = c.process(500)[:, 0]
    np.testing.assert_array_equal(y[::100], [9.5, 4, 0, 1, 0])  # reset again at 1400


def test_sequencer_steps_option_is_validated():
    with pytest.raises(nm.PatchError, match="steps"):
        render(lambda p: p.sequencer(steps=17), 1)


# -- envelopes ------------------------------------------------------------------------------

def test_ad_stage_lengths_exact():
    sr = 1000.0
    y = render(lambda p: p.ad(p.clock(bpm=60.0).port("trig"), attack=0.01, decay=0.02), 1200,
               sr=sr)[:, 0]
    np.testing.assert_allclose(y[:10], np.arange(1, 11) / 10)
    assert y[9] == 1.0
    np.testing.assert_allclose(y[10:30], 1.0 - np.arange(1, 21) / 20, atol=1e-15)
    assert y[29] == 0.0 and not y[30:1000].any()
    np.testing.assert_allclose(y[1000:1010], np.arange(1, 11) / 10)  # next trigger at 1000


def test_ad_retrigger_rises_from_the_current_level():
    sr = 1000.0
    y = render(lambda p: p.ad(p.clock(bpm=60000.0 / 15.0).port("trig"), attack=0.01,
                              decay=0.02), 40, sr=sr)[:, 0]
    level = y[14]  # decaying: 1 − 5/20 = 0.75 at the retrigger's eve
    assert level == pytest.approx(0.75)
    np.testing.assert_allclose(y[15:25], level + (1 - level) * np.arange(1, 11) / 10)


def test_adsr_stage_lengths_exact():
    sr = 1000.0

    def build(p):
        gate = p.clock(bpm=60.0, width=0.1).port("gate")  # high for samples 0..99 of each 1000
        return p.adsr(gate, attack=0.01, decay=0.02, sustain=0.5, release=0.04)

    y = render(build, 1200, sr=sr)[:, 0]
    np.testing.assert_allclose(y[:10], np.arange(1, 11) / 10)
    np.testing.assert_allclose(y[10:30], 1.0 - 0.5 * np.arange(1, 21) / 20)
    np.testing.assert_allclose(y[30:100], 0.5)
    np.testing.assert_allclose(y[100:140], 0.5 * (1 - np.arange(1, 41) / 40), atol=1e-15)
    assert not y[140:1000].any()


def test_adsr_hold_turns_a_trigger_into_a_gate_and_early_release():
    sr = 1000.0

    def build(p):
        trig = p.clock(bpm=60.0).port("trig")
        return [p.adsr(trig, attack=0.01, decay=0.02, sustain=0.5, release=0.01, hold=0.05),
                p.adsr(trig, attack=0.01, decay=0.02, sustain=0.5, release=0.01)]

    y = render(build, 200, sr=sr)
    np.testing.assert_allclose(y[30:50, 0], 0.5)
    np.testing.assert_allclose(y[50:60, 0], 0.5 * (1 - np.arange(1, 11) / 10), atol=1e-15)
    assert not y[60:, 0].any()
    # without hold the one-sample trigger releases at once from the first attack step
    assert y[0, 1] == pytest.approx(0.1)
    np.testing.assert_allclose(y[1:11, 1], 0.1 * (1 - np.arange(1, 11) / 10), atol=1e-15)


# -- LFO, random walk -----------------------------------------------------------------------

def test_lfo_shapes_closed_forms():
    sr, f = 1000.0, 3.0
    y = render(lambda p: [p.lfo(f, shape=s) for s in ("sine", "tri", "saw", "square")] +
               [p.phasor(f)], 1000, sr=sr)
    ph = y[:, 4]
    np.testing.assert_allclose(y[:, 0], np.sin(2 * np.pi * ph), atol=1e-12)
    np.testing.assert_allclose(y[:, 1], 4 * np.abs(ph - 0.5) - 1, atol=1e-12)
    np.testing.assert_allclose(y[:, 2], 2 * ph - 1, atol=1e-12)
    np.testing.assert_array_equal(y[:, 3], np.where(ph < 0.5, 1.0, -1.0))


def test_lfo_random_shapes_are_seeded_stepped_and_smooth():
    sr = 1000.0

    def build(shape, seed=1):
        return render(lambda p: [p.lfo(4.0, shape=shape, name="lfo"), p.phasor(4.0)], 2000,
                      sr=sr, seed=seed)

    stepped, smooth = build("random"), build("smooth")
    wraps = np.nonzero(np.diff(stepped[:, 1]) < 0)[0] + 1
    changes = np.nonzero(np.diff(stepped[:, 0]))[0] + 1
    np.testing.assert_array_equal(changes, wraps)  # a new value exactly once per cycle
    assert np.abs(stepped[:, 0]).max() <= 1.0 and np.abs(smooth[:, 0]).max() <= 1.0
    assert np.abs(np.diff(smooth[:, 0])).max() < 0.01  # glides, never jumps
    # the smooth shape arrives at each of the stepped shape's values as its cycle ends
    np.testing.assert_array_equal(smooth[wraps, 0], stepped[wraps - 1, 0])
    np.testing.assert_array_equal(build("random"), stepped)
    assert not np.array_equal(build("random", seed=2)[:, 0], stepped[:, 0])


def test_random_walk_bounded_seeded_and_wandering():
    y = render(lambda p: [p.random_walk(speed=1.0), p.random_walk(speed=1.0, seed=5)],
               int(60 * 8000), sr=8000.0)
    assert np.abs(y).max() <= 1.0
    assert y.std(0).min() > 0.2  # over a minute it roams the range
    assert np.abs(np.diff(y, axis=0)).max() < 0.01  # and moves smoothly
    assert not np.array_equal(y[:, 0], y[:, 1])


def test_block_invariance_of_every_control_node():
    p = nm.Patch(sr=SR, seed=3)
    clk = p.clock(bpm=p.sine(0.3).mod(200.0, 2000.0), swing=0.2, division=4.0)
    seq = p.sequencer(clk.port("trig"), steps=5, length=p.sine(1.0).mod(0.3, 0.5),
                      step1=p.sine(2.0), step3=4.0, gate2=0.0)
    p.out([clk.port("trig"), clk.port("gate"), seq, seq.port("gate"), seq.port("trig"),
           p.ad(clk.port("trig"), attack=0.001, decay=p.sine(0.5).mod(0.001, 0.004)),
           p.adsr(seq.port("gate"), attack=0.001, decay=0.002, release=0.003),
           *(p.lfo(p.sine(0.2).mod(3.0, 30.0), shape=s)
             for s in ("sine", "tri", "saw", "square", "random", "smooth")),
           p.random_walk(speed=p.sine(0.1).mod(1.0, 2.0))])
    assert_block_invariant(p, 9000)
    y = p.render(frames=9000)
    assert np.isfinite(y).all() and (y.std(0) > 0).all()
    np.testing.assert_allclose(y[:300], run_reference(p.graph, 300), atol=1e-9)
