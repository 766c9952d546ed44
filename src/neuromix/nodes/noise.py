"""Seeded noise: the same patch and seed give bit-identical output on every run.

The generator is xorshift32 held in an int64 (exact in Python and in numba). Each noise node
derives its own seed from the patch seed and its id, so adding a node elsewhere never changes
another node's noise.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(seed=7)
>>> p.out(p.noise())
>>> a, b = p.render(frames=64), p.render(frames=64)
>>> bool((a == b).all())
True
"""

from __future__ import annotations

import zlib

from neuromix.nodes._registry import NodeType, Option, State, register

MASK32 = 0xFFFFFFFF


def seed_for(patch_seed: int, node_id: str, salt: int = 0) -> int:
    """A non-zero 32-bit xorshift state from the patch seed and the node id (splitmix64 mix)."""
    z = (int(patch_seed) * 0x9E3779B97F4A7C15 + zlib.crc32(node_id.encode()) + salt) & (2**64 - 1)
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & (2**64 - 1)
    return ((z ^ (z >> 31)) & MASK32) or 1


def xorshift_lines(x: str) -> list[str]:
    """Per-sample lines that advance a xorshift32 state held in the int variable ``x``."""
    return [
        f"{x} ^= ({x} << 13) & {MASK32}",
        f"{x} ^= {x} >> 17",
        f"{x} ^= ({x} << 5) & {MASK32}",
    ]


def init_seed(ctx, salt: int = 0):
    """A node's generator state: from its own ``seed`` option, else the patch seed and its id."""
    seed = ctx.opt("seed")
    return seed_for(seed, "", salt) if seed is not None else seed_for(ctx.seed, ctx.node.id, salt)


def _emit_noise(ctx):
    x = ctx.s("x")
    return xorshift_lines(x) + [f"{ctx.out()} = {x} * {2.0 / 2**32!r} - 1.0"]


register(NodeType(
    "noise", "White noise, uniform in −1..1, seeded (xorshift32).", _emit_noise,
    state=(State("x", init_seed, integer=True),),
    options=(Option("seed", None, kind=int, doc="own seed (default: from the patch seed and id)"),),
    category="noise",
))
