"""Nodes that bring values from outside the patch into it.

``input`` is a named value set from outside, block by block, through its address
``<id>.value`` (``CompiledPatch.set("x.value", 0.3)``). The instrument loop uses one per
controller input (mouse X, a joystick axis, a MIDI CC, an OSC value), so a whole instrument's
network stays one compiled patch run at control rate.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=200)
>>> x = p.input(name="x")
>>> p.out(p.neuron(act="identity", inputs={x: 2.0}))
>>> c = p.compile()
>>> c.set("x.value", 0.25)
>>> float(c.process(1)[0, 0])
0.5
"""

from __future__ import annotations

from neuromix.nodes._registry import NodeType, Param, register


def _emit_input(ctx):
    return [f"{ctx.out()} = {ctx.p('value')}"]


register(NodeType(
    "input", "A value set from outside the patch (a controller, MIDI, OSC) by its address "
             "'<id>.value'; an instrument sets one per input every control tick.",
    _emit_input,
    params=(Param("value", 0.0, doc="the current value, set from outside"),),
    category="io",
))
