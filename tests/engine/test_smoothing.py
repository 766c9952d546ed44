"""Parameter glides in the kernel: off by default, deterministic, click-free when on."""

import numpy as np
import pytest

import neuromix as nm


def bias_patch(sr=48000):
    p = nm.Patch(sr=sr)
    p.out(p.neuron(act="identity", bias=0.0, name="a"))
    return p.compile()


def test_without_smoothing_a_set_jumps_at_the_next_block():
    c = bias_patch()
    c.process(64)
    c.set("a.bias", 1.0)
    assert (c.process(64) == 1.0).all()


def test_a_glide_moves_in_small_steps_and_lands_exactly():
    c = bias_patch()
    c.smoothing = 0.005
    c.process(64)
    c.set("a.bias", 1.0)
    out = np.concatenate([c.process(256)[:, 0].copy() for _ in range(60)])
    steps = np.diff(np.concatenate([[0.0], out]))
    assert (steps >= 0).all() and steps.max() < 0.15  # no jump: at most one 32-frame step
    assert out[-1] == 1.0 and c.current[0, 0] == 1.0  # lands on the target, not beside it
    # one-pole: after one time constant about 63 % of the way
    assert out[240] == pytest.approx(1 - np.exp(-1), abs=0.05)


def test_same_changes_at_same_blocks_give_the_same_samples():
    def run():
        c = bias_patch()
        c.smoothing = 0.01
        out = []
        for k in range(40):
            if k in (3, 7, 8, 20):
                c.set("a.bias", k / 10)
            out.append(c.process(64).copy())
        return np.concatenate(out)
    np.testing.assert_array_equal(run(), run())


def test_reset_snaps_to_the_targets_and_bad_times_are_refused():
    c = bias_patch()
    c.smoothing = 1.0
    c.set("a.bias", 0.5)
    c.reset()
    assert (c.process(8) == 0.5).all()
    with pytest.raises(ValueError):
        c.smoothing = -1
    c.smoothing = 0
    assert c.smoothing == 0.0
