"""Arithmetic nodes: constant, add, mul, mix, scale, offset.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> p.out(p.const(0.25) + p.const(0.5))
>>> float(p.render(frames=1)[0, 0])
0.75
"""

from __future__ import annotations

from neuromix.nodes._registry import NodeType, Param, register

IN = Param("in", 0.0, unit="", doc="input signal")


def _emit_const(ctx):
    return [f"{ctx.out()} = {ctx.p('value')}"]


def _emit_add(ctx):
    return [f"{ctx.out()} = " + (" + ".join(src for _, src, _ in ctx.ins) or "0.0")]


def _emit_mul(ctx):
    return [f"{ctx.out()} = " + (" * ".join(src for _, src, _ in ctx.ins) or "1.0")]


def _emit_mix(ctx):
    terms = [f"{w} * {src}" for _, src, w in ctx.ins]
    return [f"{ctx.out()} = " + (" + ".join(terms) or "0.0")]


register(NodeType("const", "A constant value (settable live by its address).", _emit_const,
                  params=(Param("value", 0.0, doc="the value"),), category="math"))
register(NodeType("add", "Sum of a list of signals.", _emit_add, inputs="list", category="math"))
register(NodeType("mul", "Product of a list of signals (ring modulation).", _emit_mul, inputs="list",
                  category="math"))
register(NodeType("mix", "Weighted sum of signals: a linear mixer (a neuron without activation).",
                  _emit_mix, inputs="weighted", category="math"))
register(NodeType("scale", "in × gain.", lambda ctx: [f"{ctx.out()} = {ctx.p('in')} * {ctx.p('gain')}"],
                  params=(IN, Param("gain", 1.0, doc="linear gain")), category="math"))
register(NodeType("offset", "in + amount.",
                  lambda ctx: [f"{ctx.out()} = {ctx.p('in')} + {ctx.p('amount')}"],
                  params=(IN, Param("amount", 0.0, doc="added to the input")), category="math"))
