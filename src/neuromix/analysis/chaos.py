"""Bifurcation diagrams: where a patch's output peaks as one parameter sweeps, with the
largest Lyapunov exponent of each value (:mod:`neuromix.engine.lyapunov`) beneath.

Maps over two parameters, coloured by the exponent or any audio feature, come from
:mod:`neuromix.analysis.sweep`.

Examples
--------
>>> parse_range("a.w.b=-1:1:3")
('a.w.b', array([-1.,  0.,  1.]))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuromix.analysis.plots import pyplot, save_figure
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.lyapunov import EPS, RENORM, twin_run
from neuromix.graph.graph import Graph


def parse_range(text: str) -> tuple[str, np.ndarray]:
    """``"a.w.b=-3:3:64"`` as (address, 64 values from -3 to 3); a single ``=v`` gives one value.

    Examples
    --------
    >>> parse_range("a.bias=0:1:3")
    ('a.bias', array([0. , 0.5, 1. ]))
    """
    address, sep, spec = text.partition("=")
    parts = spec.split(":")
    try:
        if not sep or not address or len(parts) not in (1, 3):
            raise ValueError
        if len(parts) == 1:
            return address, np.array([float(parts[0])])
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
        if n < 1:
            raise ValueError
    except ValueError:
        raise ValueError(f"'{text}' is not ADDRESS=LO:HI:N (e.g. a.w.b=-3:3:64)") from None
    return address, np.linspace(lo, hi, n)


@dataclass
class Bifurcation:
    """Per parameter value, the output's local maxima after the transient (a Poincaré section)."""

    address: str
    values: np.ndarray
    points: list[np.ndarray]
    lyapunov: np.ndarray  # per second, for each value


def bifurcation(graph: Graph, address: str, values, seconds: float = 0.5,
                transient: float = 0.5, channel: int = 0, max_points: int = 400,
                renorm: int = RENORM, values_fixed: dict[str, float] | None = None
                ) -> Bifurcation:
    """Sweep one parameter and collect where the output peaks, with the exponent of each value.

    All values run as lanes of one compiled kernel (with their twins for the exponent). A
    fixed point shows as one dot, a period-n cycle as n dots, chaos as a smear.
    ``values_fixed`` sets other parameters first (``{"b.w.a": -1.0}``).

    Examples
    --------
    >>> import neuromix as nm
    >>> p = nm.Patch(sr=1000)
    >>> a = p.neuron(act="tanh", name="a")
    >>> a.input(p.sine(10), 1.0)
    >>> p.out(a)
    >>> b = bifurcation(p.graph, "a.w.sine1", [0.5, 1.0], seconds=0.2, transient=0.1)
    >>> [round(float(pts.max()), 2) for pts in b.points]
    [0.46, 0.76]
    """
    values = np.asarray(values, dtype=np.float64)
    k = len(values)
    compiled = CompiledPatch(graph, lanes=2 * k)
    compiled.index(address)  # a clear KeyError before any work
    for fixed, value in (values_fixed or {}).items():
        compiled.set(fixed, value)
    for i, v in enumerate(values):
        compiled.set(address, v, lane=i)
        compiled.set(address, v, lane=k + i)
    skip = int(round(transient * compiled.sr))
    audio, lam = twin_run(compiled, skip + max(int(round(seconds * compiled.sr)), 3), renorm,
                          EPS, skip)
    points = [section(audio[i, skip:, channel], max_points) for i in range(k)]
    return Bifurcation(address, values, points, lam * compiled.sr)


def section(x: np.ndarray, max_points: int) -> np.ndarray:
    """The local maxima of ``x`` (the last ``max_points``), or its last values if it has none."""
    inner = x[1:-1]
    peaks = inner[(inner > x[:-2]) & (inner >= x[2:])]
    if len(peaks) < 2:
        return x[-max_points:] if len(peaks) == 0 else np.concatenate([peaks, x[-1:]])
    return peaks[-max_points:]


def draw_bifurcation(result: Bifurcation, path, title: str | None = None) -> None:
    """Write the bifurcation diagram (and the exponent below it) as a PNG."""
    plt = pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, height_ratios=(3, 1),
                                      constrained_layout=True)
    for v, pts in zip(result.values, result.points):
        top.plot(np.full(len(pts), v), pts, ",k", alpha=0.6)
    top.set_ylabel("output peaks")
    top.set_title(title or f"bifurcation over {result.address}")
    finite = np.where(np.isfinite(result.lyapunov), result.lyapunov, 0.0)
    bottom.axhline(0, color="0.5", lw=0.8)
    bottom.plot(result.values, finite, color="C3")
    bottom.set_ylabel("Lyapunov /s")
    bottom.set_xlabel(result.address)
    save_figure(fig, path, dpi=100)
