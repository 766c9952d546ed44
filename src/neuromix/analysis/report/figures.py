"""The report's matplotlib figures: the network, each neuron, phase portraits and the outputs.

Every function returns a ``matplotlib.figure.Figure`` (kept by the
:class:`~neuromix.analysis.explain.Report` under ``figures``, so they are reachable from Python
and in a notebook).

Examples
--------
>>> import neuromix as nm
>>> from neuromix.graph.plan import plan_graph
>>> p = nm.Patch(sr=8000)
>>> a = p.neuron(act="tanh", name="a"); a.input(p.sine(100, name="s"), 2.0); p.out(a)
>>> fig = draw_network(p.graph, plan_graph(p.graph).edges)
>>> sorted(t.get_text() for t in fig.axes[0].texts if t.get_gid() == "node")
['a', 's']
>>> from neuromix.analysis.plots import pyplot; pyplot().close(fig)
"""

from __future__ import annotations

import numpy as np

from neuromix import features
from neuromix.analysis.plots import draw_spectrogram, draw_waveform, pyplot
from neuromix.analysis.report.layout import COLUMN, layout
from neuromix.features import embedding_delay
from neuromix.analysis.report.measures import Neuron, feedback_pairs, neuron_like
from neuromix.graph.graph import Edge, Graph, Signal
from neuromix.nodes import get as node_type

MAX_PORTRAITS = 6
UNIT = 0.85  # inches per row of the network drawing
RADIUS = 0.3  # node circle radius, in rows
POSITIVE, NEGATIVE, NEUTRAL = "#c0392b", "#2e6fba", "0.55"


def plain(text: str) -> str:
    """Text that matplotlib shows as typed (a ``$`` would start mathtext)."""
    return text.replace("$", r"\$")


def draw_all(graph: Graph, edges: list[Edge], signals, report) -> dict[str, object]:
    """Every figure of the report, by section name (``network``, ``neuron:<id>``, ...)."""
    with pyplot().rc_context({"figure.max_open_warning": 0}):  # one per neuron, by design
        figs = {"network": draw_network(graph, edges)}
        for nid, neuron in report.neurons.items():
            figs[f"neuron:{nid}"] = draw_neuron(neuron, report.sr)
        self_loops = [e.dst for e in edges if e.src.node == e.dst]
        figs["portraits"] = draw_portraits(feedback_pairs(graph, edges), self_loops, signals,
                                           report.outputs, report.sr)
        figs["outputs"] = draw_outputs(report.outputs, report.sr)
    return figs


def weight_of(graph: Graph, e: Edge) -> float | None:
    """The weight on a weighted input edge (a driven one's offset); None for other edges."""
    if not e.slot.startswith("in:"):
        return None
    node = graph.nodes[e.dst]
    if node_type(node.type).inputs != "weighted":
        return None
    for inp in node.inputs:
        if inp.key == e.slot[3:]:
            return inp.weight.gain()[1] if isinstance(inp.weight, Signal) else float(inp.weight)
    return None


def _sup(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def draw_network(graph: Graph, edges: list[Edge]):
    """The patch as a graph: weights as width and colour (red +, blue −), delays dashed."""
    from matplotlib.patches import Circle, FancyArrowPatch

    plt = pyplot()
    pos = layout(graph, edges)
    xs, ys = [x for x, _ in pos.values()], [y for _, y in pos.values()]
    wide, tall = max(xs) - min(xs) + COLUMN, max(ys) - min(ys) + 2.0
    fig, ax = plt.subplots(figsize=(max(UNIT * wide, 5.0), max(UNIT * tall, 2.5)),
                           constrained_layout=True)
    weights = [abs(w) for e in edges if (w := weight_of(graph, e)) is not None]
    wmax = max(weights, default=1.0) or 1.0
    outputs = {ref.node for ref in graph.outputs}
    neurons = set(neuron_like(graph))
    for e in edges:
        w = weight_of(graph, e)
        driven = e.slot.startswith("w:")
        color = NEUTRAL if w is None else (POSITIVE if w > 0 else NEGATIVE)
        lw = 1.0 if w is None else 0.8 + 3.5 * abs(w) / wmax
        style = "--" if e.delay else ("-." if driven else "-")
        (x0, y0), (x1, y1) = pos[e.src.node], pos[e.dst]
        delay = f" z⁻{_sup(e.delay)}" if e.delay else ""
        if driven:
            label = f"drives weight {e.slot[2:]}{delay}"
        elif e.slot.startswith("in:"):
            label = ("" if w is None else f"{w:+.3g}") + delay
        else:
            label = f"{e.slot}{delay}"
        if e.src.node == e.dst:
            ax.add_patch(Circle((x0, y0 + RADIUS * 1.5), RADIUS * 0.7, fill=False, color=color,
                                lw=lw, ls=style))
            ax.text(x0, y0 + RADIUS * 2.3, plain(label), ha="center", va="bottom", fontsize=7,
                    color=color)
            continue
        rad = 0.3 if (e.delay or x1 <= x0) else (0.15 if x1 - x0 > COLUMN else 0.05)
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12,
                                     connectionstyle=f"arc3,rad={rad}", color=color, lw=lw,
                                     ls=style, shrinkA=UNIT * 72 * RADIUS,
                                     shrinkB=UNIT * 72 * RADIUS, alpha=0.85))
        if label:
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            nx, ny = (y1 - y0), -(x1 - x0)  # matplotlib's arc3 bulges along this normal
            ax.text(mx + rad * nx * 0.5, my + rad * ny * 0.5, plain(label), fontsize=6.5,
                    ha="center", va="center", color=color,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})
    for nid, (x, y) in pos.items():
        node = graph.nodes[nid]
        face = "#fdf2d0" if nid in neurons else "#e8eef5"
        ax.add_patch(Circle((x, y), RADIUS, fc=face, ec="black", lw=2.5 if nid in outputs else 1,
                            zorder=3))
        sub = node.options.get("act", node.type) if node.type == "neuron" else node.type
        ax.text(x, y + 0.05, plain(nid), ha="center", va="center", fontsize=8, weight="bold",
                zorder=4, gid="node")
        ax.text(x, y - 0.13, plain(str(sub)), ha="center", va="center", fontsize=6, zorder=4)
        if nid in outputs:
            ax.text(x, y - RADIUS - 0.05, "output", ha="center", va="top", fontsize=6, zorder=4)
    ax.set_xlim(min(xs) - COLUMN / 2, max(xs) + COLUMN / 2)
    ax.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("network: edge width = |weight|, red +, blue −, dashed = delayed (z⁻ⁿ), "
                 "dash-dot = drives a weight", fontsize=9)
    return fig


def draw_neuron(neuron: Neuron, sr: float):
    """Its transfer curve with the pre-activation histogram, its output over time, who drives
    it, and (when they change) its weights and error over the whole render."""
    plt = pyplot()
    moving = bool(neuron.weights) or neuron.error is not None
    fig, axes = plt.subplots(2 if moving else 1, 3, figsize=(13, 6.2 if moving else 3.2),
                             constrained_layout=True, width_ratios=(1.1, 1.6, 1), squeeze=False)
    ax_act, ax_time, ax_share = axes[0]
    if neuron.curve is not None:
        _draw_curve(ax_act, neuron)
    else:
        ax_act.axis("off")
        ax_act.text(0.5, 0.5, f"{plain(neuron.id)}: {neuron.type}\n(no single transfer curve)",
                    ha="center", va="center", transform=ax_act.transAxes)
    n = len(neuron.out)
    window = min(n, max(int(0.04 * sr), 64))
    start = max(0, n // 2 - window // 2)
    t = (start + np.arange(window)) / sr * 1000
    if neuron.pre is not None:
        ax_time.plot(t, neuron.pre[start:start + window], color="C1", lw=0.8, alpha=0.7,
                     label="pre-activation u")
    ax_time.plot(t, neuron.out[start:start + window], color="C0", lw=1.2, label="output")
    ax_time.set_xlabel("ms")
    ax_time.legend(loc="upper right", fontsize=7)
    ax_time.set_title("output over time (40 ms from the middle)", fontsize=10)
    ax_time.grid(alpha=0.3)
    _draw_shares(ax_share, neuron)
    if moving:
        _draw_moving(axes[1], neuron, sr)
    return fig


def _draw_curve(ax, neuron: Neuron) -> None:
    lo, hi = np.percentile(neuron.pre, [0.5, 99.5]) if len(neuron.pre) else (-1.0, 1.0)
    span = max(hi - lo, 1e-6)
    lo, hi = min(lo - 0.2 * span, -1.0), max(hi + 0.2 * span, 1.0)
    u = np.linspace(lo, hi, 400)
    hist_ax = ax.twinx()
    hist_ax.hist(neuron.pre, bins=80, range=(lo, hi), color="C1", alpha=0.45, density=True)
    hist_ax.set_yticks([])
    hist_ax.set_ylabel("how often (pre-activation)", color="C1", fontsize=8)
    ax.plot(u, neuron.curve(u), color="black", lw=1.8, zorder=3)
    ax.set_zorder(hist_ax.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_xlabel("pre-activation u = bias + Σ w·x" if neuron.act != "nlc"
                  else "u = sense + Σ w·x (volts)")
    ax.set_ylabel(f"{neuron.act}(u)")
    ax.set_title(f"{plain(neuron.id)}: where it works on its curve", fontsize=10)
    ax.grid(alpha=0.3)


def _draw_shares(ax, neuron: Neuron) -> None:
    bias = "sense" if neuron.act == "nlc" else "bias"
    names = [plain(i.source) for i in neuron.inputs] + [bias]
    shares = [i.share for i in neuron.inputs] + [neuron.bias_share]
    colors = [NEUTRAL if not np.isfinite(i.weight) else POSITIVE if i.weight > 0 else NEGATIVE
              for i in neuron.inputs] + ["0.6"]
    ax.barh(names, shares, color=colors)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    known = all(np.isfinite(i.weight) for i in neuron.inputs)
    ax.set_xlabel("share of the drive (|w| × RMS)" if known else "share of the input level (RMS)")
    ax.set_title("who drives it", fontsize=10)
    for y, s in enumerate(shares):
        ax.text(min(s + 0.02, 0.85), y, f"{100 * s:.0f}%", va="center", fontsize=8)


def _draw_moving(row, neuron: Neuron, sr: float) -> None:
    """Weights that change (driven or learned) and a learner's error, over the whole render."""
    ax_w, ax_e, spare = row
    spare.axis("off")
    t = np.arange(len(neuron.out)) / sr
    step = max(1, len(t) // 4000)
    if neuron.weights:
        for name, w in neuron.weights.items():
            ax_w.plot(t[::step], np.broadcast_to(w, t.shape)[::step], lw=1, label=plain(name))
        ax_w.legend(loc="best", fontsize=7)
        ax_w.set_title("weights over time" + (" (learned)" if neuron.type == "learner"
                                              else " (driven by signals)"), fontsize=10)
        ax_w.set_xlabel("seconds")
        ax_w.grid(alpha=0.3)
    else:
        ax_w.axis("off")
    if neuron.error is not None:
        tt, db = features.loudness_db(neuron.error, sr, 0.02)
        ax_e.plot(tt, db, color="C3")
        ax_e.set_title("learning error (target − output), level", fontsize=10)
        ax_e.set_ylabel("dBFS")
        ax_e.set_xlabel("seconds")
        ax_e.grid(alpha=0.3)
    else:
        ax_e.axis("off")


def draw_gesture(inputs: dict[str, np.ndarray], rate: float, name: str):
    """An instrument's inputs over time, as its gesture replay sets them."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(11, 2.6), constrained_layout=True)
    for key, x in inputs.items():
        ax.step(np.arange(len(x)) / rate, x, where="post", lw=1.2, label=plain(key))
    ax.legend(loc="upper right", fontsize=8)
    ax.set_xlabel("seconds")
    ax.set_ylabel("input value")
    ax.set_title(plain(f"the gesture {name}: every input over time"), fontsize=10)
    ax.grid(alpha=0.3)
    return fig


def draw_portraits(pairs, self_loops, signals, outputs: np.ndarray, sr: float):
    """Phase portraits of feedback pairs and self-loops, and a delay embedding of the output."""
    plt = pyplot()
    panels = [(a, b) for a, b in pairs][:MAX_PORTRAITS - 1]
    panels += [(nid, None) for nid in self_loops if len(panels) < MAX_PORTRAITS - 1]
    count = len(panels) + 1
    fig, axes = plt.subplots(1, count, figsize=(3.4 * count, 3.4), constrained_layout=True,
                             squeeze=False)
    last = slice(-min(len(outputs), int(0.5 * sr) or 1), None)
    for ax, (a, b) in zip(axes[0], panels):
        if b is None:
            x = signals[a][last]
            ax.plot(x[:-1], x[1:], lw=0.4, color="C2")
            ax.set_xlabel(plain(f"{a}[n-1]"))
            ax.set_ylabel(plain(f"{a}[n]"))
            ax.set_title(plain(f"{a} against itself"), fontsize=10)
        else:
            ax.plot(signals[a][last], signals[b][last], lw=0.4, color="C4")
            ax.set_xlabel(plain(a))
            ax.set_ylabel(plain(b))
            ax.set_title(plain(f"feedback pair {a} ↔ {b}"), fontsize=10)
        ax.grid(alpha=0.3)
    x = outputs[last].mean(axis=1)
    tau = embedding_delay(x, sr)
    ax = axes[0][-1]
    ax.plot(x[:-tau], x[tau:], lw=0.4, color="C0")
    ax.set_xlabel("out[n]")
    ax.set_ylabel(f"out[n+{tau}]")
    ax.set_title(f"delay embedding (τ = {tau} samples)", fontsize=10)
    ax.grid(alpha=0.3)
    return fig


def draw_outputs(outputs: np.ndarray, sr: float):
    """Waveform, log-frequency spectrogram (dB colour bar) and loudness of every output."""
    plt = pyplot()
    chans = outputs.shape[1]
    fig, axes = plt.subplots(3 * chans, 1, figsize=(11, 2.3 * 3 * chans), squeeze=False,
                             constrained_layout=True)
    for c in range(chans):
        x = outputs[:, c]
        draw_waveform(axes[3 * c, 0], x, sr, "output" if chans == 1 else f"output {c + 1}")
        draw_spectrogram(axes[3 * c + 1, 0], x, sr)
        t, db = features.loudness_db(x, sr)
        axes[3 * c + 2, 0].plot(t, db, color="C3")
        axes[3 * c + 2, 0].set_ylabel("level dBFS")
        axes[3 * c + 2, 0].set_xlim(0, len(x) / sr)
        axes[3 * c + 2, 0].grid(alpha=0.3)
    axes[-1, 0].set_xlabel("seconds")
    return fig
