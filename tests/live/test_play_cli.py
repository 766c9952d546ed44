"""``neuromix play`` end to end, in real subprocesses: null audio, Ctrl-C, JACK with OSC, and
one clear line (never a traceback) for every mistake."""

import os
import signal
import subprocess
import sys
import time

import soundfile as sf
from helpers import spawn
from live_helpers import DUAL
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder


def neuromix(*args, env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "neuromix", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def start(*args, env=None):
    return spawn([sys.executable, "-m", "neuromix", *args], stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def wait_for_line(proc, word, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if word in line:
            return line
        assert line or proc.poll() is None, proc.stderr.read()
    raise AssertionError(f"no '{word}' from the player")


def test_null_audio_plays_in_real_time_and_records(patch_file, tmp_path):
    take = tmp_path / "take.wav"
    done = neuromix("play", patch_file(DUAL), "--audio", "null", "--seconds", "0.8",
                    "--record", take, "--blocksize", "128")
    assert done.returncode == 0, done.stderr
    assert "played 0.8 s" in done.stdout and f"wrote {take}" in done.stdout
    info = sf.info(str(take))
    assert info.samplerate == 48000 and info.subtype == "FLOAT"
    # it stops at the first block boundary the main thread sees past 0.8 s (it polls, so a
    # loaded machine may see it some blocks late)
    assert info.frames % 128 == 0 and 0.8 * 48000 <= info.frames <= 0.85 * 48000
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["live.yaml", "take.changes.csv", "take.wav"]
    assert f"and {tmp_path / 'take.changes.csv'}" in done.stdout
    assert (tmp_path / "take.changes.csv").read_text() == "block,seconds,address,value\n"


def test_ctrl_c_ends_cleanly_and_keeps_the_recording_whole(patch_file, tmp_path):
    take = tmp_path / "take.wav"
    proc = start("play", patch_file(DUAL), "--audio", "null", "--record", take)
    wait_for_line(proc, "Ctrl-C stops")
    time.sleep(1.0)  # 0.4 s asserted below: a loaded machine's late blocks restart the clock
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "wrote" in out
    frames = sf.info(str(take)).frames
    assert frames >= 0.4 * 48000 and frames % 256 == 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_no_sound_card_says_how_to_fix_it(patch_file):
    done = neuromix("play", patch_file(DUAL), "--seconds", "0.2",
                    env={"JACK_DEFAULT_SERVER": f"nm-none-{os.getpid()}"})
    if done.returncode == 0:  # this machine has a sound card after all
        return
    assert done.returncode == 2 and "Traceback" not in done.stderr
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith("neuromix: ")
    if "PortAudio is not installed" in line:  # no libportaudio2 here: that is said instead
        assert "libportaudio2" in line and "--audio null" in line
        return
    assert "no sound card" in line and "libportaudio2" in line and "--audio null" in line
    assert "--device" in line


def test_mistakes_are_one_line(patch_file, tmp_path):
    path = patch_file(DUAL)
    cases = [
        (["--midi-learn", "a.bais"], "no parameter 'a.bais' (did you mean 'a.bias'"),
        (["--latency", "fast"], "--latency: 'fast' is not a latency: give seconds above 0"),
        (["--blocksize", "0"], "--blocksize: '0' is not a count: give a whole number from 1 to "
                               "65536"),
        (["--seconds", "-1"], "--seconds: '-1' is not a length in seconds"),
        (["--device", "nosuchcard", "--audio", "jack"], "no JACK server is running"),
    ]
    for extra, words in cases:
        done = neuromix("play", path, "--audio", "null", *extra,
                        env={"JACK_DEFAULT_SERVER": f"nm-none-{os.getpid()}"})
        assert done.returncode == 2, (extra, done.stdout, done.stderr)
        assert words in done.stderr and "Traceback" not in done.stderr, (extra, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    bad = patch_file(DUAL.replace("type: sine", "type: sinee"), "bad.yaml")
    done = neuromix("play", bad, "--audio", "null")
    assert done.returncode == 2
    assert f"{bad}, line 5: node 's1': unknown node type 'sinee'" in done.stderr


def test_jack_with_osc_from_the_command_line(jack, patch_file):
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    listed = neuromix("play", "--list-devices")
    assert "JACK Audio Connection Kit" in listed.stdout
    proc = start("play", patch_file(DUAL), "--audio", "jack", "--blocksize", "64",
                 "--osc-port", port)
    started = wait_for_line(proc, f"OSC on 127.0.0.1:{port}")
    assert "on system" in started and "blocks of 64 (1.33 ms)" in started
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.settimeout(5)
    msg = OscMessageBuilder("/neuromix/param/a.bias")
    msg.add_arg(0.4)
    client.sendto(msg.build().dgram, ("127.0.0.1", port))
    time.sleep(0.2)
    client.sendto(OscMessageBuilder("/neuromix/params").build().dgram, ("127.0.0.1", port))
    reply = OscMessage(client.recvfrom(65536)[0]).params
    values = dict(zip(reply[::2], reply[1::2]))
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert abs(values["a.bias"] - 0.4) < 1e-6
    assert "OSC 2 packets, 2 applied, 0 malformed" in out


def test_watch_from_the_command_line(patch_file):
    path = patch_file(DUAL)
    proc = start("play", path, "--audio", "null", "--watch", "--seconds", "120")  # ends by ^C
    wait_for_line(proc, "watching the file")
    path.write_text(DUAL.replace("bias: 0.1,", "bias: 0.3,"))
    assert "1 parameter(s) changed" in wait_for_line(proc, "reloaded")
    path.write_text(DUAL.replace("type: sine", "type: sin"))
    broken = wait_for_line(proc, "plays on")
    assert f"{path}, line 5: node 's1': unknown node type 'sin'" in broken
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Traceback" not in err and "played" in out
