"""Reverbs: a dispersive spring and a Schroeder–Moorer (Freeverb-style) room.

Both set their feedback gains from the decay time: a loop of ``D`` samples (counting the
damping low-pass's own delay) feeding back with ``g = 10^(−3·D / (decay·sr))`` falls by 60 dB in
``decay`` seconds at low frequencies; the ``damping`` low-pass in each loop shortens the highs,
and the reverb is heard after it, so the broadband RT60 stays within about 12% of ``decay``.
Input gains are ``√(1 − g²)``, so a steady noise keeps about its level through the reverb
whatever the decay. ``mix`` crossfades from the dry input (0) to the reverb alone (1). Every
parameter may be a signal.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> hit = p.ping(p.square(2.0), freq=800.0, decay=0.05)
>>> p.out(p.spring(hit, decay=2.0, mix=0.4), p.room(hit, decay=1.5, mix=0.3))
>>> p.render(seconds=0.1).shape
(4800, 2)
"""

from __future__ import annotations

from neuromix.nodes._common import IN
from neuromix.nodes._dsp import INTERPOLATIONS, derived, read_delay
from neuromix.nodes._registry import Buffer, NodeType, Option, Param, State, register
from neuromix.nodes.delays import ring_size

DECAY = Param("decay", 2.0, 0.01, 60.0, "s", "time for the tail to fall by 60 dB (RT60)")
DAMPING = Param("damping", 0.3, 0.0, 0.99, "", "one-pole low-pass in the loop (0: none)")


def _mix(ctx, x: str, wet: str) -> str:
    return f"{ctx.out()} = {x} + min(max({ctx.p('mix')}, 0.0), 1.0) * ({wet} - {x})"


def _damping(ctx) -> str:
    return f"min(max({ctx.p('damping')}, 0.0), 0.99)"


def _decay(ctx) -> str:
    return f"max({ctx.p('decay')}, 0.01)"


# -- room ----------------------------------------------------------------------------------
COMBS = (1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617)  # Freeverb's tunings at 44.1 kHz
ALLPASSES = (556, 441, 341, 225)
TUNED_SR = 44100.0
SIZES = (0.1, 2.0)  # the range of the size parameter


def _segment(longest: int, sr: float) -> int:
    return ring_size(longest * SIZES[1] / TUNED_SR, sr)


def _emit_room(ctx):
    x, lines = ctx.p("in"), []
    wc, wa = ctx.s("wc"), ctx.s("wa")
    seg_c, seg_a = _segment(max(COMBS), ctx.sr), _segment(max(ALLPASSES), ctx.sr)
    scale = derived(ctx, lines, "scale", f"min(max({ctx.p('size')}, {SIZES[0]!r}), {SIZES[1]!r})"
                                         f" * {ctx.sr / TUNED_SR!r}", "size")
    damp = derived(ctx, lines, "damp", _damping(ctx), "damping")
    lag = derived(ctx, lines, "lag", f"{damp} / (1.0 - {damp})", "damping")  # damping's delay
    per_sample = []
    acc = ctx.tmp("acc")
    per_sample.append(f"{acc} = 0.0")
    for i, tuning in enumerate(COMBS):
        d = derived(ctx, lines, "d", f"min(max(int(round({tuning} * {scale})), 1), {seg_c - 1})",
                    "size")
        g = derived(ctx, lines, "g", f"10.0 ** (-3.0 * ({d} + {lag}) / ({_decay(ctx)} * "
                                     f"{ctx.sr!r}))", "size", "decay", "damping")
        gin = derived(ctx, lines, "gin", f"math.sqrt((1.0 - {g} * {g}) / {len(COMBS)})",
                      "size", "decay", "damping")
        lp, tap = ctx.s(f"lp{i}"), ctx.tmp("tap")
        per_sample += [
            f"{tap} = {ctx.at('combs', f'{i * seg_c} + (({wc} - {d}) & {seg_c - 1})')}",
            f"{lp} = {tap} + {damp} * ({lp} - {tap})",
            ctx.flush(lp),
            f"{ctx.at('combs', f'{i * seg_c} + {wc}')} = {gin} * {x} + {g} * {lp}",
            f"{acc} += {lp}",
        ]
    per_sample.append(f"{wc} = ({wc} + 1) & {seg_c - 1}")
    for j, tuning in enumerate(ALLPASSES):
        d = derived(ctx, lines, "ad", f"min(max(int(round({tuning} * {scale})), 1), {seg_a - 1})",
                    "size")
        tap, v = ctx.tmp("atap"), ctx.tmp("v")
        per_sample += [
            f"{tap} = {ctx.at('allpasses', f'{j * seg_a} + (({wa} - {d}) & {seg_a - 1})')}",
            f"{v} = {acc} + 0.5 * {tap}",
            ctx.flush(v),
            f"{ctx.at('allpasses', f'{j * seg_a} + {wa}')} = {v}",
            f"{acc} = {tap} - 0.5 * {v}",
        ]
    per_sample.append(f"{wa} = ({wa} + 1) & {seg_a - 1}")
    return lines + per_sample + [_mix(ctx, x, acc)]


register(NodeType(
    "room", "Room reverb (Schroeder–Moorer, Freeverb's tunings): eight damped feedback combs in "
            "parallel into four allpasses in series; feedback set from the decay time.",
    _emit_room,
    params=(IN, DECAY,
            Param("size", 1.0, SIZES[0], SIZES[1], "", "scales every delay (1: Freeverb's)"),
            DAMPING,
            Param("mix", 0.3, 0.0, 1.0, "", "0: dry only, 1: reverb only")),
    state=(State("wc", integer=True), State("wa", integer=True),
           *(State(f"lp{i}") for i in range(len(COMBS)))),
    buffers=(Buffer("combs", lambda ctx: len(COMBS) * _segment(max(COMBS), ctx.sr)),
             Buffer("allpasses", lambda ctx: len(ALLPASSES) * _segment(max(ALLPASSES), ctx.sr))),
    category="reverbs",
))

# -- spring --------------------------------------------------------------------------------
TRANSITION = 4000.0  # Hz: the chirps rise in frequency up to here, as a spring's do
STRETCH_MAX_A = 0.85  # the allpass coefficient at dispersion 1


def _stretch(sr: float) -> int:
    """K of the stretched allpasses A(z^K): their group delay peaks at sr / (2K) ≈ TRANSITION."""
    return max(1, round(sr / (2.0 * TRANSITION)))


def _chain_segment(sr: float) -> int:
    return 1 << _stretch(sr).bit_length()


def _emit_spring(ctx):
    x, lines = ctx.p("in"), []
    w, wc, lp = ctx.s("w"), ctx.s("wc"), ctx.s("lp")
    stages, k, seg = int(ctx.opt("stages")), _stretch(ctx.sr), _chain_segment(ctx.sr)
    coef = derived(ctx, lines, "a", f"{STRETCH_MAX_A} * min(max({ctx.p('dispersion')}, 0.0), 1.0)",
                   "dispersion")
    damp = derived(ctx, lines, "damp", _damping(ctx), "damping")
    # group delays at DC: the chain's K·(1 − a)/(1 + a) per stage, the damping's d/(1 − d)
    fixed = derived(ctx, lines, "fixed", f"{stages * k} * (1.0 - {coef}) / (1.0 + {coef}) + "
                                         f"{damp} / (1.0 - {damp})", "dispersion", "damping")
    hi = ctx.size("line") - 3
    line = derived(ctx, lines, "line", f"min(max({ctx.p('length')} * {ctx.sr!r} - {fixed}, 1.0),"
                                       f" {float(hi)!r})", "length", "dispersion", "damping")
    g = derived(ctx, lines, "g", f"10.0 ** (-3.0 * ({line} + {fixed}) / ({_decay(ctx)} * "
                                 f"{ctx.sr!r}))", "length", "dispersion", "damping", "decay")
    gin = derived(ctx, lines, "gin", f"math.sqrt(1.0 - {g} * {g})",
                  "length", "dispersion", "damping", "decay")
    sig = read_delay(ctx, lines, "line", w, line, ctx.opt("interp"),
                     "length", "dispersion", "damping")
    j, old, v, fb = ctx.tmp("j"), ctx.tmp("old"), ctx.tmp("v"), ctx.tmp("fb")
    at_old = ctx.at("chain", f"{j} * {seg} + (({wc} - {k}) & {seg - 1})")
    return lines + [
        f"for {j} in range({stages}):",
        f"    {old} = {at_old}",
        f"    {v} = {sig} - {coef} * {old}",
        "    " + ctx.flush(v),
        f"    {ctx.at('chain', f'{j} * {seg} + {wc}')} = {v}",
        f"    {sig} = {coef} * {v} + {old}",
        f"{wc} = ({wc} + 1) & {seg - 1}",
        f"{lp} = {sig} + {damp} * ({lp} - {sig})",
        ctx.flush(lp),
        f"{fb} = {gin} * {x} + {g} * {lp}",
        f"{ctx.at('line', w)} = {fb}",
        f"{w} = ({w} + 1) & {ctx.size('line') - 1}",
        _mix(ctx, x, lp),
    ]


register(NodeType(
    "spring", "Spring reverb (a dispersive model): a feedback delay through a chain of stretched "
              "allpasses, which turn every echo into a chirp, and a damping low-pass.",
    _emit_spring,
    params=(IN,
            Param("length", 0.05, 0.001, 1.0, "s", "round trip of the spring (echo spacing)"),
            DECAY, DAMPING,
            Param("dispersion", 0.6, 0.0, 1.0, "", "how much each echo is smeared into a chirp"),
            Param("mix", 0.5, 0.0, 1.0, "", "0: dry only, 1: reverb only")),
    state=(State("w", integer=True), State("wc", integer=True), State("lp")),
    buffers=(Buffer("line", lambda ctx: ring_size(ctx.opt("max_length"), ctx.sr)),
             Buffer("chain", lambda ctx: int(ctx.opt("stages")) * _chain_segment(ctx.sr))),
    options=(Option("stages", 16, kind=int, doc="allpass stages in the chain (more: longer "
                                                "chirps, more work)", lo=1, hi=64),
             Option("interp", "none", INTERPOLATIONS,
                    doc="delay-line interpolation: none (whole samples: no loss of highs), or "
                        "linear / hermite for a smoothly modulated length"),
             Option("max_length", 0.25, kind=float, doc="longest length in seconds",
                    lo=0.0, hi=10.0)),
    category="reverbs",
))
