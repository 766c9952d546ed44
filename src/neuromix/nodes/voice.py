"""Synth voice parts: VCA, pan, MIDI-to-Hz, a morphing oscillator, and three drum voices.

The drums (``kick``, ``snare``, ``hihat``) are silent until their ``trig`` input rises
through zero; each strike restarts the sound. Patch a clock's ``trig`` or a sequencer's
``trig`` into them.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> p.out(p.mtof(p.const(69.0)))
>>> round(float(p.render(frames=1)[0, 0]), 9)
440.0
"""

from __future__ import annotations

from neuromix.nodes._common import (IN, PREV, SEED, TRIG, cos, fold_lines, node_seed, rising, sin,
                                   sin2pi)
from neuromix.nodes._registry import NodeType, Param, State, register
from neuromix.nodes.noise import xorshift_lines

LN2 = 0.6931471805599453

def _decay_coef(ctx, param: str) -> str:
    """Per-sample multiplier of an exponential decay with time constant ``param`` seconds."""
    return ctx.rate(f"math.exp(-1.0 / (max({ctx.p(param)}, 1e-6) * {ctx.sr!r}))", param)


def _lowpass_coef(ctx, hz: str, *params: str) -> str:
    return ctx.rate(f"1.0 - math.exp(-6.283185307179586 * min(max({hz}, 0.0), {ctx.sr / 2!r}) "
                    f"* {1.0 / ctx.sr!r})", *params)


register(NodeType(
    "vca", "Voltage-controlled amplifier: in × max(cv, 0) (a negative cv closes it).",
    lambda ctx: [f"{ctx.out()} = {ctx.p('in')} * max({ctx.p('cv')}, 0.0)"],
    params=(IN, Param("cv", 1.0, doc="gain; an envelope here shapes the note")),
    category="voice",
))


def _emit_pan(ctx):
    angle, x = ctx.tmp("angle"), ctx.tmp("x")
    return [
        f"{x} = {ctx.p('in')}",
        f"{angle} = (min(max({ctx.p('pos')}, -1.0), 1.0) + 1.0) * 0.7853981633974483",
        f"{ctx.out('left')} = {x} * {cos(ctx, angle)}",
        f"{ctx.out('right')} = {x} * {sin(ctx, angle)}",
    ]


register(NodeType(
    "pan", "Equal-power panner: pos −1 (left) .. 0 (centre, both × √½) .. +1 (right).", _emit_pan,
    params=(IN, Param("pos", 0.0, -1.0, 1.0, "", "stereo position")),
    outputs=("left", "right"), category="voice",
))

register(NodeType(
    "mtof", "MIDI note number to frequency: 440·2^((in − 69)/12) Hz.",
    lambda ctx: [f"{ctx.out()} = 440.0 * math.exp(({ctx.p('in')} - 69.0) * {LN2 / 12.0!r})"],
    params=(Param("in", 69.0, doc="MIDI note number (fractions are microtones)"),),
    category="voice",
))


def _emit_morph(ctx):
    ph, y, m, seg, f = ctx.s("phase"), ctx.out(), ctx.tmp("m"), ctx.tmp("seg"), ctx.tmp("f")
    a, b, t, folded = ctx.tmp("a"), ctx.tmp("b"), ctx.tmp("t"), ctx.tmp("folded")
    sine = sin2pi(ctx, ph)
    tri = [f"{t} = {ph} + 0.25", f"{t} -= math.floor({t})"]
    tri_val = f"1.0 - 4.0 * abs({t} - 0.5)"
    saw = f"2.0 * ({ph} + 0.5 - math.floor({ph} + 0.5)) - 1.0"
    square = f"1.0 if {ph} < 0.5 else -1.0"
    return [
        f"{m} = min(max({ctx.p('morph')}, 0.0), 1.0) * 3.0",
        f"{seg} = min(int({m}), 2)",
        f"{f} = {m} - {seg}",
        *tri,
        f"if {seg} == 0:",
        f"    {a} = {sine}",
        f"    {b} = {tri_val}",
        f"elif {seg} == 1:",
        f"    {a} = {tri_val}",
        f"    {b} = {saw}",
        "else:",
        f"    {a} = {saw}",
        f"    {b} = {square}",
        f"{folded} = ({a} + ({b} - {a}) * {f}) * (1.0 + 4.0 * max({ctx.p('timbre')}, 0.0))",
        *fold_lines(ctx, folded, y),
        f"{ph} += {ctx.p('freq')} * {1.0 / ctx.sr!r}",
        f"{ph} -= math.floor({ph})",
    ]


register(NodeType(
    "morph",
    "Morphing oscillator: morph 0 → ⅓ → ⅔ → 1 crossfades sine → triangle → saw → square, all "
    "aligned to the sine (rising through 0 at phase 0); timbre 0..1 drives a wavefolder "
    "(gain 1 + 4·timbre, identity at 0).",
    _emit_morph,
    params=(Param("freq", 110.0, -24000.0, 24000.0, "Hz", "frequency"),
            Param("morph", 0.0, 0.0, 1.0, "", "waveform: sine, tri, saw, square"),
            Param("timbre", 0.0, 0.0, 10.0, "", "wavefolding amount")),
    state=(State("phase"),), category="voice",
))


def _emit_kick(ctx):
    ph, env, penv, y = ctx.s("phase"), ctx.s("env"), ctx.s("penv"), ctx.out()
    depth = ctx.rate(f"math.exp({ctx.p('sweep')} * {LN2!r}) - 1.0", "sweep")
    edge, lines = rising(ctx, ctx.p("trig"))
    return lines + [
        f"if {edge}:",
        f"    {ph} = 0.0",
        f"    {env} = 1.0",
        f"    {penv} = 1.0",
        f"{y} = {env} * {sin2pi(ctx, ph)}",
        f"{ph} += {ctx.p('freq')} * (1.0 + {depth} * {penv}) * {1.0 / ctx.sr!r}",
        f"{ph} -= math.floor({ph})",
        f"{env} *= {_decay_coef(ctx, 'decay')}",
        f"{penv} *= {_decay_coef(ctx, 'sweep_time')}",
        ctx.flush(env),
        ctx.flush(penv),
    ]


register(NodeType(
    "kick",
    "Kick drum: a sine whose frequency starts `sweep` octaves above `freq` and decays to it "
    "exponentially in Hz (time constant `sweep_time`), under an exponential loudness decay; "
    "restarts at phase 0 on each trigger.",
    _emit_kick,
    params=(TRIG, Param("freq", 50.0, 0.0, 2000.0, "Hz", "pitch the sweep settles to"),
            Param("sweep", 2.0, 0.0, 8.0, "octaves", "start of the pitch sweep above freq"),
            Param("sweep_time", 0.03, 0.0, 10.0, "s", "time constant of the pitch sweep"),
            Param("decay", 0.4, 0.0, 10.0, "s", "time constant of the loudness")),
    state=(PREV, State("phase"), State("env"), State("penv")), category="drums",
))


def _emit_snare(ctx):
    ph, tenv, nenv, lp, rng = ctx.s("phase"), ctx.s("tenv"), ctx.s("nenv"), ctx.s("lp"), ctx.s("x")
    noise, snappy = ctx.tmp("noise"), ctx.tmp("snappy")
    edge, lines = rising(ctx, ctx.p("trig"))
    coef = _lowpass_coef(ctx, "1500.0")
    return lines + xorshift_lines(rng) + [
        f"{noise} = {rng} * {2.0 / 2**32!r} - 1.0",
        f"{lp} += {coef} * ({noise} - {lp})",
        f"if {edge}:",
        f"    {ph} = 0.0",
        f"    {tenv} = 1.0",
        f"    {nenv} = 1.0",
        f"{snappy} = min(max({ctx.p('snappy')}, 0.0), 1.0)",
        f"{ctx.out()} = (1.0 - {snappy}) * {tenv} * {sin2pi(ctx, ph)} "
        f"+ {snappy} * {nenv} * ({noise} - {lp})",
        f"{ph} += {ctx.p('freq')} * {1.0 / ctx.sr!r}",
        f"{ph} -= math.floor({ph})",
        f"{tenv} *= {_decay_coef(ctx, 'tone_decay')}",
        f"{nenv} *= {_decay_coef(ctx, 'decay')}",
        ctx.flush(tenv),
        ctx.flush(nenv),
        ctx.flush(lp),
    ]


register(NodeType(
    "snare",
    "Snare drum: a sine body (`freq`, `tone_decay`) mixed with seeded noise high-passed at "
    "1.5 kHz (`decay`); `snappy` sets the share of noise.",
    _emit_snare,
    params=(TRIG, Param("freq", 180.0, 0.0, 5000.0, "Hz", "pitch of the body"),
            Param("tone_decay", 0.08, 0.0, 10.0, "s", "time constant of the body"),
            Param("decay", 0.15, 0.0, 10.0, "s", "time constant of the noise"),
            Param("snappy", 0.6, 0.0, 1.0, "", "noise share of the mix")),
    state=(PREV, State("phase"), State("tenv"), State("nenv"), State("lp"),
           State("x", node_seed, integer=True)),
    options=(SEED,), category="drums",
))


def _emit_hihat(ctx):
    env, lp1, lp2, rng = ctx.s("env"), ctx.s("lp1"), ctx.s("lp2"), ctx.s("x")
    noise, hp = ctx.tmp("noise"), ctx.tmp("hp")
    edge, lines = rising(ctx, ctx.p("trig"))
    coef = _lowpass_coef(ctx, ctx.p("cutoff"), "cutoff")
    return lines + xorshift_lines(rng) + [
        f"{noise} = {rng} * {2.0 / 2**32!r} - 1.0",
        f"{lp1} += {coef} * ({noise} - {lp1})",
        f"{hp} = {noise} - {lp1}",
        f"{lp2} += {coef} * ({hp} - {lp2})",
        f"if {edge}:",
        f"    {env} = 1.0",
        f"{ctx.out()} = {env} * ({hp} - {lp2})",
        f"{env} *= {_decay_coef(ctx, 'decay')}",
        ctx.flush(env),
        ctx.flush(lp1),
        ctx.flush(lp2),
    ]


register(NodeType(
    "hihat",
    "Hi-hat: seeded noise through two one-pole high-passes at `cutoff`, under an exponential "
    "decay (short: closed; long: open).",
    _emit_hihat,
    params=(TRIG, Param("cutoff", 7000.0, 0.0, 24000.0, "Hz", "high-pass cutoff"),
            Param("decay", 0.05, 0.0, 10.0, "s", "time constant of the loudness")),
    state=(PREV, State("env"), State("lp1"), State("lp2"), State("x", node_seed, integer=True)),
    options=(SEED,), category="drums",
))
