"""Filters: one-pole, state-variable, ping, DC blocker and the cookbook biquads.

Cutoffs are in Hz and may be signals; a coefficient is computed once per block when its
parameters are constant, every sample when one is a signal. ``svf`` is the one to modulate at
audio rate: its topology-preserving (trapezoidal) structure stays stable for any cutoff below
Nyquist changing every sample. The biquads use the transposed direct form II and suit slower
changes.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> p.out(p.onepole(p.const(1.0), cutoff=1000.0))
>>> y = p.render(frames=48000)
>>> round(float(y[-1, 0]), 6)
1.0
>>> p = nm.Patch()
>>> f = p.svf(p.noise(), cutoff=p.sine(0.5).mod(2000.0, 3000.0), q=4.0)
>>> p.out([f, f.port("bp")])
>>> p.render(frames=480).shape
(480, 2)
"""

from __future__ import annotations

from neuromix.nodes._common import IN, PREV, TWO_PI, rising
from neuromix.nodes._dsp import derived
from neuromix.nodes._registry import NodeType, Option, Param, State, register

PI = "3.141592653589793"
LN_1000 = "6.907755278982137"  # ln(10^3): a decay of 60 dB


def _cutoff(ctx, param: str, top: float = 0.5) -> str:
    """The parameter clamped to 0 .. top·sr."""
    return f"min(max({ctx.p(param)}, 0.0), {top * ctx.sr!r})"


def _emit_onepole(ctx):
    y, x, lines = ctx.s("y"), ctx.p("in"), []
    coef = derived(ctx, lines, "coef",
                   f"1.0 - math.exp(-{TWO_PI} * {_cutoff(ctx, 'cutoff')} * {1.0 / ctx.sr!r})",
                   "cutoff")
    result = y if ctx.opt("mode") == "lowpass" else f"{x} - {y}"
    return lines + [f"{y} += {coef} * ({x} - {y})", ctx.flush(y), f"{ctx.out()} = {result}"]


register(NodeType(
    "onepole", "One-pole low-pass y += (1 − e^(−2π·fc/sr))·(x − y), or its high-pass x − y.",
    _emit_onepole,
    params=(IN, Param("cutoff", 1000.0, 0.0, 24000.0, "Hz", "cutoff frequency")),
    state=(State("y"),),
    options=(Option("mode", "lowpass", ("lowpass", "highpass"), doc="low-pass or high-pass"),),
    category="filters",
))


def _emit_svf(ctx):
    ic1, ic2, x, lines = ctx.s("ic1"), ctx.s("ic2"), ctx.p("in"), []
    g = derived(ctx, lines, "g", f"math.tan({PI} * {_cutoff(ctx, 'cutoff', 0.49)} * "
                                 f"{1.0 / ctx.sr!r})", "cutoff")
    k = derived(ctx, lines, "k", f"1.0 / max({ctx.p('q')}, 0.01)", "q")
    a1 = derived(ctx, lines, "a1", f"1.0 / (1.0 + {g} * ({g} + {k}))", "cutoff", "q")
    a2 = derived(ctx, lines, "a2", f"{g} * {a1}", "cutoff", "q")
    a3 = derived(ctx, lines, "a3", f"{g} * {a2}", "cutoff", "q")
    v1, v2, v3 = ctx.tmp("v1"), ctx.tmp("v2"), ctx.tmp("v3")
    return lines + [
        f"{v3} = {x} - {ic2}",
        f"{v1} = {a1} * {ic1} + {a2} * {v3}",
        f"{v2} = {ic2} + {a2} * {ic1} + {a3} * {v3}",
        f"{ic1} = 2.0 * {v1} - {ic1}",
        f"{ic2} = 2.0 * {v2} - {ic2}",
        ctx.flush(ic1),
        ctx.flush(ic2),
        f"{ctx.out('out')} = {v2}",
        f"{ctx.out('lp')} = {v2}",
        f"{ctx.out('bp')} = {v1}",
        f"{ctx.out('hp')} = {x} - {k} * {v1} - {v2}",
        f"{ctx.out('notch')} = {x} - {k} * {v1}",
    ]


register(NodeType(
    "svf", "State-variable filter, topology-preserving (Zavalishin/Simper trapezoidal): "
           "outputs lp (also out), bp (peak gain q), hp and notch; stable under audio-rate "
           "cutoff modulation.", _emit_svf,
    params=(IN, Param("cutoff", 1000.0, 0.0, 24000.0, "Hz", "cutoff frequency (below 0.49·sr)"),
            Param("q", 0.7071067811865476, 0.01, 100.0, "", "resonance (0.707: no peak)")),
    outputs=("out", "lp", "bp", "hp", "notch"),
    state=(State("ic1"), State("ic2")),
    category="filters",
))


def _emit_ping(ctx):
    re, im, x, lines = ctx.s("re"), ctx.s("im"), ctx.p("in"), []
    r = derived(ctx, lines, "r", f"math.exp(-{LN_1000} / (max({ctx.p('decay')}, 1e-4) * "
                                 f"{ctx.sr!r}))", "decay")
    w = derived(ctx, lines, "w", f"{TWO_PI} * {_cutoff(ctx, 'freq')} * {1.0 / ctx.sr!r}", "freq")
    c = derived(ctx, lines, "c", f"{r} * math.cos({w})", "decay", "freq")
    s = derived(ctx, lines, "s", f"{r} * math.sin({w})", "decay", "freq")
    hit, nre = ctx.tmp("hit"), ctx.tmp("re")
    if ctx.opt("strike") == "trigger":
        edge, strike = rising(ctx, x)
        strike.append(f"{hit} = {x} if {edge} else 0.0")
    else:
        strike = [f"{hit} = {x}"]
    return lines + strike + [
        f"{nre} = {c} * {re} - {s} * {im} + {hit}",
        f"{im} = {s} * {re} + {c} * {im}",
        f"{re} = {nre}",
        ctx.flush(re),
        ctx.flush(im),
        f"{ctx.out()} = {im}",
    ]


register(NodeType(
    "ping", "Ping filter: a two-pole resonator that rings at freq when struck, decaying by 60 dB "
            "in decay seconds; a strike of 1 rings at amplitude 1 (sine phase).", _emit_ping,
    params=(IN, Param("freq", 440.0, 0.0, 24000.0, "Hz", "ringing frequency"),
            Param("decay", 0.5, 1e-4, 60.0, "s", "time to decay by 60 dB")),
    state=(State("re"), State("im"), PREV),
    options=(Option("strike", "trigger", ("trigger", "signal"),
                    doc="trigger: each trigger (a rise from ≤ 0 to > 0) strikes it by the input's "
                        "value (velocity); signal: the input drives it directly (a linear "
                        "resonant band-pass)"),),
    category="filters",
))


def _emit_dcblock(ctx):
    y, last, x, lines = ctx.s("y"), ctx.s("last"), ctx.p("in"), []
    pole = derived(ctx, lines, "pole", f"math.exp(-{TWO_PI} * {_cutoff(ctx, 'cutoff')} * "
                                       f"{1.0 / ctx.sr!r})", "cutoff")
    return lines + [
        f"{y} = {x} - {last} + {pole} * {y}",
        ctx.flush(y),
        f"{last} = {x}",
        f"{ctx.out()} = {y}",
    ]


register(NodeType(
    "dcblock", "DC blocker: y = x − x[n−1] + R·y[n−1], R = e^(−2π·fc/sr).", _emit_dcblock,
    params=(IN, Param("cutoff", 10.0, 0.0, 1000.0, "Hz", "corner frequency")),
    state=(State("y"), State("last")),
    category="filters",
))

SHAPES = ("lowpass", "highpass", "bandpass", "notch", "peak", "lowshelf", "highshelf", "allpass")


def _rbj(shape: str, cs: str, alpha: str, amp: str, sq: str) -> tuple[str, ...]:
    """Robert Bristow-Johnson's cookbook: (b0, b1, b2, a0, a1, a2) as expressions."""
    if shape == "lowpass":
        return (f"0.5 * (1.0 - {cs})", f"1.0 - {cs}", f"0.5 * (1.0 - {cs})",
                f"1.0 + {alpha}", f"-2.0 * {cs}", f"1.0 - {alpha}")
    if shape == "highpass":
        return (f"0.5 * (1.0 + {cs})", f"-(1.0 + {cs})", f"0.5 * (1.0 + {cs})",
                f"1.0 + {alpha}", f"-2.0 * {cs}", f"1.0 - {alpha}")
    if shape == "bandpass":  # constant 0 dB peak gain
        return (alpha, "0.0", f"-{alpha}", f"1.0 + {alpha}", f"-2.0 * {cs}", f"1.0 - {alpha}")
    if shape == "notch":
        return ("1.0", f"-2.0 * {cs}", "1.0", f"1.0 + {alpha}", f"-2.0 * {cs}", f"1.0 - {alpha}")
    if shape == "allpass":
        return (f"1.0 - {alpha}", f"-2.0 * {cs}", f"1.0 + {alpha}",
                f"1.0 + {alpha}", f"-2.0 * {cs}", f"1.0 - {alpha}")
    if shape == "peak":
        return (f"1.0 + {alpha} * {amp}", f"-2.0 * {cs}", f"1.0 - {alpha} * {amp}",
                f"1.0 + {alpha} / {amp}", f"-2.0 * {cs}", f"1.0 - {alpha} / {amp}")
    sign = 1.0 if shape == "lowshelf" else -1.0
    p, m = f"({amp} + 1.0)", f"({amp} - 1.0)"
    return (f"{amp} * ({p} - {sign} * {m} * {cs} + {sq})",
            f"{2.0 * sign} * {amp} * ({m} - {sign} * {p} * {cs})",
            f"{amp} * ({p} - {sign} * {m} * {cs} - {sq})",
            f"{p} + {sign} * {m} * {cs} + {sq}",
            f"{-2.0 * sign} * ({m} + {sign} * {p} * {cs})",
            f"{p} + {sign} * {m} * {cs} - {sq}")


def _emit_biquad(ctx):
    z1, z2, x, y, lines = ctx.s("z1"), ctx.s("z2"), ctx.p("in"), ctx.tmp("y"), []
    both = ("freq", "q", "gain")
    w0 = derived(ctx, lines, "w0", f"{TWO_PI} * {_cutoff(ctx, 'freq', 0.49)} * {1.0 / ctx.sr!r}",
                 "freq")
    cs = derived(ctx, lines, "cs", f"math.cos({w0})", "freq")
    alpha = derived(ctx, lines, "alpha", f"math.sin({w0}) / (2.0 * max({ctx.p('q')}, 0.01))",
                    "freq", "q")
    amp = derived(ctx, lines, "amp", f"10.0 ** ({ctx.p('gain')} / 40.0)", "gain")
    sq = derived(ctx, lines, "sq", f"2.0 * math.sqrt({amp}) * {alpha}", *both)
    b0, b1, b2, a0, a1, a2 = _rbj(ctx.opt("shape"), cs, alpha, amp, sq)
    inv = derived(ctx, lines, "inv", f"1.0 / ({a0})", *both)
    nb0, nb1, nb2, na1, na2 = (derived(ctx, lines, name, f"({expr}) * {inv}", *both)
                               for name, expr in (("b0", b0), ("b1", b1), ("b2", b2),
                                                  ("a1", a1), ("a2", a2)))
    return lines + [
        f"{y} = {nb0} * {x} + {z1}",
        f"{z1} = {nb1} * {x} - {na1} * {y} + {z2}",
        f"{z2} = {nb2} * {x} - {na2} * {y}",
        ctx.flush(z1),
        ctx.flush(z2),
        f"{ctx.out()} = {y}",
    ]


register(NodeType(
    "biquad", "Biquad filter with the RBJ cookbook shapes (transposed direct form II).",
    _emit_biquad,
    params=(IN, Param("freq", 1000.0, 0.0, 24000.0, "Hz", "cutoff / centre frequency"),
            Param("q", 0.7071067811865476, 0.01, 100.0, "", "quality factor"),
            Param("gain", 0.0, -48.0, 48.0, "dB", "gain of the peak and shelf shapes")),
    state=(State("z1"), State("z2")),
    options=(Option("shape", "lowpass", SHAPES, doc="which cookbook filter"),),
    category="filters",
))
