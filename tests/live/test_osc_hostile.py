"""``neuromix play`` under hostile OSC, in a real subprocess on a real UDP socket: every kind of
malformed datagram (the 20-byte bundle with a negative element size that hung python-osc,
huge sizes, invalid UTF-8, deep bundles, random bytes) leaves the audio and the recording
going; the player stops by itself at --seconds and says what it ignored at most once a second."""

import socket
import struct
import time

import soundfile as sf
from live_helpers import DUAL
from osc_garbage import NEGATIVE_ELEMENT, hostile, message, neuromix_process


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_play_survives_hostile_osc_and_stops_at_seconds(patch_file, tmp_path):
    port, take, seconds = _free_port(), tmp_path / "take.wav", 4.0
    with neuromix_process("play", str(patch_file(DUAL)), "--audio", "null", "--osc-port",
                          str(port), "--seconds", str(seconds), "--record", str(take)) as proc:
        while "playing" not in (line := proc.stdout.readline()):
            assert line or proc.poll() is None, proc.stderr.read()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        garbage = hostile()
        end = time.monotonic() + 1.5
        sent = 0
        while time.monotonic() < end:  # a flood of garbage for 1.5 s
            for dgram in ([NEGATIVE_ELEMENT] + garbage)[:50]:
                sock.sendto(dgram, ("127.0.0.1", port))
                sent += 1
            time.sleep(0.005)
        for dgram in garbage:
            sock.sendto(dgram, ("127.0.0.1", port))
        good = message(b"/neuromix/param/a.bias", b",f", struct.pack(">f", 0.25))
        sock.sendto(good, ("127.0.0.1", port))
        sock.close()
        out, err = proc.communicate(timeout=60)  # it stops by itself at --seconds
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "WARNING" not in err + out
    ignored = [x for x in (out + err).splitlines() if "OSC: ignored" in x]
    assert 1 <= len(ignored) <= seconds + 2, ignored  # at most once a second, not a flood
    assert f"played {seconds:g}." in out and "0 applied" not in out
    info = sf.info(str(take))
    assert info.frames >= seconds * 48000  # the recording went on through all of it
    changes = (tmp_path / "take.changes.csv").read_text().splitlines()
    assert any(",a.bias,0.25" in x for x in changes)  # the good message after it all applied
