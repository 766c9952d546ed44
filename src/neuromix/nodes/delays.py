"""Delays.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=1000)
>>> imp = p.const(0.0)
>>> p.out(p.allpass(imp, delay=0.003, gain=0.5))
>>> p.render(frames=2).shape
(2,)
"""

from __future__ import annotations

from neuromix.nodes._registry import Buffer, NodeType, Option, Param, State, register


def ring_size(seconds: float, sr: float) -> int:
    """A power of two holding at least ``seconds`` of samples plus two."""
    need = int(seconds * sr) + 2
    return 1 << max(need - 1, 1).bit_length()


def _emit_allpass(ctx):
    w, v, y, d = ctx.s("w"), ctx.tmp("v"), ctx.tmp("y"), ctx.tmp("d")
    size = ctx.size("line")
    delay = ctx.rate(f"min(max(int(round({ctx.p('delay')} * {float(ctx.sr)!r})), 1), {size - 1})",
                     "delay")
    g = ctx.p("gain")
    return [
        f"{d} = {ctx.at('line', f'({w} - {delay}) & {size - 1}')}",
        f"{v} = {ctx.p('in')} + {g} * {d}",
        ctx.flush(v),
        f"{ctx.at('line', w)} = {v}",
        f"{w} = ({w} + 1) & {size - 1}",
        f"{ctx.out()} = {d} - {g} * {v}",
    ]


register(NodeType(
    "allpass", "Schroeder allpass: w = x + g·w[n−D]; y = w[n−D] − g·w (delay rounded to samples).",
    _emit_allpass,
    params=(Param("in", 0.0, doc="input signal"),
            Param("delay", 0.01, 0.0, 10.0, "s", "delay time (up to max_delay)"),
            Param("gain", 0.5, -0.999, 0.999, "", "allpass coefficient")),
    state=(State("w", integer=True),),
    buffers=(Buffer("line", lambda ctx: ring_size(ctx.opt("max_delay"), ctx.sr)),),
    options=(Option("max_delay", 0.1, kind=float, doc="longest delay in seconds", lo=0.0, hi=60.0),),
    category="delays",
))
