"""Chaotic sources: the logistic map, and the Lorenz and Rössler attractors.

The attractors are integrated per sample with classic fourth-order Runge–Kutta. ``rate`` is
how much model time passes per second of audio: about 1 gives a slow modulation source (a
Lorenz lobe every second or so), hundreds an audio-rate oscillator. A sample's time step is
split into equal sub-steps no longer than ``MAX_STEP`` so the integration stays accurate and
stable at any rate. Outputs ``x``, ``y``, ``z`` are scaled to about −1..1 for the classic
parameters and clamped there; should the state ever leave the attractor's region (extreme
parameters), it restarts from its initial point, so a source runs for hours unattended. As with the
oscillators, the output at sample n is the state at time n·rate/sr (sample 0 is the start).

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> lz = p.lorenz(rate=50.0)
>>> p.out([lz.port("x"), lz.port("y"), lz.port("z")])
>>> y = p.render(seconds=1.0)
>>> bool(abs(y).max() <= 1.0)
True
"""

from __future__ import annotations

from neuromix.nodes._registry import NodeType, Option, Param, State, register

MAX_STEP = 0.002  # longest RK4 step in model time
ESCAPE = 1e4  # a state coordinate beyond this restarts the system
RATE = "rate"


def _emit_logistic(ctx):
    x, ph, wrap = ctx.s("x"), ctx.s("phase"), ctx.tmp("wrap")
    return [
        f"{ctx.out()} = 2.0 * {x} - 1.0",
        f"{ph} += {ctx.p('rate')} * {1.0 / ctx.sr!r}",
        f"{wrap} = math.floor({ph})",
        f"{ph} -= {wrap}",
        f"if {wrap} != 0.0:",
        f"    {x} = {ctx.p('r')} * {x} * (1.0 - {x})",
        f"    if not (0.0 < {x} < 1.0):",
        f"        {x} = {float(ctx.opt('x0'))!r}",
    ]


register(NodeType(
    "logistic",
    "Logistic map x ← r·x·(1 − x), stepped `rate` times per second and held between steps; "
    "out = 2x − 1. Chaotic for r above about 3.57 (periodic windows included).",
    _emit_logistic,
    params=(Param("r", 3.9, 0.0, 4.0, "", "growth rate (chaos above ~3.57)"),
            Param("rate", 100.0, 0.0, 1e6, "Hz", "steps per second")),
    state=(State("x", lambda ctx: float(ctx.opt("x0"))), State("phase")),
    options=(Option("x0", 0.4, kind=float, doc="starting value (0 < x0 < 1)", lo=1e-9,
                    hi=1.0 - 1e-9),),
    category="chaos",
))


def _rk4(ctx, xyz: tuple[str, str, str], deriv, h: str, nsub: str) -> list[str]:
    """Lines taking ``nsub`` RK4 steps of size ``h`` of dx/dt = deriv(x, y, z)."""
    x, y, z = xyz
    k = [[ctx.tmp(f"k{i}{c}") for c in "xyz"] for i in range(4)]
    m = [ctx.tmp(f"m{c}") for c in "xyz"]
    i = ctx.tmp("i")
    body = []
    for stage in range(4):
        point = (x, y, z) if stage == 0 else tuple(m)
        body += [f"{kv} = {expr}" for kv, expr in zip(k[stage], deriv(*point))]
        if stage < 3:
            frac = "0.5 * " if stage < 2 else ""
            body += [f"{mv} = {v} + {frac}{h} * {kv}" for mv, v, kv in zip(m, (x, y, z), k[stage])]
    for c, v in enumerate((x, y, z)):
        body.append(f"{v} += {h} * {1.0 / 6.0!r} * ({k[0][c]} + 2.0 * {k[1][c]} "
                    f"+ 2.0 * {k[2][c]} + {k[3][c]})")
    return [f"for {i} in range({nsub}):"] + ["    " + line for line in body]


def _emit_attractor(deriv, scales, init):
    def emit(ctx):
        x, y, z = ctx.s("x"), ctx.s("y"), ctx.s("z")
        dt = f"max({ctx.p(RATE)}, 0.0) * {1.0 / ctx.sr!r}"
        nsub = ctx.rate(f"max(int(math.ceil({dt} * {1.0 / MAX_STEP!r})), 1)", RATE)
        h = ctx.rate(f"{dt} / {nsub}", RATE)
        lines = [f"{ctx.out(port)} = min(max({var} * {scale} - {shift}, -1.0), 1.0)"
                 for port, var, (scale, shift) in zip("xyz", (x, y, z), scales(ctx))]
        lines += _rk4(ctx, (x, y, z), lambda a, b, c: deriv(ctx, a, b, c), h, nsub)
        lines += [
            f"if not (abs({x}) < {ESCAPE!r} and abs({y}) < {ESCAPE!r} and abs({z}) < {ESCAPE!r}):",
            f"    {x} = {init(ctx)[0]!r}",
            f"    {y} = {init(ctx)[1]!r}",
            f"    {z} = {init(ctx)[2]!r}",
        ]
        return lines

    return emit


def _lorenz_deriv(ctx, x, y, z):
    s, r, b = ctx.p("sigma"), ctx.p("rho"), ctx.p("beta")
    return f"{s} * ({y} - {x})", f"{x} * ({r} - {z}) - {y}", f"{x} * {y} - {b} * {z}"


def _lorenz_scales(ctx):
    inv = f"(1.0 / max({ctx.p('rho')}, 1.0))"
    return (f"{inv} * 1.3333333333333333", "0.0"), (inv, "0.0"), (inv, "1.0")


def _lorenz_init(ctx):
    return float(ctx.opt("x0")), 1.0, 1.0


def _rossler_deriv(ctx, x, y, z):
    a, b, c = ctx.p("a"), ctx.p("b"), ctx.p("c")
    return f"-{y} - {z}", f"{x} + {a} * {y}", f"{b} + {z} * ({x} - {c})"


def _rossler_scales(ctx):
    c = f"max({ctx.p('c')}, 0.1)"
    return (f"(1.0 / (2.2 * {c}))", "0.0"), (f"(1.0 / (2.2 * {c}))", "0.0"), (f"(1.0 / (2.1 * {c}))", "1.0")


def _rossler_init(ctx):
    return float(ctx.opt("x0")), 1.0, 1.0


def _attractor_state(init):
    return (State("x", lambda ctx: init(ctx)[0]), State("y", lambda ctx: init(ctx)[1]),
            State("z", lambda ctx: init(ctx)[2]))


X0 = Option("x0", 1.0, kind=float, doc="starting x (y and z start at 1); vary to decorrelate twins",
            lo=-100.0, hi=100.0)

register(NodeType(
    "lorenz",
    "Lorenz attractor dx/dt = σ(y − x), dy/dt = x(ρ − z) − y, dz/dt = xy − βz, RK4 per sample. "
    "Outputs x·4/(3ρ), y/ρ, z/ρ − 1, clamped to ±1 (about ±1 for the classic 10, 28, 8/3).",
    _emit_attractor(_lorenz_deriv, _lorenz_scales, _lorenz_init),
    params=(Param(RATE, 1.0, 0.0, 10000.0, "1/s", "model time per second (speed)"),
            Param("sigma", 10.0, 0.0, 100.0, "", "σ"), Param("rho", 28.0, 0.0, 200.0, "", "ρ"),
            Param("beta", 8.0 / 3.0, 0.0, 20.0, "", "β")),
    outputs=("x", "y", "z"), state=_attractor_state(_lorenz_init), options=(X0,),
    category="chaos",
))

register(NodeType(
    "rossler",
    "Rössler attractor dx/dt = −y − z, dy/dt = x + ay, dz/dt = b + z(x − c), RK4 per sample. "
    "Outputs x/(2.2c), y/(2.2c), z/(2.1c) − 1, clamped to ±1.",
    _emit_attractor(_rossler_deriv, _rossler_scales, _rossler_init),
    params=(Param(RATE, 5.0, 0.0, 10000.0, "1/s", "model time per second (speed)"),
            Param("a", 0.2, -1.0, 1.0, "", "a"), Param("b", 0.2, 0.0, 10.0, "", "b"),
            Param("c", 5.7, 0.1, 50.0, "", "c")),
    outputs=("x", "y", "z"), state=_attractor_state(_rossler_init), options=(X0,),
    category="chaos",
))
