"""Activation functions: the nonlinearity of a neuron, as code, as numpy and as a derivative.

Each entry gives the per-sample expression for the compiled kernel (with libm, and where it is
faster, through the approximations of ``compiler/approx.py`` for the default fast mode), a
numpy version (for plots, tests and learning), and the derivative expressed from the
pre-activation ``u`` and the output ``y`` (for the learning nodes).

Examples
--------
>>> import numpy as np
>>> from neuromix.nodes.activations import ACTIVATIONS
>>> float(ACTIVATIONS["hardclip"].numpy(np.array(3.0)))
1.0
>>> ACTIVATIONS["tanh"].expr("u", exact=True), ACTIVATIONS["tanh"].expr("u", exact=False)
('math.tanh(u)', 'approx.tanh(u)')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Activation:
    name: str
    code: Callable[[str], str]
    numpy: Callable[[np.ndarray], np.ndarray]
    deriv: Callable[[str, str], str]
    doc: str
    lo: float
    hi: float
    fast: Callable[[str], str] | None = None  # the approximation, where one is faster

    def expr(self, u: str, exact: bool) -> str:
        """The kernel expression of the activation of ``u``: libm's when ``exact``."""
        return self.code(u) if exact or self.fast is None else self.fast(u)


LEAK = 0.01  # slope of leaky relu below zero


def _act(name, code, numpy, deriv, doc, lo=-np.inf, hi=np.inf, fast=None):
    return name, Activation(name, code, numpy, deriv, doc, lo, hi, fast)


ACTIVATIONS: dict[str, Activation] = dict(
    [
        _act("identity", lambda u: f"{u}", lambda u: u, lambda u, y: "1.0",
             "linear mixing: output = weighted sum"),
        _act("tanh", lambda u: f"math.tanh({u})", np.tanh, lambda u, y: f"(1.0 - {y} * {y})",
             "soft clip to -1..1", -1, 1, lambda u: f"approx.tanh({u})"),
        _act("sigmoid", lambda u: f"(1.0 / (1.0 + math.exp(-{u})))",
             lambda u: 1.0 / (1.0 + np.exp(-u)), lambda u, y: f"({y} * (1.0 - {y}))",
             "logistic, 0..1", 0, 1, lambda u: f"(0.5 + 0.5 * approx.tanh(0.5 * {u}))"),
        _act("bipolar_sigmoid", lambda u: f"(2.0 / (1.0 + math.exp(-{u})) - 1.0)",
             lambda u: 2.0 / (1.0 + np.exp(-u)) - 1.0, lambda u, y: f"(0.5 * (1.0 - {y} * {y}))",
             "logistic stretched to -1..1 (= tanh(u/2))", -1, 1,
             lambda u: f"approx.tanh(0.5 * {u})"),
        _act("relu", lambda u: f"max({u}, 0.0)", lambda u: np.maximum(u, 0.0),
             lambda u, y: f"(1.0 if {u} > 0.0 else 0.0)", "rectified linear: negative parts cut",
             0, np.inf),
        _act("leaky_relu", lambda u: f"({u} if {u} > 0.0 else {LEAK} * {u})",
             lambda u: np.where(u > 0, u, LEAK * u), lambda u, y: f"(1.0 if {u} > 0.0 else {LEAK})",
             f"relu with slope {LEAK} below zero"),
        _act("hardclip", lambda u: f"min(max({u}, -1.0), 1.0)", lambda u: np.clip(u, -1.0, 1.0),
             lambda u, y: f"(1.0 if -1.0 < {u} < 1.0 else 0.0)",
             "linear mixing with hard clipping at -1..1", -1, 1),
        _act("softsign", lambda u: f"({u} / (1.0 + abs({u})))", lambda u: u / (1.0 + np.abs(u)),
             lambda u, y: f"(1.0 / ((1.0 + abs({u})) * (1.0 + abs({u}))))",
             "u / (1 + |u|): a gentler soft clip", -1, 1),
        _act("sin", lambda u: f"math.sin({u})", np.sin, lambda u, y: f"math.cos({u})",
             "sine: folds a large sum back and forth", -1, 1, lambda u: f"approx.sin({u})"),
        _act("abs", lambda u: f"abs({u})", np.abs, lambda u, y: f"(1.0 if {u} > 0.0 else -1.0)",
             "full-wave rectifier", 0, np.inf),
        _act("halfwave", lambda u: f"max({u}, 0.0)", lambda u: np.maximum(u, 0.0),
             lambda u, y: f"(1.0 if {u} > 0.0 else 0.0)", "half-wave rectifier (as relu)", 0, np.inf),
        _act("step", lambda u: f"(1.0 if {u} >= 0.0 else -1.0)", lambda u: np.where(u >= 0, 1.0, -1.0),
             lambda u, y: "0.0", "comparator: +1 when the sum is >= 0, else -1", -1, 1),
    ]
)


def get(name: str) -> Activation:
    """The activation called ``name``; KeyError naming the nearest valid ones."""
    if name not in ACTIVATIONS:
        import difflib

        near = difflib.get_close_matches(name, ACTIVATIONS, n=3)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise KeyError(f"unknown activation {name!r}{hint}")
    return ACTIVATIONS[name]
