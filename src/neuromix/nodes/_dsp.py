"""Fragment helpers shared by the filter, delay and reverb nodes.

``derived`` names a value computed from parameters once per block when they are all constant
and per sample otherwise (coefficients); ``read_delay`` reads a ring buffer ``samples`` behind
its write position with no, linear or cubic (Hermite) interpolation.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=1000)
>>> p.out(p.delay(p.const(1.0), time=0.0025, interp="linear"))
>>> [round(float(v), 3) for v in p.render(frames=5)[:, 0]]
[0.0, 0.0, 0.5, 1.0, 1.0]
"""

from __future__ import annotations

INTERPOLATIONS = ("none", "linear", "hermite")
# the shortest delay (samples) each interpolation can read before this sample is written, and
# how many older samples past the delay it reads
SHORTEST = {"none": 1, "linear": 1, "hermite": 2}
REACH = {"none": 0, "linear": 1, "hermite": 2}
SNAP = 1e-9  # delays this close to a whole number of samples read that sample exactly


def derived(ctx, lines: list[str], name: str, expr: str, *params: str) -> str:
    """A local holding ``expr``: per block if every one of ``params`` is constant, else per sample.

    Per-sample assignments are appended to ``lines``; the returned name is valid after them.
    """
    if all(ctx.is_const(p) for p in params):
        return ctx.rate(expr, *params)
    var = ctx.tmp(name)
    lines.append(f"{var} = {expr}")
    return var


def read_delay(ctx, lines: list[str], buf: str, write: str, samples: str, interp: str,
               *params: str) -> str:
    """A local holding ring ``buf`` read ``samples`` (a float expression) behind ``write``.

    ``params`` are the parameters ``samples`` depends on (for per-block evaluation). The delay is
    clamped to what the ring holds and to the shortest delay the interpolation can read.
    """
    size = ctx.size(buf)
    mask = size - 1
    lo, hi = SHORTEST[interp], size - 1 - REACH[interp]

    def at(offset: str) -> str:
        return ctx.at(buf, f"({write} - {offset}) & {mask}")

    value = ctx.tmp("tap")
    if interp == "none":
        d = derived(ctx, lines, "d", f"min(max(int(round({samples})), {lo}), {hi})", *params)
        lines.append(f"{value} = {at(d)}")
        return value
    dd = derived(ctx, lines, "dd", f"min(max({samples}, {float(lo)!r}), {float(hi)!r})", *params)
    d = derived(ctx, lines, "d", f"int({dd} + {SNAP!r})", *params)
    frac = derived(ctx, lines, "frac", f"({dd} - {d}) if abs({dd} - {d}) > {SNAP!r} else 0.0",
                   *params)
    if interp == "linear":
        a, b = ctx.tmp("a"), ctx.tmp("b")
        lines += [f"{a} = {at(d)}", f"{b} = {at(f'({d} + 1)')}",
                  f"{value} = {a} + {frac} * ({b} - {a})"]
        return value
    xm, x0, x1, x2 = (ctx.tmp(n) for n in ("xm", "x0", "x1", "x2"))
    lines += [
        f"{xm} = {at(f'({d} - 1)')}",
        f"{x0} = {at(d)}",
        f"{x1} = {at(f'({d} + 1)')}",
        f"{x2} = {at(f'({d} + 2)')}",
        f"{value} = ((((0.5 * ({x2} - {xm}) + 1.5 * ({x0} - {x1})) * {frac}"
        f" + ({xm} - 2.5 * {x0} + 2.0 * {x1} - 0.5 * {x2})) * {frac}"
        f" + 0.5 * ({x1} - {xm})) * {frac} + {x0})",
    ]
    return value
