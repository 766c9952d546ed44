"""Chaotic sources: agree with an independent ODE solver, stay bounded for ten minutes."""

import numpy as np
import pytest
from helpers import assert_block_invariant
from scipy.integrate import solve_ivp

import neuromix as nm
from neuromix.compiler.reference import run_reference

SR = 48000.0


def lorenz(t, v, s=10.0, r=28.0, b=8.0 / 3.0):
    return [s * (v[1] - v[0]), v[0] * (r - v[2]) - v[1], v[0] * v[1] - b * v[2]]


def rossler(t, v, a=0.2, b=0.2, c=5.7):
    return [-v[1] - v[2], v[0] + a * v[1], b + v[2] * (v[0] - c)]


def reference(fn, rate, frames, start=(1.0, 1.0, 1.0)):
    t = np.arange(frames) * rate / SR
    sol = solve_ivp(fn, (0.0, t[-1]), start, t_eval=t, method="DOP853", rtol=1e-12, atol=1e-12)
    return sol.y.T


@pytest.mark.parametrize("rate", [1.0, 150.0])
def test_lorenz_matches_solve_ivp(rate):
    p = nm.Patch(sr=SR)
    lz = p.lorenz(rate=rate)
    p.out([lz.port("x"), lz.port("y"), lz.port("z")])
    y = p.render(frames=600)
    ref = reference(lorenz, rate, 600)
    scaled = np.stack([ref[:, 0] * 4 / (3 * 28), ref[:, 1] / 28, ref[:, 2] / 28 - 1], 1)
    np.testing.assert_allclose(y, scaled, atol=1e-7)
    if rate > 1:  # 1.9 model-time units: the trajectory went somewhere
        assert np.ptp(ref[:, 0]) > 10


@pytest.mark.parametrize("rate", [5.0, 400.0])
def test_rossler_matches_solve_ivp(rate):
    p = nm.Patch(sr=SR)
    rs = p.rossler(rate=rate)
    p.out([rs.port("x"), rs.port("y"), rs.port("z")])
    y = p.render(frames=600)
    ref = reference(rossler, rate, 600)
    scaled = ref / [2.2 * 5.7, 2.2 * 5.7, 2.1 * 5.7] - [0, 0, 1]
    np.testing.assert_allclose(y, scaled, atol=1e-7)


def test_logistic_map_steps_at_its_rate():
    sr, rate, r = 1000.0, 62.5, 3.7  # a step every 16 samples
    p = nm.Patch(sr=sr)
    p.out(p.logistic(r=r, rate=rate, x0=0.3))
    y = p.render(frames=480)[:, 0]
    xs = [0.3]
    for _ in range(29):
        xs.append(r * xs[-1] * (1 - xs[-1]))
    np.testing.assert_allclose(y, np.repeat(2 * np.array(xs) - 1, 16), atol=1e-9)


def test_ten_minutes_bounded_and_alive():
    """Slow and audio-rate sources, and extreme parameters, over ten minutes at 8 kHz."""
    sr = 8000.0
    p = nm.Patch(sr=sr)
    slow, fast = p.lorenz(rate=2.0), p.lorenz(rate=100.0, x0=-3.0)
    wild = p.lorenz(rate=20.0, sigma=100.0, rho=200.0, beta=20.0)
    ross = p.rossler(rate=p.sine(0.05).mod(40.0, 60.0), c=18.0)
    p.out([*(h.port(c) for h in (slow, fast, wild, ross) for c in "xyz"),
           p.logistic(r=4.0, rate=sr)])
    c = p.compile()
    peak, last = 0.0, None
    for _ in range(10):
        block = c.process(int(60 * sr))
        assert np.isfinite(block).all()
        peak = max(peak, float(np.abs(block).max()))
        last = block
    assert peak <= 1.0
    assert last.std(0).min() > 0.05  # still moving in the tenth minute
    assert not c.blown_up


def test_escaping_state_restarts_instead_of_blowing_up():
    """Rössler with a = 1 runs off to infinity; the node restarts from its initial point."""
    p = nm.Patch(sr=8000.0)
    rs = p.rossler(rate=50.0, a=1.0)
    p.out([rs.port("x"), rs.port("y")])
    c = p.compile()
    y = c.process(80000)
    assert np.isfinite(y).all() and np.abs(y).max() <= 1.0 and not c.blown_up
    restarts = np.sum(y[:, 0] == 1.0 / (2.2 * 5.7))
    assert restarts > 10


def test_block_invariance_of_every_chaos_node():
    p = nm.Patch(sr=SR)
    lz = p.lorenz(rate=p.sine(0.5).mod(50.0, 100.0))
    rs = p.rossler(rate=300.0, a=p.sine(0.2).mod(0.05, 0.2))
    p.out([lz.port("x"), lz.port("y"), lz.port("z"), rs.port("x"), rs.port("y"), rs.port("z"),
           p.logistic(rate=p.sine(1.0).mod(500.0, 1000.0))])
    assert_block_invariant(p, 9000)
    y = p.render(frames=9000)
    assert np.isfinite(y).all() and (y.std(0) > 0).all()
    np.testing.assert_allclose(y[:300], run_reference(p.graph, 300), atol=1e-9)
