import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import neuromix as nm
from neuromix.analysis import explain as ex
from neuromix.graph.patchfile import load_graph
from neuromix.instrument.file import load
from neuromix.instrument.inputs import gesture
from neuromix.nodes.activations import ACTIVATIONS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def driven(act, weight, sr=8000, bias=0.0):
    p = nm.Patch(sr=sr)
    a = p.neuron(act=act, bias=bias, name="a")
    a.input(p.sine(100, name="s"), weight)
    p.out(a)
    return p


def test_pre_activation_rebuilt_in_numpy_gives_the_rendered_output(patches):
    p = patches.dual(sr=8000)
    # add a driven weight, a driven bias and an explicit long delay
    lfo = p.sine(3, name="lfo")
    c = p.neuron(act="sin", name="c", bias=lfo.mod(0.2, 0.1))
    c.input(p["a"], lfo.mod(0.5, 1.0))
    c.input(p["b"], -0.7, delay=37)
    c.input(c, 0.3)
    p.out(c)
    report = ex.explain(p.graph, seconds=0.25, figures=False)
    assert set(report.neurons) == {"a", "b", "c"}
    for n in report.neurons.values():
        np.testing.assert_allclose(ACTIVATIONS[n.act].numpy(n.pre), n.out, atol=1e-12,
                                   err_msg=n.id)
    c_inputs = {i.source: i for i in report.neurons["c"].inputs}
    assert c_inputs["b"].delay == 37 and c_inputs["c"].delay == 1


def test_probe_leaves_the_patch_alone(patches):
    p = patches.dual(sr=8000)
    before = list(p.graph.outputs)
    signals = ex.probe(p.graph, 0.01)
    assert p.graph.outputs == before
    assert set(signals) == {"s1", "t1", "a", "b", "mix"}
    np.testing.assert_array_equal(signals["mix"], p.render(seconds=0.01)[:, 0])


def test_shares_are_weight_times_rms():
    p = nm.Patch(sr=8000)
    a = p.neuron(act="tanh", name="a")
    a.input(p.sine(100, name="s"), 0.2)
    a.input(p.sine(150, name="t"), -0.1)
    p.out(a)
    n = ex.explain(p.graph, seconds=0.5, figures=False).neurons["a"]
    shares = {i.source: i.share for i in n.inputs}
    assert shares["s"] == pytest.approx(2 / 3, rel=1e-3)
    assert shares["t"] == pytest.approx(1 / 3, rel=1e-3)
    assert n.bias_share == 0


@pytest.mark.parametrize("act, weight, words", [
    ("tanh", 20.0, "mostly saturated: acts like a comparator"),
    ("tanh", 0.1, "linear mixer"),
    ("tanh", 1.5, "soft clipper"),
    ("step", 1.0, "comparator: switches"),
    ("relu", 1.0, "rectifier"),
    ("identity", 1.0, "linear mixer"),
    ("tanh", 0.0, "nearly silent"),
])
def test_plain_language_summaries(act, weight, words):
    n = ex.explain(driven(act, weight).graph, seconds=0.2, figures=False).neurons["a"]
    assert n.summary.startswith(words), n.summary


def test_comparator_counts_its_switches():
    n = ex.explain(driven("step", 1.0).graph, seconds=1.0, figures=False).neurons["a"]
    assert "about 100 times per second" in n.summary  # a 100 Hz sine crosses zero 200 times


def test_loops_and_feedback_pairs(patches):
    from neuromix.graph.plan import plan_graph

    g = patches.dual().graph
    edges = plan_graph(g).edges
    assert ex.loop_members(g, edges) == {"a", "b"}
    assert ex.feedback_pairs(g, edges) == [("a", "b")]
    g2 = patches.single().graph
    assert ex.loop_members(g2, plan_graph(g2).edges) == {"a"}


def _chromium(args, tmp_path):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
           "--virtual-time-budget=10000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian's chromium")
def test_report_opens_in_headless_chromium_with_every_figure(patches, tmp_path):
    p = patches.dual(sr=16000)
    lfo_free = p.neuron(act="tanh", name="c")
    lfo_free.input(lfo_free, 0.9)  # a self-loop: one more portrait
    lfo_free.input(p["a"], 0.5)
    report = ex.explain(p.graph, seconds=0.5, title="dual <neuron> & co")
    path = report.save(tmp_path / "report.html")
    report.close()
    text = path.read_text()
    assert "dual &lt;neuron&gt; &amp; co" in text
    assert "http" not in re.sub(r'lang="en"', "", text).split("<body")[1]  # nothing fetched
    expected = 1 + 3 + 1 + 1  # network, three neurons, portraits, outputs
    dom = _chromium(["--dump-dom", path.as_uri()], tmp_path).stdout
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert f'data-images="{expected}"' in body
    assert f'data-images-loaded="{expected}"' in body

    shot = tmp_path / "shot.png"
    _chromium([f"--screenshot={shot}", "--window-size=1200,1600", path.as_uri()], tmp_path)
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    assert img.shape[0] >= 1000
    assert img[..., :3].std() > 0.05  # text and figures, not a blank page


# -- every kind of neuron, driven weights, instruments, and the report's parts -----------------
ROOT = Path(__file__).resolve().parents[2]


def rebuilt_exactly(report, ids):
    """Each neuron's transfer curve of its rebuilt pre-activation gives its rendered output."""
    for nid in ids:
        n = report.neurons[nid]
        np.testing.assert_allclose(n.curve(n.pre), n.out, atol=1e-9, err_msg=nid)


def test_nlc_genie_is_explained_neuron_by_neuron():
    report = ex.explain(load_graph(ROOT / "examples" / "nlc_genie.yaml"), seconds=0.3)
    assert set(report.neurons) == {"n1", "n2", "n3"}
    rebuilt_exactly(report, ["n1", "n2", "n3"])
    assert report.neurons["n1"].summary.startswith("NLC neuron: its comparator holds it")
    assert "back" in report.neurons["n1"].weights  # its return weight drifts with an LFO
    html = report.to_html()
    report.close()
    assert "no neurons" not in html and html.count("<h3>") == 3


def test_learners_are_explained_with_their_weights_and_error():
    p = nm.Patch(sr=8000)
    s, t = p.sine(220, name="s"), p.tri(330, name="t")
    target = p.neuron(act="tanh", bias=0.1, inputs={s: 0.7, t: -0.4}, name="tgt")
    l = p.learner(act="tanh", inputs={s: 0.2, t: 0.0}, target=target, rate=0.2, name="l")
    net = p.learner_net(inputs=[s, t], layers=[3, 1], target=target, name="net")
    p.out([l, net])
    report = ex.explain(p.graph, seconds=1.0)
    assert set(report.neurons) == {"tgt", "l", "net"}
    rebuilt_exactly(report, ["tgt", "l"])  # learned weights, one sample late, rebuild u
    learner = report.neurons["l"]
    assert sorted(learner.weights) == ["bias", "s", "t"]
    assert learner.weights["s"][0] == 0.2 and learner.weights["s"][-1] == pytest.approx(0.7, 1e-3)
    assert "learning: its error fell" in learner.summary
    assert report.neurons["net"].summary.startswith("a learning network (layers 3 → 1")
    assert report.neurons["net"].error is not None
    assert len(report.figures["neuron:l"].axes) >= 5  # curve, time, shares, weights, error
    report.close()


def test_a_weight_driven_by_a_signal_is_shown_over_time(tmp_path):
    from neuromix.graph.patchfile import loads

    graph = loads("neuromix: 1\nsr: 8000\nnodes:\n  s1: {type: sine, freq: 110}\n"
                  "  lfo: {type: sine, freq: 2}\n  a: {type: neuron, act: tanh, "
                  "inputs: {s1: lfo, a: {from: lfo, scale: 0.5, offset: 0.2}}}\nout: a\n")
    report = ex.explain(graph, seconds=0.5)
    a = report.neurons["a"]
    rebuilt_exactly(report, ["a"])
    lfo = ex.probe(graph, 0.5)["lfo"]
    np.testing.assert_array_equal(a.weights["s1"], lfo)
    np.testing.assert_allclose(a.weights["a"], lfo * 0.5 + 0.2)
    assert "weights of s1, a move with a signal" in a.summary
    assert "(mean; moves)" in report.to_html()
    report.close()


def test_an_instrument_is_explained_through_its_replay():
    spec = load(ROOT / "examples" / "instruments" / "wekinator_compatible.yaml")
    report = ex.explain_instrument(spec, gesture(spec))
    assert {"h1", "h2", "out", "taught"} <= set(report.neurons)
    assert "wekinator_compatible.csv" in report.source and report.lyapunov is None
    rebuilt_exactly(report, ["h1", "h2", "out"])
    assert report.seconds == pytest.approx(7.0)  # the 6 s gesture and one second
    assert np.ptp(report.neurons["h1"].pre) > 0.5  # the gesture moved it
    lines = report.figures["gesture"].axes[0].lines
    assert [line.get_label() for line in lines] == ["in1", "in2"]
    html = report.to_html()
    report.close()
    assert "driven by the gesture wekinator_compatible.csv" in html and "<audio" not in html
    assert '<img alt="the gesture"' in html


def decoded_players(html: str) -> list[tuple[int, np.ndarray]]:
    """(sample rate, samples as floats) of every embedded WAV player of a page."""
    import base64
    import io
    import wave

    found = []
    for data in re.findall(r'<audio controls preload="none" src="data:audio/wav;base64,'
                           r'([^"]+)"', html):
        with wave.open(io.BytesIO(base64.b64decode(data))) as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
            found.append((w.getframerate(), pcm / 32767))
    return found


def test_every_output_gets_a_player_of_its_own_sound():
    p = nm.Patch(sr=8000)
    p.out([p.sine(200, name="s") * 0.5, p.tri(300, name="t") * 0.25])
    report = ex.explain(p.graph, seconds=0.2, figures=False)
    players = decoded_players(report.to_html())
    assert [sr for sr, _ in players] == [8000, 8000]
    for c, (_, x) in enumerate(players):
        np.testing.assert_allclose(x, report.outputs[:, c], atol=1 / 32767)


def test_a_patch_shows_its_network_and_a_second_of_sound_in_a_notebook(patches):
    p = patches.dual(sr=8000)
    page = p._repr_html_()
    assert page.count('<img alt="network graph"') == 1
    [(sr, x)] = decoded_players(page)
    assert sr == 8000
    np.testing.assert_allclose(x, p.render(seconds=1.0)[:, 0], atol=1 / 32767)


def test_an_exponent_at_the_estimators_floor_is_shown_as_a_bound():
    p = driven("tanh", 1e3)  # saturated hard: tanh is exactly ±1, a disturbance vanishes
    p["a"].input(p["a"], 0.5)
    report = ex.explain(p.graph, seconds=0.3, figures=False)
    assert report.lyapunov.per_second <= report.lyapunov_floor * 0.99
    assert f"≤ {report.lyapunov_floor:.3g}" in report.to_html()
    calm = ex.explain(driven("tanh", 1.0).graph, seconds=0.3, figures=False)
    assert "≤" not in calm.to_html()


def test_the_spectrogram_has_a_log_frequency_axis_and_a_db_bar(patches):
    report = ex.explain(patches.dual(sr=8000).graph, seconds=0.3)
    axes = report.figures["outputs"].axes
    assert axes[1].get_yscale() == "log" and axes[1].get_ylim()[1] == 4000
    assert any("dB" in ax.get_ylabel() for ax in axes[3:])  # the colour bar
    report.close()


def test_a_network_of_thirty_nodes_is_drawn_without_overlaps():
    p = nm.Patch(sr=8000)
    drives = [p.sine(100 + 10 * k, name=f"osc{k}") for k in range(4)]
    neurons = []
    for k in range(24):
        n = p.neuron(act="tanh", name=f"neuron_{k:02d}")
        n.input(drives[k % 4], 0.5)
        if neurons:
            n.input(neurons[-1], 0.3)
        n.input(neurons[k // 2] if k > 1 else n, -0.2)
        neurons.append(n)
    p.out(p.mix(inputs={n: 0.04 for n in neurons}, name="mix"))
    report = ex.explain(p.graph, seconds=0.05)
    fig = report.figures["network"]
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in fig.axes[0].texts if t.get_gid() == "node"]
    assert len(boxes) == 29
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    report.close()


def test_explain_command_takes_an_instrument_file(tmp_path, capsys):
    from neuromix.cli import main

    out = tmp_path / "wek.html"
    assert main(["explain", str(ROOT / "examples" / "instruments" / "wekinator_compatible.yaml"),
                 "-o", str(out), "--seconds", "2"]) == 0
    assert "driven by the gesture" in capsys.readouterr().out
    assert out.read_text().count("<h3>") >= 10
