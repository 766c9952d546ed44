"""Delays: an interpolated delay line with feedback, a damped feedback comb, an allpass.

Every delay time is in seconds and may be a signal (modulated at audio rate); with ``interp``
``linear`` or ``hermite`` a fractional delay is interpolated between samples, with ``none`` it is
rounded to whole samples. Delay lines are rings sized for the ``max_delay`` option. The shortest
delay is one sample (two with ``hermite``), because a delay is read before this sample is written.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=1000)
>>> imp = p.const(0.0)
>>> p.out(p.allpass(imp, delay=0.003, gain=0.5))
>>> p.render(frames=2).shape
(2, 1)
>>> p = nm.Patch(sr=1000)
>>> p.out(p.delay(p.const(1.0), time=0.002, feedback=0.5))
>>> [float(v) for v in p.render(frames=7)[:, 0]]
[0.0, 0.0, 1.0, 1.0, 1.5, 1.5, 1.75]
"""

from __future__ import annotations

from neuromix.nodes._common import IN
from neuromix.nodes._dsp import INTERPOLATIONS, read_delay
from neuromix.nodes._registry import Buffer, NodeType, Option, Param, State, register



def ring_size(seconds: float, sr: float) -> int:
    """A power of two holding at least ``seconds`` of samples plus two."""
    need = int(seconds * sr) + 2
    return 1 << max(need - 1, 1).bit_length()


def _line(ctx) -> int:
    """Ring size for the ``max_delay`` option, with room for the interpolation's extra taps."""
    return ring_size(ctx.opt("max_delay") + 2.0 / ctx.sr, ctx.sr)


def _interp(default: str) -> Option:
    return Option("interp", default, INTERPOLATIONS,
                  doc="none (whole samples), linear or hermite (4-point cubic) interpolation")


def _max_delay(default: float) -> Option:
    return Option("max_delay", default, kind=float, doc="longest delay in seconds", lo=0.0, hi=60.0)


def _write(ctx, w: str, value: str) -> list[str]:
    """Lines writing ``value`` at the ring's write position and moving it on."""
    return [f"{ctx.at('line', w)} = {value}", f"{w} = ({w} + 1) & {ctx.size('line') - 1}"]


def _emit_delay(ctx):
    w, v, lines = ctx.s("w"), ctx.tmp("v"), []
    tap = read_delay(ctx, lines, "line", w, f"{ctx.p('time')} * {ctx.sr!r}", ctx.opt("interp"),
                     "time")
    return lines + [
        f"{v} = {ctx.p('in')} + {ctx.p('feedback')} * {tap}",
        ctx.flush(v),
        *_write(ctx, w, v),
        f"{ctx.out()} = {tap}",
    ]


register(NodeType(
    "delay", "Delay line: y = w[n − time·sr] (interpolated); w = x + feedback·y.", _emit_delay,
    params=(IN, Param("time", 0.25, 0.0, 60.0, "s", "delay time (up to max_delay)"),
            Param("feedback", 0.0, -0.999, 0.999, "", "gain of the delayed signal fed back")),
    state=(State("w", integer=True),),
    buffers=(Buffer("line", _line),),
    options=(_interp("linear"), _max_delay(1.0)),
    category="delays",
))


def _emit_comb(ctx):
    w, lp, v, lines = ctx.s("w"), ctx.s("lp"), ctx.tmp("v"), []
    tap = read_delay(ctx, lines, "line", w, f"{ctx.p('delay')} * {ctx.sr!r}", ctx.opt("interp"),
                     "delay")
    return lines + [
        f"{lp} = {tap} + {ctx.p('damping')} * ({lp} - {tap})",
        ctx.flush(lp),
        f"{v} = {ctx.p('in')} + {ctx.p('feedback')} * {lp}",
        ctx.flush(v),
        *_write(ctx, w, v),
        f"{ctx.out()} = {tap}",
    ]


register(NodeType(
    "comb", "Feedback comb with damping (Freeverb's): y = w[n−D]; lp += (1−damping)·(y − lp); "
            "w = x + feedback·lp.", _emit_comb,
    params=(IN, Param("delay", 0.03, 0.0, 10.0, "s", "delay time (up to max_delay)"),
            Param("feedback", 0.7, -0.999, 0.999, "", "gain of the damped signal fed back"),
            Param("damping", 0.0, 0.0, 0.999, "", "one-pole low-pass in the loop (0: none)")),
    state=(State("w", integer=True), State("lp")),
    buffers=(Buffer("line", _line),),
    options=(_interp("linear"), _max_delay(0.1)),
    category="delays",
))


def _emit_allpass(ctx):
    w, v, lines = ctx.s("w"), ctx.tmp("v"), []
    d = read_delay(ctx, lines, "line", w, f"{ctx.p('delay')} * {ctx.sr!r}", ctx.opt("interp"),
                   "delay")
    g = ctx.p("gain")
    return lines + [
        f"{v} = {ctx.p('in')} + {g} * {d}",
        ctx.flush(v),
        *_write(ctx, w, v),
        f"{ctx.out()} = {d} - {g} * {v}",
    ]


register(NodeType(
    "allpass", "Schroeder allpass: w = x + g·w[n−D]; y = w[n−D] − g·w (D rounded to samples "
               "unless interpolated).",
    _emit_allpass,
    params=(IN,
            Param("delay", 0.01, 0.0, 10.0, "s", "delay time (up to max_delay)"),
            Param("gain", 0.5, -0.999, 0.999, "", "allpass coefficient")),
    state=(State("w", integer=True),),
    buffers=(Buffer("line", lambda ctx: ring_size(ctx.opt("max_delay"), ctx.sr)),),
    options=(_interp("none"), _max_delay(0.1)),
    category="delays",
))
