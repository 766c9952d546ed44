"""Arithmetic nodes and handle operators."""

import numpy as np

import neuromix as nm


def test_arithmetic_nodes():
    p = nm.Patch(sr=100.0)
    x, y = p.const(2.0), p.const(-0.5)
    p.out([x + y, x * y, p.mix(inputs={x: 0.25, y: 2.0}), p.scale(x, 3.0), p.offset(x, 1.0),
           x - y, 1.0 - x, -x, 0.5 * (x + y)])
    np.testing.assert_allclose(p.render(frames=2)[0], [1.5, -1.0, -0.5, 6.0, 3.0, 2.5, -1.0,
                                                       -2.0, 0.75])


def test_add_and_mul_take_lists():
    p = nm.Patch()
    a, b, c = p.const(1.0), p.const(2.0), p.const(3.0)
    p.out([p.add(inputs=[a, b, c]), p.mul(inputs=[a, b, c])])
    np.testing.assert_allclose(p.render(frames=1)[0], [6.0, 6.0])
