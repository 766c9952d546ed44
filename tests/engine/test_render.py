"""Offline rendering to files: streaming, formats, atomic writes."""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

import neuromix as nm
from neuromix.engine.render import render_to_file


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
    proc = subprocess.Popen([sys.executable, "-m", "neuromix", "render", str(patch), "-o", str(out),
                             "--seconds", "3600", "--no-progress"], stderr=subprocess.PIPE)
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
