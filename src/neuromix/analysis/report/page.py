"""The report as one self-contained HTML page: pictures as PNG data, outputs as WAV players.

Examples
--------
>>> import numpy as np
>>> wav_data(np.zeros(10), 8000)[:22]
'data:audio/wav;base64,'
>>> lyapunov_text(-166000.0, -165786.0)
'≤ -1.66e+05'

A patch shows itself in a notebook (``Patch._repr_html_``) with :func:`patch_html`:

>>> import neuromix as nm
>>> p = nm.Patch(sr=8000)
>>> p.out(p.sine(220) * 0.5)
>>> page = p._repr_html_()
>>> page.count("<img"), page.count("<audio")
(1, 1)
"""

from __future__ import annotations

import base64
import html
import io
import wave

import numpy as np

from neuromix.analysis.plots import pyplot
from neuromix.analysis.report.figures import draw_network
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.render import render
from neuromix.graph.plan import plan_graph

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


def png_data(fig) -> str:
    """A figure as a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def wav_data(x: np.ndarray, sr: float) -> str:
    """A signal as a 16-bit mono WAV ``data:`` URI (clipped to ±1, NaN as silence)."""
    pcm = np.round(np.clip(np.nan_to_num(np.asarray(x, dtype=float)), -1, 1) * 32767)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(round(sr)))
        w.writeframes(pcm.astype("<i2").tobytes())
    return "data:audio/wav;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def audio_tag(x: np.ndarray, sr: float, label: str) -> str:
    return (f'<p>{html.escape(label)}: <audio controls preload="none" '
            f'src="{wav_data(x, sr)}"></audio></p>')


def lyapunov_text(value: float, floor: float) -> str:
    """The exponent as text; at the estimator's floor (within 1%) it is a bound, ``≤ floor``."""
    if not np.isfinite(value):
        return "undefined"
    if value <= floor * 0.99:
        return f"≤ {floor:.3g}"
    return f"{value:.3g}"


def patch_html(graph, seconds: float = 1.0) -> str:
    """An HTML fragment for a notebook: the network figure and a player per output of a render
    of ``seconds`` (the figure is left out, with a note, when matplotlib is not installed)."""
    audio = render(CompiledPatch(graph), seconds=seconds)
    try:
        fig = draw_network(graph, plan_graph(graph).edges)
        picture = f'<img alt="network graph" style="max-width:100%" src="{png_data(fig)}">'
        pyplot().close(fig)
    except ImportError:
        picture = "<p>(pip install 'neuromix[explain]' to see the network drawn)</p>"
    chans = audio.shape[1]
    players = "".join(audio_tag(audio[:, c], graph.sr, "output" if chans == 1
                                else f"output {c + 1}") for c in range(chans))
    return f"<div>{picture}{players}</div>"


def render_html(report) -> str:
    """The whole page for a :class:`~neuromix.analysis.explain.Report`."""
    esc = html.escape
    f, figs = report.features, report.figures
    pitch = "none" if not np.isfinite(f["pitch_hz"]) else f"{f['pitch_hz']:.1f} Hz"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>neuromix explain: {esc(report.title)}</title>",
        f"<style>{STYLE}</style><script>{ONLOAD}</script></head><body>",
        f"<h1>{esc(report.title)}</h1>",
        f'<p class="muted">{report.seconds:g} s analysed at {report.sr:g} Hz by neuromix explain'
        "</p>", '<div class="summary">']
    if report.source:
        parts.append(f"<p><b>Instrument:</b> {esc(report.source)}</p>")
    if report.lyapunov is not None:
        lam = report.lyapunov
        parts.append(f"<p><b>Behaviour:</b> {esc(lam.describe())} (largest Lyapunov exponent "
                     f"{lyapunov_text(lam.per_second, report.lyapunov_floor)} per second).</p>")
    parts += [f"<p><b>Sound:</b> RMS {f['rms']:.3f}, peak {f['peak']:.3f}, brightness (spectral "
              f"centroid) {f['centroid_hz']:.0f} Hz, noisiness (flatness) {f['flatness']:.2f}, "
              f"pitch {pitch} (stability {f['pitch_stability']:.2f}).</p></div>"]
    if "gesture" in figs:
        parts += ["<h2>Gesture</h2>",
                  f'<img alt="the gesture" src="{png_data(figs["gesture"])}">']
    if report.sr >= 3000:  # a control-rate network (an instrument's) is not for listening
        parts.append("<h2>Listen</h2>")
        chans = report.outputs.shape[1]
        parts += [audio_tag(report.outputs[:, c], report.sr,
                            "output" if chans == 1 else f"output {c + 1}") for c in range(chans)]
    parts.append("<h2>Network</h2>")
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
        kind = neuron.type + (f", {neuron.act}" if neuron.act else "")
        parts.append(f"<h3>{esc(nid)} <span class='muted'>({esc(kind)})</span></h3>")
        parts.append(f"<p class='summary'>{esc(neuron.summary)}</p>")
        if f"neuron:{nid}" in figs:
            parts.append(f'<img alt="neuron {esc(nid)}" src="{png_data(figs[f"neuron:{nid}"])}">')
        rows = "".join(f"<tr><td>{esc(i.source)}</td><td>{_weight(i)}</td><td>{i.rms:.3g}</td>"
                       f"<td>{i.delay}</td><td>{100 * i.share:.0f}%</td></tr>"
                       for i in neuron.inputs)
        parts.append("<table><tr><th>input</th><th>weight</th><th>input RMS</th>"
                     f"<th>delay</th><th>share</th></tr>{rows}</table>")
        if neuron.curve is not None:
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


def _weight(share) -> str:
    if not np.isfinite(share.weight):
        return "learned"
    return f"{share.weight:+.3g}" + (" (mean; moves)" if share.driven else "")
