"""The browser view in a real browser (headless Debian chromium, driven by Playwright):
the page loads clean and offline, names every node, moves while playing, its controls reach
the audio, it follows OSC changes and hot reloads, and it draws a network's matrices and
edits them by row and by gain.

One chromium serves the whole module (each test gets a browser context of its own), and the
tests that only look share one playing patch. The layout of big graphs is checked by drawing
the description of their graph (``describe`` of the compiled patch, whose kernel is never
run, so never JIT-compiled) with the page's own code, in a page of that shared patch."""

import json
import time

import numpy as np
import pytest
import soundfile as sf
from live_helpers import DUAL, NET, offline
from ui_browser import (browser_page, cell_centre, cell_pixel, chromium, node_boxes,
                        overlapping, until, wait_for)

import neuromix as nm
from neuromix.engine.compiled import CompiledPatch
from neuromix.graph.patchfile import load_graph
from neuromix.live import play
from neuromix.live.osc import OscControl
from neuromix.live.reload import Watcher
from neuromix.live.ui.model import describe
from neuromix.live.ui.server import LiveView
from neuromix.nodes.network import network_arrays


def _serve(player):
    ui = LiveView(player, port=0)
    player.controls.append(ui)
    return ui


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def dual(tmp_path_factory):
    """DUAL playing with its view, for the tests that look (and move nothing they check)."""
    path = tmp_path_factory.mktemp("dual") / "live.yaml"
    path.write_text(DUAL)
    with play(path, audio="null", blocksize=256) as player:
        yield player, _serve(player)


def test_the_page_loads_clean_names_every_node_and_moves(browser, dual):
    player, ui = dual
    with browser_page(ui.url, browser) as (page, problems, requests):
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
        assert page.is_hidden("#matrix-panel")  # no network node here
        page.click('#nodes g.node[data-node="b"]')
        wait_for(page, "() => document.querySelector('#sel-title').textContent.startsWith('b')")
        assert page.evaluate("() => document.querySelectorAll('#shares .share').length") == 2
    assert problems == []
    own = f"http://127.0.0.1:{ui.port}/"
    assert requests and all(url.startswith(own) or url.startswith("data:") for url in requests)


def test_a_control_moves_the_parameter_heard_in_the_take(browser, patch_file, tmp_path):
    take = tmp_path / "take.wav"
    path = patch_file(DUAL)
    with play(path, audio="null", blocksize=256, record=take, log=True) as player:
        ui = _serve(player)
        with browser_page(ui.url, browser) as (page, problems, _):
            page.fill('input[type=range][data-address="a.bias"]', "0.7")
            until(lambda: any(a == "a.bias" and v == 0.7 for _, a, v in player.log))
            page.fill('input[type=number][data-address="a.w.b"]', "-2.5")
            page.press('input[type=number][data-address="a.w.b"]', "Enter")
            until(lambda: any(a == "a.w.b" and v == -2.5 for _, a, v in player.log))
            player.wait(0.3)
        assert problems == []
    _replays(take, path, player)


def _replays(take, path, player, differs: float = 0.1) -> None:
    """The take's changes.csv is the player's log, and the recorded audio is the offline
    replay of it (and not the patch without the changes)."""
    rows = [line.split(",") for line in take.with_suffix(".changes.csv").read_text().splitlines()[1:]]
    assert [(int(b), a, float(v)) for b, _, a, v in rows] == player.log
    recorded, _ = sf.read(str(take), dtype="float32", always_2d=True)
    blocks = player.engine.block
    graph = load_graph(path)
    np.testing.assert_array_equal(recorded, offline(graph, player.log, blocks, 256, player.smoothing))
    assert np.abs(recorded - offline(graph, [], blocks, 256, player.smoothing)).max() > differs


def test_an_osc_change_shows_on_the_page(browser, dual):
    from pythonosc.udp_client import SimpleUDPClient

    player, ui = dual
    osc = OscControl(player, port=0)
    try:
        with browser_page(ui.url, browser) as (page, problems, _):
            SimpleUDPClient("127.0.0.1", osc.port).send_message("/neuromix/param/a.w.b", 0.625)
            wait_for(page, """() => document.querySelector(
                'input[type=number][data-address="a.w.b"]').value === '0.625'""")
            assert float(page.get_attribute('input[type=range][data-address="a.w.b"]',
                                            "data-value")) == pytest.approx(0.625)
        assert problems == []
    finally:
        osc.close()


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
def test_no_two_node_labels_overlap(which, browser, dual):
    if which == "two":
        p = nm.Patch(sr=48000)
        p.out(p.neuron(act="tanh", inputs={p.sine(110, name="s"): 1.0}, name="a"))
        graph = p.graph
    elif which == "organism":
        graph = load_graph("examples/dual_neuron_organism.yaml")
    else:
        graph = _generated(195).graph
    described = describe(CompiledPatch(graph), generation=-1)  # frames of DUAL leave it be
    _, ui = dual
    with browser_page(ui.url, browser) as (page, problems, _):
        page.evaluate("text => drawGraph(JSON.parse(text))", json.dumps(described))
        page.wait_for_timeout(200)  # a few frames of the playing patch arrive meanwhile
        boxes = node_boxes(page)
        names = page.eval_on_selector_all("#nodes g.node text", "ts => ts.map(t => t.textContent)")
    assert problems == []
    nodes = len(graph.nodes)
    assert sorted(names) == sorted(graph.nodes)
    assert len(boxes) == nodes and nodes >= {"two": 2, "organism": 25, "generated": 200}[which]
    assert all(b["width"] > 10 and b["height"] > 10 for b in boxes.values())
    assert overlapping(boxes) == []


# -- a network node's matrices ----------------------------------------------------------------
def _hover(page, i, j) -> dict:
    page.mouse.move(*cell_centre(page, i, j))
    return page.evaluate("() => ({...document.querySelector('#matrix-hover').dataset, "
                         "text: document.querySelector('#matrix-hover').textContent})")


def test_a_network_is_a_matrix_picture_that_follows_osc(browser, patch_file):
    from pythonosc.udp_client import SimpleUDPClient

    path = patch_file(NET)
    w = network_arrays(load_graph(path).nodes["res"])["w"]
    n = w.shape[0]
    with play(path, audio="null", blocksize=256) as player:
        osc = OscControl(player, port=0)
        player.controls.append(osc)
        ui = _serve(player)
        with browser_page(ui.url, browser) as (page, problems, _):
            assert page.text_content("#sel-title").startswith("res (network)")
            wait_for(page, "() => Number(document.querySelector('#matrix').dataset.version) >= 1")
            assert not page.is_hidden("#matrix-panel")
            options = page.eval_on_selector_all("#matrix-block option",
                                                "os => os.map(o => o.value)")
            assert options == ["w", "in", "out"]
            size = page.evaluate("() => [document.querySelector('#matrix').width, "
                                 "document.querySelector('#matrix').height]")
            assert size[0] == size[1] >= n
            hi, lo = ([int(k) for k in np.unravel_index(f(w), w.shape)]
                      for f in (np.argmax, np.argmin))
            warm, cool = cell_pixel(page, *hi), cell_pixel(page, *lo)
            assert warm[0] > warm[2] + 50 and cool[2] > cool[0] + 50  # the diverging map
            shown = _hover(page, 2, 5)
            assert shown["address"] == "res.w.2.5"
            assert float(shown["value"]) == pytest.approx(w[2, 5], abs=1e-6)
            assert shown["text"].startswith("res.w.2.5 = ")
            before = cell_pixel(page, 2, 5)
            version = int(page.get_attribute("#matrix", "data-version"))
            target = -0.9 if w[2, 5] > 0 else 0.9
            SimpleUDPClient("127.0.0.1", osc.port).send_message("/neuromix/param/res.w.2.5", target)
            wait_for(page, """([k, v]) =>
                Math.abs(window.neuromixMatrix.entries.res.w[k] - v) < 1e-6
                && Number(document.querySelector('#matrix').dataset.version) > 1""",
                     [2 * n + 5, target])
            assert int(page.get_attribute("#matrix", "data-version")) > version
            assert cell_pixel(page, 2, 5) != before
            assert float(_hover(page, 2, 5)["value"]) == pytest.approx(target, abs=1e-6)
            page.select_option("#matrix-block", "in")  # the input weights: 12 rows, 1 column
            assert _hover(page, 7, 0)["address"] == "res.in.7.s"
        assert problems == []


def test_a_row_edit_and_a_gain_are_heard_in_the_take(browser, patch_file, tmp_path):
    take = tmp_path / "take.wav"
    path = patch_file(NET)
    w = network_arrays(load_graph(path).nodes["res"])["w"]
    n = w.shape[0]
    with play(path, audio="null", blocksize=256, record=take, log=True) as player:
        ui = _serve(player)
        with browser_page(ui.url, browser) as (page, problems, _):
            wait_for(page, "() => Number(document.querySelector('#matrix').dataset.version) >= 1")
            page.mouse.click(*cell_centre(page, 3, 1))  # selects row 3
            assert page.text_content("#row-title").startswith("row 3 of w")
            page.click('#matrix-row button[data-scale="0.5"]')
            until(lambda: sum(a.startswith("res.w.3.") for _, a, _ in player.log) == n)
            page.fill('input[type=range][data-address="res.w_gain"]', "0.6")
            until(lambda: any(a == "res.w_gain" and v == 0.6 for _, a, v in player.log))
            wait_for(page, "() => Math.abs(Number(document.querySelector('#matrix').dataset.gain)"
                           " - 0.6) < 1e-9")
            shown = _hover(page, 3, 1)
            assert float(shown["effective"]) == pytest.approx(0.6 * 0.5 * w[3, 1], abs=1e-6)
            player.wait(0.3)
        assert problems == []
    row = [(b, a, v) for b, a, v in player.log if a.startswith("res.w.3.")]
    assert [a for _, a, _ in row] == [f"res.w.3.{j}" for j in range(n)]
    assert len({b for b, _, _ in row}) == 1 and [v for *_, v in row] == list(0.5 * w[3])
    gains = [line for line in take.with_suffix(".changes.csv").read_text().splitlines()
             if "w_gain" in line]
    assert len(gains) == 1  # one line for the whole matrix, not one per entry
    _replays(take, path, player)


def test_a_structural_reload_redraws_the_graph(browser, patch_file):
    """DUAL is edited into NET: both kernels are in the disk cache by now (this test comes
    after those that play them), so the reload's child process only loads them."""
    path = patch_file(DUAL)
    with play(path, audio="null", blocksize=256) as player:
        player.controls.append(Watcher(player, path, say=lambda m: None, poll=0.05))
        ui = _serve(player)
        with browser_page(ui.url, browser) as (page, problems, _):
            assert page.query_selector('#nodes g.node[data-node="res"]') is None
            assert page.is_hidden("#matrix-panel")
            time.sleep(0.05)
            path.write_text(NET)
            wait_for(page, """() => document.querySelector('#nodes g.node[data-node="res"]')""",
                     timeout=60)
            assert page.query_selector('#nodes g.node[data-node="a"]') is None
            assert page.query_selector('input[data-address="res.w_gain"]') is not None
            wait_for(page, "() => window.neuromixView.frame.generation === "
                           "window.neuromixView.graph.generation && window.neuromixView.frame.generation > 0")
            page.click('#nodes g.node[data-node="res"]')
            wait_for(page, "() => Number(document.querySelector('#matrix').dataset.version) >= 1")
            assert not page.is_hidden("#matrix-panel")
        assert problems == []
