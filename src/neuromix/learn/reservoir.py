"""Reservoir resynthesis: an echo state network that learns to play a target sound by itself.

A recurrent network of N tanh neurons, each listening to ``degree`` random others (weights
scaled so the matrix has a chosen spectral radius) and to the network's own output, is driven
by the target under teacher forcing. Each neuron's state is leaky (a leaky-integrator echo
state network, so its time scale suits audio at 48 kHz)::

    x[n] = (1 − a)·x[n−1] + a·tanh(W·x[n−1] + f·(d[n−1] + noise) + b)

A linear readout ``y[n] = w·x[n] + c + v·d[n−1]`` is fitted by ridge regression. Run free, the
output is fed back in place of the target and the network continues the sound on its own.

Reservoirs are sensitive to their settings, so several (leak ``a``, spectral radius, feedback
scale, ridge, teacher noise, random draws) are trained and each is run free over the part of
the target after the training span; the one whose free run is closest in MFCCs
(:func:`.losses.mfcc_nrmse`) is kept.

The result is an ordinary patch with one ``network`` node ``res`` (see
:mod:`neuromix.nodes.network`): the recurrent weights, output feedback, leak, readout (with the
output's own previous sample as ``direct``) and the start state (where teacher forcing ended, so
the render continues the target). Its weights sit inline in the patch for small reservoirs and
in an ``.npz`` file beside it otherwise; each is a parameter like any other (``res.w.3.7``).

Examples
--------
>>> import numpy as np
>>> sr = 8000
>>> t = np.arange(3 * sr) / sr
>>> target = 0.5 * np.sin(2 * np.pi * 200 * t)
>>> res = train(target, sr, neurons=20, train_seconds=1.0, seed=1, progress=False)
>>> y = res.run(sr)
>>> bool(np.abs(y).max() < 1.0), res.graph().nodes["res"].type
(True, 'network')
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np

from neuromix.features import mono
from neuromix.graph.graph import Graph, Node, Ref
from neuromix.learn.losses import log_spectral_distance, mfcc_nrmse, snr_db
from neuromix.graph.patchfile import save
from neuromix.io.atomic import temporary_beside
from neuromix.nodes._registry import FilePath

GRID = {"leak": (0.02, 0.05, 0.2), "radius": (0.9,), "feedback": (1.0, 3.0),
        "ridge": (0.1, 10.0), "noise": (1e-3, 1e-2)}
BIAS = 0.5  # neuron biases are uniform in ±BIAS
WASHOUT = 0.05  # seconds of teacher forcing left out of the regression
INLINE = 16  # reservoirs up to this many neurons keep their weights inside the patch file


@numba.njit(cache=True, nogil=True)
def _teacher_forced(idx, val, fb, bias, leak, target, noise, seed):
    """Leaky states under teacher forcing (each step driven by the previous target sample)."""
    n, size = len(target), len(bias)
    states = np.empty((n, size))
    x, nxt = np.zeros(size), np.empty(size)
    np.random.seed(seed)
    prev = 0.0
    for t in range(n):
        drive = prev + noise * np.random.standard_normal()
        for i in range(size):
            u = bias[i]
            for k in range(idx.shape[1]):
                u += val[i, k] * x[idx[i, k]]
            nxt[i] = leak * math.tanh(u + fb[i] * drive) + (1.0 - leak) * x[i]
        x[:] = nxt
        states[t] = x
        prev = target[t]
    return states


@numba.njit(cache=True, nogil=True)
def _free_run(idx, val, fb, bias, leak, state, readout, readout_bias, direct, last, frames):
    """The network run free from its state before the first sample (the network node's step,
    with the sparse matrix)."""
    size = len(bias)
    x, act, out = state.copy(), np.empty(size), np.empty(frames)
    y = last
    for t in range(frames):
        for i in range(size):
            u = bias[i] + fb[i] * y
            for k in range(idx.shape[1]):
                u += val[i, k] * x[idx[i, k]]
            act[i] = math.tanh(u)
        for i in range(size):
            x[i] = leak * act[i] + (1.0 - leak) * x[i]
        yn = readout_bias + direct * y
        for i in range(size):
            yn += readout[i] * x[i]
        y = yn
        out[t] = y
    return out


def random_reservoir(neurons: int, degree: int, radius: float, feedback: float, seed: int):
    """(inputs per neuron, their weights, feedback weights, biases): sparse, at ``radius``."""
    rng = np.random.default_rng(seed)
    degree = min(degree, neurons)
    idx = np.stack([np.sort(rng.choice(neurons, degree, replace=False)) for _ in range(neurons)])
    val = rng.standard_normal((neurons, degree))
    dense = np.zeros((neurons, neurons))
    np.put_along_axis(dense, idx, val, axis=1)
    val *= radius / max(np.max(np.abs(np.linalg.eigvals(dense))), 1e-12)
    fb = rng.uniform(-feedback, feedback, neurons)
    bias = rng.uniform(-BIAS, BIAS, neurons)
    return idx.astype(np.int64), val, fb, bias


@dataclass
class Reservoir:
    """A trained echo state network: weights, readout and start state; runs and saves itself."""

    sr: float
    idx: np.ndarray
    val: np.ndarray
    feedback: np.ndarray
    bias: np.ndarray
    leak: float  # each state moves this far towards its neuron's tanh per sample (1: none)
    state: np.ndarray  # the states before the first sample (where teacher forcing ended)
    readout: np.ndarray
    readout_bias: float
    direct: float  # weight of the output's own previous sample in the readout
    last: float  # the target's last training sample: the output's "previous" at the start
    settings: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    def run(self, frames: int) -> np.ndarray:
        """The free-running output for ``frames`` samples (what the saved patch renders)."""
        return _free_run(self.idx, self.val, self.feedback, self.bias, float(self.leak),
                         self.state, self.readout,
                         float(self.readout_bias), float(self.direct), float(self.last),
                         int(frames))

    def arrays(self) -> dict[str, np.ndarray]:
        """The network node's arrays (see :mod:`neuromix.nodes.network`)."""
        size = len(self.bias)
        w = np.zeros((size, size))
        np.put_along_axis(w, self.idx, self.val, axis=1)
        return {"w": w, "bias": self.bias, "leak": np.full(size, float(self.leak)),
                "feedback": self.feedback[:, None], "readout": self.readout[None, :],
                "readout_bias": np.array([self.readout_bias]),
                "direct": np.array([[self.direct]]), "state": self.state,
                "start_out": np.array([self.last])}

    def graph(self, weights: str | None = None) -> Graph:
        """The reservoir as a patch graph: one network node ``res``, its arrays inline, or
        read from the file ``weights`` (written by :meth:`save`)."""
        g = Graph(sr=float(self.sr), seed=int(self.settings.get("seed", 0)))
        options = {"neurons": len(self.bias), "act": "tanh"}
        if weights is None:
            options.update({k: v.tolist() for k, v in self.arrays().items()})
        else:
            options["weights"] = weights
        g.add(Node("res", "network", options=options))
        g.outputs = [Ref("res")]
        return g

    def save(self, path) -> None:
        """Write the reservoir as a patch file (atomically), its settings in the header; the
        weights go inline up to INLINE neurons, else to ``<patch>.npz`` beside it."""
        path = Path(path)
        weights = None
        if len(self.bias) > INLINE:
            npz = path.with_suffix(".npz")
            tmp = temporary_beside(npz)
            try:
                with open(tmp, "wb") as fh:
                    np.savez(fh, **self.arrays())
                os.replace(tmp, npz)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            weights = FilePath(npz.name, str(path.parent))
        what = ", ".join(f"{k} {v}" for k, v in self.settings.items())
        save(self.graph(weights), path, comment=f"reservoir resynthesis by neuromix learn "
                                                f"reservoir\n{what}")


def _candidates(target, sr, train, neurons, degree, seed, leak, radius, feedback, noise, ridges):
    """One reservoir driven by the target, with a readout for each ridge value."""
    scale = 1.0 / max(np.max(np.abs(target[:train])), 1e-9)  # feedback sees the target at ±1
    idx, val, fb, bias = random_reservoir(neurons, degree, radius, feedback * scale, seed)
    states = _teacher_forced(idx, val, fb, bias, leak, target[:train], noise / scale, seed)
    wash = min(int(WASHOUT * sr), train // 2)
    previous = np.concatenate([[0.0], target[:train - 1]])[wash:, None]
    a = np.hstack([states[wash:], np.ones((train - wash, 1)), previous])
    gram, rhs = a.T @ a, a.T @ target[wash:train]
    for ridge in ridges:
        w = np.linalg.solve(gram + ridge * np.eye(len(gram)), rhs)
        settings = {"neurons": neurons, "degree": degree, "leak": leak, "radius": radius,
                    "feedback": feedback, "ridge": ridge, "noise": noise, "seed": seed}
        yield Reservoir(float(sr), idx, val, fb, bias, leak, states[-1], w[:-2], float(w[-2]),
                        float(w[-1]),
                        float(target[train - 1]), settings)


def train(target: np.ndarray, sr: float, *, neurons: int = 100, degree: int = 10,
          train_seconds: float = 1.0, validate_seconds: float = 2.0, seed: int = 0,
          reservoirs: int = 3, grid: dict | None = None, progress: bool = True) -> Reservoir:
    """Train reservoirs on the first ``train_seconds`` of ``target`` and keep the best free run.

    The free runs are compared with the target's next ``validate_seconds`` (with the training
    span itself when the target is no longer). ``grid`` maps setting names to the values tried
    (default :data:`GRID`), each with ``reservoirs`` random draws (seeds ``seed``, ``seed + 1``,
    ...).
    """
    from tqdm import tqdm

    target = mono(target)
    train_n = int(round(train_seconds * sr))
    if train_n < 256 or len(target) < train_n or not np.isfinite(target).all() or not target.any():
        raise ValueError(f"the target must hold at least {train_seconds:g} s of finite, not silent "
                         f"audio (it has {len(target) / sr:.3f} s)")
    if not 1 <= neurons <= 1000 or not 1 <= degree:
        raise ValueError("neurons must be 1 to 1000 and degree at least 1")
    rest = target[train_n:train_n + int(round(validate_seconds * sr))]
    reference = rest if len(rest) >= 0.25 * sr else target[:train_n]
    grid = {**GRID, **(grid or {})}
    combos = list(itertools.product(range(seed, seed + reservoirs), grid["leak"],
                                    grid["radius"], grid["feedback"], grid["noise"]))
    best, curve = None, []
    bar = tqdm(combos, desc="reservoirs", disable=None if progress else True, leave=False)
    for draw, leak, radius, feedback, noise in bar:
        for res in _candidates(target, sr, train_n, neurons, degree, draw, leak, radius,
                               feedback, noise, grid["ridge"]):
            out = res.run(len(reference))
            bounded = np.isfinite(out).all() and np.max(np.abs(out)) < 4 * np.max(np.abs(target))
            score = mfcc_nrmse(out, reference, sr) if bounded else math.inf
            if best is None or score < best[0]:
                best = (score, res, out)
            curve.append(best[0])
    score, res, out = best
    res.report = {"mfcc_nrmse": score, "snr_db": snr_db(reference, out),
                  "log_spectral_distance_db": log_spectral_distance(out, reference, sr),
                  "candidates": len(curve), "train_seconds": train_n / sr,
                  "validate_seconds": len(reference) / sr, "curve": curve}
    return res
