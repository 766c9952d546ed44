"""Nonlinear shapers.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> p.out(p.comparator(p.const(0.3), threshold=0.2))
>>> float(p.render(frames=1)[0])
1.0
"""

from __future__ import annotations

from neuromix.nodes._registry import NodeType, Param, register


def _emit_comparator(ctx):
    return [f"{ctx.out()} = 1.0 if {ctx.p('in')} > {ctx.p('threshold')} else -1.0"]


register(NodeType(
    "comparator", "Comparator: +1 when in > threshold, else −1.", _emit_comparator,
    params=(Param("in", 0.0, doc="input signal"), Param("threshold", 0.0, doc="switching level")),
    category="shapers",
))
