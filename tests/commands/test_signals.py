"""SIGTERM and SIGHUP stop every command as Ctrl-C does: a render removes its temporary and
leaves an earlier file of its name as it was; a take or a performance keeps what was played.

Each test runs the real command line in a child process whose stop signals are reset to their
defaults (a test must not depend on what it inherits), and kills the child if it fails.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mido
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
DUAL = ROOT / "examples" / "dual_neuron.yaml"
STOPS = [signal.SIGTERM, signal.SIGHUP]
HELD = """\
# a note always sounding: a new one every half second, each held until the next
rate: 200
inputs: {x: {source: replay, value: 0.5}}
network: linear
outputs:
  m: {type: notes, pitch: {from: x, range: [0, 1]}, trigger: clock, clock: 2, duration: gate}
"""


def _defaults(ignored=()):
    def reset():
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN if sig in ignored else signal.SIG_DFL)
    return reset


@pytest.fixture
def child():
    """``start(*args, ignored=())`` runs ``neuromix ARGS``; whatever is left is killed after."""
    procs = []

    def start(*args, ignored=()):
        env = {**os.environ, "JACK_DEFAULT_SERVER": f"nm-none-{os.getpid()}"}
        proc = subprocess.Popen([sys.executable, "-m", "neuromix", *map(str, args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env, preexec_fn=_defaults(ignored))
        procs.append(proc)
        return proc
    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def until(check, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def line_with(stream, word: str, proc) -> str:
    while True:
        line = stream.readline()
        assert line or proc.poll() is None, f"no '{word}': {proc.stderr.read()}"
        if word in line:
            return line


def parts(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".part")]


def rendering(child, tmp_path, ignored=()):
    """A render of an hour to ``out.wav`` (over an earlier file), once its temporary grows."""
    out = tmp_path / "out.wav"
    out.write_bytes(b"the earlier take")
    proc = child("render", DUAL, "-o", out, "--seconds", 3600, "--no-progress", ignored=ignored)
    until(lambda: any(p.stat().st_size > 100_000 for p in parts(tmp_path)) or proc.poll() is not None)
    assert proc.poll() is None, proc.stderr.read()
    return proc, out


@pytest.mark.parametrize("sig", STOPS, ids=lambda s: s.name)
def test_a_stopped_render_leaves_the_earlier_file_and_no_temporary(child, tmp_path, sig):
    proc, out = rendering(child, tmp_path)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig and f"stopped by {sig.name}" in err
    assert "Traceback" not in err
    assert out.read_bytes() == b"the earlier take" and parts(tmp_path) == []


def test_a_hangup_the_process_was_started_ignoring_stays_ignored(child, tmp_path):
    """Under nohup, SIGHUP is ignored on purpose: the render goes on, SIGTERM still stops it."""
    proc, out = rendering(child, tmp_path, ignored=(signal.SIGHUP,))
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM and parts(tmp_path) == []


@pytest.mark.parametrize("sig", STOPS, ids=lambda s: s.name)
def test_a_stopped_take_keeps_what_was_played(child, tmp_path, sig):
    take = tmp_path / "take.wav"
    proc = child("play", DUAL, "--audio", "null", "-o", take)
    line_with(proc.stdout, "Ctrl-C stops", proc)
    time.sleep(1.0)  # 0.4 s asserted below: a loaded machine's late blocks restart the clock
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert f"wrote {take}" in out
    frames = sf.info(str(take)).frames
    assert frames >= 0.4 * 48000 and frames % 256 == 0
    assert parts(tmp_path) == [] and (tmp_path / "take.changes.csv").exists()


@pytest.mark.parametrize("sig", STOPS, ids=lambda s: s.name)
def test_a_stopped_performance_ends_its_notes_and_keeps_the_file(child, tmp_path, sig):
    inst, midi = tmp_path / "held.yaml", tmp_path / "out.mid"
    inst.write_text(HELD)
    proc = child("instrument", inst, "--no-window", "--midi-port", "none", "-o", midi,
                 "--seconds", 60)
    line_with(proc.stderr, "playing", proc)
    time.sleep(0.8)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert "wrote" in err
    messages = [m for track in mido.MidiFile(midi).tracks for m in track]
    ons = [m.note for m in messages if m.type == "note_on" and m.velocity > 0]
    offs = [m.note for m in messages
            if m.type == "note_off" or (m.type == "note_on" and m.velocity == 0)]
    assert ons and sorted(ons) == sorted(offs)  # every note ended, none hanging
