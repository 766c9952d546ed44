"""The three reference patches of the speed benchmark, built twice: with neuromix, and by hand.

Each patch is built with the neuromix Python API (``build_*``) and written out by hand as one
fused per-sample loop (``loop_*``) with the same math: the phase conventions of DESIGN.md §2,
the xorshift32 noise of ``nodes/noise.py`` with the same per-node seed, the denormal flush
where neuromix flushes, and the same one-sample feedback delays. The hand loops are plain
Python functions; :func:`fused` compiles one with numba using the kernel's flag set (the
practical limit of scalar code), and :func:`python_loop` runs it as a plain CPython loop on
lists.

Proof that a hand loop is the same patch: with IEEE-exact arithmetic (no fastmath, in both the
hand loop and the neuromix kernel: :func:`strict_neuromix`, :func:`strict_fused`) they agree
bit for bit. With the fastmath flags, LLVM may reassociate the two sources differently (the
last bit of a sum), and a patch with feedback may amplify that (the dual neuron does, to ~1e-4
within a second): that difference is reported, not asserted, for such patches.

Examples
--------
>>> import numpy as np
>>> ref = REFERENCES["dual"]
>>> mine = neuromix_render(strict_neuromix(ref.build()), 256)
>>> bool((mine == python_loop(ref, 256)).all())
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np

import neuromix as nm
from neuromix.compiler.codegen import FASTMATH, FLUSH_BELOW
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.render import render
from neuromix.nodes.delays import ring_size
from neuromix.nodes.noise import seed_for

SR = 48000.0
SEED = 0
INV_SR = 1.0 / SR
TWO_PI = 6.283185307179586
MASK32 = 0xFFFFFFFF
NOISE_SCALE = 2.0 / 2**32

# patch 3: the allpass chain (seconds) and the ring size neuromix gives each allpass
ALLPASS_DELAYS = (0.0031, 0.0047, 0.0071, 0.0113)
ALLPASS_GAIN = 0.6
RING = ring_size(0.1, SR)  # the allpass node's default max_delay
LOWPASS_CUTOFF = 2000.0


# -- patch 1: a tanh neuron mixing a sine, an FM triangle and noise ------------------------------
def build_mixer() -> nm.Patch:
    p = nm.Patch(sr=SR, seed=SEED)
    n = p.neuron(act="tanh", name="n")
    s = p.sine(220.0, name="s")
    lfo = p.sine(3.0, name="lfo")
    t = p.tri(lfo.mod(scale=100.0, offset=330.0), name="t")
    z = p.noise(name="z")
    n.input(s, 0.6)
    n.input(t, 0.5)
    n.input(z, 0.2)
    p.out(n)
    return p


def loop_mixer(n, out, seed, f_s, f_lfo, fm_depth, fm_center, bias, w_s, w_t, w_z):
    ph_s = 0.0
    ph_lfo = 0.0
    ph_t = 0.0
    x = seed
    for i in range(n):
        s = math.sin(TWO_PI * ph_s)
        ph_s += f_s * INV_SR
        ph_s -= math.floor(ph_s)
        lfo = math.sin(TWO_PI * ph_lfo)
        ph_lfo += f_lfo * INV_SR
        ph_lfo -= math.floor(ph_lfo)
        t = 4.0 * abs(ph_t - 0.5) - 1.0
        ph_t += (lfo * fm_depth + fm_center) * INV_SR
        ph_t -= math.floor(ph_t)
        x ^= (x << 13) & MASK32
        x ^= x >> 17
        x ^= (x << 5) & MASK32
        z = x * NOISE_SCALE - 1.0
        out[i] = math.tanh(bias + w_s * s + w_t * t + w_z * z)
    return out


# -- patch 2: the dual neuron (a hears b one sample late, b hears a at once) -------------------
def build_dual() -> nm.Patch:
    p = nm.Patch(sr=SR, seed=SEED)
    a = p.neuron(act="tanh", bias=0.1, name="a")
    b = p.neuron(act="tanh", bias=-0.05, name="b")
    a.input(p.sine(110.0), 1.5)
    a.input(b, 1.2)
    b.input(p.tri(165.0), 1.3)
    b.input(a, -1.4)
    p.out(0.5 * (a + b))
    return p


def loop_dual(n, out, f_s, f_t, bias_a, wa_s, wa_b, bias_b, wb_t, wb_a, gain):
    ph_s = 0.0
    ph_t = 0.0
    b = 0.0
    for i in range(n):
        s = math.sin(TWO_PI * ph_s)
        ph_s += f_s * INV_SR
        ph_s -= math.floor(ph_s)
        a = math.tanh(bias_a + wa_s * s + wa_b * b)
        t = 4.0 * abs(ph_t - 0.5) - 1.0
        ph_t += f_t * INV_SR
        ph_t -= math.floor(ph_t)
        b = math.tanh(bias_b + wb_t * t + wb_a * a)
        out[i] = (a + b) * gain
    return out


# -- patch 3: neuron -> comparator -> low-pass -> four allpasses -> back into the neuron -------
def build_loop() -> nm.Patch:
    p = nm.Patch(sr=SR, seed=SEED)
    n = p.neuron(act="tanh", name="n")  # declared first: the edge back into it is one sample late
    x = p.comparator(n, name="c")
    x = p.onepole(x, cutoff=LOWPASS_CUTOFF, name="lp")
    for k, delay in enumerate(ALLPASS_DELAYS, 1):
        x = p.allpass(x, delay=delay, gain=ALLPASS_GAIN, name=f"ap{k}")
    n.input(p.sine(220.0, name="s"), 0.8)
    n.input(x, 0.7)
    p.out(n)
    return p


def loop_loop(n, out, line1, line2, line3, line4, f_s, bias, w_s, w_fb, cutoff,
              delay1, delay2, delay3, delay4, g):
    mask = RING - 1
    coef = 1.0 - math.exp(-TWO_PI * cutoff * INV_SR)
    d1 = int(round(delay1 * SR))
    d2 = int(round(delay2 * SR))
    d3 = int(round(delay3 * SR))
    d4 = int(round(delay4 * SR))
    ph_s = 0.0
    lp = 0.0
    fb = 0.0  # the last allpass's output, heard by the neuron one sample late
    w1 = 0
    w2 = 0
    w3 = 0
    w4 = 0
    for i in range(n):
        s = math.sin(TWO_PI * ph_s)
        ph_s += f_s * INV_SR
        ph_s -= math.floor(ph_s)
        y = math.tanh(bias + w_s * s + w_fb * fb)
        c = 1.0 if y > 0.0 else -1.0
        lp += coef * (c - lp)
        lp = lp if abs(lp) > FLUSH_BELOW else 0.0
        # four Schroeder allpasses: v = x + g·line[w−D]; line[w] = v; out = line[w−D] − g·v
        d = line1[(w1 - d1) & mask]
        v = lp + g * d
        v = v if abs(v) > FLUSH_BELOW else 0.0
        line1[w1] = v
        w1 = (w1 + 1) & mask
        x = d - g * v
        d = line2[(w2 - d2) & mask]
        v = x + g * d
        v = v if abs(v) > FLUSH_BELOW else 0.0
        line2[w2] = v
        w2 = (w2 + 1) & mask
        x = d - g * v
        d = line3[(w3 - d3) & mask]
        v = x + g * d
        v = v if abs(v) > FLUSH_BELOW else 0.0
        line3[w3] = v
        w3 = (w3 + 1) & mask
        x = d - g * v
        d = line4[(w4 - d4) & mask]
        v = x + g * d
        v = v if abs(v) > FLUSH_BELOW else 0.0
        line4[w4] = v
        w4 = (w4 + 1) & mask
        fb = d - g * v
        out[i] = y
    return out


# -- running them ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Reference:
    """A reference patch: its neuromix builder, its hand loop and the loop's arguments."""

    name: str
    title: str
    build: Callable[[], nm.Patch]
    loop: Callable
    state: Callable[[Callable[[int], object]], tuple]  # seeds and delay lines, from an allocator
    params: tuple[float, ...]  # the patch's parameter values, passed at run time as neuromix does


def _lines(alloc):
    return tuple(alloc(RING) for _ in ALLPASS_DELAYS)


REFERENCES = {
    "mixer": Reference("mixer", "tanh neuron: sine + FM triangle + noise", build_mixer, loop_mixer,
                       lambda alloc: (seed_for(SEED, "z"),),
                       (220.0, 3.0, 100.0, 330.0, 0.0, 0.6, 0.5, 0.2)),
    "dual": Reference("dual", "dual neuron, one-sample cross-feedback", build_dual, loop_dual,
                      lambda alloc: (), (110.0, 165.0, 0.1, 1.5, 1.2, -0.05, 1.3, -1.4, 0.5)),
    "loop": Reference("loop", "neuron > comparator > low-pass > 4 allpasses > neuron",
                      build_loop, loop_loop, _lines,
                      (220.0, 0.0, 0.8, 0.7, LOWPASS_CUTOFF, *ALLPASS_DELAYS, ALLPASS_GAIN)),
}

_FUSED: dict[tuple[str, bool], Callable] = {}


def fused(ref: Reference, strict: bool = False) -> Callable:
    """The hand loop compiled by numba with the flags of neuromix's kernels (or none: strict).

    The strict build is not cached on disk: numba's cache key ignores the fastmath flags, so
    two builds of one function would overwrite each other.
    """
    key = (ref.name, strict)
    if key not in _FUSED:
        flags = dict(error_model="numpy") if strict else dict(
            cache=True, fastmath=FASTMATH, error_model="numpy")
        _FUSED[key] = numba.njit(nogil=True, **flags)(ref.loop)
    return _FUSED[key]


def fused_loop(ref: Reference, frames: int, strict: bool = False) -> np.ndarray:
    """Render ``frames`` samples with the numba-compiled hand loop (one call)."""
    out = np.empty(frames)
    return fused(ref, strict)(frames, out, *ref.state(np.zeros), *ref.params)


def python_loop(ref: Reference, frames: int) -> np.ndarray:
    """Render ``frames`` samples with the hand loop run by CPython on lists."""
    out = [0.0] * frames
    ref.loop(frames, out, *ref.state(lambda size: [0.0] * size), *ref.params)
    return np.array(out)


def strict_neuromix(patch: nm.Patch) -> CompiledPatch:
    """The patch's own neuromix kernel in exact mode (libm, IEEE-exact arithmetic)."""
    return patch.compile(exact=True)


def neuromix_render(compiled: CompiledPatch, frames: int) -> np.ndarray:
    """Render with CompiledPatch.process in blocks of 4096, as an offline render does; the
    reference patches are mono: their one channel, (frames,) like the hand loops."""
    return render(compiled, frames=frames, block=4096)[:, 0]
