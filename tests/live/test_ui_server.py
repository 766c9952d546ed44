"""The browser view's server and data, without a browser: who may ask, what a control does,
and the numbers a frame carries (against closed forms)."""

import base64
import json
import math
import time

import numpy as np
import pytest
from live_helpers import DUAL, NET
from ui_browser import request, until

import neuromix as nm
from neuromix import _config
from neuromix.graph.graph import WEIGHT_LIMIT, Ref, Signal
from neuromix.live import play
from neuromix.graph.patchfile import loads
from neuromix.live.ui.model import Frames, describe, neuron_like
from neuromix.nodes.network import network_arrays
from neuromix.live.ui.server import LiveView
from neuromix.live.ui.snapshot import Snapshots


@pytest.fixture
def view(patch_file):
    with play(patch_file(DUAL), audio="null", blocksize=256, log=True) as player:
        ui = LiveView(player, port=0)
        player.controls.append(ui)
        yield ui


@pytest.fixture
def net_view(patch_file):
    with play(patch_file(NET), audio="null", blocksize=256, log=True) as player:
        ui = LiveView(player, port=0)
        player.controls.append(ui)
        yield ui


def test_the_token_host_and_origin_are_checked(view):
    assert request(view, "/")[0] == 200
    assert request(view, "/", token=False)[0] == 403
    assert request(view, "/events", token=False)[0] == 403
    assert request(view, "/?token=wrong", token=False)[0] == 403
    assert request(view, "/set", "POST", {"address": "a.bias", "value": 0.2}, token=False)[0] == 403
    assert request(view, "/", headers={"Host": "evil.example"})[0] == 421
    assert request(view, "/", headers={"Host": f"127.0.0.1:{view.port + 1}"})[0] == 421
    assert request(view, "/", headers={"Host": f"localhost:{view.port}"})[0] == 200
    foreign = {"Origin": "http://evil.example"}
    assert request(view, "/set", "POST", {"address": "a.bias", "value": 0.2}, foreign)[0] == 403
    assert request(view, "/", headers=foreign)[0] == 403
    own = {"Origin": f"http://127.0.0.1:{view.port}"}
    assert request(view, "/set", "POST", {"address": "a.bias", "value": 0.2}, own)[0] == 200
    assert view.player.get("a.bias") == 0.2
    assert view.counts()["ui_refused"] == 8


def test_static_files_need_no_token_and_nothing_else_is_served(view):
    status, body = request(view, "/static/view.js", token=False)
    assert status == 200 and b"EventSource" in body
    for path in ("/static/../server.py", "/static/%2e%2e/server.py", "/static/", "/nope"):
        assert request(view, path)[0] == 404


@pytest.mark.parametrize("body, code", [
    (b"{", 400), (b"\xff\xfe", 400), (b"[1, 2]", 400), (b'{"address": "a.bias"}', 400),
    (b'{"address": "a.bias", "value": NaN}', 400), (b'{"address": "a.bias", "value": 1e999}', 400),
    (b'{"address": "a.bias", "value": true}', 400), (b'{"address": "a.bias", "value": "1"}', 400),
    (b'{"address": 3, "value": 1}', 400), (b'{"address": "a.bais", "value": 1}', 404),
    (b"[" * 100000, 413), (("[" * 3000).encode(), 400)])
def test_hostile_control_requests_are_refused_in_one_line(view, body, code):
    before = view.player.params()
    status, reply = request(view, "/set", "POST", body)
    assert status == code
    if code != 413:
        assert "error" in json.loads(reply)
    assert view.player.params() == before


def test_a_control_needs_json(view):
    status, _ = request(view, "/set", "POST", b"address=a.bias&value=1",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415


def test_a_change_takes_the_players_path_and_the_page_sees_it(view):
    assert request(view, "/set", "POST", {"address": "a.w.b", "value": -0.75})[0] == 200
    player = view.player
    until(lambda: any(a == "a.w.b" and v == -0.75 for _, a, v in player.log))
    index = [p["address"] for p in view.model()[1]["params"]].index("a.w.b")
    until(lambda: (f := view.frame()) and json.loads(f)["params"][index] == pytest.approx(-0.75,
                                                                                      abs=1e-6))


def test_weights_get_the_validators_limit_and_params_the_registrys_range(view):
    params = {p["address"]: p for p in view.model()[1]["params"]}
    assert (params["a.w.b"]["lo"], params["a.w.b"]["hi"]) == (-WEIGHT_LIMIT,
                                                              WEIGHT_LIMIT)
    assert (params["a.bias"]["lo"], params["a.bias"]["hi"]) == (-100.0, 100.0)
    assert params["s1.freq"]["hi"] == 24000.0


def test_feedback_edges_and_delays_are_marked():
    p = nm.Patch(sr=8000)
    s = p.sine(100, name="s")
    a = p.neuron(act="tanh", name="a")
    b = p.neuron(act="tanh", name="b")
    a.input(s, 1.0)
    a.input(b, 0.5)
    b.input(a, 0.7)
    b.input(b, 0.2)
    p.out(b)
    edges = {(e["src"], e["dst"]): e for e in describe(p.compile())["edges"]}
    assert not edges[("s", "a")]["feedback"] and not edges[("a", "b")]["feedback"]
    assert edges[("b", "a")]["feedback"] and edges[("b", "b")]["feedback"]
    assert edges[("a", "b")]["weight"] is not None


def _frame_of(patch, frames_played=64):
    c = patch.compile()
    snaps = Snapshots(c, channels=c.channels, frames=1 << 13)
    for _ in range(frames_played // 16):
        block = c.process(16).astype(np.float32)
        snaps.write(c, 0, block)
    described = describe(c)
    return described, Frames(c, described).frame(snaps.rows(0), snaps.audio(4096))


def test_the_operating_point_and_shares_are_the_closed_form():
    p = nm.Patch(sr=8000)
    x, y = p.const(0.5, name="x"), p.const(-2.0, name="y")
    a = p.neuron(act="tanh", bias=0.1, inputs={x: 1.2, y: 0.3}, name="a")
    p.out(a)
    _, f = _frame_of(p)
    u = 0.1 + 1.2 * 0.5 + 0.3 * -2.0
    assert f["points"]["a"]["u"] == pytest.approx(u, abs=1e-5)
    assert f["points"]["a"]["y"] == pytest.approx(math.tanh(u), abs=1e-5)
    assert f["points"]["a"]["shares"] == pytest.approx([0.6 / 1.2, 0.6 / 1.2], abs=1e-4)
    assert f["level"][2] == pytest.approx(abs(math.tanh(u)), abs=1e-4)


def test_a_learner_shows_its_learned_weights_and_error():
    p = nm.Patch(sr=8000)
    s = p.sine(220, name="s")
    learner = p.learner(act="identity", inputs={s: 0.0}, target=s * 0.5, rate=0.5, name="l")
    p.out(learner)
    described, f = _frame_of(p, frames_played=4096)
    ports = [(q["node"], q["port"]) for q in described["ports"]]
    assert ("l", "error") in ports and ("l", "w.s") in ports
    weight = f["ports"][ports.index(("l", "w.s"))]
    assert weight == pytest.approx(0.5, abs=0.05)  # it learned the target's gain
    edge = next(e for e in described["edges"] if e["src"] == "s" and e["dst"] == "l")
    assert f["weights"][described["edges"].index(edge)] == pytest.approx(weight, abs=1e-4)
    assert neuron_like("learner") and neuron_like("nlc_neuron") and not neuron_like("sine")


def test_the_scope_spectrum_and_meter_of_a_sine():
    p = nm.Patch(sr=48000)
    p.out(p.sine(1000, name="s") * 0.5)
    described, f = _frame_of(p, frames_played=8192)
    scope, spectrum = (np.frombuffer(base64.b64decode(f[k]), "<f4") for k in ("scope", "spectrum"))
    assert scope.size == 1024 and scope[0] <= 0.0 < scope[1]  # from a rising zero crossing
    assert spectrum.size == len(described["bin_hz"])
    peak = int(np.argmax(spectrum))
    assert described["bin_hz"][peak] == pytest.approx(1000, rel=0.05)
    rms, top = f["meter"][0]
    assert rms == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=0.1)
    assert top == pytest.approx(20 * math.log10(0.5), abs=0.1)


def test_a_busy_port_is_one_clear_line(view):
    from neuromix.live.audio import LiveError

    with pytest.raises(LiveError, match="--ui-port"):
        LiveView(view.player, port=view.port)


def test_an_automated_weight_moves_on_its_edge():
    p = nm.Patch(sr=8000)
    s = p.sine(110, name="s")
    lfo = p.sine(3, name="lfo")
    a = p.neuron(act="tanh", name="a")
    a.input(s, Signal(Ref("lfo"), scale=2.0, offset=0.5))
    p.out(a)
    c = p.compile()
    described = describe(c)
    edge = next(i for i, e in enumerate(described["edges"]) if e["src"] == "s")
    frames = Frames(c, described)
    snaps = Snapshots(c, channels=1)
    seen = []
    for k in range(4):
        c.process(700)  # a quarter of the LFO's period
        snaps.write(c, 0, np.zeros((1, 1), np.float32))
        lfo_now = math.sin(2 * math.pi * 3 * 700 * (k + 1) / 8000 - 2 * math.pi * 3 / 8000)
        w = frames.frame(snaps.rows(0), snaps.audio(4096))["weights"][edge]
        assert w == pytest.approx(2.0 * lfo_now + 0.5, abs=1e-3)
        seen.append(w)
    assert max(seen) - min(seen) > 1.0


def test_the_lyapunov_estimate_reaches_the_page(view):
    found = until(lambda: (f := view.frame()) and json.loads(f)["lyapunov"].get("describe"),
                  timeout=120)
    assert found.split(":")[0] in ("stable", "chaotic", "on the edge")
    assert request(view, "/lyapunov", "POST", b"")[0] == 200


def test_a_client_that_sends_nothing_is_let_go(view):
    import socket

    with socket.create_connection(("127.0.0.1", view.port), timeout=30) as sock:
        start = time.monotonic()
        assert sock.recv(100) == b""  # the server closed the idle connection
        assert time.monotonic() - start < 25


def test_the_reader_never_sees_a_torn_row_while_the_callback_writes():
    """A writer thread fills every row with one number (its count) as fast as it can; every
    row the reader keeps must hold one number throughout, counting up without gaps, and the
    parameters it copies (the latest row's) that of the latest row."""
    import threading

    class Arrays:  # what Snapshots.write reads of a patch, wide enough to tear if it could
        state = np.zeros((1, 4096))
        params = np.zeros((1, 512))
        current = params
        frames_done = 0

    c = Arrays()
    snaps = Snapshots(c, channels=1, depth=8, frames=64)
    block = np.zeros((16, 1), np.float32)
    stop = threading.Event()

    def write():
        k = 0
        while not stop.is_set():
            k += 1
            c.state[0] = k
            c.current[0] = k
            c.frames_done = k
            block[:] = k
            snaps.write(c, 2, block)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        kept = 0
        for _ in range(2000):
            rows = snaps.rows(2)
            for state, frames in zip(rows.state, rows.frames):
                assert (state == frames).all()
            if len(rows.frames):  # the parameters are the latest row's, whole
                assert (rows.params[:512] == rows.frames[-1]).all()
            else:
                assert rows.params.size == 0
            assert (np.diff(rows.frames) == 1).all()
            kept += len(rows.frames)
            audio = snaps.audio(16)
            assert audio.size == 0 or (audio == audio[0]).all() or np.diff(audio[:, 0]).max() == 1
        assert kept > 0
        assert snaps.rows(0).state.shape[0] == 0  # rows of another patch are never mixed in
    finally:
        stop.set()
        writer.join()


def _entries(message, node, block, shape):
    return np.frombuffer(base64.b64decode(message["nodes"][node][block]), "<f4").reshape(shape)


def test_a_network_is_described_by_matrices_whose_entries_travel_packed():
    graph = loads(NET)
    arrays = network_arrays(graph.nodes["res"])
    p = nm.Patch(graph=graph)
    p["res"].set(w_gain=0.5, in_gain=Signal(Ref("s"), scale=2.0))  # a gain from a signal
    c = p.compile()
    described = describe(c)
    (m,) = described["matrices"]
    n = arrays["w"].shape[0]
    assert [(b["name"], b["rows"], b["cols"]) for b in m["blocks"]] == [
        ("w", n, n), ("in", n, 1), ("out", 1, n)]
    addresses = [q["address"] for q in described["params"]]
    assert "res.w_gain" in addresses and "res.in_gain.scale" in addresses
    assert not any(a.startswith(("res.w.", "res.in.", "res.out.", "res.bias.")) for a in addresses)
    snaps = Snapshots(c, channels=1)
    c.process(64)
    snaps.write(c, 0, np.zeros((1, 1), np.float32))
    frames = Frames(c, described)
    rows = snaps.rows(0)
    f = frames.frame(rows, snaps.audio(4096))
    assert len(f["params"]) == len(described["params"])
    s_now = math.sin(2 * math.pi * 110 * 63 / 48000)  # the sine's 64th sample
    assert f["gains"]["res"] == pytest.approx([0.5, 2.0 * s_now, 1.0], abs=1e-8)
    message = frames.matrix(rows.params)
    assert message["version"] == 1
    np.testing.assert_array_equal(_entries(message, "res", "w", (n, n)), arrays["w"].astype("f4"))
    np.testing.assert_array_equal(_entries(message, "res", "in", (n, 1)), arrays["in"].astype("f4"))
    np.testing.assert_array_equal(_entries(message, "res", "out", (1, n)),
                                  arrays["readout"].astype("f4"))
    assert frames.matrix(rows.params) is None  # nothing moved: nothing sent again
    c.set("res.w.3.4", 0.75)
    c.set("res.in.5.s", -2.0)
    c.process(64)
    snaps.write(c, 0, np.zeros((1, 1), np.float32))
    message = frames.matrix(snaps.rows(0).params)
    assert message["version"] == 2
    assert _entries(message, "res", "w", (n, n))[3, 4] == np.float32(0.75)
    assert _entries(message, "res", "in", (n, 1))[5, 0] == np.float32(-2.0)


def _row(view, body, **kw):
    return request(view, "/row", "POST", body, **kw)


def test_a_row_edit_moves_every_entry_at_one_block(net_view):
    player = net_view.player
    w = network_arrays(player.compiled.graph.nodes["res"])["w"]
    status, reply = _row(net_view, {"node": "res", "block": "w", "row": 2, "scale": -0.5})
    assert status == 200 and json.loads(reply) == {"ok": True, "moved": w.shape[0]}
    assert _row(net_view, {"node": "res", "block": "in", "row": 1, "value": 0.25})[0] == 200
    assert _row(net_view, {"node": "res", "block": "out", "row": 0, "scale": 2})[0] == 200
    until(lambda: sum(a.startswith("res.out.0.") for _, a, _ in player.log) == w.shape[0])
    row = [(b, a, v) for b, a, v in player.log if a.startswith("res.w.2.")]
    assert [a for _, a, _ in row] == [f"res.w.2.{j}" for j in range(w.shape[0])]
    assert len({b for b, _, _ in row}) == 1  # all at the same block
    assert [v for _, _, v in row] == pytest.approx(list(-0.5 * w[2]), abs=0)
    assert player.get("res.in.1.s") == 0.25
    assert _row(net_view, {"node": "res", "block": "w", "row": 2, "scale": -2})[0] == 200
    assert player.values([f"res.w.2.{j}" for j in range(w.shape[0])]).tolist() == \
        pytest.approx(list(w[2]), abs=1e-15)  # scaled from where it was


@pytest.mark.parametrize("body, code", [
    ({"node": "nope", "block": "w", "row": 0, "scale": 2}, 404),
    ({"node": "s", "block": "w", "row": 0, "scale": 2}, 404),  # not a network
    ({"node": "res", "block": "bias", "row": 0, "scale": 2}, 404),
    ({"node": "res", "block": "w", "row": 12, "scale": 2}, 400),
    ({"node": "res", "block": "out", "row": 1, "scale": 2}, 400),
    ({"node": "res", "block": "w", "row": -1, "scale": 2}, 400),
    ({"node": "res", "block": "w", "row": 1.0, "scale": 2}, 400),
    ({"node": "res", "block": "w", "row": True, "scale": 2}, 400),
    ({"node": "res", "block": "w", "row": "1", "scale": 2}, 400),
    ({"node": "res", "block": "w", "row": 1, "scale": 2, "value": 1}, 400),
    ({"node": "res", "block": "w", "row": 1}, 400),
    ({"node": "res", "block": "w", "row": 1, "scale": "2"}, 400),
    ({"node": "res", "block": "w", "row": 1, "scale": None}, 400),
    ({"node": "res", "block": "w", "row": 1, "scale": 2, "extra": 1}, 400),
    ({"node": ["res"], "block": "w", "row": 1, "scale": 2}, 400),
    ({"node": "res", "block": "w", "row": 1, "value": 2e6}, 400),  # beyond the weight limit
    ({"node": "res", "block": "w", "row": 1, "scale": 1e300}, 400),
    (b'{"node": "res", "block": "w", "row": 1, "scale": NaN}', 400),
    (b'{"node": "res", "block": "w", "row": 1, "scale": 1e999}', 400),
    (b"[1]", 400), (b"\xff", 400), (b"{" * 5000, 413)])
def test_hostile_row_edits_are_refused_in_one_line(net_view, body, code):
    before = net_view.player.params()
    status, reply = _row(net_view, body)
    assert status == code
    if code != 413:
        assert len(json.loads(reply)["error"].splitlines()) == 1
    assert net_view.player.params() == before


def test_a_row_edit_needs_the_token_and_own_origin(net_view):
    body = {"node": "res", "block": "w", "row": 0, "value": 0.0}
    before = net_view.player.params()
    assert _row(net_view, body, token=False)[0] == 403
    assert _row(net_view, body, headers={"Origin": "http://evil.example"})[0] == 403
    assert net_view.player.params() == before
    own = {"Origin": f"http://localhost:{net_view.port}"}
    assert _row(net_view, body, headers=own)[0] == 200


def test_the_stream_carries_a_matrix_when_its_entries_move(net_view):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", net_view.port, timeout=10)
    conn.request("GET", f"/events?token={net_view.token}",
                 headers={"Host": f"127.0.0.1:{net_view.port}"})
    stream = conn.getresponse()
    events = []

    def next_event(kind):
        while True:
            head = stream.readline().decode()
            data = stream.readline().decode()
            stream.readline()
            if head.startswith(f"event: {kind}"):
                return json.loads(data[len("data: "):])

    try:
        graph = next_event("graph")
        first = next_event("matrix")
        assert first["generation"] == graph["generation"] and "res" in first["nodes"]
        net_view.player.set("res.w.0.1", 0.625)  # as OSC does
        while True:
            events.append(next_event("matrix"))
            n = graph["matrices"][0]["neurons"]
            if _entries(events[-1], "res", "w", (n, n))[0, 1] == np.float32(0.625):
                break
        assert events[-1]["version"] > first["version"]
    finally:
        conn.close()
