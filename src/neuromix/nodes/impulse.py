"""A single impulse: 1 at the first sample after a reset, 0 after.

Weighted into neurons, it sets their state at the start of a render: a saved reservoir uses
it to begin where its training left off.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> p.out(p.impulse())
>>> p.render(frames=3)[:, 0].tolist()
[1.0, 0.0, 0.0]
"""

from __future__ import annotations

from neuromix.nodes._registry import NodeType, State, register


def _emit_impulse(ctx):
    done = ctx.s("done")
    return [f"{ctx.out()} = 1.0 if {done} < 0.5 else 0.0", f"{done} = 1.0"]


register(NodeType(
    "impulse", "1 at the first sample after a reset, 0 after: sets a start state through weights.",
    _emit_impulse, state=(State("done", 0.0),), category="control",
))
