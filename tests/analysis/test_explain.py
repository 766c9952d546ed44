import re
import shutil
import subprocess

import numpy as np
import pytest

import neuromix as nm
from neuromix.analysis import explain as ex
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
    np.testing.assert_array_equal(signals["mix"], p.render(seconds=0.01))


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
    from neuromix.compiler.passes import plan_graph

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
