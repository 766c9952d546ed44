"""The fast approximations against libm: dense grids, extreme inputs, NaN and infinities."""

import math

import numba
import numpy as np
import pytest

from neuromix.compiler import approx

SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, -5e-324, 1e-300, 1e300, -1e300,
                    2.0**52, 2.0**52 + 1, 2.0**53, -(2.0**60), np.finfo(float).max])


def _mapper(fn):
    """A numba loop applying ``fn`` to every element, as a kernel calls it."""

    @numba.njit
    def run(x, out):
        for i in range(x.size):
            out[i] = fn(x[i])

    return run


MAPS = {name: _mapper(getattr(approx, name)) for name in ("tanh", "sin2pi", "sin", "cos")}


def fast(name, x):
    """The approximation ``name`` over ``x``, as a kernel computes it (compiled by numba)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    MAPS[name](x, out)
    return out


def test_tanh_within_1e9_over_a_dense_grid():
    x = np.linspace(-40.0, 40.0, 4_000_001)  # step 2e-5, through the clamp at ±11
    assert np.abs(fast("tanh", x) - np.tanh(x)).max() < 1e-9
    tiny = np.geomspace(1e-300, 1e-3, 10_001)
    assert np.all(np.abs(fast("tanh", tiny) / np.tanh(tiny) - 1.0) < 1e-12)  # relative, near 0


def test_tanh_is_odd_bounded_and_saturates():
    x = np.linspace(0.0, 50.0, 100_001)
    np.testing.assert_array_equal(fast("tanh", -x), -fast("tanh", x))
    y = fast("tanh", np.concatenate([x, [1e300, np.inf]]))
    assert np.all(y <= 1.0) and np.all(np.diff(y[: x.size]) >= -1e-15)  # monotone up to rounding
    assert fast("tanh", [np.inf])[0] == pytest.approx(1.0, abs=1e-9)
    assert fast("tanh", [-np.inf])[0] == pytest.approx(-1.0, abs=1e-9)
    assert fast("tanh", [0.0])[0] == 0.0


def test_sin2pi_within_1e12_over_a_dense_grid():
    t = np.linspace(-8.0, 8.0, 4_000_001)
    assert np.abs(fast("sin2pi", t) - np.sin(2 * np.pi * t)).max() < 1e-12
    # phases as an oscillator makes them: frac of an accumulating sum, in [0, 1)
    ph = np.cumsum(np.full(200_000, 440.0 / 48000.0)) % 1.0
    assert np.abs(fast("sin2pi", ph) - np.sin(2 * np.pi * ph)).max() < 1e-12
    assert np.all(fast("sin2pi", np.arange(-1000.0, 1000.0)) == 0.0)  # whole cycles: exactly 0


@pytest.mark.parametrize("name, libm", [("sin", np.sin), ("cos", np.cos)])
def test_sin_and_cos_within_1e9_up_to_a_million(name, libm):
    x = np.linspace(-1e6, 1e6, 4_000_001)
    assert np.abs(fast(name, x) - libm(x)).max() < 1e-9
    x = np.linspace(-10.0, 10.0, 2_000_001)
    assert np.abs(fast(name, x) - libm(x)).max() < 1e-12


@pytest.mark.parametrize("name", list(MAPS))
def test_nan_and_infinities_as_libm(name):
    """NaN in gives NaN; sin and cos of ±inf are NaN (libm's result); every finite input gives
    a finite, bounded result (for huge arguments the phase is lost, as the docs say)."""
    y = fast(name, SPECIAL)
    finite = np.isfinite(SPECIAL)
    assert np.isnan(y[0])
    if name == "tanh":
        assert np.all(np.isfinite(y[1:]))
    else:
        assert np.isnan(y[1]) and np.isnan(y[2])
    assert np.all(np.abs(y[finite]) <= 1.0 + 1e-12)


def test_the_activations_through_tanh_match_their_closed_forms():
    """sigmoid and bipolar sigmoid are written through tanh in the fast mode."""
    from neuromix.nodes.activations import ACTIVATIONS

    u = np.linspace(-60.0, 60.0, 240_001)
    for name in ("sigmoid", "bipolar_sigmoid", "tanh", "sin"):
        act = ACTIVATIONS[name]
        code = f"def f(u):\n    return {act.expr('u', exact=False)}\n"
        space = {"approx": approx, "math": math}
        exec(code, space)
        f = numba.njit(space["f"])
        got = np.array([f(v) for v in u[::40]])
        want = act.numpy(u[::40])
        assert np.abs(got - want).max() < 1e-9, name
        assert f(np.nan) != f(np.nan)  # NaN propagates
