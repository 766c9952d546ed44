"""Instruments under hostile OSC and careless control: malformed datagrams on the inputs and
the Wekinator control port never hang or crash the instrument (it stops by itself at
--seconds), it listens on 127.0.0.1 unless --osc-host says otherwise, and deleting the
examples keeps every earlier set in a timestamped backup beside the file."""

import socket
import threading
import time

from instrument_helpers import free_udp_port
from osc_garbage import NEGATIVE_ELEMENT, hostile, neuromix_process
from pythonosc.udp_client import SimpleUDPClient

from neuromix.instrument.file import loads
from neuromix.instrument.inputs import InputBank, OscInputs
from neuromix.instrument.loop import Instrument


def spec_text(in_port: int, out_port: int, tmp_path) -> str:
    return f"""\
rate: 100
inputs:
  in1: {{source: osc, address: /wek/inputs, index: 0, port: {in_port}}}
learn:
  outputs: {{out1: [0, 1]}}
  hidden: [2]
  epochs: 10
  control_port: {in_port}
  examples: {tmp_path / "examples.csv"}
outputs:
  wek: {{type: osc, preset: wekinator, port: {out_port}, values: [out1], rate: 20}}
"""


def _bound_to(port: int) -> set[str]:
    """The local addresses UDP sockets on ``port`` are bound to (from /proc/net/udp)."""
    found = set()
    with open("/proc/net/udp") as fh:
        for line in fh.readlines()[1:]:
            addr, hexport = line.split()[1].split(":")
            if int(hexport, 16) == port:
                found.add(".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def test_the_instrument_survives_hostile_osc_and_listens_on_loopback(tmp_path):
    in_port, out_port = free_udp_port(), free_udp_port()
    path = tmp_path / "inst.yaml"
    path.write_text(spec_text(in_port, out_port, tmp_path))
    with neuromix_process("instrument", str(path), "--no-window", "--seconds", "4",
                          "--midi-port", "none") as proc:
        while "playing" not in (line := proc.stderr.readline()):
            assert line or proc.poll() is None, proc.stdout.read()
        deadline = time.monotonic() + 20
        while not _bound_to(in_port) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _bound_to(in_port) == {"127.0.0.1"}
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(3):
            for dgram in [NEGATIVE_ELEMENT] + hostile():
                sock.sendto(dgram, ("127.0.0.1", in_port))
        sock.close()
        SimpleUDPClient("127.0.0.1", in_port).send_message("/wek/inputs", [0.75])
        out, err = proc.communicate(timeout=60)  # it stops by itself at --seconds
    assert proc.returncode == 0, err
    assert "Traceback" not in err + out and "WARNING" not in err + out
    ignored = [x for x in (out + err).splitlines() if "OSC in: ignored" in x]
    assert 1 <= len(ignored) <= 6, ignored
    assert "400 ticks" in err or "ticks (4.0" in err


def test_osc_host_chooses_the_interface(tmp_path):
    from neuromix.cli import build_parser

    args = build_parser().parse_args(["instrument", "x.yaml", "--osc-host", "0.0.0.0"])
    assert args.osc_host == "0.0.0.0"
    assert build_parser().parse_args(["instrument", "x.yaml"]).osc_host == "127.0.0.1"
    spec = loads(spec_text(free_udp_port(), free_udp_port(), tmp_path))
    port = spec.inputs[0].options["port"]
    for host in ("127.0.0.1", "0.0.0.0"):
        inputs = OscInputs(spec.inputs, InputBank(["in1"], [0.0]), say=print, host=host)
        try:
            assert _bound_to(port) == {host}
        finally:
            inputs.close()


def test_every_deletion_keeps_a_backup_never_overwritten(tmp_path):
    in_port = free_udp_port()
    inst = Instrument(loads(spec_text(in_port, free_udp_port(), tmp_path)))
    said = []
    inst.teacher.say = said.append
    loop = threading.Thread(target=inst.run, daemon=True)
    loop.start()
    wek = SimpleUDPClient("127.0.0.1", in_port)
    control = "/wekinator/control/"

    def wait_for(check, timeout=30.0):
        end = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < end
            time.sleep(0.01)

    def record(value, target):
        wek.send_message(control + "outputs", [target])
        wek.send_message("/wek/inputs", [value])
        wait_for(lambda: inst.bank.values[0] == value and inst.teacher.targets[0] == target)
        wek.send_message(control + "startRecording", [])
        wait_for(lambda: len(inst.teacher.x) >= 2)
        wek.send_message(control + "stopRecording", [])
        wait_for(lambda: not inst.teacher.recording)

    try:
        record(0.25, 0.5)
        wek.send_message(control + "deleteAllExamples", [])
        wait_for(lambda: not inst.teacher.x)
        record(0.75, 0.125)
        wek.send_message(control + "deleteAllExamples", [])
        wait_for(lambda: not inst.teacher.x)
    finally:
        inst.stopping.set()
        loop.join(10)
        inst.close()
    backups = sorted(tmp_path.glob("examples.deleted-*.csv"))
    assert len(backups) == 2, said  # the second delete did not overwrite the first
    texts = sorted(b.read_text() for b in backups)
    assert all(t.startswith("in1,out1\n") for t in texts)
    assert any("0.25,0.5\n" in t for t in texts) and any("0.75,0.125\n" in t for t in texts)
    assert (tmp_path / "examples.csv").read_text() == "in1,out1\n"
    assert sum("kept in" in line for line in said) == 2
