"""Code-fragment helpers shared by the shaper, control, chaos and voice nodes.

A *trigger* everywhere in neuromix is a rising edge through zero: the input was ≤ 0 at the
previous sample and is > 0 now. A clock's one-sample trigger, a gate going high, a comparator
switching from −1 to +1 and a sine crossing zero upwards all fire it.

Examples
--------
>>> TRIG.name, TRIG.default
('trig', 0.0)
"""

from __future__ import annotations

import math

from neuromix.errors import PatchError
from neuromix.nodes._registry import Option, Param, State
from neuromix.nodes.noise import seed_for

TWO_PI = "6.283185307179586"
IN = Param("in", 0.0, doc="input signal")
TRIG = Param("trig", 0.0, doc="trigger: fires when it rises from ≤ 0 to > 0")
PREV = State("prev")  # the trigger input at the previous sample
SEED = Option("seed", None, kind=int, doc="own seed (default: from the patch seed and id)")


def node_seed(ctx, salt: int = 0) -> int:
    """The node's xorshift seed: from its ``seed`` option, else from the patch seed and its id."""
    seed = ctx.opt("seed")
    return seed_for(ctx.seed if seed is None else seed, ctx.node.id, salt)


def rising(ctx, signal: str, prev: str = "prev") -> tuple[str, list[str]]:
    """Lines that set a fresh boolean to True on a rising edge of ``signal``; (name, lines)."""
    last, x, edge = ctx.s(prev), ctx.tmp("x"), ctx.tmp("edge")
    return edge, [f"{x} = {signal}", f"{edge} = {last} <= 0.0 and {x} > 0.0", f"{last} = {x}"]


def sin2pi(ctx, t: str) -> str:
    """``sin(2π·t)``: libm in exact mode, else the fast approximation (``compiler/approx.py``)."""
    return f"math.sin({TWO_PI} * {t})" if ctx.exact else f"approx.sin2pi({t})"


def sin(ctx, x: str) -> str:
    """``sin(x)``: libm in exact mode, else the fast approximation."""
    return f"math.sin({x})" if ctx.exact else f"approx.sin({x})"


def cos(ctx, x: str) -> str:
    """``cos(x)``: libm in exact mode, else the fast approximation."""
    return f"math.cos({x})" if ctx.exact else f"approx.cos({x})"


def fold_lines(ctx, x: str, y: str) -> list[str]:
    """Lines folding ``x`` back and forth into −1..1 (a triangle fold: identity inside) into ``y``."""
    t = ctx.tmp("fold")
    return [f"{t} = ({x} + 1.0) * 0.25", f"{t} -= math.floor({t})", f"{y} = 1.0 - 4.0 * abs({t} - 0.5)"]


def samples(ctx, seconds: str, *params: str) -> str:
    """A duration in whole samples (at least 1), per block when ``params`` are constant."""
    return ctx.rate(f"max(int(round({seconds} * {ctx.sr!r})), 1)", *params)


def number_list(ctx, option: str, *, min_len: int = 1, max_len: int = 4096) -> list[float]:
    """A list option as floats, or a PatchError naming the node and option."""
    value = ctx.opt(option)
    ok = isinstance(value, (list, tuple)) and min_len <= len(value) <= max_len and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        for v in value)
    if not ok:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise PatchError(f"{option} must be a list of {min_len} to {max_len} finite numbers, "
                         f"not {shown}", node=ctx.node.id, field=option)
    return [float(v) for v in value]


def select_lines(index: str, leaves: list[list[str]], lo: int = 0, depth: int = 0) -> list[str]:
    """Lines running ``leaves[index]`` (each a list of lines) by a balanced if/else tree."""
    pad = "    " * depth
    if len(leaves) == 1:
        return [pad + line for line in leaves[0]]
    half = len(leaves) // 2
    return ([f"{pad}if {index} < {lo + half}:"]
            + select_lines(index, leaves[:half], lo, depth + 1)
            + [f"{pad}else:"]
            + select_lines(index, leaves[half:], lo + half, depth + 1))
