"""Control and modulation: LFO, clock, step sequencer, AD and ADSR envelopes, random walk.

Timing is exact to the sample: a clock at 120 BPM and 48 kHz ticks at samples 0, 24000,
48000, ...; an envelope stage of T seconds lasts round(T·sr) samples. Triggers are rising
edges through zero (see ``_common``), so a clock, a sequencer's ``trig``, a comparator or a
gate can drive any trigger input.

The sequencer's steps are **parameters** ``step0..step15`` and ``gate0..gate15`` rather than a
list option: a musician can then turn a step while it plays (``seq.step3``), automate it, or
drive it from an LFO or a random walk for generative lines, without recompiling. Sixteen is the
classic hardware length; ``steps`` picks how many are used.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=1000)
>>> clk = p.clock(bpm=600)                      # a tick every 100 samples
>>> seq = p.sequencer(clk.port("trig"), steps=3, step0=60, step1=63, step2=67)
>>> p.out(seq)
>>> y = p.render(frames=400)
>>> [float(v) for v in y[[0, 99, 100, 200, 300], 0]]
[60.0, 60.0, 63.0, 67.0, 60.0]
"""

from __future__ import annotations

from neuromix.nodes._common import (PREV, SEED, TRIG, node_seed, sin2pi, rising, samples,
                                     select_lines)
from neuromix.nodes._registry import NodeType, Option, Param, State, register
from neuromix.nodes.noise import MASK32, xorshift_lines

MAX_STEPS = 16
TICK_EPS = 1e-7  # ticks: a boundary counts as reached this close (absorbs rounding drift)


def _after_first_draw(ctx) -> int:
    """This node's generator state after its first draw (the kernel draws on from there)."""
    x = node_seed(ctx)
    x ^= (x << 13) & MASK32
    x ^= x >> 17
    return x ^ ((x << 5) & MASK32)


def _first_draw(ctx) -> float:
    """The first uniform value in −1..1 of this node's generator (as the kernel computes it)."""
    return _after_first_draw(ctx) * (2.0 / 2**32) - 1.0


def _uniform(rng: str, target: str) -> list[str]:
    return xorshift_lines(rng) + [f"{target} = {rng} * {2.0 / 2**32!r} - 1.0"]


# -- LFO ------------------------------------------------------------------------------------

def _emit_lfo(ctx):
    ph, y, shape = ctx.s("phase"), ctx.out(), ctx.opt("shape")
    a, b, rng, wrap = ctx.s("a"), ctx.s("b"), ctx.s("x"), ctx.tmp("wrap")
    if shape == "sine":
        lines = [f"{y} = {sin2pi(ctx, ph)}"]
    elif shape == "tri":
        lines = [f"{y} = 4.0 * abs({ph} - 0.5) - 1.0"]
    elif shape == "saw":
        lines = [f"{y} = 2.0 * {ph} - 1.0"]
    elif shape == "square":
        lines = [f"{y} = 1.0 if {ph} < 0.5 else -1.0"]
    elif shape == "random":
        lines = [f"{y} = {b}"]
    else:  # smooth: a smoothstep glide from the last value to the next (no jumps, no kinks)
        lines = [f"{y} = {a} + ({b} - {a}) * {ph} * {ph} * (3.0 - 2.0 * {ph})"]
    lines += [f"{ph} += {ctx.p('freq')} * {1.0 / ctx.sr!r}", f"{wrap} = math.floor({ph})",
              f"{ph} -= {wrap}"]
    if shape in ("random", "smooth"):
        lines += [f"if {wrap} != 0.0:", f"    {a} = {b}"]
        lines += ["    " + line for line in _uniform(rng, b)]
    return lines


register(NodeType(
    "lfo",
    "Low-frequency oscillator, −1..1: sine, tri, saw, square (phase conventions of the "
    "oscillators), random (a new seeded value each cycle) or smooth (a smoothstep glide from "
    "one random value to the next, one per cycle: a slow 'joystick').",
    _emit_lfo,
    params=(Param("freq", 1.0, -24000.0, 24000.0, "Hz", "cycles (or random values) per second"),),
    state=(State("phase"), State("a"), State("b", _first_draw),
           State("x", _after_first_draw, integer=True)),
    options=(Option("shape", "sine", ("sine", "tri", "saw", "square", "random", "smooth"),
                    doc="waveform"), SEED),
    category="control",
))


# -- clock ----------------------------------------------------------------------------------

def _emit_clock(ctx):
    ph, half = ctx.s("ph"), ctx.s("half")
    trig, gate = ctx.out("trig"), ctx.out("gate")
    s, w = ctx.tmp("swing"), ctx.tmp("width")
    inc = ctx.rate(f"{ctx.p('bpm')} * {ctx.p('division')} * {1.0 / (60.0 * ctx.sr)!r}",
                   "bpm", "division")
    return [
        f"{s} = min(max({ctx.p('swing')}, -0.9), 0.9)",
        f"{w} = min(max({ctx.p('width')}, 0.0), 1.0)",
        f"{trig} = 0.0",
        f"if {half} == 0:",
        f"    if {ph} >= 1.0 + {s} - {TICK_EPS!r}:",
        f"        {trig} = 1.0",
        f"        {half} = 1",
        "else:",
        f"    if {ph} >= {2.0 - TICK_EPS!r}:",
        f"        {trig} = 1.0",
        f"        {half} = 0",
        f"        {ph} -= 2.0",
        f"if {half} == 0:",
        f"    {gate} = 1.0 if {ph} < {w} * (1.0 + {s}) - {TICK_EPS!r} else 0.0",
        "else:",
        f"    {gate} = 1.0 if {ph} - 1.0 - {s} < {w} * (1.0 - {s}) - {TICK_EPS!r} else 0.0",
        f"{ph} += {inc}",
    ]


register(NodeType(
    "clock",
    "Clock: `trig` is 1 for one sample at each tick (the first at sample 0), `gate` is high "
    "for `width` of each tick's interval. bpm·division ticks per minute; swing delays every "
    "second tick by swing × one tick (1/3 gives a triplet shuffle; negative pushes it early).",
    _emit_clock,
    params=(Param("bpm", 120.0, 0.0, 100000.0, "BPM", "beats per minute"),
            Param("division", 1.0, 0.0, 64.0, "", "ticks per beat (4: sixteenth notes)"),
            Param("swing", 0.0, -0.9, 0.9, "", "delay of every second tick, in ticks"),
            Param("width", 0.5, 0.0, 1.0, "", "gate length as a share of the tick interval")),
    outputs=("trig", "gate"),
    state=(State("ph", 2.0), State("half", 1, integer=True)),
    category="control",
))


# -- sequencer ------------------------------------------------------------------------------

def _emit_sequencer(ctx):
    n = ctx.opt("steps")
    idx, since, period, on = ctx.s("idx"), ctx.s("since"), ctx.s("period"), ctx.s("on")
    value, gate, trig = ctx.out(), ctx.out("gate"), ctx.out("trig")
    clock, lines = rising(ctx, ctx.p("clock"))
    reset, rlines = rising(ctx, ctx.p("reset"), "prev_reset")
    cur = ctx.tmp("cur")
    gates = [[f"{on} = 1 if {ctx.p(f'gate{k}')} >= 0.5 else 0"] for k in range(n)]
    values = [[f"{value} = {ctx.p(f'step{k}')}"] for k in range(n)]
    lines += rlines + [
        f"if {reset}:",
        f"    {idx} = -1",
        f"{since} += 1",
        f"{trig} = 0.0",
        f"if {clock}:",
        f"    if {idx} >= 0:",
        f"        {period} = {since}",
        f"    {since} = 0",
        f"    {idx} = {idx} + 1 if {idx} + 1 < {n} else 0",
    ]
    lines += ["    " + line for line in select_lines(idx, gates)]
    lines += [
        f"    {trig} = float({on})",
        f"{gate} = 0.0",
        f"if {on} == 1 and ({period} == 0 or {since} < {ctx.p('length')} * {period}):",
        f"    {gate} = 1.0",
        f"{cur} = max({idx}, 0)",
    ]
    return lines + select_lines(cur, values)


register(NodeType(
    "sequencer",
    "Step sequencer: each rising edge of `clock` moves to the next step (the first edge plays "
    "step 0; before it, out is step0 and the gate is low). Outputs the step's value, a `gate` "
    "held for `length` of the measured clock period when the step's gate is on (≥ 0.5), and "
    "`trig`, one sample at each gated step. `reset` makes the next clock play step 0.",
    _emit_sequencer,
    params=(Param("clock", 0.0, doc="advances on each rising edge (a clock's trig or gate)"),
            Param("reset", 0.0, doc="rising edge: the next clock plays step 0"),
            Param("length", 0.5, 0.0, 1.0, "", "gate length as a share of the clock period"),
            *(Param(f"step{k}", 0.0, doc=f"value of step {k}") for k in range(MAX_STEPS)),
            *(Param(f"gate{k}", 1.0, doc=f"gate of step {k} (on when ≥ 0.5)")
              for k in range(MAX_STEPS))),
    outputs=("out", "gate", "trig"),
    state=(PREV, State("prev_reset"), State("idx", -1, integer=True),
           State("since", integer=True), State("period", integer=True),
           State("on", integer=True)),
    options=(Option("steps", 8, kind=int, doc="number of steps used", lo=1, hi=MAX_STEPS),),
    category="control",
))


# -- envelopes ------------------------------------------------------------------------------

def _emit_ad(ctx):
    stage, k, start, level = ctx.s("stage"), ctx.s("k"), ctx.s("start"), ctx.s("level")
    na = samples(ctx, ctx.p("attack"), "attack")
    nd = samples(ctx, ctx.p("decay"), "decay")
    edge, lines = rising(ctx, ctx.p("trig"))
    return lines + [
        f"if {edge}:",
        f"    {stage} = 1",
        f"    {k} = 0",
        f"    {start} = {level}",
        f"if {stage} == 1:",
        f"    {k} += 1",
        f"    {level} = {start} + (1.0 - {start}) * {k} / {na}",
        f"    if {k} >= {na}:",
        f"        {stage} = 2",
        f"        {k} = 0",
        f"        {level} = 1.0",
        f"elif {stage} == 2:",
        f"    {k} += 1",
        f"    {level} = 1.0 - {k} / {nd}",
        f"    if {k} >= {nd}:",
        f"        {stage} = 0",
        f"        {level} = 0.0",
        f"{ctx.out()} = {level}",
    ]


register(NodeType(
    "ad",
    "Attack–decay envelope, 0..1, started by a trigger (or a gate's rising edge): linear rise "
    "over round(attack·sr) samples, reaching 1 at the last, then linear fall to 0 over "
    "round(decay·sr) samples. A retrigger rises again from the current level.",
    _emit_ad,
    params=(TRIG, Param("attack", 0.005, 0.0, 3600.0, "s", "rise time"),
            Param("decay", 0.3, 0.0, 3600.0, "s", "fall time")),
    state=(PREV, State("stage", integer=True), State("k", integer=True), State("start"),
           State("level")),
    category="control",
))


def _emit_adsr(ctx):
    stage, k, start, level = ctx.s("stage"), ctx.s("k"), ctx.s("start"), ctx.s("level")
    held, is_open = ctx.s("held"), ctx.tmp("open")
    na = samples(ctx, ctx.p("attack"), "attack")
    nd = samples(ctx, ctx.p("decay"), "decay")
    nr = samples(ctx, ctx.p("release"), "release")
    nh = ctx.rate(f"int(round(max({ctx.p('hold')}, 0.0) * {ctx.sr!r}))", "hold")
    sus, gate_now = ctx.tmp("sus"), ctx.tmp("gate")
    edge, lines = rising(ctx, gate_now)
    return [f"{gate_now} = {ctx.p('gate')}"] + lines + [
        f"{sus} = min(max({ctx.p('sustain')}, 0.0), 1.0)",
        f"if {edge}:",
        f"    {stage} = 1",
        f"    {k} = 0",
        f"    {start} = {level}",
        f"    {held} = 0",
        f"{is_open} = {gate_now} > 0.0 or {held} < {nh}",
        f"if {held} < {nh}:",
        f"    {held} += 1",
        f"if {stage} >= 1 and {stage} <= 3 and not {is_open}:",
        f"    {stage} = 4",
        f"    {k} = 0",
        f"    {start} = {level}",
        f"if {stage} == 1:",
        f"    {k} += 1",
        f"    {level} = {start} + (1.0 - {start}) * {k} / {na}",
        f"    if {k} >= {na}:",
        f"        {stage} = 2",
        f"        {k} = 0",
        f"        {level} = 1.0",
        f"elif {stage} == 2:",
        f"    {k} += 1",
        f"    {level} = 1.0 + ({sus} - 1.0) * {k} / {nd}",
        f"    if {k} >= {nd}:",
        f"        {stage} = 3",
        f"elif {stage} == 3:",
        f"    {level} = {sus}",
        f"elif {stage} == 4:",
        f"    {k} += 1",
        f"    {level} = {start} * (1.0 - {k} / {nr})",
        f"    if {k} >= {nr}:",
        f"        {stage} = 0",
        f"        {level} = 0.0",
        f"{ctx.out()} = {level}",
    ]


register(NodeType(
    "adsr",
    "ADSR envelope, 0..1, linear segments exact to the sample: a rising gate starts the attack "
    "(round(attack·sr) samples to 1), then decay to `sustain`, held while the gate is high; "
    "when it falls, release to 0 over round(release·sr) samples. `hold` keeps the gate open "
    "for at least that long after each rising edge, so a one-sample trigger works too.",
    _emit_adsr,
    params=(Param("gate", 0.0, doc="high (> 0) while the note is held"),
            Param("attack", 0.005, 0.0, 3600.0, "s", "rise time"),
            Param("decay", 0.1, 0.0, 3600.0, "s", "fall time to the sustain level"),
            Param("sustain", 0.7, 0.0, 1.0, "", "level held while the gate is high"),
            Param("release", 0.3, 0.0, 3600.0, "s", "fall time to 0 after the gate"),
            Param("hold", 0.0, 0.0, 3600.0, "s", "least time the gate counts as open")),
    state=(PREV, State("stage", integer=True), State("k", integer=True), State("start"),
           State("level"), State("held", integer=True)),
    category="control",
))


# -- random walk ----------------------------------------------------------------------------

def _emit_random_walk(ctx):
    y, lp, rng, u = ctx.s("y"), ctx.s("lp"), ctx.s("x"), ctx.tmp("u")
    step = ctx.rate(f"{ctx.p('speed')} * {(3.0 / ctx.sr) ** 0.5!r}", "speed")
    coef = ctx.rate(f"1.0 - math.exp(-6.283185307179586 * min(max({ctx.p('smooth')}, 0.0), "
                    f"{ctx.sr / 2!r}) * {1.0 / ctx.sr!r})", "smooth")
    return _uniform(rng, u) + [
        f"{y} += {step} * {u}",
        f"if {y} > 1.0:",
        f"    {y} = 2.0 - {y}",
        f"elif {y} < -1.0:",
        f"    {y} = -2.0 - {y}",
        f"{y} = min(max({y}, -1.0), 1.0)",
        f"{lp} += {coef} * ({y} - {lp})",
        f"{ctx.out()} = {lp}",
    ]


register(NodeType(
    "random_walk",
    "Seeded random walk (Brownian motion) reflected at ±1, then smoothed by a one-pole "
    "low-pass: it wanders about `speed` units per √second, never settling.",
    _emit_random_walk,
    params=(Param("speed", 0.5, 0.0, 1000.0, "1/√s", "typical distance wandered in one second"),
            Param("smooth", 20.0, 0.0, 24000.0, "Hz", "low-pass cutoff on the walk")),
    state=(State("x", node_seed, integer=True), State("y"), State("lp")),
    options=(SEED,), category="control",
))
