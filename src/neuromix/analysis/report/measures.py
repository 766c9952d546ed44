"""What every neuron-like node does over a render, rebuilt in numpy from the probed outputs.

A node is *neuron-like* when its registry category is one of :data:`NEURON_CATEGORIES`
(``neuron``, ``nlc_neuron``, ``learner``, ``learner_net``, and any type added to those
categories later). For each the pre-activation input ``u`` is rebuilt where the node's output is
a known function of it (``bias + Σ wᵢ(t)·xᵢ[n − delayᵢ]``, delays as the compiler placed them),
with weights over time where they change: driven by a signal, or learned (a learner's
``w.<input>`` outputs, one sample late: the output after a sample's update is the weight the
next sample uses).

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=8000)
>>> a = p.neuron(act="tanh", name="a")
>>> a.input(p.sine(100, name="s"), p.sine(2, name="lfo"))
>>> p.out(a)
>>> from neuromix.graph.plan import plan_graph
>>> plan = plan_graph(p.graph)
>>> signals = probe(p.graph, 0.1)
>>> n = analyse(p.graph, "a", signals, {(e.dst, e.slot): e.delay for e in plan.edges}, set())
>>> sorted(n.weights), n.inputs[0].driven
(['s'], True)
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from neuromix import features
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.lyapunov import GONE, RENORM
from neuromix.engine.render import render
from neuromix.graph.graph import Edge, Graph, Ref, Signal
from neuromix.nodes import get as node_type
from neuromix.nodes.activations import ACTIVATIONS
from neuromix.graph.plan import strongly_connected
from neuromix.nodes.learners import net_shape

NEURON_CATEGORIES = ("neurons", "learning")  # registry categories whose nodes get explained
SLOPE_H = 1e-4  # step for the numerical slope of a transfer curve
SATURATED = 0.25  # slope below this share of the steepest slope counts as saturated
LINEAR = 0.8  # slope above this share counts as linear


def neuron_like(graph: Graph) -> list[str]:
    """Ids of the nodes whose type's registry category is neuron-like, in patch order."""
    return [nid for nid, node in graph.nodes.items()
            if node_type(node.type).category in NEURON_CATEGORIES]


def probe_refs(graph: Graph) -> list[Ref]:
    """Every node's output, every named port something reads, and every port of a neuron."""
    refs = [Ref(nid) for nid in graph.nodes]
    for edge in graph.edges():
        if edge.src.port is not None and edge.src not in refs:
            refs.append(edge.src)
    for nid in neuron_like(graph):
        node = graph.nodes[nid]
        for port in node_type(node.type).output_ports(node)[1:]:
            if Ref(nid, port) not in refs:
                refs.append(Ref(nid, port))
    return refs


def probe(graph: Graph, seconds: float) -> dict[str, np.ndarray]:
    """Every signal of :func:`probe_refs` over a render, by reference text (``"a"``, ``"l.error"``).

    The patch itself is not changed: a copy with extra output channels is rendered.
    """
    refs = probe_refs(graph)
    probe_graph = copy.deepcopy(graph)
    probe_graph.outputs = refs
    audio = render(CompiledPatch(probe_graph), seconds=seconds)
    return {str(ref): audio[:, i] for i, ref in enumerate(refs)}


def delayed(x: np.ndarray, d: int, first: float = 0.0) -> np.ndarray:
    """``x[n − d]``, with ``first`` before the start (state starts at 0)."""
    if d <= 0:
        return x
    return np.concatenate([np.full(min(d, len(x)), first), x[:-d]])[:len(x)]


def value_over_time(value, slot: str, nid: str, signals, delays) -> np.ndarray | float:
    """A parameter or weight over time: a constant, or ``signal × scale + offset``."""
    if isinstance(value, Signal):
        scale, offset = value.gain()
        return delayed(signals[str(value.ref)], delays[(nid, slot)]) * scale + offset
    return float(value)


def lyapunov_floor(sr: float, renorm: int = RENORM) -> float:
    """The most negative exponent (per second) the estimator can report: a disturbance gone."""
    return math.log(GONE) / renorm * sr


@dataclass
class InputShare:
    source: str
    weight: float  # the constant weight, the mean of a varying one, NaN when unknown
    rms: float  # of the input signal
    share: float  # |weight| × rms (of w·x when w varies) over the sum of all, bias included
    delay: int
    driven: bool = False  # the weight changes over time (a signal or learning)


@dataclass
class Neuron:
    """What one neuron-like node does over the render."""

    id: str
    type: str
    act: str  # the activation's name ("nlc" for the NLC clamp, "" when none is known)
    out: np.ndarray
    inputs: list[InputShare]
    bias_share: float
    switches_per_s: float  # sign changes of the output per second
    in_loop: bool
    pre: np.ndarray | None = None  # the pre-activation u[n], where the output is f(u)
    curve: Callable[[np.ndarray], np.ndarray] | None = None  # that f
    linear: float = float("nan")  # share of samples in the curve's linear region
    saturated: float = float("nan")  # share of samples where the curve is flat
    negative: float = float("nan")  # share of samples with u < 0
    weights: dict[str, np.ndarray] = field(default_factory=dict)  # those that change
    error: np.ndarray | None = None  # a learner's target − output
    layers: list[int] | None = None  # a learner_net's layer sizes
    summary: str = ""


def slope(curve, u: np.ndarray) -> np.ndarray:
    """A transfer curve's slope at ``u`` (central difference)."""
    return (curve(u + SLOPE_H) - curve(u - SLOPE_H)) / (2 * SLOPE_H)


def nlc_curve(sense_free_response: float):
    """The NLC neuron's transfer: r = clamp(u, 0, 10); r − response if r > 0, else +response."""
    def f(u):
        r = np.clip(u, 0.0, 10.0)
        return np.where(r > 0.0, r - sense_free_response, sense_free_response)
    return f


def _param(graph, nid, name, signals, delays):
    node = graph.nodes[nid]
    return value_over_time(node.params.get(name, node_type(node.type).param(name).default),
                           name, nid, signals, delays)


def _learned(signals, nid: str, port: str, start: float) -> np.ndarray:
    """A learner's weight as used at each sample: its output one sample late, ``start`` first."""
    return delayed(signals[f"{nid}.{port}"], 1, start)


def _weighted_sum(graph, nid, signals, delays, bias, weight_of):
    """(u, shares, weights that change) for a node with weighted inputs."""
    node = graph.nodes[nid]
    n = len(signals[nid])
    pre = np.zeros(n) + bias
    parts, varying = [], {}
    for inp in node.inputs:
        d = delays[(nid, f"in:{inp.key}")]
        x = delayed(signals[inp.key], d)
        w = weight_of(inp)
        if np.ndim(w):
            varying[inp.key] = w
        pre = pre + w * x
        parts.append((inp.key, float(np.mean(w)), features.rms(w * x), features.rms(x), d,
                      bool(np.ndim(w))))
    return pre, _shares(parts, features.rms(np.zeros(n) + bias)), varying


def _shares(parts, bias_size: float) -> tuple[list[InputShare], float]:
    total = bias_size + sum(p[2] for p in parts) or 1.0
    return ([InputShare(src, w, x_rms, size / total, d, driven)
             for src, w, size, x_rms, d, driven in parts], bias_size / total)


def _shape(neuron: Neuron) -> None:
    """Where the pre-activation sits on the curve: linear, saturated and negative shares."""
    u = neuron.pre
    grid = np.linspace(-3, 3, 601)
    steepest = max(abs(float(slope(neuron.curve, np.zeros(1))[0])),
                   float(np.abs(slope(neuron.curve, grid)).max()), 1e-12)
    rel = np.abs(slope(neuron.curve, u)) / steepest
    neuron.linear = float(np.mean(rel >= LINEAR))
    neuron.saturated = float(np.mean(rel < SATURATED))
    neuron.negative = float(np.mean(u < 0))


def _switches(out: np.ndarray, sr: float) -> float:
    signs = np.signbit(out)
    return float(np.count_nonzero(signs[1:] != signs[:-1])) * sr / max(len(out) - 1, 1)


def analyse(graph: Graph, nid: str, signals, delays, loops: set[str]) -> Neuron:
    """Measure one neuron-like node (see the module notes)."""
    node = graph.nodes[nid]
    nt = node_type(node.type)
    out = signals[nid]
    base = dict(id=nid, type=node.type, out=out, switches_per_s=_switches(out, graph.sr),
                in_loop=nid in loops)
    if node.type in ("neuron", "learner"):
        act = node.options.get("act", nt.option("act").default)
        bias = _param(graph, nid, "bias", signals, delays)
        if node.type == "learner":
            bias = _learned(signals, nid, "bias", float(np.mean(bias)))
            weight_of = lambda inp: _learned(signals, nid, f"w.{inp.key}",  # noqa: E731
                                             float(inp.weight))
        else:
            weight_of = lambda inp: value_over_time(inp.weight, f"w:{inp.key}",  # noqa: E731
                                                    nid, signals, delays)
        pre, (inputs, bias_share), varying = _weighted_sum(graph, nid, signals, delays, bias,
                                                          weight_of)
        if node.type == "learner":
            varying["bias"] = bias
        neuron = Neuron(act=act, inputs=inputs, bias_share=bias_share, pre=pre,
                        curve=ACTIVATIONS[act].numpy, weights=varying, **base)
    elif node.type == "nlc_neuron":
        sense = _param(graph, nid, "sense", signals, delays)
        response = float(np.mean(_param(graph, nid, "response", signals, delays)))
        weight_of = lambda inp: value_over_time(inp.weight, f"w:{inp.key}",  # noqa: E731
                                                nid, signals, delays)
        pre, (inputs, bias_share), varying = _weighted_sum(graph, nid, signals, delays, sense,
                                                          weight_of)
        neuron = Neuron(act="nlc", inputs=inputs, bias_share=bias_share, pre=pre,
                        curve=nlc_curve(response), weights=varying, **base)
    else:  # learner_net and any neuron-like type without a known transfer: inputs by level
        parts = [(inp.key, float("nan"), features.rms(delayed(signals[inp.key], d)),
                  features.rms(delayed(signals[inp.key], d)), d, False)
                 for inp in node.inputs for d in [delays.get((nid, f"in:{inp.key}"), 0)]]
        inputs, bias_share = _shares(parts, 0.0)
        acts = node.options.get("acts", "")
        neuron = Neuron(act=acts if isinstance(acts, str) else "/".join(acts), inputs=inputs,
                        bias_share=bias_share, **base)
        if node.type == "learner_net":
            neuron.layers = net_shape(node)[0]
    if f"{nid}.error" in signals:
        neuron.error = signals[f"{nid}.error"]
    if neuron.curve is not None:
        _shape(neuron)
    return neuron


def loop_members(graph: Graph, edges: list[Edge]) -> set[str]:
    """Nodes that lie on a feedback loop (a cycle of the graph)."""
    ids = list(graph.nodes)
    succ = {nid: set() for nid in ids}
    for e in edges:
        succ[e.src.node].add(e.dst)
    comp = strongly_connected(ids, succ)
    sizes: dict[int, int] = {}
    for c in comp.values():
        sizes[c] = sizes.get(c, 0) + 1
    return {nid for nid in ids if sizes[comp[nid]] > 1 or nid in succ[nid]}


def feedback_pairs(graph: Graph, edges: list[Edge]) -> list[tuple[str, str]]:
    """Pairs of nodes that feed each other directly (each is an input of the other)."""
    linked = {(e.src.node, e.dst) for e in edges}
    return [(a, b) for a, b in sorted(linked) if a < b and (b, a) in linked]
