"""Explain a patch or an instrument: what each neuron does and how the whole behaves.

:func:`explain` renders the patch once with every node's output as an extra channel, rebuilds
what each neuron-like node (``neuron``, ``nlc_neuron``, ``learner``, ``learner_net`` and any
type registered in those categories) does from its sources' outputs
(:mod:`~neuromix.analysis.report.measures`), reads each in plain words
(:mod:`~neuromix.analysis.report.summaries`), measures the largest Lyapunov exponent and the
output's features, and draws the figures (:mod:`~neuromix.analysis.report.figures`, laid out
by :mod:`~neuromix.analysis.report.layout`). :meth:`Report.save` writes one self-contained
HTML page (:mod:`~neuromix.analysis.report.page`) with the pictures and a player per output.
:func:`explain_instrument` does the same for an instrument's control network, driven by its
gesture replay.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=8000)
>>> a = p.neuron(act="tanh", name="a")
>>> a.input(p.sine(100, name="s"), 8.0)
>>> p.out(a)
>>> report = explain(p.graph, seconds=0.2, figures=False)
>>> report.neurons["a"].summary.split(":")[0]
'mostly saturated'
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuromix import features
from neuromix.analysis.report.figures import draw_all, draw_gesture
from neuromix.analysis.report.measures import (analyse, feedback_pairs, loop_members,  # noqa: F401
                                               lyapunov_floor, neuron_like, probe, probe_refs,
                                               Neuron)
from neuromix.analysis.report.page import render_html
from neuromix.analysis.report.summaries import summarise
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.lyapunov import Lyapunov, lyapunov
from neuromix.graph.graph import Edge, Graph
from neuromix.graph.plan import plan_graph
from neuromix.io.atomic import write_text
from neuromix.analysis.plots import pyplot


@dataclass
class Report:
    """What :func:`explain` found, with its figures (matplotlib ``Figure`` objects by section:
    ``network``, ``neuron:<id>``, ``portraits``, ``outputs``, and an instrument's ``gesture``)."""

    title: str
    sr: float
    seconds: float
    neurons: dict[str, Neuron]
    outputs: np.ndarray  # (frames, channels)
    lyapunov: Lyapunov | None
    features: dict[str, float]
    edges: list[Edge]
    figures: dict[str, object] = field(default_factory=dict)
    source: str = ""  # what drove it, for an instrument: its gesture
    lyapunov_floor: float = float("-inf")

    def to_html(self) -> str:
        """One self-contained HTML page (pictures and sound embedded)."""
        return render_html(self)

    def save(self, path) -> Path:
        """Write the HTML report to ``path`` (atomically)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, self.to_html())
        return path

    def close(self) -> None:
        """Free the figures."""
        plt = pyplot()
        for fig in self.figures.values():
            plt.close(fig)
        self.figures.clear()


def _report(graph: Graph, signals, seconds: float, title: str, figures: bool,
            exponent: Lyapunov | None, source: str = "") -> Report:
    plan = plan_graph(graph)
    delays = {(e.dst, e.slot): e.delay for e in plan.edges}
    loops = loop_members(graph, plan.edges)
    neurons = {}
    for nid in neuron_like(graph):
        neuron = analyse(graph, nid, signals, delays, loops)
        neuron.summary = summarise(neuron)
        neurons[nid] = neuron
    outputs = np.stack([signals[str(ref)] for ref in graph.outputs], axis=1)
    report = Report(title, graph.sr, seconds, neurons, outputs, exponent,
                    features.features(outputs, graph.sr), plan.edges, source=source,
                    lyapunov_floor=lyapunov_floor(graph.sr))
    if figures:
        report.figures = draw_all(graph, plan.edges, signals, report)
    return report


def explain(graph: Graph, seconds: float = 2.0, title: str = "patch",
            figures: bool = True) -> Report:
    """Render, measure and draw a patch; see the module notes.

    Parameters
    ----------
    graph : Graph
        The patch (``patch.graph``).
    seconds : float
        Length of the render that is analysed.
    title : str
        Shown at the top of the report.
    figures : bool
        Draw the figures (matplotlib); without them only the numbers are computed.
    """
    signals = probe(graph, seconds)
    return _report(graph, signals, seconds, title, figures,
                   lyapunov(graph, seconds=min(seconds, 2.0)))


def explain_instrument(spec, values: np.ndarray, title: str = "instrument",
                       figures: bool = True) -> Report:
    """Explain an instrument's control network as its inputs move.

    The network (``spec.network``) runs at the instrument's control rate, one sample per tick,
    its ``input`` nodes set from ``values``: one row per tick, one column per input, as
    :func:`neuromix.instrument.inputs.gesture` plays the file's ``replay`` (as ``neuromix
    instrument --offline`` does). No Lyapunov exponent: the network is driven by the gesture.
    """
    graph = spec.network
    names = [s.name for s in spec.inputs]
    refs = probe_refs(graph)
    probe_graph = copy.deepcopy(graph)
    probe_graph.outputs = refs
    net = CompiledPatch(probe_graph)
    slots = np.array([net.index(f"{n}.value") for n in names], dtype=np.intp)
    rows = np.empty((len(values), len(refs)))
    for tick, row in enumerate(values):
        net.params[0, slots] = row
        rows[tick] = net.process(1)[0]
    signals = {str(ref): rows[:, i] for i, ref in enumerate(refs)}
    source = (f"its network at {spec.rate} ticks per second, driven by the gesture "
              f"{spec.replay.name}" if spec.replay else
              f"its network at {spec.rate} ticks per second, inputs at their initial values "
              "(the file has no replay)")
    report = _report(graph, signals, len(values) / spec.rate, title, figures, None, source)
    if figures and spec.replay:
        report.figures["gesture"] = draw_gesture({n: signals[n] for n in names}, spec.rate,
                                                 spec.replay.name)
    return report
