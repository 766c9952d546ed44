"""The browser view in a real browser (headless Debian chromium, driven by Playwright):
the page loads clean and offline, names every node, moves while playing, its controls reach
the audio, and it follows OSC changes and hot reloads."""

import time

import numpy as np
import pytest
import soundfile as sf
from live_helpers import DUAL, offline
from ui_browser import browser_page, node_boxes, overlapping, until, wait_for

import neuromix as nm
from neuromix.graph.patchfile import load_graph
from neuromix.live import play
from neuromix.live.osc import OscControl
from neuromix.live.reload import Watcher
from neuromix.live.ui.server import LiveView


def _serve(player):
    ui = LiveView(player, port=0)
    player.controls.append(ui)
    return ui


def test_the_page_loads_clean_names_every_node_and_moves(patch_file):
    with play(patch_file(DUAL), audio="null", blocksize=256) as player:
        ui = _serve(player)
        with browser_page(ui.url) as (page, problems, requests):
            names = page.eval_on_selector_all("#nodes g.node text", "ts => ts.map(t => t.textContent)")
            assert sorted(names) == sorted(player.compiled.graph.nodes)
            lit = page.eval_on_selector_all("#nodes g.node.neuron", "gs => gs.map(g => g.dataset.node)")
            assert sorted(lit) == ["a", "b"]
            first = page.evaluate("() => [window.neuromixView.frame.seconds, "
                                  "window.neuromixView.frame.ports, Array.from(window.neuromixView.frame.scope)]")
            page.wait_for_timeout(500)
            later = page.evaluate("() => [window.neuromixView.frame.seconds, "
                                  "window.neuromixView.frame.ports, Array.from(window.neuromixView.frame.scope)]")
            assert later[0] > first[0] and later[1] != first[1] and later[2] != first[2]
            levels = page.eval_on_selector_all("#nodes g.neuron rect", "rs => rs.map(r => r.dataset.level)")
            assert all(float(v) > 0.05 for v in levels)  # lit by their output
            assert page.text_content("#sel-title").startswith("a (neuron)")
            page.click('#nodes g.node[data-node="b"]')
            wait_for(page, "() => document.querySelector('#sel-title').textContent.startsWith('b')")
            assert page.evaluate("() => document.querySelectorAll('#shares .share').length") == 2
        assert problems == []
        own = f"http://127.0.0.1:{ui.port}/"
        assert requests and all(url.startswith(own) or url.startswith("data:") for url in requests)


def test_a_control_moves_the_parameter_heard_in_the_take(patch_file, tmp_path):
    take = tmp_path / "take.wav"
    path = patch_file(DUAL)
    with play(path, audio="null", blocksize=256, record=take, log=True) as player:
        ui = _serve(player)
        with browser_page(ui.url) as (page, problems, _):
            page.fill('input[type=range][data-address="a.bias"]', "0.7")
            until(lambda: any(a == "a.bias" and v == 0.7 for _, a, v in player.log))
            page.fill('input[type=number][data-address="a.w.b"]', "-2.5")
            page.press('input[type=number][data-address="a.w.b"]', "Enter")
            until(lambda: any(a == "a.w.b" and v == -2.5 for _, a, v in player.log))
            player.wait(0.3)
        assert problems == []
    rows = [line.split(",") for line in take.with_suffix(".changes.csv").read_text().splitlines()[1:]]
    assert [(int(b), a, float(v)) for b, _, a, v in rows] == player.log
    assert ("a.bias", 0.7) in [(a, v) for _, a, v in player.log]
    recorded, _ = sf.read(str(take), dtype="float32", always_2d=True)
    blocks = player.engine.block
    graph = load_graph(path)
    np.testing.assert_array_equal(recorded, offline(graph, player.log, blocks, 256, player.smoothing))
    assert np.abs(recorded - offline(graph, [], blocks, 256, player.smoothing)).max() > 0.1


def test_an_osc_change_shows_on_the_page(patch_file):
    from pythonosc.udp_client import SimpleUDPClient

    with play(patch_file(DUAL), audio="null", blocksize=256) as player:
        osc = OscControl(player, port=0)
        player.controls.append(osc)
        ui = _serve(player)
        with browser_page(ui.url) as (page, problems, _):
            SimpleUDPClient("127.0.0.1", osc.port).send_message("/neuromix/param/a.w.b", 0.625)
            wait_for(page, """() => document.querySelector(
                'input[type=number][data-address="a.w.b"]').value === '0.625'""")
            assert float(page.get_attribute('input[type=range][data-address="a.w.b"]',
                                            "data-value")) == pytest.approx(0.625)
        assert problems == []


def test_a_structural_reload_redraws_the_graph(patch_file):
    path = patch_file(DUAL)
    with play(path, audio="null", blocksize=256) as player:
        player.controls.append(Watcher(player, path, say=lambda m: None, poll=0.05))
        ui = _serve(player)
        with browser_page(ui.url) as (page, problems, _):
            assert page.query_selector('#nodes g.node[data-node="lp"]') is None
            edited = DUAL.replace("out: mix", "  lp:  {type: onepole, cutoff: 900, in: mix}\nout: lp")
            time.sleep(0.05)
            path.write_text(edited)
            wait_for(page, """() => document.querySelector('#nodes g.node[data-node="lp"]')""",
                     timeout=60)
            assert page.query_selector('input[data-address="lp.cutoff"]') is not None
            wait_for(page, "() => window.neuromixView.frame.generation === "
                           "window.neuromixView.graph.generation && window.neuromixView.frame.generation > 0")
        assert problems == []


def _generated(n_neurons: int) -> nm.Patch:
    """A reservoir-like patch: a few oscillators, a chain of neurons with sparse feedback."""
    p = nm.Patch(sr=48000)
    drives = [p.sine(55 * (k + 1), name=f"osc{k}") for k in range(4)]
    neurons = []
    for i in range(n_neurons):
        a = p.neuron(act="tanh", bias=0.01 * (i % 7), name=f"n{i:03d}")
        a.input(drives[i % 4] if i < 8 else neurons[i - 8], 0.8)
        if i >= 1:
            a.input(neurons[i - 1], 0.3)
        neurons.append(a)
    for i in range(0, n_neurons, 9):
        neurons[i].input(neurons[min(i + 5, n_neurons - 1)], -0.2)  # feedback
    p.out(p.mix(inputs={a: 0.25 for a in neurons[-4:]}, name="out"))
    return p


@pytest.mark.parametrize("which", ["two", "organism", "generated"])
def test_no_two_node_labels_overlap(which, patch_file):
    if which == "two":
        p = nm.Patch(sr=48000)
        p.out(p.neuron(act="tanh", inputs={p.sine(110, name="s"): 1.0}, name="a"))
        patch = p
    elif which == "organism":
        patch = "examples/dual_neuron_organism.yaml"
    else:
        patch = _generated(195)
    with play(patch, audio="null", blocksize=1024) as player:
        ui = _serve(player)
        nodes = len(player.compiled.graph.nodes)
        with browser_page(ui.url) as (page, problems, _):
            boxes = node_boxes(page)
        assert problems == []
    assert len(boxes) == nodes and nodes == {"two": 2, "organism": 27, "generated": 200}[which]
    assert all(b["width"] > 10 and b["height"] > 10 for b in boxes.values())
    assert overlapping(boxes) == []
