"""A small multi-layer network trained on examples, written into a patch as neuron nodes.

:func:`fit` trains a fully connected network (hidden sizes and an activation per hidden layer,
an identity output layer) with Adam on the mean squared error, on inputs and outputs scaled to
−1..1 from the examples' ranges; a validation share stops it early and keeps the best weights.
It runs on any thread, reports each epoch and can be cancelled. The :class:`Model` keeps its
scaling; :meth:`Model.layers` folds the scaling into the first and last layers' weights, so the
network in a patch is ordinary neurons: ``act(bias + Σ w·x)``, the same numbers as
:meth:`Model.predict`.

Examples
--------
>>> import numpy as np
>>> x = np.linspace(-1, 1, 41)[:, None]
>>> m = fit(x, 3 * x + 1, ["x"], ["y"], Settings(hidden=(4,), epochs=300, validation=0.0))
>>> bool(np.abs(m.predict(np.array([[0.5]])) - 2.5).max() < 0.05)
True
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from neuromix.nodes.activations import ACTIVATIONS
from neuromix.errors import TrainError  # noqa: F401  (raised here, caught by the CLI)
from neuromix.io.atomic import write_text

# derivatives from the pre-activation u and the output y, for the activations training supports
DERIVATIVES: dict[str, Callable] = {
    "tanh": lambda u, y: 1.0 - y * y,
    "sigmoid": lambda u, y: y * (1.0 - y),
    "bipolar_sigmoid": lambda u, y: 0.5 * (1.0 - y * y),
    "relu": lambda u, y: (u > 0.0).astype(float),
    "leaky_relu": lambda u, y: np.where(u > 0.0, 1.0, 0.01),
    "softsign": lambda u, y: 1.0 / (1.0 + np.abs(u)) ** 2,
    "sin": lambda u, y: np.cos(u),
    "identity": lambda u, y: np.ones_like(u),
}



@dataclass(frozen=True)
class Settings:
    """How to train: layer sizes, activations, step size, epochs, seed, validation share."""

    hidden: tuple[int, ...] = (8,)
    activations: tuple[str, ...] = ("tanh",)
    learning_rate: float = 0.01
    epochs: int = 2000
    seed: int = 0
    validation: float = 0.2
    patience: int = 200  # epochs without a better validation error before stopping

    def __post_init__(self):
        acts = self.activations
        if len(acts) == 1 and len(self.hidden) > 1:
            object.__setattr__(self, "activations", tuple(acts) * len(self.hidden))
        if len(self.activations) != len(self.hidden):
            raise ValueError("give one activation, or one per hidden layer")
        for act in self.activations:
            if act not in DERIVATIVES:
                raise ValueError(f"training supports the activations {', '.join(DERIVATIVES)}, "
                                 f"not '{act}'")


@dataclass
class Model:
    """A trained network with the scaling of its inputs and outputs."""

    inputs: list[str]
    outputs: list[str]
    activations: list[str]
    weights: list[np.ndarray]  # layer by layer, (outputs, inputs)
    biases: list[np.ndarray]
    in_offset: np.ndarray
    in_scale: np.ndarray
    out_offset: np.ndarray
    out_scale: np.ndarray
    history: list[tuple[float, float]] = field(default_factory=list)  # (train, validation);
    # per epoch of this training, not saved (the file keeps the count)
    error: float = float("nan")  # validation RMS error as a share of each output's range

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Outputs for rows of inputs, as the trainer computes them."""
        h = (np.asarray(x, dtype=float) - self.in_offset) * self.in_scale
        h = _forward(self.weights, self.biases, self.activations, h)[-1][1]
        return h * self.out_scale + self.out_offset

    def layers(self) -> list[tuple[np.ndarray, np.ndarray, str]]:
        """(weights, biases, activation) per layer with the scaling folded in (for neurons)."""
        w = [wi.copy() for wi in self.weights]
        b = [bi.copy() for bi in self.biases]
        b[0] = b[0] - w[0] @ (self.in_offset * self.in_scale)
        w[0] = w[0] * self.in_scale[None, :]
        b[-1] = b[-1] * self.out_scale + self.out_offset
        w[-1] = w[-1] * self.out_scale[:, None]
        return list(zip(w, b, [*self.activations, "identity"]))

    def to_json(self) -> str:
        data = {"neuromix-model": 1, "inputs": self.inputs, "outputs": self.outputs,
                "activations": self.activations, "error": self.error,
                "weights": [w.tolist() for w in self.weights],
                "biases": [b.tolist() for b in self.biases],
                "scaling": {k: getattr(self, k).tolist()
                            for k in ("in_offset", "in_scale", "out_offset", "out_scale")},
                "epochs": len(self.history)}
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Model":
        data = json.loads(text)
        scaling = {k: np.array(v, dtype=float) for k, v in data["scaling"].items()}
        return cls(data["inputs"], data["outputs"], data["activations"],
                   [np.array(w, dtype=float) for w in data["weights"]],
                   [np.array(b, dtype=float) for b in data["biases"]], **scaling,
                   error=float(data.get("error", float("nan"))))

    def save(self, path) -> None:
        write_text(path, self.to_json())

    @classmethod
    def load(cls, path) -> "Model":
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


def _act(name: str, u: np.ndarray) -> np.ndarray:
    return ACTIVATIONS[name].numpy(u)


def _forward(weights, biases, activations, x):
    """[(u, y)] per layer (the last layer is linear)."""
    out, h = [], x
    for i, (w, b) in enumerate(zip(weights, biases)):
        u = h @ w.T + b
        h = _act(activations[i], u) if i < len(activations) else u
        out.append((u, h))
    return out


def _scaling(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offset and half-range of each column (half-range 1 where a column is constant)."""
    lo, hi = data.min(axis=0), data.max(axis=0)
    half = (hi - lo) / 2.0
    return (hi + lo) / 2.0, np.where(half > 0, half, 1.0)


def check_examples(x: np.ndarray, y: np.ndarray) -> None:
    """Raise :class:`TrainError` for examples that cannot be trained on."""
    if len(x) == 0:
        raise TrainError("no examples to train on: record some first")
    if len(x) == 1:
        raise TrainError("one example is not enough to train on: record at least two poses")
    bad = ~(np.isfinite(x).all(axis=1) & np.isfinite(y).all(axis=1))
    if bad.any():
        raise TrainError(f"example {int(np.argmax(bad)) + 1} has a value that is not a number "
                         f"(NaN or infinite); fix or delete it")


def fit(x, y, inputs: list[str], outputs: list[str], settings: Settings = Settings(),
        progress: Callable[[int, float, float], None] | None = None,
        cancel=None) -> Model:
    """Train a network on examples ``x`` (n, inputs) → ``y`` (n, outputs).

    ``progress(epoch, train_error, validation_error)`` is called after each epoch (errors are
    RMS on the −1..1 scaled outputs); a set ``cancel`` event stops training with
    :class:`TrainError`. Returns the model with the best validation error.
    """
    x = np.asarray(x, dtype=float).reshape(len(x), len(inputs))
    y = np.asarray(y, dtype=float).reshape(len(y), len(outputs))
    check_examples(x, y)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # checked just below
        in_offset, in_half = _scaling(x)
        out_offset, out_scale = _scaling(y)
        in_scale = 1.0 / in_half
    _require_finite("the examples' values are too large to train on (their range overflows)",
                    in_offset, in_half, in_scale, out_offset, out_scale)
    xs, ys = (x - in_offset) / in_half, (y - out_offset) / out_scale
    rng = np.random.default_rng(settings.seed)
    order = rng.permutation(len(x))
    n_val = int(round(settings.validation * len(x)))
    n_val = min(max(n_val, 1 if settings.validation > 0 and len(x) >= 5 else 0), len(x) - 1)
    val, train = order[:n_val], order[n_val:]
    sizes = [x.shape[1], *settings.hidden, y.shape[1]]
    weights = [rng.normal(0.0, math.sqrt(2.0 / (a + b)), (b, a)) for a, b in zip(sizes, sizes[1:])]
    biases = [np.zeros(b) for b in sizes[1:]]
    params = weights + biases
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    acts = list(settings.activations)
    best = (math.inf, [p.copy() for p in params])
    history, since_best = [], 0
    beta1, beta2, eps, lr = 0.9, 0.999, 1e-8, settings.learning_rate
    for epoch in range(1, settings.epochs + 1):
        if cancel is not None and cancel.is_set():
            raise TrainError("training cancelled; the previous model stays")
        grads = _gradients(weights, biases, acts, xs[train], ys[train])
        for i, (p, g) in enumerate(zip(params, grads)):
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            p -= lr * (m[i] / (1 - beta1 ** epoch)) / (np.sqrt(v[i] / (1 - beta2 ** epoch)) + eps)
        train_err = _rms(weights, biases, acts, xs[train], ys[train])
        val_err = _rms(weights, biases, acts, xs[val], ys[val]) if n_val else train_err
        history.append((train_err, val_err))
        if progress is not None:
            progress(epoch, train_err, val_err)
        if val_err < best[0]:
            best, since_best = (val_err, [p.copy() for p in params]), 0
        else:
            since_best += 1
            if n_val and since_best >= settings.patience:
                break
    k = len(weights)
    model = Model(list(inputs), list(outputs), acts, best[1][:k], best[1][k:], in_offset,
                  in_scale, out_offset, out_scale, history)
    model.error = best[0] / 2.0  # RMS on −1..1 as a share of the range
    _require_finite("training gave numbers that are not finite", *model.weights, *model.biases,
                    model.in_scale, model.out_scale, np.array([model.error]))
    return model


def _require_finite(what: str, *arrays) -> None:
    """TrainError (the previous model stays) unless every value of ``arrays`` is finite.

    Examples
    --------
    >>> _require_finite("bad", np.array([1.0, 2.0]))
    >>> _require_finite("bad", np.array([1.0, np.inf]))
    Traceback (most recent call last):
    neuromix.errors.TrainError: bad: scale the examples to a smaller range; the previous model stays
    """
    if not all(np.isfinite(a).all() for a in arrays):
        raise TrainError(f"{what}: scale the examples to a smaller range; the previous model "
                         f"stays")


def _rms(weights, biases, acts, x, y) -> float:
    pred = _forward(weights, biases, acts, x)[-1][1]
    return float(np.sqrt(np.mean((pred - y) ** 2)))


def _gradients(weights, biases, acts, x, y):
    """Gradients of the mean squared error for every weight matrix, then every bias."""
    layers = _forward(weights, biases, acts, x)
    delta = 2.0 * (layers[-1][1] - y) / y.size
    gw, gb = [None] * len(weights), [None] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        below = layers[i - 1][1] if i > 0 else x
        gw[i] = delta.T @ below
        gb[i] = delta.sum(axis=0)
        if i > 0:
            u, h = layers[i - 1]
            delta = (delta @ weights[i]) * DERIVATIVES[acts[i - 1]](u, h)
    return gw + gb
