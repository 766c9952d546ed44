"""Offline rendering to files: streaming, formats, atomic writes."""

import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import soundfile as sf
from helpers import spawn

import neuromix as nm
from neuromix.engine.render import blocks, render_to_file
from neuromix.engine.writer import CHUNK, DEPTH
from neuromix.errors import AudioFileError


def stereo():
    p = nm.Patch(sr=44100)
    p.out([p.sine(220), 1.5 * p.saw(110)])
    return p


@pytest.mark.parametrize("fmt,subtype,tol", [("wav", "float", 1e-7), ("wav", "pcm24", 2e-7),
                                            ("wav", "pcm16", 5e-5), ("flac", "pcm24", 2e-7)])
def test_file_matches_memory_render(tmp_path, fmt, subtype, tol):
    p = stereo()
    path = tmp_path / f"x.{fmt}"
    info = render_to_file(p.compile(), path, 0.5, subtype=subtype, block=1000)
    data, sr = sf.read(path)
    expected = p.render(seconds=0.5)
    assert sr == 44100 and data.shape == expected.shape == (22050, 2)
    np.testing.assert_allclose(data, np.clip(expected, -1, 1) if subtype != "float" else expected,
                               atol=tol)
    assert info["clipped"] == (0 if subtype == "float" else int((np.abs(expected) > 1).sum()))


def test_no_partial_file_after_an_interrupted_render(tmp_path):
    out = tmp_path / "long.wav"
    patch = tmp_path / "p.yaml"
    stereo().save(patch)
    proc = spawn([sys.executable, "-m", "neuromix", "render", patch, "-o", out, "--seconds", "3600",
                  "--no-progress"], stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not any(p.suffix == ".part" for p in tmp_path.iterdir()) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    assert proc.returncode == 130
    assert "interrupted" in proc.stderr.read().decode()
    assert not out.exists()
    assert not any(p.name.startswith(".long.wav") for p in tmp_path.iterdir())


def serial_write(compiled, path, seconds, block, subtype):
    """The plain serial loop the background writer replaced: render a block, write it."""
    compiled.reset()
    with sf.SoundFile(path, "w", samplerate=int(compiled.sr), channels=compiled.channels,
                      subtype=subtype, format="WAV") as fh:
        for size in blocks(int(round(seconds * compiled.sr)), block):
            fh.write(np.clip(compiled.process(size), -1.0, 1.0) if subtype == "PCM_24"
                     else compiled.process(size))


def without_peak_time(data: bytes) -> bytes:
    """A float WAV's bytes with the time stamp of its PEAK chunk (libsndfile's) blanked."""
    at = data.index(b"PEAK") + 12  # id, size, version, then the time stamp
    return data[:at] + b"\0\0\0\0" + data[at + 4:]


@pytest.mark.parametrize("block", [1, 64, 1000, 4096, 70_000])
@pytest.mark.parametrize("subtype", ["float", "pcm24"])
def test_the_overlapped_writer_writes_the_bytes_of_a_serial_write(tmp_path, block, subtype):
    p = stereo()
    serial, overlapped = tmp_path / "serial.wav", tmp_path / "overlapped.wav"
    serial_write(p.compile(), serial, 0.6, block, "FLOAT" if subtype == "float" else "PCM_24")
    info = render_to_file(p.compile(), overlapped, 0.6, subtype=subtype, block=block)
    mine, theirs = overlapped.read_bytes(), serial.read_bytes()
    if subtype == "float":
        mine, theirs = without_peak_time(mine), without_peak_time(theirs)
    assert mine == theirs
    assert info["peak"] == pytest.approx(1.5, abs=1e-3)


class DiskFull(sf.SoundFile):
    """A sound file whose disk fills up after a few blocks."""

    written = 0

    def write(self, data):
        DiskFull.written += 1
        if DiskFull.written > 3:
            raise OSError(28, "No space left on device")
        super().write(data)


def test_a_failing_writer_leaves_no_part_file_and_keeps_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "take.wav"
    out.write_bytes(b"the older take")
    DiskFull.written = 0
    monkeypatch.setattr(sf, "SoundFile", DiskFull)
    compiled = stereo().compile()
    rendered = []
    process = compiled.process
    monkeypatch.setattr(compiled, "process", lambda n: rendered.append(n) or process(n))
    with pytest.raises(AudioFileError, match="No space left on device"):
        render_to_file(compiled, out, 600.0, block=4096)
    assert out.read_bytes() == b"the older take"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take.wav"]
    # it stopped soon after the failure: the chunks in flight at most, not the whole hour
    assert sum(rendered) <= (4 + DEPTH + 1) * CHUNK < 600 * 44100


def test_an_error_while_rendering_stops_the_writer_and_leaves_nothing(tmp_path):
    class Broken:
        sr, channels, lanes = 48000.0, 1, 1

        def __init__(self):
            self.calls = 0

        def reset(self):
            pass

        def process(self, n):
            self.calls += 1
            if self.calls == 5:
                raise RuntimeError("kernel trouble")
            return np.full((n, 1), 0.25)

    with pytest.raises(RuntimeError, match="kernel trouble"):
        render_to_file(Broken(), tmp_path / "x.wav", 2.0, block=512)
    assert list(tmp_path.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name == "neuromix-writer"]
