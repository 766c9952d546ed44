"""A whole Wekinator session over real OSC on 127.0.0.1, and offline training from the CLI."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from instrument_helpers import free_udp_port
from neuromix.instrument.file import loads
from neuromix.instrument.loop import Instrument


def session_spec(in_port: int, out_port: int, tmp_path) -> str:
    return f"""\
rate: 100
inputs:
  in1: {{source: osc, address: /wek/inputs, index: 0, port: {in_port}}}
  in2: {{source: osc, address: /wek/inputs, index: 1, port: {in_port}}}
learn:
  outputs: {{out1: [0, 1]}}
  hidden: [4]
  epochs: 800
  learning_rate: 0.03
  validation: 0
  control_port: {in_port}
  examples: {tmp_path / "examples.csv"}
  model: {tmp_path / "model.json"}
outputs:
  wek: {{type: osc, preset: wekinator, port: {out_port}, values: [out1], rate: 100}}
"""


@pytest.fixture
def listener():
    from pythonosc.dispatcher import Dispatcher
    from pythonosc.osc_server import BlockingOSCUDPServer

    got = []
    dispatcher = Dispatcher(strict_timing=False)
    dispatcher.set_default_handler(lambda address, *args: got.append((address, args)))
    server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    yield server.server_address[1], got
    server.shutdown()
    server.server_close()


def wait_for(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return False


def quiet_for(got: list, seconds: float, timeout: float = 30.0) -> None:
    """Wait until nothing has arrived in ``got`` for ``seconds``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = len(got)
        time.sleep(seconds)
        if len(got) == count:
            return
    raise AssertionError(f"messages still arriving after {timeout} s")


CONTROL = "/wekinator/control/"
POSES = {(0.1, 0.1): 0.1, (0.9, 0.1): 0.5, (0.1, 0.9): 0.5, (0.9, 0.9): 0.9}


def record_poses(wek, inst, per_pose: int) -> None:
    """Wekinator's recording: for each pose, its target, its inputs, then record a while."""
    for (a, b), target in POSES.items():
        wek.send_message(CONTROL + "outputs", [target])
        wek.send_message("/wek/inputs", [a, b])
        assert wait_for(lambda: np.allclose(inst.bank.values, [a, b], atol=1e-6))
        assert wait_for(lambda: np.allclose(inst.teacher.targets, [target], atol=1e-6))
        wek.send_message(CONTROL + "startRecording", [])
        assert wait_for(lambda: inst.teacher.recording)
        before = len(inst.teacher.x)
        assert wait_for(lambda: len(inst.teacher.x) >= before + per_pose)
        wek.send_message(CONTROL + "stopRecording", [])
        assert wait_for(lambda: not inst.teacher.recording)


def run_and_check_outputs(wek, inst, got) -> None:
    """Wekinator's running: each pose's inputs bring its target back on /wek/outputs."""
    wek.send_message(CONTROL + "startRunning", [])
    for (a, b), target in POSES.items():
        wek.send_message("/wek/inputs", [a, b])
        assert wait_for(lambda: np.allclose(inst.bank.values, [a, b], atol=1e-6))
        got.clear()
        assert wait_for(lambda: len([1 for a_, _ in got if a_ == "/wek/outputs"]) >= 2)
        value = [v for a_, v in got if a_ == "/wek/outputs"][-1][0]
        assert value == pytest.approx(target, abs=0.05)


def test_a_whole_wekinator_session(listener, tmp_path):
    from pythonosc.udp_client import SimpleUDPClient

    out_port, got = listener
    in_port = free_udp_port()
    inst = Instrument(loads(session_spec(in_port, out_port, tmp_path)))
    loop = threading.Thread(target=inst.run, daemon=True)
    loop.start()
    wek = SimpleUDPClient("127.0.0.1", in_port)
    try:
        wek.send_message(CONTROL + "stopRunning", [])
        assert wait_for(lambda: not inst.teacher.running)
        quiet_for(got, 0.3)  # packets sent before it stopped may still arrive
        got.clear()
        record_poses(wek, inst, 3)
        assert not any(a == "/wek/outputs" for a, _ in got)  # not running: nothing sent
        assert (tmp_path / "examples.csv").read_text().startswith("in1,in2,out1\n")
        wek.send_message(CONTROL + "train", [])
        assert wait_for(lambda: any(a == "/wekinator/status/done-training" for a, _ in got))
        assert (tmp_path / "model.json").is_file()
        run_and_check_outputs(wek, inst, got)
        wek.send_message(CONTROL + "deleteAllExamples", [])
        assert wait_for(lambda: not inst.teacher.x)
    finally:
        inst.stopping.set()
        loop.join(10)
        inst.close()


def test_train_command_writes_a_model_the_instrument_plays(tmp_path, capsys):
    from neuromix.cli import main
    from neuromix.instrument.teach import write_examples

    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, (50, 2))
    y = (x[:, :1] + x[:, 1:]) / 2
    write_examples(tmp_path / "examples.csv", ["in1", "in2"], ["out1"], x, y)
    path = tmp_path / "inst.yaml"
    path.write_text(session_spec(free_udp_port(), free_udp_port(), tmp_path))
    assert main(["train", str(tmp_path / "examples.csv"), "--instrument", str(path),
                 "--epochs", "1500"]) == 0
    assert "validation error" in capsys.readouterr().out
    with Instrument(loads(path.read_text()), offline=True) as inst:
        inst.bank.values[:] = [0.8, 0.4]
        row = inst.step()
    assert row[inst.channels["out1"]] == pytest.approx(0.6, abs=0.05)


def test_train_command_refuses_bad_examples(tmp_path, capsys):
    from neuromix.cli import main

    (tmp_path / "examples.csv").write_text("in1,in2,out1\n0.5,0.5,0.1\n")
    path = tmp_path / "inst.yaml"
    path.write_text(session_spec(free_udp_port(), free_udp_port(), tmp_path))
    assert main(["train", str(tmp_path / "examples.csv"), "--instrument", str(path)]) == 2
    assert "one example is not enough" in capsys.readouterr().err
    assert not (tmp_path / "model.json").exists()


def shipped_example(tmp_path, in_port: int, out_port: int):
    """examples/instruments/wekinator_compatible.yaml with its files, copied to ``tmp_path``,
    only its ports changed (free ones, so tests can run side by side)."""
    import shutil

    from instrument_helpers import EXAMPLES
    from neuromix.instrument.file import load

    for path in EXAMPLES.glob("wekinator_compatible*"):
        shutil.copy(path, tmp_path / path.name)
    path = tmp_path / "wekinator_compatible.yaml"
    text = path.read_text()
    for old, new in [("port: 6448}", f"port: {in_port}}}"),
                     ("preset: wekinator,", f"preset: wekinator, port: {out_port},"),
                     ("learn:\n", f"learn:\n  control_port: {in_port}\n")]:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text)
    return load(path)


def test_the_shipped_example_plays_a_wekinator_session_over_its_replay(listener, tmp_path):
    """The shipped example run as its comment says (--no-window, /wek/inputs from a client):
    its replay plays until the first /wek/inputs, then live input wins, so the examples
    recorded and the outputs sent follow what the client sends, not the gesture."""
    from pythonosc.udp_client import SimpleUDPClient

    out_port, got = listener
    in_port = free_udp_port()
    spec = shipped_example(tmp_path, in_port, out_port)
    assert spec.replay is not None
    inst = Instrument(spec, window=False, midi_port=False, record_gesture=tmp_path / "g.csv")
    loop = threading.Thread(target=inst.run, daemon=True)
    loop.start()
    wek = SimpleUDPClient("127.0.0.1", in_port)
    try:
        assert wait_for(lambda: inst.tick > 20)  # the replay has started moving the inputs
        wek.send_message(CONTROL + "stopRunning", [])
        wek.send_message(CONTROL + "deleteAllExamples", [])
        assert wait_for(lambda: not inst.teacher.running and not inst.teacher.x)
        first_live = inst.tick
        record_poses(wek, inst, 5)
        replaying_until = inst.replay.end_tick
        # every example recorded is one of the poses sent, with its target
        recorded = {(round(x1, 6), round(x2, 6), round(y, 6))
                    for (x1, x2), (y,) in zip(inst.teacher.x, inst.teacher.y)}
        assert recorded == {(a, b, t) for (a, b), t in POSES.items()}
        wek.send_message(CONTROL + "train", [])
        assert wait_for(lambda: any(a == "/wekinator/status/done-training" for a, _ in got), 120)
        assert inst.teacher.model.error < 0.05
        run_and_check_outputs(wek, inst, got)
    finally:
        inst.stopping.set()
        loop.join(10)
        inst.close()
    assert first_live < replaying_until, "the session must overlap the replay to test anything"
    rows = (tmp_path / "g.csv").read_text().splitlines()[1:]
    after = [tuple(round(float(v), 6) for v in row.split(",")[2:]) for row in rows
             if int(row.split(",")[0]) > first_live]
    assert after and set(after) <= set(POSES), "the replay wrote inputs a live source held"
