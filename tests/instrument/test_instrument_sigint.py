"""Ctrl-C in the middle of a note leaves no note hanging, in the file and on the port."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import mido
import pytest
from helpers import spawn
from instrument_helpers import ROOT, note_pairs

HELD = """\
# a note always sounding: a new one every half second, each held until the next
rate: 200
inputs: {x: {source: replay, value: 0.5}}
network: linear
outputs:
  m: {type: notes, pitch: {from: x, range: [0, 1]}, trigger: clock, clock: 2, duration: gate}
"""


def start(path, out, env):
    cmd = [sys.executable, "-m", "neuromix", "instrument", str(path), "--no-window",
           "--midi-file", str(out), "--seconds", "60"]
    env = {**os.environ, **env, "PYTHONPATH": str(ROOT / "src") + os.pathsep
           + os.environ.get("PYTHONPATH", "")}
    proc = spawn(cmd, stderr=subprocess.PIPE, text=True, env=env)
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        if "playing" in line or not line:
            break
    assert "playing" in lines[-1], "".join(lines)
    return proc


def interrupt(proc) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 130, err
    return err


def note_ons(messages) -> list[int]:
    return [i for i, m in enumerate(messages) if m.type == "note_on" and m.velocity > 0]


def until(check, timeout: float = 10.0) -> bool:
    """Poll ``check`` until it holds or ``timeout`` seconds pass; whether it held."""
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def test_sigint_mid_note_ends_the_note_in_the_file(write, tmp_path):
    out = tmp_path / "out.mid"
    proc = start(write(HELD), out, {"JACK_DEFAULT_SERVER": f"nm-none-{os.getpid()}"})
    time.sleep(0.8)
    err = interrupt(proc)
    pairs = note_pairs(mido.MidiFile(out))
    assert len(pairs) >= 1, err
    assert "Traceback" not in err


@pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd is not installed")
def test_sigint_mid_note_ends_the_note_on_the_port(write, tmp_path):
    server = f"nm-instr-{os.getpid()}"
    env = {"JACK_DEFAULT_SERVER": server, "JACK_NO_START_SERVER": "1",
           "JACK_NO_AUDIO_RESERVATION": "1"}
    os.environ.update(env)
    jackd = subprocess.Popen(["jackd", "--no-realtime", "-n", server, "-d", "dummy", "-r",
                              "48000", "-p", "256"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env={**os.environ, **env})
    try:
        waited = subprocess.run(["jack_wait", "-w", "-t", "10"], env={**os.environ, **env},
                                capture_output=True, timeout=20)
        assert waited.returncode == 0 and jackd.poll() is None, "jackd did not start in 10 s"
        proc = start(write(HELD), tmp_path / "out.mid", env)
        backend = mido.Backend("mido.backends.rtmidi/UNIX_JACK")
        name = next(n for n in backend.get_input_names() if "neuromix" in n)
        got = []
        port = backend.open_input(name, callback=got.append)
        assert until(lambda: len(note_ons(got)) >= 2), got
        interrupt(proc)
        ended = lambda: all(any(m.type == "note_off" and m.note == got[i].note  # noqa: E731
                                for m in got[i + 1:]) for i in note_ons(got))
        until(ended)
        port.close()
        ons = note_ons(got)
        for i in ons:
            note = got[i].note
            assert any(m.type == "note_off" and m.note == note for m in got[i + 1:]), got
        note_pairs(mido.MidiFile(tmp_path / "out.mid"))
    finally:
        for key in env:
            os.environ.pop(key, None)
        jackd.terminate()
        jackd.wait(timeout=10)
