"""Explain a patch: what each neuron does, how hard it is driven, and how the whole behaves.

:func:`explain` renders the patch once with every node's output as an extra channel (a copy
of the graph whose ``outputs`` list every node), rebuilds each neuron's pre-activation input
in numpy from the outputs of its sources (``bias + Σ wᵢ·xᵢ[n − delayᵢ]``, delays as the
compiler placed them), and measures:

- where the pre-activation falls on the activation curve (linear region, saturation,
  switching), from which a plain-language summary is derived;
- the share each input contributes (``|weight| × RMS(input)``, normalised);
- the patch's largest Lyapunov exponent (:mod:`neuromix.analysis.chaos`).

It returns a :class:`Report` holding those numbers and matplotlib figures (the network drawn
as a graph, one figure per neuron, phase portraits, the outputs' waveform, spectrogram and
loudness); :meth:`Report.save` writes one self-contained HTML file with the pictures embedded.

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

import base64
import copy
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuromix.analysis import chaos, features
from neuromix.compiler.passes import plan_graph
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.render import render
from neuromix.graph.graph import Edge, Graph, Ref, Signal
from neuromix.nodes import get as node_type
from neuromix.nodes.activations import ACTIVATIONS

SLOPE_H = 1e-4  # step for the numerical slope of an activation
SATURATED = 0.25  # slope below this share of the slope at 0 counts as saturated
LINEAR = 0.8  # slope above this share counts as linear
SILENT_RMS = 1e-4
MAX_PORTRAITS = 6


# -- measuring --------------------------------------------------------------------------
def probe(graph: Graph, seconds: float) -> dict[str, np.ndarray]:
    """Every node's output (and every named port that something reads) over a render.

    Returns signals by reference text (``"a"``, ``"svf.bp"``). The patch itself is not
    changed: a copy with extra output channels is rendered.
    """
    refs = [Ref(nid) for nid in graph.nodes]
    for edge in graph.edges():
        if edge.src.port is not None and edge.src not in refs:
            refs.append(edge.src)
    probe_graph = copy.deepcopy(graph)
    probe_graph.outputs = refs
    audio = render(CompiledPatch(probe_graph), seconds=seconds)
    audio = audio[:, None] if audio.ndim == 1 else audio
    return {str(ref): audio[:, i] for i, ref in enumerate(refs)}


def delayed(x: np.ndarray, d: int) -> np.ndarray:
    """``x[n − d]`` with zeros before the start (state starts at 0)."""
    if d <= 0:
        return x
    return np.concatenate([np.zeros(min(d, len(x))), x[:-d]])[:len(x)]


def _value(value, slot: str, node_id: str, signals, delays) -> np.ndarray | float:
    """A parameter or weight over time: a constant, or ``signal × scale + offset``."""
    if isinstance(value, Signal):
        src = delayed(signals[str(value.ref)], delays[(node_id, slot)])
        return src * value.scale + value.offset
    return float(value)


@dataclass
class InputShare:
    source: str
    weight: float  # the constant weight, or the mean of a driven one
    rms: float  # of the input signal
    share: float  # |weight| × rms over the sum of all of them (bias included)
    delay: int


@dataclass
class Neuron:
    """What one neuron does over the render."""

    id: str
    act: str
    pre: np.ndarray  # the pre-activation input u[n]
    out: np.ndarray  # its output
    inputs: list[InputShare]
    bias_share: float
    linear: float  # share of samples in the linear region of the activation
    saturated: float  # share of samples where the activation is flat
    negative: float  # share of samples with u < 0 (for rectifiers)
    switches_per_s: float  # sign changes of the output per second
    in_loop: bool
    summary: str = ""


def activation_slope(act: str, u: np.ndarray) -> np.ndarray:
    """The activation's slope at ``u`` (central difference)."""
    f = ACTIVATIONS[act].numpy
    return (f(u + SLOPE_H) - f(u - SLOPE_H)) / (2 * SLOPE_H)


def analyse_neuron(graph: Graph, nid: str, signals, delays, loops: set[str]) -> Neuron:
    """Rebuild a neuron's pre-activation from its sources' outputs and measure it."""
    node = graph.nodes[nid]
    nt = node_type(node.type)
    act = node.options.get("act", nt.option("act").default)
    bias = _value(node.params.get("bias", nt.param("bias").default), "bias", nid, signals, delays)
    n = len(signals[nid])
    pre = np.zeros(n) + bias
    contributions = []
    for inp in node.inputs:
        d = delays[(nid, f"in:{inp.key}")]
        x = delayed(signals[inp.key], d)
        w = _value(inp.weight, f"w:{inp.key}", nid, signals, delays)
        pre = pre + w * x
        contributions.append((inp.key, float(np.mean(w)), features.rms(w * x),
                              features.rms(x), d))
    bias_size = features.rms(np.zeros(n) + bias)
    total = bias_size + sum(c[2] for c in contributions) or 1.0
    inputs = [InputShare(src, w, x_rms, size / total, d)
              for src, w, size, x_rms, d in contributions]
    slope0 = max(abs(float(activation_slope(act, np.zeros(1))[0])),
                 float(np.abs(activation_slope(act, np.linspace(-3, 3, 601))).max()), 1e-12)
    slope = np.abs(activation_slope(act, pre)) / slope0
    out = signals[nid]
    signs = np.signbit(out)
    return Neuron(nid, act, pre, out, inputs, bias_size / total,
                  linear=float(np.mean(slope >= LINEAR)),
                  saturated=float(np.mean(slope < SATURATED)),
                  negative=float(np.mean(pre < 0)),
                  switches_per_s=float(np.count_nonzero(signs[1:] != signs[:-1]))
                  * graph.sr / max(n - 1, 1),
                  in_loop=nid in loops)


def summarise(neuron: Neuron) -> str:
    """A short plain-language reading of a neuron's measures."""
    pct = lambda v: f"{100 * v:.0f}%"  # noqa: E731
    if features.rms(neuron.out) < SILENT_RMS:
        head = "nearly silent: its inputs cancel out or it is cut off"
    elif neuron.act == "identity":
        head = "linear mixer: passes the weighted sum through unchanged"
    elif neuron.act == "step":
        head = (f"comparator: switches between -1 and +1 about "
                f"{neuron.switches_per_s / 2:.0f} times per second")
    elif neuron.act in ("relu", "halfwave", "leaky_relu"):
        head = (f"rectifier: cuts off the negative part of its input {pct(neuron.negative)} "
                f"of the time")
    elif neuron.act == "abs":
        head = "full-wave rectifier: folds negative input up (doubles frequencies)"
    elif neuron.act == "sin":
        head = (f"wavefolder: its input leaves the first rise of the sine "
                f"{pct(1 - neuron.linear)} of the time" if neuron.linear < 0.9
                else "gentle sine shaper: works in its near-linear range")
    elif neuron.saturated > 0.6:
        head = (f"mostly saturated: acts like a comparator ({pct(neuron.saturated)} of the time "
                f"flat at its limits, switching about {neuron.switches_per_s / 2:.0f} times per "
                f"second)")
    elif neuron.linear > 0.8:
        head = (f"linear mixer: stays in the linear region of {neuron.act} "
                f"{pct(neuron.linear)} of the time (little distortion)")
    else:
        head = (f"soft clipper: linear {pct(neuron.linear)} of the time, saturated "
                f"{pct(neuron.saturated)} (adds harmonics)")
    parts = [head]
    if neuron.inputs:
        top = max(neuron.inputs, key=lambda i: i.share)
        parts.append(f"driven mostly by {top.source} ({pct(top.share)})")
    if neuron.bias_share > 0.3:
        parts.append(f"its bias is {pct(neuron.bias_share)} of the drive")
    if neuron.in_loop:
        parts.append("part of a feedback loop")
    return "; ".join(parts) + "."


def loop_members(graph: Graph, edges: list[Edge]) -> set[str]:
    """Nodes that lie on a feedback loop (a cycle of the graph)."""
    from neuromix.compiler.passes import strongly_connected

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
    pairs = []
    for a, b in sorted(linked):
        if a < b and (b, a) in linked:
            pairs.append((a, b))
    return pairs


def embedding_delay(x: np.ndarray, sr: float) -> int:
    """A delay for a delay-embedding portrait: the first zero of the autocorrelation."""
    n = min(len(x), 1 << 14)
    x = x[-n:] - np.mean(x[-n:])
    if not np.any(x):
        return 1
    spec = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(np.abs(spec) ** 2)[: min(n, int(sr / 20) + 2)]
    below = np.flatnonzero(ac <= 0)
    return int(below[0]) if len(below) and below[0] > 0 else max(1, len(ac) // 4)


# -- the report ---------------------------------------------------------------------------
@dataclass
class Report:
    """What :func:`explain` found, with its figures (matplotlib) by section."""

    title: str
    sr: float
    seconds: float
    neurons: dict[str, Neuron]
    outputs: np.ndarray  # (frames, channels)
    lyapunov: chaos.Lyapunov
    features: dict[str, float]
    edges: list[Edge]
    figures: dict[str, object] = field(default_factory=dict)

    def to_html(self) -> str:
        """One self-contained HTML page (pictures embedded as PNG data)."""
        return render_html(self)

    def save(self, path) -> Path:
        """Write the HTML report to ``path`` (atomically)."""
        from neuromix.graph.patchfile import atomic_write_text

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, self.to_html())
        return path

    def close(self) -> None:
        """Free the figures."""
        from neuromix.analysis.plots import pyplot

        plt = pyplot()
        for fig in self.figures.values():
            plt.close(fig)
        self.figures.clear()


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
    plan = plan_graph(graph)
    delays = {(e.dst, e.slot): e.delay for e in plan.edges}
    signals = probe(graph, seconds)
    loops = loop_members(graph, plan.edges)
    neurons = {}
    for nid, node in graph.nodes.items():
        if node.type == "neuron":
            neuron = analyse_neuron(graph, nid, signals, delays, loops)
            neuron.summary = summarise(neuron)
            neurons[nid] = neuron
    outputs = np.stack([signals[str(ref)] for ref in graph.outputs], axis=1)
    lyap = chaos.lyapunov(graph, seconds=min(seconds, 2.0))
    report = Report(title, graph.sr, seconds, neurons, outputs, lyap,
                    features.features(outputs, graph.sr), plan.edges)
    if figures:
        report.figures = draw_all(graph, plan.edges, signals, report)
    return report


# -- figures ------------------------------------------------------------------------------
def draw_all(graph: Graph, edges: list[Edge], signals, report: Report) -> dict[str, object]:
    figs = {"network": draw_network(graph, edges)}
    for nid, neuron in report.neurons.items():
        figs[f"neuron:{nid}"] = draw_neuron(neuron, graph.sr)
    pairs = feedback_pairs(graph, edges)
    self_loops = [e.dst for e in edges if e.src.node == e.dst]
    figs["portraits"] = draw_portraits(pairs, self_loops, signals, report.outputs, graph.sr)
    figs["outputs"] = draw_outputs(report.outputs, graph.sr)
    return figs


def _layout(graph: Graph, edges: list[Edge]) -> dict[str, tuple[float, float]]:
    """Columns by the longest chain of same-sample (delay 0) edges; rows within a column."""
    depth = {nid: 0 for nid in graph.nodes}
    for _ in range(len(depth)):
        changed = False
        for e in edges:
            if e.delay == 0 and e.src.node != e.dst and depth[e.dst] < depth[e.src.node] + 1:
                depth[e.dst] = depth[e.src.node] + 1
                changed = True
        if not changed:
            break
    columns: dict[int, list[str]] = {}
    for nid in graph.nodes:
        columns.setdefault(depth[nid], []).append(nid)
    pos = {}
    for col, ids in columns.items():
        for row, nid in enumerate(ids):
            pos[nid] = (float(col), (len(ids) - 1) / 2 - row)
    return pos


def draw_network(graph: Graph, edges: list[Edge]):
    """The patch as a graph: weights as width and colour (red +, blue −), delays dashed."""
    from matplotlib.patches import Circle, FancyArrowPatch

    from neuromix.analysis.plots import pyplot

    plt = pyplot()
    pos = _layout(graph, edges)
    width = max(x for x, _ in pos.values()) + 1
    height = max(abs(y) for _, y in pos.values()) * 2 + 1
    fig, ax = plt.subplots(figsize=(min(3 + 2.4 * width, 14), min(2.5 + 1.5 * height, 10)),
                           constrained_layout=True)
    weights = [abs(_weight_of(graph, e)) for e in edges if _weight_of(graph, e) is not None]
    wmax = max(weights, default=1.0) or 1.0
    outputs = {ref.node for ref in graph.outputs}
    radius = 0.22
    for e in edges:
        w = _weight_of(graph, e)
        color = "0.55" if w is None else ("#c0392b" if w > 0 else "#2e6fba")
        lw = 1.0 if w is None else 0.8 + 4.0 * abs(w) / wmax
        style = "--" if e.delay else "-"
        (x0, y0), (x1, y1) = pos[e.src.node], pos[e.dst]
        label = ("" if w is None else f"{w:+.3g}") + (f" z⁻{_sup(e.delay)}" if e.delay else "")
        if not e.slot.startswith("in:"):
            label = f"{e.slot.replace('w:', 'weight ')}" + (f" z⁻{_sup(e.delay)}" if e.delay else "")
        if e.src.node == e.dst:
            loop = Circle((x0, y0 + radius * 1.6), radius * 0.75, fill=False, color=color, lw=lw,
                          ls=style)
            ax.add_patch(loop)
            ax.text(x0, y0 + radius * 2.6, label, ha="center", va="bottom", fontsize=8,
                    color=color)
            continue
        rad = 0.35 if (e.delay or x1 <= x0) else (0.25 if x1 - x0 > 1 else 0.08)
        arrow = FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=14,
                                connectionstyle=f"arc3,rad={rad}", color=color, lw=lw, ls=style,
                                shrinkA=28, shrinkB=28)
        ax.add_patch(arrow)
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        nx, ny = (y1 - y0), -(x1 - x0)  # matplotlib's arc3 bulges along this normal
        ax.text(mx + rad * nx * 0.5, my + rad * ny * 0.5, label, fontsize=8, ha="center",
                va="center", color=color,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    for nid, (x, y) in pos.items():
        node = graph.nodes[nid]
        face = "#fdf2d0" if node.type == "neuron" else "#e8eef5"
        ax.add_patch(Circle((x, y), radius, fc=face, ec="black", lw=2.5 if nid in outputs else 1,
                            zorder=3))
        sub = node.options.get("act", node.type) if node.type == "neuron" else node.type
        ax.text(x, y + 0.03, nid, ha="center", va="center", fontsize=10, weight="bold", zorder=4)
        ax.text(x, y - 0.09, sub, ha="center", va="center", fontsize=7, zorder=4)
        if nid in outputs:
            ax.text(x, y - radius - 0.08, "output", ha="center", va="top", fontsize=7, zorder=4)
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("network: edge width = |weight|, red +, blue −, dashed = delayed (z⁻ⁿ)")
    return fig


def _sup(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _weight_of(graph: Graph, e: Edge) -> float | None:
    """The constant weight on a weighted input edge; None for other edges."""
    if not e.slot.startswith("in:"):
        return None
    node = graph.nodes[e.dst]
    if node_type(node.type).inputs != "weighted":
        return None
    key = e.slot[3:]
    for inp in node.inputs:
        if inp.key == key:
            w = inp.weight
            return w.offset if isinstance(w, Signal) else float(w)
    return None


def draw_neuron(neuron: Neuron, sr: float):
    """Activation curve with the pre-activation histogram, output over time, input shares."""
    from neuromix.analysis.plots import pyplot

    plt = pyplot()
    fig, (ax_act, ax_time, ax_share) = plt.subplots(
        1, 3, figsize=(13, 3.2), constrained_layout=True, width_ratios=(1.1, 1.6, 1))
    lo, hi = np.percentile(neuron.pre, [0.5, 99.5]) if len(neuron.pre) else (-1.0, 1.0)
    span = max(hi - lo, 1e-6)
    lo, hi = min(lo - 0.2 * span, -1.0), max(hi + 0.2 * span, 1.0)
    u = np.linspace(lo, hi, 400)
    hist_ax = ax_act.twinx()
    hist_ax.hist(neuron.pre, bins=80, range=(lo, hi), color="C1", alpha=0.45, density=True)
    hist_ax.set_yticks([])
    hist_ax.set_ylabel("how often (pre-activation)", color="C1", fontsize=8)
    ax_act.plot(u, ACTIVATIONS[neuron.act].numpy(u), color="black", lw=1.8, zorder=3)
    ax_act.set_zorder(hist_ax.get_zorder() + 1)
    ax_act.patch.set_visible(False)
    ax_act.set_xlabel("pre-activation u = bias + Σ w·x")
    ax_act.set_ylabel(f"{neuron.act}(u)")
    ax_act.set_title(f"{neuron.id}: where it works on its curve", fontsize=10)
    ax_act.grid(alpha=0.3)

    n = len(neuron.out)
    window = min(n, max(int(0.04 * sr), 64))
    start = max(0, n // 2 - window // 2)
    t = (start + np.arange(window)) / sr * 1000
    ax_time.plot(t, neuron.pre[start:start + window], color="C1", lw=0.8, alpha=0.7,
                 label="pre-activation u")
    ax_time.plot(t, neuron.out[start:start + window], color="C0", lw=1.2, label="output")
    ax_time.set_xlabel("ms")
    ax_time.legend(loc="upper right", fontsize=7)
    ax_time.set_title("output over time (40 ms from the middle)", fontsize=10)
    ax_time.grid(alpha=0.3)

    names = [i.source for i in neuron.inputs] + ["bias"]
    shares = [i.share for i in neuron.inputs] + [neuron.bias_share]
    colors = ["#c0392b" if i.weight > 0 else "#2e6fba" for i in neuron.inputs] + ["0.6"]
    ax_share.barh(names, shares, color=colors)
    ax_share.set_xlim(0, 1)
    ax_share.invert_yaxis()
    ax_share.set_xlabel("share of the drive (|w| × RMS)")
    ax_share.set_title("who drives it", fontsize=10)
    for y, s in enumerate(shares):
        ax_share.text(min(s + 0.02, 0.85), y, f"{100 * s:.0f}%", va="center", fontsize=8)
    return fig


def draw_portraits(pairs, self_loops, signals, outputs: np.ndarray, sr: float):
    """Phase portraits of feedback pairs and self-loops, and a delay embedding of the output."""
    from neuromix.analysis.plots import pyplot

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
            ax.set_xlabel(f"{a}[n-1]")
            ax.set_ylabel(f"{a}[n]")
            ax.set_title(f"{a} against itself", fontsize=10)
        else:
            ax.plot(signals[a][last], signals[b][last], lw=0.4, color="C4")
            ax.set_xlabel(a)
            ax.set_ylabel(b)
            ax.set_title(f"feedback pair {a} ↔ {b}", fontsize=10)
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
    """Waveform, spectrogram and loudness of every output channel."""
    from neuromix.analysis.plots import draw_spectrogram, draw_waveform, pyplot

    plt = pyplot()
    chans = outputs.shape[1]
    fig, axes = plt.subplots(3 * chans, 1, figsize=(11, 2.3 * 3 * chans), squeeze=False,
                             constrained_layout=True)
    for c in range(chans):
        x = outputs[:, c]
        name = "output" if chans == 1 else f"output {c + 1}"
        draw_waveform(axes[3 * c, 0], x, sr, name)
        draw_spectrogram(axes[3 * c + 1, 0], x, sr)
        t, db = features.loudness_db(x, sr)
        axes[3 * c + 2, 0].plot(t, db, color="C3")
        axes[3 * c + 2, 0].set_ylabel("level dBFS")
        axes[3 * c + 2, 0].set_xlim(0, len(x) / sr)
        axes[3 * c + 2, 0].grid(alpha=0.3)
    axes[-1, 0].set_xlabel("seconds")
    return fig


# -- HTML --------------------------------------------------------------------------------
def png_data(fig) -> str:
    """A figure as a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
.summary { background: #f6f6f2; border-left: 4px solid #c9a227; padding: 0.5em 1em; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { padding: 0.2em 0.8em; border-bottom: 1px solid #eee; text-align: left; }
.muted { color: #777; font-size: 0.85em; }
"""

# marks the page once every picture has decoded (read by tests and handy in a browser console)
ONLOAD = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-images", String(imgs.length));
  document.body.setAttribute("data-images-loaded", String(ok));
});
"""


def render_html(report: Report) -> str:
    esc = html.escape
    f = report.features
    lam = report.lyapunov
    pitch = "none" if not np.isfinite(f["pitch_hz"]) else f"{f['pitch_hz']:.1f} Hz"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>neuromix explain: {esc(report.title)}</title>",
        f"<style>{STYLE}</style><script>{ONLOAD}</script></head><body>",
        f"<h1>{esc(report.title)}</h1>",
        f'<p class="muted">{report.seconds:g} s analysed at {report.sr:g} Hz by neuromix explain'
        "</p>",
        '<div class="summary"><p><b>Behaviour:</b> '
        f"{esc(lam.describe())} (largest Lyapunov exponent {_fmt(lam.per_second)} per second)."
        "</p>",
        f"<p><b>Sound:</b> RMS {f['rms']:.3f}, peak {f['peak']:.3f}, brightness (spectral "
        f"centroid) {f['centroid_hz']:.0f} Hz, noisiness (flatness) {f['flatness']:.2f}, "
        f"pitch {pitch} (stability {f['pitch_stability']:.2f}).</p></div>",
        "<h2>Network</h2>",
    ]
    figs = report.figures
    if "network" in figs:
        parts.append(f'<img alt="network graph" src="{png_data(figs["network"])}">')
    delayed_edges = [e for e in report.edges if e.delay]
    if delayed_edges:
        items = ", ".join(f"{esc(str(e.src))} → {esc(e.dst)} ({e.delay} sample"
                          f"{'s' if e.delay != 1 else ''})" for e in delayed_edges)
        parts.append(f"<p>Delayed (feedback) edges: {items}.</p>")
    parts.append("<h2>Neurons</h2>")
    if not report.neurons:
        parts.append("<p>This patch has no neurons.</p>")
    for nid, neuron in report.neurons.items():
        parts.append(f"<h3>{esc(nid)} <span class='muted'>({esc(neuron.act)})</span></h3>")
        parts.append(f"<p class='summary'>{esc(neuron.summary)}</p>")
        if f"neuron:{nid}" in figs:
            parts.append(f'<img alt="neuron {esc(nid)}" src="{png_data(figs[f"neuron:{nid}"])}">')
        rows = "".join(f"<tr><td>{esc(i.source)}</td><td>{i.weight:+.3g}</td><td>{i.rms:.3g}</td>"
                       f"<td>{i.delay}</td><td>{100 * i.share:.0f}%</td></tr>"
                       for i in neuron.inputs)
        parts.append("<table><tr><th>input</th><th>weight</th><th>input RMS</th>"
                     f"<th>delay</th><th>share</th></tr>{rows}</table>")
        parts.append(f"<p class='muted'>linear region {100 * neuron.linear:.0f}%, saturated "
                     f"{100 * neuron.saturated:.0f}%, output sign changes "
                     f"{neuron.switches_per_s:.0f}/s</p>")
    if "portraits" in figs:
        parts += ["<h2>Phase portraits</h2>",
                  "<p>Each neuron of a feedback pair against the other, and the output against "
                  "itself a little later: a closed curve is a cycle, a filled-in cloud is noise "
                  "or chaos.</p>",
                  f'<img alt="phase portraits" src="{png_data(figs["portraits"])}">']
    if "outputs" in figs:
        parts += ["<h2>Output</h2>",
                  f'<img alt="waveform, spectrogram and loudness" '
                  f'src="{png_data(figs["outputs"])}">']
    parts.append("</body></html>")
    return "\n".join(parts)


def _fmt(v: float) -> str:
    return "undefined" if not np.isfinite(v) else f"{v:.3g}"
