"""The Nonlinear Circuits neuron, as its own node: ``nlc_neuron``.

Andrew Fitch's Neuron module mixes its inputs, adds *sense* (a positive DC offset), half-wave
rectifies the sum and adds a comparator whose swing is set by *response*. This node follows
the published software clone (the VCV Rack port by Michael Hetrick):

    r   = clamp(Σ wᵢ·xᵢ + sense, 0, 10)
    out = r − response   when r > 0
    out = +response      otherwise

Levels are in the module's volts (out spans −10..+10): scale by 0.1 for audio. The knob ranges
are the hardware's: sense 0–5, response 1–10. Three in a ring, each fed by the one before
(and one by an oscillator), is the GENiE patch; see ``examples/nlc_genie.yaml``.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> n = p.nlc_neuron(sense=1.0, response=2.0, inputs={p.const(3.0): 1.0})
>>> p.out(n)
>>> float(p.render(frames=1)[0, 0])   # r = 4 > 0, so 4 − 2
2.0
"""

from __future__ import annotations

from neuromix.nodes._registry import NodeType, Param, register


def _emit_nlc_neuron(ctx):
    r = ctx.tmp("r")
    terms = [ctx.p("sense")] + [f"{w} * {src}" for _, src, w in ctx.ins]
    return [
        f"{r} = min(max({' + '.join(terms)}, 0.0), 10.0)",
        f"{ctx.out()} = {r} - {ctx.p('response')} if {r} > 0.0 else {ctx.p('response')}",
    ]


register(NodeType(
    "nlc_neuron",
    "Nonlinear Circuits neuron: r = clamp(Σ w·x + sense, 0, 10); out = r − response when "
    "r > 0, else +response (the VCV Rack clone's behaviour; levels in volts).",
    _emit_nlc_neuron,
    params=(Param("sense", 0.0, 0.0, 5.0, "V", "DC added to the summed inputs"),
            Param("response", 1.0, 1.0, 10.0, "V", "swing of the built-in comparator")),
    inputs="weighted", category="neurons",
))
