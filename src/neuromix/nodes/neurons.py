"""The artificial neuron: a nonlinear mixer, ``out = act(bias + Σ wᵢ·xᵢ)``.

Weights and bias are parameters like any other (addresses ``a.bias``, ``a.w.<source>``), so
each can be set live or driven by a signal.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> a = p.neuron(act="hardclip", bias=0.5)
>>> a.input(p.const(2.0), 0.5)
>>> p.out(a)
>>> float(p.render(frames=1)[0, 0])
1.0
"""

from __future__ import annotations

from neuromix.nodes._registry import NodeType, Option, Param, register
from neuromix.nodes.activations import ACTIVATIONS


def _emit_neuron(ctx):
    act = ACTIVATIONS[ctx.opt("act")]
    u = ctx.tmp("u")
    terms = [ctx.p("bias")] + [f"{w} * {src}" for _, src, w in ctx.ins]
    return [f"{u} = " + " + ".join(terms), f"{ctx.out()} = {act.expr(u, ctx.exact)}"]


register(NodeType(
    "neuron", "Artificial neuron: weighted inputs plus bias through an activation function.",
    _emit_neuron,
    params=(Param("bias", 0.0, -100.0, 100.0, "", "added to the weighted sum"),),
    options=(Option("act", "tanh", tuple(ACTIVATIONS), doc="activation function"),),
    inputs="weighted", category="neurons",
))
