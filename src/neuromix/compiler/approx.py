"""Fast approximations of tanh and sine for the kernels' default (fast) mode.

libm's ``tanh`` and ``sin`` are most of a small patch's time per sample. These are rational
and polynomial forms without branches (selects only) that LLVM inlines into the kernel:

- ``tanh``: an odd rational ``x·P(x²)/Q(x²)`` (degree 11 over 10, fitted for the least maximum
  error on [0, 11] with slope 1 at 0) on the input clamped to ±11, where ``1 − tanh`` is
  below 6e-10. Absolute error ≤ 1e-9 everywhere (4.1e-10 measured), relative error near 0
  below 1e-12; odd, ``tanh(0) = 0``, ``tanh(±inf) = ±(1 − 1.6e-10)``.
- ``sin2pi(t) = sin(2π·t)``: ``t`` less its nearest integer (exact in floating point), folded
  into [−1/4, 1/4] by symmetry, then an odd polynomial of degree 13. Absolute error ≤ 1e-12
  for any ``t`` (so it may exceed 1 by up to 1e-13); ``sin2pi`` of a whole number is exactly
  0, and 0 for any |t| ≥ 2**52 (where every float is a whole number).
- ``sin(x) = sin2pi(x / 2π)`` and ``cos(x) = sin2pi(x / 2π + 1/4)``: the division adds an
  error of about |x|·2e-16, so they stay within 1e-9 of libm for |x| ≤ 1e6 (1.5e-10
  measured), and within [−1, 1] (to 1e-13) for any finite x.

NaN in gives NaN out, and ``sin``/``cos`` of ±inf are NaN, as libm's. ``sigmoid`` and
``bipolar_sigmoid`` are written through ``tanh`` (``1/(1 + e^−u) = (1 + tanh(u/2))/2``), so
they share its absolute error (half of it, and all of it).

The generated kernels call these functions by name (``approx.tanh(u)``), so the kernel cache
key includes this file's source hash (``compiler/jit.py``): numba would otherwise keep a
cached kernel with the old code linked in. Exact mode (``Patch.compile(exact=True)``,
``render --exact``) calls libm instead.

Examples
--------
>>> import math
>>> abs(tanh(0.5) - math.tanh(0.5)) < 1e-9
True
>>> sin2pi(3.0), abs(sin2pi(0.25) - 1.0) < 1e-12
(0.0, True)
"""

from __future__ import annotations

import numba
import numpy as np

FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}  # codegen.FASTMATH: no NaN/inf shortcuts
CLAMP = 11.0  # tanh is 1 - 5.6e-10 here
INV_TWO_PI = 0.15915494309189535


@numba.njit(cache=True, nogil=True, fastmath=FLAGS)
def tanh(x):
    """tanh(x) to within 1e-9 (absolute)."""
    c = CLAMP if x > CLAMP else x  # selects, not min/max: a NaN passes through both
    c = -CLAMP if c < -CLAMP else c
    z = c * c
    z2 = z * z
    z4 = z2 * z2
    # Estrin's scheme: the same polynomials in three dependent steps instead of five (the
    # latency of a neuron's tanh is the critical path of a feedback loop)
    p = ((1.0 + 0.1402263798797647 * z) + z2 * (0.0043244542159972706 + 3.970669292316737e-05 * z)
         + z4 * (9.70248204074799e-08 + 2.8483975606445726e-11 * z))
    q = ((1.0 + 0.4735597095831469 * z) + z2 * (0.028844363711237435 + 0.00048144932996314606 * z)
         + z4 * (2.369410853515243e-06 + 2.442192931663745e-09 * z))
    return c * p / q


@numba.njit(cache=True, nogil=True, fastmath=FLAGS)
def sin2pi(t):
    """sin(2π·t) to within 1e-12 (absolute)."""
    r = t - np.rint(t)  # in [-1/2, 1/2], exact
    a = np.copysign(0.5, r) - r  # sin(2π·r) = sin(2π·(±1/2 − r))
    r = a if abs(r) > 0.25 else r  # now in [-1/4, 1/4]
    z = r * r
    return r * ((((((3.6550857052206993 * z - 15.079295286908746) * z + 42.05796390462638) * z
                   - 76.7058411308517) * z + 81.6052490320755) * z - 41.34170223898981) * z
                + 6.283185307177233)


@numba.njit(cache=True, nogil=True, fastmath=FLAGS)
def sin(x):
    """sin(x) to within 1e-9 for |x| ≤ 1e6 (the reduction costs about |x|·2e-16)."""
    return sin2pi(x * INV_TWO_PI)


@numba.njit(cache=True, nogil=True, fastmath=FLAGS)
def cos(x):
    """cos(x) to within 1e-9 for |x| ≤ 1e6."""
    return sin2pi(x * INV_TWO_PI + 0.25)
