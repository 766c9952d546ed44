"""The ``granular`` node: a cloud of short grains cut from the recent past of its input.

The node records ``in`` into its own ring (``max_delay`` seconds long), so it works on any
signal: an oscillator, a neuron, a ``sample``, live input. Grains start at ``density`` per
second: an onset phase grows by density/sr each sample and a grain starts when it reaches a
threshold, 1 with ``jitter`` 0 (onsets sr/density samples apart, rounded up, the first at
sample 0), else 1 + jitter·u with u uniform in −1..1, drawn at each onset. A grain's settings are taken
at its onset and kept for its life:

- ``size`` seconds long (at least one sample, at most what the ring holds),
- starting ``position`` + ``spread``·u seconds back from now (u uniform in 0..1), clamped so
  that it never reads ahead of what was recorded nor behind what the ring still holds,
- read at ``pitch`` times the speed it was recorded (2 an octave up, −1 backwards; clamped to
  ±16), linearly interpolated,
- shaped by the ``window`` (hann, triangle or tukey with a flat middle half; a 1024-point
  table read linearly),
- panned by ``stereo``·u (u uniform in −1..1) with equal-power gains
  ``left = cos((pan + 1)·π/4)``, ``right = sin((pan + 1)·π/4)``: a centred grain gives 0.707
  to each side.

At most ``max_grains`` sound at once: an onset beyond that is skipped. The outputs are
``left`` (the main one), ``right`` and ``grains`` (how many sound at this sample). The
randomness is xorshift32 seeded from the patch seed and the node's id (or its own ``seed``):
the same patch gives the same cloud on every run, and, as for noise, in every lane.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=1000)
>>> g = p.granular(p.const(1.0), density=10, size=0.05, position=0.01, window="triangle")
>>> p.out([g, g.port("grains")])
>>> y = p.render(frames=200)
>>> [int(v) for v in y[[0, 49, 50, 100], 1]]
[1, 1, 0, 1]
"""

from __future__ import annotations

import math

from neuromix.nodes._common import IN, SEED, node_seed
from neuromix.nodes._registry import Buffer, NodeType, Option, Param, State, register
from neuromix.nodes.delays import ring_size
from neuromix.nodes.noise import xorshift_lines

WINDOWS = ("hann", "triangle", "tukey")
WINDOW_POINTS = 1024
MAX_GRAINS = 4096
MAX_PITCH = 16.0
FIELDS = 7  # per grain: read position, step, window position, samples left, window step,
#             left gain, right gain
QUARTER_PI = math.pi / 4
ONSET_EPS = 1e-9  # an onset phase this close to its threshold fires (absorbs rounding drift)


def window_table(shape: str, points: int = WINDOW_POINTS) -> list[float]:
    """``points + 1`` values of a window over 0..1 (periodic: the last equals the first).

    Examples
    --------
    >>> [round(v, 3) for v in window_table("triangle", 4)]
    [0.0, 0.5, 1.0, 0.5, 0.0]
    >>> [round(v, 3) for v in window_table("tukey", 8)]
    [0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0]
    """
    values = []
    for k in range(points + 1):
        t = k / points
        if shape == "hann":
            v = 0.5 - 0.5 * math.cos(2 * math.pi * t)
        elif shape == "triangle":
            v = 1.0 - abs(2.0 * t - 1.0)
        else:  # tukey, alpha 0.5: cosine tapers over the first and last quarter
            edge = min(t, 1.0 - t)
            v = 1.0 if edge >= 0.25 else 0.5 - 0.5 * math.cos(4 * math.pi * edge)
        values.append(v)
    return values


def _ring(ctx) -> int:
    return ring_size(ctx.opt("max_delay"), ctx.sr)


def _uniform(ctx, rng: str, u: str) -> list[str]:
    """Lines drawing ``u`` uniform in −1..1 from the xorshift state ``rng``."""
    return xorshift_lines(rng) + [f"{u} = {rng} * {2.0 / 2**32!r} - 1.0"]


def _emit_granular(ctx):
    ring, size = _ring(ctx), ctx.opt("max_grains")
    mask = ring - 1
    w, cnt, ph, thr, rng = (ctx.s(x) for x in ("w", "cnt", "ph", "thr", "x"))
    left, right = ctx.out("left"), ctx.out("right")

    def g(index: str, field: int) -> str:
        return ctx.at("grains", f"{index} + {field}")

    def win(idx: str) -> str:
        return ctx.lookup(window_table(ctx.opt("window")), idx)

    u, p, n, back, lo, hi, rd, th, b, last = (ctx.tmp(x) for x in (
        "u", "p", "n", "back", "lo", "hi", "rd", "th", "b", "last"))
    j, k, f, s, t, q, wf, rest = (ctx.tmp(x) for x in (
        "j", "k", "f", "s", "t", "q", "wf", "rest"))
    jitter = f"min(max({ctx.p('jitter')}, 0.0), 1.0)"
    lines = [
        f"if {ph} >= {thr} - {ONSET_EPS!r}:",  # an onset
        f"    {ph} -= {thr}",
        *("    " + line for line in _uniform(ctx, rng, u)),
        f"    {thr} = 1.0 + {jitter} * {u}",
        f"    if {cnt} < {size}:",
        f"        {p} = min(max({ctx.p('pitch')}, {-MAX_PITCH!r}), {MAX_PITCH!r})",
        f"        {n} = float(int(min(max({ctx.p('size')} * {ctx.sr!r}, 1.0), "
        f"{float(ring - 8)!r}) + 0.5))",
        f"        if abs({p} - 1.0) * {n} > {float(ring - 8)!r}:",  # its travel must fit the ring
        f"            {n} = max(math.floor({float(ring - 8)!r} / abs({p} - 1.0)), 1.0)",
        *("        " + line for line in _uniform(ctx, rng, u)),
        f"        {back} = ({ctx.p('position')} + {ctx.p('spread')} * 0.5 * ({u} + 1.0)) "
        f"* {ctx.sr!r}",
        f"        {lo} = 2.0 + max(0.0, ({p} - 1.0) * {n})",
        f"        {hi} = {float(ring - 2)!r} + min(0.0, ({p} - 1.0) * {n})",
        f"        {back} = min(max({back}, {lo}), {hi})",
        f"        {rd} = {w} - {back}",
        f"        if {rd} < 0.0:",
        f"            {rd} += {float(ring)!r}",
        *("        " + line for line in _uniform(ctx, rng, u)),
        f"        {th} = (min(max({ctx.p('stereo')}, 0.0), 1.0) * {u} + 1.0) * {QUARTER_PI!r}",
        f"        {b} = {cnt} * {FIELDS}",
        f"        {g(b, 0)} = {rd}",
        f"        {g(b, 1)} = {p}",
        f"        {g(b, 2)} = 0.0",
        f"        {g(b, 3)} = {n}",
        f"        {g(b, 4)} = {float(WINDOW_POINTS)!r} / {n}",
        f"        {g(b, 5)} = math.cos({th})",
        f"        {g(b, 6)} = math.sin({th})",
        f"        {cnt} += 1",
        f"{ph} = min({ph} + max({ctx.p('density')}, 0.0) * {1.0 / ctx.sr!r}, 4.0)",
        f"{ctx.out('grains')} = float({cnt})",
        f"{left} = 0.0",
        f"{right} = 0.0",
        f"{j} = 0",
        f"while {j} < {cnt}:",  # every sounding grain: read, window, pan, move on
        f"    {b} = {j} * {FIELDS}",
        f"    {rd} = {g(b, 0)}",
        f"    {k} = int({rd})",
        f"    {f} = {rd} - {k}",
        f"    {s} = {ctx.at('ring', f'{k} & {mask}')}",
        f"    {s} += {f} * ({ctx.at('ring', f'({k} + 1) & {mask}')} - {s})",
        f"    {t} = {g(b, 2)}",
        f"    {q} = min(int({t}), {WINDOW_POINTS - 1})",
        f"    {wf} = {win(q)}",
        f"    {s} *= {wf} + ({t} - {q}) * ({win(f'{q} + 1')} - {wf})",
        f"    {left} += {s} * {g(b, 5)}",
        f"    {right} += {s} * {g(b, 6)}",
        f"    {rd} += {g(b, 1)}",
        f"    if {rd} >= {float(ring)!r}:",
        f"        {rd} -= {float(ring)!r}",
        f"    elif {rd} < 0.0:",
        f"        {rd} += {float(ring)!r}",
        f"    {rest} = {g(b, 3)} - 1.0",
        f"    if {rest} > 0.0:",
        f"        {g(b, 0)} = {rd}",
        f"        {g(b, 2)} = {t} + {g(b, 4)}",
        f"        {g(b, 3)} = {rest}",
        f"        {j} += 1",
        "    else:",  # done: the last grain takes its place
        f"        {cnt} -= 1",
        f"        {last} = {cnt} * {FIELDS}",
        *(f"        {g(b, field)} = {g(last, field)}" for field in range(FIELDS)),
        f"{ctx.at('ring', w)} = {ctx.p('in')}",
        f"{w} = ({w} + 1) & {mask}",
    ]
    return lines


register(NodeType(
    "granular",
    "Granular cloud: records `in` into a ring and plays up to `max_grains` overlapping grains "
    "from it, `density` per second (`jitter` randomises onsets), each `size` seconds long, "
    "from `position` + random `spread` seconds back, at `pitch`, shaped by a `window`, panned "
    "by random `stereo`. Outputs `left`, `right` and `grains` (how many sound). Seeded.",
    _emit_granular,
    params=(IN,
            Param("density", 10.0, 0.0, 48000.0, "1/s", "grains started per second"),
            Param("size", 0.1, 0.0, 60.0, "s", "length of a grain"),
            Param("position", 0.1, 0.0, 60.0, "s", "how far back in the ring a grain starts"),
            Param("spread", 0.0, 0.0, 60.0, "s", "random extra distance back, 0..spread"),
            Param("pitch", 1.0, -MAX_PITCH, MAX_PITCH, "ratio", "playback speed of a grain "
                                                                "(−: backwards)"),
            Param("jitter", 0.0, 0.0, 1.0, "", "randomness of onset times (0: periodic)"),
            Param("stereo", 0.0, 0.0, 1.0, "", "random pan width (0: centre, 1: hard L/R)")),
    outputs=("left", "right", "grains"),
    state=(State("w", integer=True), State("cnt", integer=True), State("ph", 1.0),
           State("thr", 1.0), State("x", node_seed, integer=True)),
    buffers=(Buffer("ring", _ring), Buffer("grains", lambda ctx: ctx.opt("max_grains") * FIELDS)),
    options=(Option("window", "hann", WINDOWS, doc="grain envelope (tukey: flat middle half)"),
             Option("max_grains", 128, kind=int, lo=1, hi=MAX_GRAINS,
                    doc=f"most grains sounding at once (1 to {MAX_GRAINS}); more are skipped"),
             Option("max_delay", 2.0, kind=float, lo=0.01, hi=60.0,
                    doc="seconds of input the ring keeps (position + spread reach this far)"),
             SEED),
    category="sampling",
))
