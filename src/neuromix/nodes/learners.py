"""Neurons that learn, sample by sample, inside the kernel: ``learner`` and ``learner_net``.

Both compare their output ``y`` with a ``target`` signal and move their weights ``θ`` by a
normalised gradient step (normalised LMS through the activation's derivative)::

    e  = target − y                    g = ∂y/∂θ (through the activation's slope f′)
    Δθ = rate · e · M·g / (gᵀM·g + δ)

``M`` scales the weights of each input ``xᵢ`` by ``1/Pᵢ``, where ``Pᵢ`` is a running average of
``xᵢ²`` (over ``window`` seconds, kept current while frozen): the step does not depend on how loud each input is. The
slope used is kept at least 0.1 in size (same sign), so a saturated neuron still learns its way
out, and ``δ`` guards silence. Linearised, the error after a step is ``e·(1 − rate·r)`` with
``0 ≤ r ≤ 1`` (``r`` is the true slope over the slope used, times ``gᵀMg/(gᵀMg + δ)``): every
rate in 0..2 shrinks it, at any input level and any weight size; above 2 the learning
overshoots, which is material too.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=48000)
>>> s = p.sine(220, name="s")
>>> l = p.learner(act="identity", inputs={s: 0.0}, target=s * 0.5, rate=0.5, name="l")
>>> p.out(l.port("w.s"))
>>> round(float(p.render(frames=4800)[-1, 0]), 4)
0.5
"""

from __future__ import annotations

from neuromix.errors import PatchError, nearest
from neuromix.nodes._common import SEED, node_seed
from neuromix.nodes._registry import Buffer, NodeType, Option, Param, State, get, register
from neuromix.nodes.activations import ACTIVATIONS
from neuromix.nodes.noise import xorshift_lines

SLOPE = 0.1  # the slope learning uses never falls below this (no flat spots in saturation)
DELTA = 1e-12  # guards the division when every input is silent
FLOOR = 1e-20  # input power below this (an RMS under 1e-10) counts as silence
RELATIVE = 1e-4  # an input 40 dB below the loudest is normalised as if it were at -40 dB
LEARN_ACTS = tuple(a for a in ACTIVATIONS if a != "step")  # step has no slope to learn through

PARAMS = (
    Param("target", 0.0, doc="the signal the output should become"),
    Param("rate", 0.1, 0.0, 10.0, "", "learning rate: 0..2 converges, above 2 overshoots"),
    Param("freeze", 0.0, doc="above 0.5 the weights hold still"),
    Param("leak", 0.0, 0.0, 1000.0, "1/s", "forgetting: weights decay towards 0 at this rate"),
    Param("window", 0.02, 1e-4, 60.0, "s", "time over which each input's power is averaged"),
)


def _power_lines(ctx, xs: list[str], power_at) -> tuple[str, list[str], list[str]]:
    """Lines updating each input's running power; (energy E, lines, 1/Pᵢ names).

    An input more than 40 dB below the loudest one is normalised as if it were 40 dB below
    (a near-silent input must not get a huge step), and all inputs below an RMS of 1e-10 count
    as silence.
    """
    alpha = ctx.rate(f"1.0 - math.exp(-1.0 / ({ctx.p('window')} * {ctx.sr!r}))", "window")
    energy, top, lines, pws, inv = ctx.tmp("energy"), ctx.tmp("top"), [], [], []
    for k, x in enumerate(xs):
        pw = ctx.tmp("pw")
        lines += [f"{pw} = {power_at(k)} + {alpha} * ({x} * {x} - {power_at(k)})",
                  f"{power_at(k)} = {pw}"]
        pws.append(pw)
    lines.append(f"{top} = {FLOOR!r}")
    lines += [f"{top} = max({top}, {RELATIVE!r} * {pw})" for pw in pws]
    lines.append(f"{energy} = 1.0")
    for x, pw in zip(xs, pws):
        m = ctx.tmp("m")
        lines += [f"{m} = 1.0 / max({pw}, {top})", f"{energy} += {x} * {x} * {m}"]
        inv.append(m)
    return energy, lines, inv


def slope_lines(d: str, u: str, y: str, act) -> list[str]:
    """Lines setting ``d`` to the activation's slope, kept at least SLOPE in size, same sign."""
    return [f"{d} = {act.deriv(u, y)}",
            f"if abs({d}) < {SLOPE!r}:",
            f"    {d} = {SLOPE!r} if {d} >= 0.0 else {-SLOPE!r}"]


def _leak(ctx) -> str:
    return ctx.rate(f"1.0 - {ctx.p('leak')} / {ctx.sr!r}", "leak")


def _emit_learner(ctx):
    act = ACTIVATIONS[ctx.opt("act")]
    started, bias = ctx.s("started"), ctx.out("bias")
    weights = [ctx.out(f"w.{key}") for key, _, _ in ctx.ins]
    lines = [f"if {started} < 0.5:"]
    for (key, _, init), w in zip(ctx.ins, weights):
        lines.append(f"    {w} = {init}")
    lines += [f"    {bias} = {ctx.p('bias')}", f"    {started} = 1.0"]
    xs = []
    for _, src, _ in ctx.ins:
        x = ctx.tmp("x")
        lines.append(f"{x} = {src}")
        xs.append(x)
    u, y, e = ctx.tmp("u"), ctx.tmp("y"), ctx.tmp("e")
    lines.append(f"{u} = " + " + ".join([bias] + [f"{w} * {x}" for w, x in zip(weights, xs)]))
    lines += [f"{y} = {act.expr(u, ctx.exact)}", f"{e} = {ctx.p('target')} - {y}",
              f"{ctx.out()} = {y}", f"{ctx.out('error')} = {e}"]
    energy, power, inv = _power_lines(ctx, xs, lambda k: ctx.at("power", k))
    lines += power + [f"if {ctx.p('freeze')} <= 0.5:"]  # powers stay current while frozen
    d, step, keep = ctx.tmp("d"), ctx.tmp("step"), _leak(ctx)
    body = slope_lines(d, u, y, act) + [
        f"{step} = {ctx.p('rate')} * {e} * {d} / ({d} * {d} * {energy} + {DELTA!r})"]
    for w, x, m in zip(weights, xs, inv):
        body.append(f"{w} = ({w} + {step} * {x} * {m}) * {keep}")
    body.append(f"{bias} = ({bias} + {step}) * {keep}")
    return lines + ["    " + line for line in body]


def _check_learner(node) -> None:
    for inp in node.inputs:
        if not isinstance(inp.weight, (int, float)):  # a weight is a number or a signal
            raise PatchError(f"the weight of '{inp.key}' is learned: give a number (its starting "
                             f"value), not a signal", node=node.id, field="inputs")


register(NodeType(
    "learner", "A neuron that learns: its weights and bias adapt, sample by sample, so that its "
               "output follows 'target' (normalised LMS through the activation's derivative, "
               "stable at any input level). The inputs' weights are where learning starts. "
               "Outputs: the output, 'error' (target − output), 'bias' and 'w.<input>', each "
               "weight as a signal.",
    _emit_learner,
    params=(Param("bias", 0.0, -100.0, 100.0, "", "where the bias starts"),) + PARAMS,
    outputs=("out", "error", "bias"),
    state=(State("started", 0.0),),
    buffers=(Buffer("power", lambda ctx: max(len(ctx.node.inputs), 1)),),
    options=(Option("act", "tanh", LEARN_ACTS, doc="activation function"),),
    inputs="weighted", category="learning",
    dynamic_outputs=lambda node: [f"w.{inp.key}" for inp in node.inputs],
    check=_check_learner,
))


# -- learner_net ----------------------------------------------------------------------------
def net_shape(node) -> tuple[list[int], list[str]]:
    """(layer sizes, activation per layer) of a learner_net node; PatchError if malformed."""
    nt = get(node.type)
    sizes = node.options.get("layers", nt.option("layers").default)
    ok = (isinstance(sizes, (list, tuple)) and 1 <= len(sizes) <= 8
          and all(isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= 64 for s in sizes))
    if not ok:
        raise PatchError(f"layers must be a list of 1 to 8 layer sizes, each 1 to 64, "
                         f"not {sizes!r}", node=node.id, field="layers")
    if sizes[-1] != 1:
        raise PatchError(f"the last layer is the output neuron: it has size 1, not {sizes[-1]}",
                         node=node.id, field="layers", hint=f"e.g. layers: {list(sizes) + [1]}")
    acts = node.options.get("acts", nt.option("acts").default)
    acts = [acts] * len(sizes) if isinstance(acts, str) else acts
    if not isinstance(acts, (list, tuple)) or len(acts) != len(sizes):
        raise PatchError(f"acts must be one activation or one per layer ({len(sizes)}), "
                         f"not {acts!r}", node=node.id, field="acts")
    for a in acts:
        if a not in LEARN_ACTS:
            raise PatchError(f"activation '{a}' is not one of {', '.join(LEARN_ACTS)}",
                             node=node.id, field="acts", hint=nearest(a, LEARN_ACTS))
    return [int(s) for s in sizes], list(acts)


def net_layout(n_inputs: int, sizes: list[int]) -> dict:
    """Offsets in the node's buffer: weights per layer (rows of fan-in + bias), then input
    powers, then per layer the pre-activations, activations and sensitivities."""
    fans = [n_inputs] + sizes[:-1]
    off, layers = 0, []
    for fan, size in zip(fans, sizes):
        layers.append({"fan": fan, "size": size, "w": off})
        off += size * (fan + 1)
    n_weights = off
    power, off = off, off + max(n_inputs, 1)
    inputs, off = off, off + max(n_inputs, 1)
    for layer in layers:
        layer["u"], layer["a"], layer["d"] = off, off + layer["size"], off + 2 * layer["size"]
        off += 3 * layer["size"]
    return {"layers": layers, "weights": n_weights, "power": power, "inputs": inputs, "size": off}


def _emit_net(ctx):
    sizes, acts = net_shape(ctx.node)
    lay = net_layout(len(ctx.ins), sizes)
    layers = lay["layers"]

    def at(base, idx=0):
        return ctx.at("net", f"{base} + {idx}")

    started, rnd, k = ctx.s("started"), ctx.tmp("rnd"), ctx.tmp("k")
    # the first sample after a reset: seeded uniform weights in ±init·√(3/(fan-in + 1))
    lines = [f"if {started} < 0.5:", f"    {rnd} = {node_seed(ctx)}"]
    for layer in layers:
        scale = f"{ctx.p('init')} * {(3.0 / (layer['fan'] + 1)) ** 0.5!r}"
        lines += [f"    for {k} in range({layer['size'] * (layer['fan'] + 1)}):",
                  *("        " + x for x in xorshift_lines(rnd)),
                  f"        {at(layer['w'], k)} = ({rnd} * {2.0 / 2**32!r} - 1.0) * {scale}"]
    lines.append(f"    {started} = 1.0")
    xs = []
    for n, (_, src, _) in enumerate(ctx.ins):
        x = ctx.tmp("x")
        lines += [f"{x} = {src}", f"{at(lay['inputs'], n)} = {x}"]
        xs.append(x)
    # forward: u = W·a + b, a = act(u), layer by layer
    j, i, u = ctx.tmp("j"), ctx.tmp("i"), ctx.tmp("u")
    below = lay["inputs"]
    for layer, act in zip(layers, acts):
        w, fan = layer["w"], layer["fan"]
        row = fan + 1
        lines += [f"for {j} in range({layer['size']}):",
                  f"    {u} = {at(w, f'{j} * {row} + {fan}')}",
                  f"    for {i} in range({fan}):",
                  f"        {u} += {at(w, f'{j} * {row} + {i}')} * {at(below, i)}",
                  f"    {at(layer['u'], j)} = {u}",
                  f"    {at(layer['a'], j)} = {ACTIVATIONS[act].expr(u, ctx.exact)}"]
        below = layer["a"]
    y, e = ctx.tmp("y"), ctx.tmp("e")
    lines += [f"{y} = {at(layers[-1]['a'])}", f"{e} = {ctx.p('target')} - {y}",
              f"{ctx.out()} = {y}", f"{ctx.out('error')} = {e}"]
    energy, power, inv = _power_lines(ctx, xs, lambda n: at(lay["power"], n))
    lines += power + [f"if {ctx.p('freeze')} <= 0.5:"]  # powers stay current while frozen
    body = []
    # backward: the sensitivity dy/du of every unit, and the gradient's squared norm gᵀMg
    norm, acc, uu, yy = ctx.tmp("norm"), ctx.tmp("acc"), ctx.tmp("uu"), ctx.tmp("yy")
    slope = ctx.tmp("slope")
    body.append(f"{norm} = 0.0")
    for li in range(len(layers) - 1, -1, -1):
        layer = layers[li]
        d = layer["d"]
        body += [f"for {j} in range({layer['size']}):",
                 f"    {uu} = {at(layer['u'], j)}",
                 f"    {yy} = {at(layer['a'], j)}"]
        if li == len(layers) - 1:
            body.append(f"    {acc} = 1.0")
        else:
            nxt = layers[li + 1]
            nw, nrow, nd = nxt["w"], nxt["fan"] + 1, nxt["d"]
            body += [f"    {acc} = 0.0",
                     f"    for {i} in range({nxt['size']}):",
                     f"        {acc} += {at(nw, f'{i} * {nrow} + {j}')} * {at(nd, i)}"]
        body += ["    " + x for x in slope_lines(slope, uu, yy, ACTIVATIONS[acts[li]])]
        body.append(f"    {at(d, j)} = {acc} * {slope}")
        if li == 0:  # this layer's share of gᵀMg: d² times the energy of what it reads
            body.append(f"    {norm} += {at(d, j)} * {at(d, j)} * {energy}")
        else:
            prev = layers[li - 1]
            body += [f"    {acc} = 1.0",
                     f"    for {i} in range({prev['size']}):",
                     f"        {acc} += {at(prev['a'], i)} * {at(prev['a'], i)}",
                     f"    {norm} += {at(d, j)} * {at(d, j)} * {acc}"]
    step, keep, g = ctx.tmp("step"), _leak(ctx), ctx.tmp("g")
    body.append(f"{step} = {ctx.p('rate')} * {e} / ({norm} + {DELTA!r})")
    below = None
    for li, layer in enumerate(layers):
        w, fan = layer["w"], layer["fan"]
        row = fan + 1
        body += [f"for {j} in range({layer['size']}):",
                 f"    {g} = {step} * {at(layer['d'], j)}"]
        if li == 0:
            for n, (x, m) in enumerate(zip(xs, inv)):
                wn = at(w, f"{j} * {row} + {n}")
                body.append(f"    {wn} = ({wn} + {g} * {x} * {m}) * {keep}")
        else:
            wi = at(w, f"{j} * {row} + {i}")
            body += [f"    for {i} in range({fan}):",
                     f"        {wi} = ({wi} + {g} * {at(below, i)}) * {keep}"]
        wb = at(w, f"{j} * {row} + {fan}")
        body.append(f"    {wb} = ({wb} + {g}) * {keep}")
        below = layer["a"]
    return lines + ["    " + line for line in body]


register(NodeType(
    "learner_net", "A small network that learns: layers of neurons (sizes and activations "
                   "given, the last a single output neuron) trained online, sample by sample, "
                   "by backpropagation with the learner's normalisation, so the output follows "
                   "'target'. Weights start seeded-random. Outputs: the output and 'error'.",
    _emit_net,
    params=PARAMS + (Param("init", 1.0, 0.0, 100.0, "", "scale of the random starting weights"),),
    outputs=("out", "error"),
    state=(State("started", 0.0),),
    buffers=(Buffer("net", lambda ctx: net_layout(len(ctx.node.inputs), net_shape(ctx.node)[0])
                    ["size"]),),
    options=(Option("layers", [8, 1], kind=list,
                    doc="neurons per layer; the last is 1 (the output)"),
             Option("acts", "tanh", kind=object,  # a name or a list: no one schema type
                    doc="one activation for every layer, or a list with one per layer"),
             SEED),
    inputs="list", category="learning", check=lambda node: net_shape(node) and None,
))
