import math

import numpy as np
import pytest

from neuromix.analysis import chaos
from neuromix.engine import lyapunov as lyap
from neuromix.engine.compiled import CompiledPatch


def test_logistic_patch_follows_the_map(patches):
    x = patches.logistic().render(frames=5)[:, 0]
    want = [0.3]
    for _ in range(4):
        want.append(4 * want[-1] * (1 - want[-1]))
    np.testing.assert_allclose(x, want, rtol=1e-12)


def test_logistic_map_at_r4_has_exponent_ln2_per_step(patches):
    lam = lyap.lyapunov(patches.logistic().graph, seconds=20000, transient=100)
    assert lam.per_second == pytest.approx(math.log(2), rel=0.05)
    assert lam.describe().startswith("chaotic")


def test_logistic_map_in_a_periodic_window_is_stable(patches):
    # r = 3.2: a stable period-2 cycle, exponent ln|f'(x1) f'(x2)| / 2 = ln(0.16) / 2
    lam = lyap.lyapunov(patches.logistic(3.2).graph, seconds=5000, transient=500)
    assert lam.per_second == pytest.approx(math.log(0.16) / 2, rel=0.02)


def test_single_neuron_on_a_sine_is_stable(patches):
    lam = lyap.lyapunov(patches.single().graph, seconds=0.5)
    assert lam.per_second < -1000
    assert lam.describe().startswith("stable")


def test_limit_cycle_is_near_zero(patches):
    p = patches.rotor()
    audio = p.render(seconds=1.0)
    assert np.abs(audio[-4800:]).max() > 0.05  # it oscillates on its own
    lam = lyap.lyapunov(p.graph, seconds=3.0, transient=0.5)
    assert abs(lam.per_second) < 2.0  # versus thousands for a stable neuron


def test_folding_neurons_are_chaotic_whatever_the_renormalisation_interval(patches):
    graph = patches.folded().graph
    every_sample = lyap.lyapunov(graph, seconds=0.3, renorm=1)
    every_8 = lyap.lyapunov(graph, seconds=0.3, renorm=8)
    assert every_sample.per_sample > 0.1
    assert every_8.per_sample == pytest.approx(every_sample.per_sample, rel=0.05)


def test_tanh_dual_neuron_cannot_be_chaotic(patches):
    # b[n] depends on b[n-1] through two monotone maps: a 1-D monotone map is never chaotic
    graph = patches.dual().graph
    for w in (-3.0, 3.0):
        assert lyap.lyapunov(graph, seconds=0.3, values={"a.w.b": w, "b.w.a": w}).per_second < 0


def test_estimate_does_not_depend_on_lane_position_or_neighbours(patches):
    graph = patches.dual().graph
    c = CompiledPatch(graph, lanes=6)
    for lane, w in enumerate([0.5, 1.2, 2.0] * 2):
        c.set("a.w.b", w, lane=lane)
    audio, lam = lyap.twin_run(c, 4800)
    for i, w in enumerate([0.5, 1.2, 2.0]):
        alone = lyap.lyapunov(graph, seconds=0.1, transient=0.0, values={"a.w.b": w})
        assert lam[i] == pytest.approx(alone.per_sample, rel=1e-9)
        single_lane = CompiledPatch(graph)
        single_lane.set("a.w.b", w)
        np.testing.assert_array_equal(audio[i], single_lane.process(4800))


def test_oscillators_alone_have_nothing_to_disturb():
    import neuromix as nm

    p = nm.Patch(sr=1000)
    p.out(p.sine(3) + p.noise())
    lam = lyap.lyapunov(p.graph, seconds=0.2)
    assert math.isnan(lam.per_second)


def test_twin_run_needs_even_lanes(patches):
    with pytest.raises(ValueError, match="even"):
        lyap.twin_run(CompiledPatch(patches.single().graph, lanes=3), 10)


def test_parse_range():
    addr, vals = chaos.parse_range("a.w.b=-3:3:7")
    assert addr == "a.w.b" and vals.tolist() == [-3, -2, -1, 0, 1, 2, 3]
    for bad in ("a.w.b", "a.w.b=1:2", "=1:2:3", "a=1:2:x", "a=1:2:0"):
        with pytest.raises(ValueError, match="ADDRESS=LO:HI:N"):
            chaos.parse_range(bad)


def test_bifurcation_of_the_logistic_map(patches, tmp_path):
    b = chaos.bifurcation(patches.logistic().graph, "f.gain", [2.8, 3.2, 3.5, 3.9], seconds=400,
                          transient=600, renorm=1)
    counts = [len(np.unique(np.round(pts, 6))) for pts in b.points]
    # fixed point, period 2, period 4, chaos (local maxima of a period-n orbit: n/2 values)
    assert counts[0] == 1 and counts[1] == 1 and counts[2] == 2 and counts[3] > 20
    assert b.lyapunov[0] < 0 and b.lyapunov[3] > 0.3
    chaos.draw_bifurcation(b, tmp_path / "b.png")
    assert (tmp_path / "b.png").stat().st_size > 5000


def test_bifurcation_unknown_address_names_the_nearest(patches):
    with pytest.raises(KeyError, match="a.w.b"):
        chaos.bifurcation(patches.dual().graph, "a.w.bb", [1.0])
