"""Nonlinear shapers: comparator, folders, waveshapers, rectifiers, slew, sample & hold, quantizer.

Each takes a signal ``in`` (where it has one) and bends it sample by sample; every parameter
may be driven by a signal. The waveshaper's table and Chebyshev coefficients are structural
list options (a curve is a shape you design, not a knob you turn while playing; changing one
recompiles), and its ``drive`` is the live control.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> p.out(p.comparator(p.const(0.3), threshold=0.2))
>>> float(p.render(frames=1)[0, 0])
1.0
>>> p = nm.Patch()
>>> p.out(p.quantizer(p.const(61.4), scale="major"))   # C# snaps to the nearest of C major
>>> float(p.render(frames=1)[0, 0])
62.0
"""

from __future__ import annotations

from neuromix.errors import PatchError
from neuromix.nodes._common import IN, PREV, TRIG, fold_lines, number_list, rising
from neuromix.nodes._registry import NodeType, Option, Param, State, get, register

SCALES: dict[str, tuple[int, ...]] = {
    "chromatic": tuple(range(12)),
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "pentatonic": (0, 2, 4, 7, 9),
    "minor_pentatonic": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
    "whole_tone": (0, 2, 4, 6, 8, 10),
    "octave": (0,),
}


def _emit_comparator(ctx):
    high, x, half = ctx.s("high"), ctx.tmp("x"), ctx.tmp("half")
    thr = ctx.p("threshold")
    return [
        f"{x} = {ctx.p('in')}",
        f"{half} = 0.5 * {ctx.p('hysteresis')}",
        f"if {high} == 0 and {x} > {thr} + {half}:",
        f"    {high} = 1",
        f"elif {high} == 1 and {x} <= {thr} - {half}:",
        f"    {high} = 0",
        f"{ctx.out()} = {ctx.p('high')} if {high} == 1 else {ctx.p('low')}",
    ]


register(NodeType(
    "comparator",
    "Comparator with hysteresis: goes to `high` when in > threshold + hysteresis/2, back to "
    "`low` when in ≤ threshold − hysteresis/2 (with hysteresis 0: high exactly when in > "
    "threshold). Starts low.",
    _emit_comparator,
    params=(IN, Param("threshold", 0.0, doc="switching level"),
            Param("hysteresis", 0.0, 0.0, 1e6, "", "width of the dead band around the threshold"),
            Param("high", 1.0, doc="output when switched on"),
            Param("low", -1.0, doc="output when switched off")),
    state=(State("high", integer=True),), category="shapers",
))


def _emit_wavefolder(ctx):
    x, y = ctx.tmp("x"), ctx.out()
    lines = [f"{x} = {ctx.p('gain')} * {ctx.p('in')} + {ctx.p('bias')}"]
    if ctx.opt("shape") == "sine":
        fast = f"approx.sin2pi(0.25 * {x})"  # sin(π/2·x)
        return lines + [f"{y} = " + (f"math.sin(1.5707963267948966 * {x})" if ctx.exact else fast)]
    return lines + fold_lines(ctx, x, y)


register(NodeType(
    "wavefolder",
    "Wavefolder: gain·in + bias folded back into −1..1. `triangle` reflects at ±1 (identity "
    "inside); `sine` is sin(π/2·x), smooth folds.",
    _emit_wavefolder,
    params=(IN, Param("gain", 1.0, -1000.0, 1000.0, "", "drive before folding (more folds)"),
            Param("bias", 0.0, doc="offset before folding (asymmetric folds, even harmonics)")),
    options=(Option("shape", "triangle", ("triangle", "sine"), doc="fold shape"),),
    category="shapers",
))


class _Options:
    """The option lookups of an emit context, to check a node's options when it is loaded."""

    def __init__(self, node):
        self.node, self._type = node, get(node.type)

    def opt(self, name: str):
        return self.node.options.get(name, self._type.option(name).default)


def _curve(ctx) -> tuple[str, list[float]]:
    """("cheby", coefficients) or ("table", values) of a waveshaper; PatchError if malformed."""
    if ctx.opt("cheby") is not None:
        if "table" in ctx.node.options:
            raise PatchError("give either table or cheby, not both", node=ctx.node.id, field="cheby")
        return "cheby", number_list(ctx, "cheby", max_len=64)
    return "table", number_list(ctx, "table", min_len=2)


def _emit_waveshaper(ctx):
    x, y = ctx.tmp("x"), ctx.out()
    lines = [f"{x} = min(max({ctx.p('drive')} * {ctx.p('in')}, -1.0), 1.0)"]
    kind, values = _curve(ctx)
    if kind == "cheby":
        coeffs = values
        t_prev, t_cur, t_next = ctx.tmp("t"), ctx.tmp("t"), ctx.tmp("t")
        lines += [f"{t_prev} = 1.0", f"{t_cur} = {x}", f"{y} = {coeffs[0]!r}"]
        for k, c in enumerate(coeffs[1:], start=1):
            if k > 1:
                lines += [f"{t_next} = 2.0 * {x} * {t_cur} - {t_prev}",
                          f"{t_prev} = {t_cur}", f"{t_cur} = {t_next}"]
            if c:
                lines.append(f"{y} += {c!r} * {t_cur}")
        return lines
    table = values
    pos, k, frac = ctx.tmp("pos"), ctx.tmp("k"), ctx.tmp("frac")
    last = len(table) - 1
    lo, hi = ctx.lookup(table, k), ctx.lookup(table, f"{k} + 1")
    return lines + [
        f"{pos} = ({x} + 1.0) * {0.5 * last!r}",
        f"{k} = min(int({pos}), {last - 1})",
        f"{frac} = {pos} - {k}",
        f"{y} = {lo} + ({hi} - {lo}) * {frac}",
    ]


register(NodeType(
    "waveshaper",
    "Waveshaper: drive·in, clipped to −1..1, through a curve: a lookup `table` spread evenly "
    "over −1..1 and linearly interpolated, or a sum of Chebyshev polynomials Σ cheby[k]·T_k(x) "
    "(cheby: [0, 1, 0, 0.3] adds the third harmonic to a full-scale sine).",
    _emit_waveshaper,
    params=(IN, Param("drive", 1.0, -1000.0, 1000.0, "", "gain before the curve")),
    options=(Option("table", (-1.0, 1.0), kind=list,
                    doc="curve values at evenly spaced inputs from −1 to 1 (2 to 4096 numbers)"),
             Option("cheby", None, kind=list,
                    doc="Chebyshev coefficients c0, c1, ... (used instead of table)")),
    category="shapers", check=lambda node: _curve(_Options(node)) and None,
))


register(NodeType(
    "clip", "Hard clip: in limited to lo..hi.",
    lambda ctx: [f"{ctx.out()} = min(max({ctx.p('in')}, {ctx.p('lo')}), {ctx.p('hi')})"],
    params=(IN, Param("lo", -1.0, doc="lower limit"), Param("hi", 1.0, doc="upper limit")),
    category="shapers",
))


def _emit_rectifier(ctx):
    x = ctx.p("in")
    if ctx.opt("mode") == "full":
        return [f"{ctx.out()} = abs({x})"]
    return [f"{ctx.out()} = max({x}, 0.0)"]


register(NodeType(
    "rectifier", "Rectifier: half-wave max(in, 0) or full-wave |in|.", _emit_rectifier,
    params=(IN,), options=(Option("mode", "half", ("half", "full"), doc="half or full wave"),),
    category="shapers",
))


def _emit_diffrect(ctx):
    d, lim = ctx.tmp("d"), ctx.p("limit")
    return [
        f"{d} = {ctx.p('pos1')} + {ctx.p('pos2')} - {ctx.p('neg1')} - {ctx.p('neg2')}",
        f"{d} = min(max({d}, -{lim}), {lim})",
        f"{ctx.out('pos')} = max({d}, 0.0)",
        f"{ctx.out('neg')} = min({d}, 0.0)",
    ]


register(NodeType(
    "diffrect",
    "Nonlinear Circuits difference rectifier: d = pos1 + pos2 − neg1 − neg2 clamped to ±limit; "
    "output `pos` = max(d, 0), `neg` = min(d, 0).",
    _emit_diffrect,
    params=(Param("pos1", 0.0, doc="added"), Param("pos2", 0.0, doc="added"),
            Param("neg1", 0.0, doc="subtracted"), Param("neg2", 0.0, doc="subtracted"),
            Param("limit", 10.0, 0.0, 1e6, "", "clamp of the difference (the module's ±10 V)")),
    outputs=("pos", "neg"), category="shapers",
))


def _emit_slew(ctx):
    y, d = ctx.s("y"), ctx.tmp("d")
    up = ctx.rate(f"1.0 / (max({ctx.p('rise')}, 1e-9) * {ctx.sr!r})", "rise")
    down = ctx.rate(f"1.0 / (max({ctx.p('fall')}, 1e-9) * {ctx.sr!r})", "fall")
    return [
        f"{d} = {ctx.p('in')} - {y}",
        f"if {d} > {up}:",
        f"    {d} = {up}",
        f"elif {d} < -{down}:",
        f"    {d} = -{down}",
        f"{y} += {d}",
        f"{ctx.out()} = {y}",
    ]


register(NodeType(
    "slew",
    "Slew limiter: follows in, rising at most 1 unit per `rise` seconds and falling at most "
    "1 unit per `fall` seconds (portamento, smoothing, lag).",
    _emit_slew,
    params=(IN, Param("rise", 0.1, 0.0, 3600.0, "s", "seconds to rise by 1.0"),
            Param("fall", 0.1, 0.0, 3600.0, "s", "seconds to fall by 1.0")),
    state=(State("y"),), category="shapers",
))


def _emit_sample_hold(ctx):
    hold = ctx.s("hold")
    edge, lines = rising(ctx, ctx.p("trig"))
    return lines + [f"if {edge}:", f"    {hold} = {ctx.p('in')}", f"{ctx.out()} = {hold}"]


register(NodeType(
    "sample_hold", "Sample & hold: takes in at each trigger and holds it until the next.",
    _emit_sample_hold, params=(IN, TRIG), state=(PREV, State("hold")), category="shapers",
))


def _scale_degrees(ctx) -> list[float]:
    if ctx.opt("degrees") is None:
        return [float(d) for d in SCALES[ctx.opt("scale")]]
    degrees = sorted(set(number_list(ctx, "degrees", max_len=128)))
    if degrees[0] < 0 or degrees[-1] >= 12:
        raise PatchError("degrees must be semitones from 0 to below 12", node=ctx.node.id,
                         field="degrees")
    return degrees


def _emit_quantizer(ctx):
    degrees = _scale_degrees(ctx)
    cands = [degrees[-1] - 12.0] + degrees + [degrees[0] + 12.0]
    n, octave, r, q, y = ctx.tmp("n"), ctx.tmp("oct"), ctx.tmp("r"), ctx.tmp("q"), ctx.out()
    hz = ctx.opt("unit") == "hz"
    note = f"(69.0 + 12.0 * math.log2(max({ctx.p('in')}, 1e-9) * {1 / 440.0!r}))" if hz else ctx.p("in")
    lines = [
        f"{n} = {note} - {ctx.p('root')}",
        f"{octave} = math.floor({n} * {1 / 12.0!r})",
        f"{r} = {n} - 12.0 * {octave}",
        f"{q} = {cands[0]!r}",
    ]
    for a, b in zip(cands, cands[1:]):
        lines += [f"if {r} >= {(a + b) / 2.0!r}:", f"    {q} = {b!r}"]
    lines.append(f"{y} = {ctx.p('root')} + 12.0 * {octave} + {q}")
    if hz:
        lines += [f"{y} = 440.0 * 2.0 ** (({y} - 69.0) * {1 / 12.0!r})",
                  f"if {ctx.p('in')} <= 0.0:", f"    {y} = 0.0"]
    return lines


register(NodeType(
    "quantizer",
    "Pitch quantizer: snaps in to the nearest note of a scale (ties go up). in is a MIDI note "
    "number (unit: midi) or a frequency (unit: hz; 0 Hz and below give 0).",
    _emit_quantizer,
    params=(IN, Param("root", 0.0, -128.0, 128.0, "semitones", "tonic as a MIDI note (0 = C)")),
    options=(Option("scale", "chromatic", tuple(SCALES), doc="the scale"),
             Option("degrees", None, kind=list,
                    doc="a scale of your own: semitones above the root, 0 to below 12 "
                        "(used instead of scale)"),
             Option("unit", "midi", ("midi", "hz"), doc="what in and out mean")),
    category="shapers", check=lambda node: _scale_degrees(_Options(node)) and None,
))
