"""Filters.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> p.out(p.onepole(p.const(1.0), cutoff=1000.0))
>>> y = p.render(frames=48000)
>>> round(float(y[-1]), 6)
1.0
"""

from __future__ import annotations

from neuromix.nodes._registry import NodeType, Param, State, register

IN = Param("in", 0.0, doc="input signal")


def _emit_onepole(ctx):
    y = ctx.s("y")
    fc = ctx.p("cutoff")
    coef = ctx.rate(f"1.0 - math.exp(-6.283185307179586 * min(max({fc}, 0.0), {ctx.sr / 2!r}) "
                    f"* {1.0 / ctx.sr!r})", "cutoff")
    return [
        f"{y} += {coef} * ({ctx.p('in')} - {y})",
        ctx.flush(y),
        f"{ctx.out()} = {y}",
    ]


register(NodeType(
    "onepole", "One-pole low-pass: y += (1 − e^(−2π·fc/sr))·(x − y).", _emit_onepole,
    params=(IN, Param("cutoff", 1000.0, 0.0, 24000.0, "Hz", "cutoff frequency")),
    state=(State("y"),), category="filters",
))
