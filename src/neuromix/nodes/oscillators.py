"""Oscillators: phase accumulators with the conventions of Pd's [phasor~] and Faust's os.phasor.

``phase[0] = 0``; the output at sample n uses ``phase[n]``; then
``phase[n+1] = frac(phase[n] + freq[n] / sr)``. Frequencies may be signals (FM).

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=8)
>>> p.out(p.saw(1.0))
>>> [round(float(v), 2) for v in p.render(frames=4)[:, 0]]
[-1.0, -0.75, -0.5, -0.25]
"""

from __future__ import annotations

from neuromix.nodes._common import sin2pi
from neuromix.nodes._registry import NodeType, Option, Param, State, register

FREQ = Param("freq", 440.0, -24000.0, 24000.0, "Hz", "frequency (a signal here is FM)")
WIDTH = Param("width", 0.5, 0.0, 1.0, "", "share of the cycle spent at +1")
ANTIALIAS = Option("antialias", "naive", ("naive", "polyblep"),
                   doc="naive (exact phase math) or polyblep (band-limited edges)")


def _advance(ctx, ph):
    """Lines that move the phase on by freq/sr and wrap it into [0, 1)."""
    return [f"{ph} += {ctx.p('freq')} * {1.0 / ctx.sr!r}", f"{ph} -= math.floor({ph})"]


def _blep(ctx, t, dt):
    """Lines computing the polyBLEP correction for a step at phase 0 into a temp; returns name."""
    r, x = ctx.tmp("blep"), ctx.tmp("x")
    return r, [
        f"{r} = 0.0",
        f"if {t} < {dt}:",
        f"    {x} = {t} / {dt}",
        f"    {r} = {x} + {x} - {x} * {x} - 1.0",
        f"elif {t} > 1.0 - {dt}:",
        f"    {x} = ({t} - 1.0) / {dt}",
        f"    {r} = {x} * {x} + {x} + {x} + 1.0",
    ]


def _simple(name, expr, doc):
    def emit(ctx):
        ph = ctx.s("phase")
        return [f"{ctx.out()} = {expr(ctx, ph)}"] + _advance(ctx, ph)

    return NodeType(name, doc, emit, params=(FREQ,), state=(State("phase"),), category="oscillators")


register(_simple("sine", sin2pi, "Sine oscillator: sin(2π·phase)."))
register(_simple("tri", lambda ctx, ph: f"4.0 * abs({ph} - 0.5) - 1.0",
                 "Triangle oscillator: 4·|phase − 0.5| − 1 (starts at +1)."))
register(_simple("phasor", lambda ctx, ph: ph, "Phase ramp 0..1 (Pd's [phasor~])."))


def _emit_saw(ctx):
    ph, y = ctx.s("phase"), ctx.out()
    lines = [f"{y} = 2.0 * {ph} - 1.0"]
    if ctx.opt("antialias") == "polyblep":
        dt = ctx.tmp("dt")
        lines.append(f"{dt} = abs({ctx.p('freq')}) * {1.0 / ctx.sr!r}")
        blep, blines = _blep(ctx, ph, dt)
        lines += blines + [f"{y} -= {blep}"]
    return lines + _advance(ctx, ph)


def _emit_square(ctx):
    ph, y, w = ctx.s("phase"), ctx.out(), ctx.p("width")
    lines = [f"{y} = 1.0 if {ph} < {w} else -1.0"]
    if ctx.opt("antialias") == "polyblep":
        dt, t2 = ctx.tmp("dt"), ctx.tmp("t2")
        lines.append(f"{dt} = abs({ctx.p('freq')}) * {1.0 / ctx.sr!r}")
        rise, rlines = _blep(ctx, ph, dt)
        lines += [f"{t2} = {ph} - {w} + 1.0", f"{t2} -= math.floor({t2})"]
        fall, flines = _blep(ctx, t2, dt)
        lines += rlines + flines + [f"{y} += {rise} - {fall}"]
    return lines + _advance(ctx, ph)


register(NodeType("saw", "Sawtooth oscillator: 2·phase − 1 (rising).", _emit_saw, params=(FREQ,),
                  state=(State("phase"),), options=(ANTIALIAS,), category="oscillators"))
register(NodeType("square", "Square/pulse oscillator: +1 while phase < width, else −1.", _emit_square,
                  params=(FREQ, WIDTH), state=(State("phase"),), options=(ANTIALIAS,),
                  category="oscillators"))
register(NodeType("pulse", "Pulse oscillator (a square with width 0.25 by default).", _emit_square,
                  params=(FREQ, Param("width", 0.25, 0.0, 1.0, "", WIDTH.doc)),
                  state=(State("phase"),), options=(ANTIALIAS,), category="oscillators"))
