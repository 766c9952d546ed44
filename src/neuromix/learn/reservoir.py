"""Reservoir resynthesis: an echo state network that learns to play a target sound by itself.

A recurrent network of N tanh neurons, each listening to ``degree`` random others (weights
scaled so the matrix has a chosen spectral radius) and to the network's own output, is driven
by the target under teacher forcing. Each neuron's state is leaky, and the neurons come in
groups with different leaks (time scales), so the network holds both the waveform and its slow
changes::

    x[n] = (1 − a)·x[n−1] + a·tanh(W·x[n−1] + f·(d[n−1] + noise) + b)

A linear readout ``y[n] = w·x[n] + c + v·d[n−1]`` is fitted by ridge regression, its ridge
chosen by cross-validation over blocks of the training span. Run free, the output is fed back
in place of the target, and the part of the target the readout could not predict (its
residual, breath and bow noise) is added back as white noise of the residual's size, which
the output feedback then colours as the target's dynamics do (a nonlinear autoregressive model
driven by its innovations).

Reservoirs are sensitive to their settings, so several (leak groups, spectral radius, feedback
scale, teacher noise, ridge, with and without the noise, random draws) are trained, over
threads, and each is run free over the part of the target after the training span; the one
whose free run is closest in MFCCs (:func:`.losses.mfcc_nrmse`) and stays bounded over a long
run is kept.

Several targets train one reservoir with one readout each (:func:`train` with a list): the
saved patch then has a ``morph`` parameter (``res.morph``, 0 plays the first sound, 1 the
second, ...) that blends the readouts, and so the sound, continuously.

The result is an ordinary patch with one ``network`` node ``res`` (see
:mod:`neuromix.nodes.network`) and a ``noise`` node feeding its last neuron (the innovation:
a neuron with no recurrent weights whose readout weight sets the noise level): the recurrent
weights, output feedback, leaks, readouts (with the output's previous sample as ``direct``)
and the start state (where teacher forcing ended, so the render continues the target). Its
weights sit inline in the patch for small reservoirs and in an ``.npz`` file beside it
otherwise; each is a parameter like any other (``res.w.3.7``).

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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np

from neuromix.features import mono, spectral_centroid
from neuromix.graph.graph import Graph, Input, Node, Ref
from neuromix.graph.patchfile import save
from neuromix.io.atomic import temporary_beside
from neuromix.learn.losses import continuation, log_spectral_distance, mfcc, snr_db
from neuromix.nodes._registry import FilePath
from neuromix.nodes.noise import seed_for

GRID = {"leaks": ((0.3, 1.0), (0.05, 0.2, 1.0), (0.02, 0.1, 0.5)), "radius": (0.9,),
        "feedback": (1.0, 3.0), "noise": (1e-2,), "ridge": (1.0, 30.0),
        "innovation": (0.0, 0.3)}
BIAS = 0.5  # neuron biases are uniform in ±BIAS
WASHOUT = 0.05  # seconds of teacher forcing left out of the regression
FOLDS = 3  # blocks of the training span for cross-validating the ridge
RIDGES = 10.0 ** np.arange(-9.0, 0.5, 1.0)  # tried by cross-validation, × the mean feature power
INLINE = 16  # reservoirs up to this many neurons keep their weights inside the patch file
NOISE_GAIN = 1e-3  # the innovation neuron's input weight: tanh stays linear to 3e-7
FALLBACK_RIDGES = (1e4, 1e6)  # × the cross-validated ridge, where no candidate stayed bounded
CHECK_SECONDS = 10.0  # the best candidates must stay bounded over a free run this long
CHECKED = 4  # how many of the best candidates are checked
MORPH_STEPS = 11  # a morph is checked at this many equal steps from the first sound to the last
MORPH_SETTLE, MORPH_SECONDS = 0.5, 1.0  # each step: seconds left to settle, then measured


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
            nxt[i] = leak[i] * math.tanh(u + fb[i] * drive) + (1.0 - leak[i]) * x[i]
        x[:] = nxt
        states[t] = x
        prev = target[t]
    return states


@numba.njit(cache=True, nogil=True)
def _free_run(idx, val, fb, inw, bias, leak, state, readout, readout_bias, direct, last,
              noise_state, frames):
    """The network run free from its state before the first sample: the network node's step
    with the sparse matrix, its input the noise node's xorshift32 (uniform in −1..1)."""
    size = len(bias)
    x, act, out = state.copy(), np.empty(size), np.empty(frames)
    y, s = last, noise_state
    for t in range(frames):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        noise = s * (2.0 / 2**32) - 1.0
        for i in range(size):  # in the network node's order of operations
            acc = 0.0
            for k in range(idx.shape[1]):
                acc += val[i, k] * x[idx[i, k]]
            act[i] = math.tanh(bias[i] + inw[i] * noise + fb[i] * y + acc)
        for i in range(size):
            v = leak[i] * act[i] + (1.0 - leak[i]) * x[i]
            x[i] = v if abs(v) > 1e-30 else 0.0
        yn = readout_bias
        for i in range(size):
            yn += readout[i] * x[i]
        y = yn + direct * y
        out[t] = y
    return out


def random_reservoir(neurons: int, degree: int, radius: float, feedback: float,
                     leaks: tuple, seed: int):
    """(inputs per neuron, their weights, feedback weights, biases, leaks): sparse, at
    ``radius``, the neurons in equal groups, one per leak in ``leaks``."""
    rng = np.random.default_rng(seed)
    degree = min(degree, neurons)
    idx = np.stack([np.sort(rng.choice(neurons, degree, replace=False)) for _ in range(neurons)])
    val = rng.standard_normal((neurons, degree))
    dense = np.zeros((neurons, neurons))
    np.put_along_axis(dense, idx, val, axis=1)
    val *= radius / max(np.max(np.abs(np.linalg.eigvals(dense))), 1e-12)
    fb = rng.uniform(-feedback, feedback, neurons)
    bias = rng.uniform(-BIAS, BIAS, neurons)
    leak = np.concatenate([np.full(len(g), a) for g, a in
                           zip(np.array_split(np.arange(neurons), len(leaks)), leaks)])
    return idx.astype(np.int64), val, fb, bias, leak


def blend(values: np.ndarray, morph: float) -> np.ndarray:
    """Rows of ``values`` blended at position ``morph`` (0: the first, 1: the second, 0.5
    half of each; clipped to the rows there are), as the network node blends its readouts.

    Examples
    --------
    >>> blend(np.array([[0.0, 2.0], [1.0, 4.0]]), 0.25).tolist()
    [0.25, 2.5]
    """
    values = np.asarray(values, float)
    m = min(max(float(morph), 0.0), len(values) - 1.0)
    low = min(int(m), len(values) - 1)
    frac = m - low
    return values[low] if frac == 0.0 else (1 - frac) * values[low] + frac * values[low + 1]


@dataclass
class Reservoir:
    """A trained echo state network: weights, one readout per sound and the start state; runs
    and saves itself. The last neuron is the innovation neuron (driven by the noise node)."""

    sr: float
    idx: np.ndarray
    val: np.ndarray
    feedback: np.ndarray
    bias: np.ndarray
    leak: np.ndarray  # each state moves this far towards its neuron's tanh per sample (1: none)
    state: np.ndarray  # the states before the first sample (where teacher forcing ended)
    readout: np.ndarray  # (sounds, neurons)
    readout_bias: np.ndarray  # (sounds,)
    direct: np.ndarray  # (sounds,): weight of the output's own previous sample
    last: float  # the target's last training sample: the output's "previous" at the start
    noise_seed: int  # the noise node's own seed
    settings: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    @property
    def inw(self) -> np.ndarray:
        """The noise input's weight into each neuron (the innovation neuron's alone)."""
        inw = np.zeros(len(self.bias))
        inw[-1] = NOISE_GAIN
        return inw

    def run(self, frames: int, morph: float = 0.0) -> np.ndarray:
        """The free-running output for ``frames`` samples (what the saved patch renders, with
        ``res.morph`` at ``morph``)."""
        return _free_run(self.idx, self.val, self.feedback, self.inw, self.bias, self.leak,
                         self.state, blend(self.readout, morph),
                         float(blend(self.readout_bias[:, None], morph)[0]),
                         float(blend(self.direct[:, None], morph)[0]), float(self.last),
                         int(seed_for(self.noise_seed, "")), int(frames))

    def arrays(self) -> dict[str, np.ndarray]:
        """The network node's arrays (see :mod:`neuromix.nodes.network`)."""
        size, sounds = len(self.bias), len(self.readout)
        w = np.zeros((size, size))
        np.put_along_axis(w, self.idx, self.val, axis=1)
        feedback, direct = np.zeros((size, sounds)), np.zeros((sounds, sounds))
        feedback[:, 0], direct[:, 0] = self.feedback, self.direct
        return {"w": w, "in": self.inw[:, None], "bias": self.bias, "leak": self.leak,
                "feedback": feedback, "readout": self.readout,
                "readout_bias": self.readout_bias, "direct": direct, "state": self.state,
                "start_out": np.full(sounds, self.last)}

    def graph(self, weights: str | None = None) -> Graph:
        """The reservoir as a patch graph: a noise node and one network node ``res``, its
        arrays inline, or read from the file ``weights`` (written by :meth:`save`)."""
        g = Graph(sr=float(self.sr), seed=int(self.settings.get("seed", 0)))
        g.add(Node("noise", "noise", options={"seed": int(self.noise_seed)}))
        options = {"neurons": len(self.bias), "act": "tanh"}
        if len(self.readout) > 1:
            options["morph"] = 0.0
        if weights is None:
            options.update({k: v.tolist() for k, v in self.arrays().items()})
        else:
            options["weights"] = weights
        g.add(Node("res", "network", options=options, inputs=[Input(Ref("noise"))]))
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


def morph_centroids(res: Reservoir, steps: int = MORPH_STEPS) -> np.ndarray:
    """The spectral centroid (Hz) of the free run at ``steps`` equal morph positions from the
    first sound to the last, each measured over MORPH_SECONDS after MORPH_SETTLE."""
    settle, frames = int(MORPH_SETTLE * res.sr), int(MORPH_SECONDS * res.sr)
    return np.array([spectral_centroid(res.run(settle + frames, morph=m)[settle:], res.sr)
                     for m in np.linspace(0.0, len(res.readout) - 1.0, steps)])


def between_neighbours(values, tolerance: float = 0.05) -> bool:
    """Whether the values are finite and each inner one lies between its neighbours, give or
    take ``tolerance`` of their size (a monotone path, small wobbles allowed).

    Examples
    --------
    >>> between_neighbours([400, 500, 490, 800]), between_neighbours([400, 300, 800])
    (True, False)
    """
    v = np.asarray(values, float)
    if not np.isfinite(v).all():
        return False
    low, high = np.minimum(v[:-2], v[2:]), np.maximum(v[:-2], v[2:])
    return bool(np.all((v[1:-1] >= (1 - tolerance) * low) & (v[1:-1] <= (1 + tolerance) * high)))


def cross_validated_ridge(features: np.ndarray, target: np.ndarray, folds: int = FOLDS) -> float:
    """The ridge (from :data:`RIDGES` × the mean feature power) whose readout, fitted on all
    but one of ``folds`` contiguous blocks, predicts the block left out best (summed over
    blocks).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.standard_normal((400, 5))
    >>> float(cross_validated_ridge(a, a @ np.ones(5))) < 1e-6  # noiseless: the least ridge
    True
    """
    blocks = np.array_split(np.arange(len(target)), folds)
    grams = [features[b].T @ features[b] for b in blocks]
    rhs = [features[b].T @ target[b] for b in blocks]
    gram, r = sum(grams), sum(rhs)
    scale = np.trace(gram) / len(gram)
    errors = np.zeros(len(RIDGES))
    for g_out, r_out, b in zip(grams, rhs, blocks):
        e, v = np.linalg.eigh(gram - g_out)
        proj = v.T @ (r - r_out)
        for i, ridge in enumerate(RIDGES * scale):
            w = v @ (proj / (np.maximum(e, 0.0) + ridge))
            errors[i] += w @ g_out @ w - 2 * w @ r_out + target[b] @ target[b]
    return float(RIDGES[int(np.argmin(errors))] * scale)


def _readouts(states, target, wash, ridges):
    """Ridge readouts ``y[n] = w·x[n] + c + v·d[n−1]`` (each ridge × the cross-validated one),
    with the residual's standard deviation: [(w, c, v, residual std, ridge)]."""
    previous = np.concatenate([[0.0], target[:-1]])
    a = np.hstack([states, np.ones((len(states), 1)), previous[:, None]])[wash:]
    y = target[wash:]
    base = cross_validated_ridge(a, y)
    e, v = np.linalg.eigh(a.T @ a)
    proj = v.T @ (a.T @ y)
    out = []
    for factor in ridges:
        w = v @ (proj / (np.maximum(e, 0.0) + base * factor))
        out.append((w[:-2], float(w[-2]), float(w[-1]), float(np.std(y - a @ w)), base * factor))
    return out


class _Judge:
    """Scores free runs against the MFCCs of one reference (computed once)."""

    def __init__(self, reference: np.ndarray, sr: float):
        self.sr, self.frames, self.peak = sr, len(reference), np.max(np.abs(reference))
        self.ref = mfcc(reference, sr)

    def __call__(self, out: np.ndarray) -> float:
        if not np.isfinite(out).all() or np.max(np.abs(out)) > 2 * self.peak:
            return math.inf
        got = mfcc(out, self.sr)
        n = min(got.shape[1], self.ref.shape[1])
        a, b = got[:, :n].ravel(), self.ref[:, :n].ravel()
        scale = np.sqrt((np.var(a) + np.var(b)) / 2)
        return float(np.sqrt(np.mean((a - b) ** 2)) / scale) if scale > 0 else 0.0


def _draw(targets, sr, train_n, neurons, degree, seed, leaks, radius, feedback, noise, grid):
    """One random reservoir driven by every (scaled) target in turn; its candidate networks
    (one readout per target, per ridge and innovation setting) with their settings."""
    idx, val, fb, bias, leak = random_reservoir(neurons, degree, radius, feedback, leaks, seed)
    wash = min(int(WASHOUT * sr), train_n // 2)
    fits, ends = [], []
    for k, (target, _) in enumerate(targets):
        states = _teacher_forced(idx, val, fb, bias, leak, target[:train_n], noise, seed + k)
        fits.append(_readouts(states, target[:train_n], wash, grid["ridge"]))
        ends.append(states[-1])
    scale0 = targets[0][1]
    # the innovation neuron: no recurrent weights, no bias, no leak, read by nobody but the readout
    size = neurons + 1
    idx = np.vstack([idx, np.zeros((1, idx.shape[1]), np.int64)])
    val = np.vstack([val, np.zeros((1, val.shape[1]))])
    for r, innovation in itertools.product(range(len(grid["ridge"])), grid["innovation"]):
        readout, rbias, direct = np.zeros((len(targets), size)), np.zeros(len(targets)), np.zeros(
            len(targets))
        for k, (_, scale) in enumerate(targets):
            w, c, v, std, ridge = fits[k][r]
            readout[k, :-1], rbias[k], direct[k] = w / scale, c / scale, v
            readout[k, -1] = innovation * std * math.sqrt(3.0) / NOISE_GAIN / scale
        settings = {"neurons": neurons, "degree": degree,
                    "leaks": "/".join(f"{a:g}" for a in leaks), "radius": radius,
                    "feedback": feedback, "noise": noise, "ridge": float(f"{ridge:.3g}"),
                    "innovation": innovation, "seed": seed}
        yield Reservoir(float(sr), idx, val, np.append(fb * scale0, 0.0), np.append(bias, 0.0),
                        np.append(leak, 1.0), np.append(ends[0], 0.0), readout, rbias, direct,
                        float(targets[0][0][train_n - 1] / scale0), seed, settings)


def train(target, sr: float, *, neurons: int = 200, degree: int = 10,
          train_seconds: float = 1.0, validate_seconds: float = 2.0, seed: int = 0,
          reservoirs: int = 2, grid: dict | None = None, threads: int = 2,
          progress: bool = True) -> Reservoir:
    """Train reservoirs on the first ``train_seconds`` of ``target`` and keep the best free run.

    The free runs are compared with the target's next ``validate_seconds`` (the part after
    the training span looped, where the recording is shorter). ``grid`` maps setting names to
    the values tried (default :data:`GRID`), each with ``reservoirs`` random draws (seeds
    ``seed``, ``seed + 1``, ...), trained over ``threads`` threads. ``target`` may be a list
    of sounds: one reservoir then learns them all, one readout each, and the free runs are
    judged at every sound's own morph position (the worst of them counts).
    """
    from tqdm import tqdm

    sounds = list(target) if isinstance(target, (list, tuple)) else [target]
    train_n = int(round(train_seconds * sr))
    frames = int(round(validate_seconds * sr))
    if not 1 <= neurons <= 1000 or not 1 <= degree:
        raise ValueError("neurons must be 1 to 1000 and degree at least 1")
    if not 1 <= len(sounds) <= 16:
        raise ValueError("give 1 to 16 target sounds")
    sounds = [mono(sound) for sound in sounds]
    for sound in sounds:
        if (train_n < 256 or len(sound) <= train_n + 16 or not np.isfinite(sound).all()
                or not np.any(sound[:train_n])):
            raise ValueError(f"the target must hold more than {train_seconds:g} s of finite, "
                             f"not silent audio (it has {len(sound) / sr:.3f} s)")
    # one scale for every sound: the feedback weights are shared
    scale = 1.0 / max(np.max(np.abs(sound[:train_n])) for sound in sounds)
    targets = [(sound * scale, scale) for sound in sounds]
    judges = [_Judge(continuation(sound, train_n, frames), sr) for sound in sounds]
    long = [np.max(np.abs(sound)) for sound in sounds]
    grid = {**GRID, **(grid or {})}
    draws = list(itertools.product(range(seed, seed + reservoirs), grid["leaks"],
                                   grid["radius"], grid["feedback"], grid["noise"]))

    def judged(combo, ridges):
        draw, leaks, radius, feedback, noise = combo
        out = []
        for res in _draw(targets, sr, train_n, neurons, degree, draw, leaks, radius, feedback,
                         noise, {**grid, "ridge": ridges}):
            score = max(j(res.run(frames, morph=k)) for k, j in enumerate(judges))
            out.append((score, res))
        return out

    scored, curve = [], []
    bar = tqdm(total=len(draws), desc="reservoirs", disable=None if progress else True,
               leave=False)
    with ThreadPoolExecutor(max(1, threads)) as pool:
        # clean, simple tones may need far stronger ridges than cross-validation finds
        for ridges in (grid["ridge"], FALLBACK_RIDGES):
            if any(math.isfinite(score) for score, _, _ in scored):
                break
            bar.reset(len(draws))
            for batch in pool.map(lambda combo: judged(combo, ridges), draws):  # in order: the
                for score, res in batch:  # result does not depend on threads
                    scored.append((score, len(scored), res))
                    curve.append(min(score, curve[-1]) if curve else score)
                bar.update()
    bar.close()
    scored.sort(key=lambda item: item[:2])
    best = scored[0]
    for score, order, res in scored[:CHECKED]:  # the first that stays bounded for long (and
        if all(np.isfinite(y := res.run(int(CHECK_SECONDS * sr), morph=k)).all()  # morphs
               and np.max(np.abs(y)) <= 2 * peak for k, peak in enumerate(long)) and (
                len(sounds) == 1 or between_neighbours(morph_centroids(res))):  # smoothly)
            best = (score, order, res)
            break
    score, _, res = best
    if not math.isfinite(score):
        raise ValueError(f"no network stayed bounded over its {validate_seconds:g} s free run "
                         f"({len(scored)} tried): try more neurons or reservoirs")
    reference = continuation(sounds[0], train_n, frames)
    out = res.run(frames)
    res.report = {"mfcc_nrmse": score, "snr_db": snr_db(reference, out),
                  "log_spectral_distance_db": log_spectral_distance(out, reference, sr),
                  "candidates": len(curve), "train_seconds": train_n / sr,
                  "validate_seconds": frames / sr, "curve": curve}
    return res
