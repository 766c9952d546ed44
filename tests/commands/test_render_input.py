"""``neuromix render PATCH --input FILE``: the file's length, silence or a loop after it, other
sample rates resampled, streamed in bounded memory, and one clear line for every file that
cannot be heard."""

import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from neuromix.cli import main
from neuromix.io.audiofile import SoundIn

SR = 16000
PASS = f"""\
# what comes in goes out
neuromix: 1
sr: {SR}
nodes:
  x: {{type: audio_in}}
  a: {{type: neuron, act: identity, inputs: {{x: 0.5}}}}
out: a
"""


@pytest.fixture
def patch(tmp_path):
    path = tmp_path / "pass.yaml"
    path.write_text(PASS)
    return path


def rendered(path):
    audio, sr = sf.read(path, dtype="float64")
    assert sr == SR
    return audio


def test_the_render_lasts_as_long_as_the_file(patch, tmp_path, capsys):
    x = np.random.default_rng(0).uniform(-1, 1, 3001)
    sf.write(tmp_path / "in.wav", x, SR, subtype="DOUBLE")
    assert main(["render", str(patch), "--input", str(tmp_path / "in.wav"),
                 "-o", str(tmp_path / "out.wav")]) == 0
    np.testing.assert_array_equal(rendered(tmp_path / "out.wav"), (0.5 * x).astype(np.float32))
    assert "hearing" in capsys.readouterr().out


@pytest.mark.parametrize("loop", [False, True])
def test_a_longer_render_is_silence_or_the_file_again(patch, tmp_path, loop):
    x = np.linspace(-1, 1, 1600)  # 0.1 s
    sf.write(tmp_path / "in.wav", x, SR, subtype="DOUBLE")
    args = ["render", str(patch), "--input", str(tmp_path / "in.wav"), "--seconds", "0.25",
            "-o", str(tmp_path / "out.wav"), "--block", "700"]
    assert main(args + (["--loop-input"] if loop else [])) == 0
    after = np.tile(x, 3)[:4000] if loop else np.concatenate([x, np.zeros(2400)])
    np.testing.assert_array_equal(rendered(tmp_path / "out.wav"), (0.5 * after).astype(np.float32))


def test_a_file_at_another_rate_is_resampled_to_the_patch_rate(patch, tmp_path):
    t = np.arange(44100) / 44100
    sf.write(tmp_path / "sine.wav", 0.8 * np.sin(2 * np.pi * 440 * t), 44100, subtype="DOUBLE")
    assert main(["render", str(patch), "--input", str(tmp_path / "sine.wav"),
                 "-o", str(tmp_path / "out.wav")]) == 0
    y = rendered(tmp_path / "out.wav")
    assert len(y) == SR  # one second, at the patch's rate
    expected = 0.4 * np.sin(2 * np.pi * 440 * np.arange(SR) / SR)
    middle = slice(1000, SR - 1000)  # away from the resampler's edges
    assert np.abs(y[middle] - expected[middle]).max() < 1e-3  # right pitch, right speed


def test_a_long_file_streams_through_in_bounded_memory(patch, tmp_path):
    """20 s of stereo at 48 kHz (15 MB as float64) renders at 48 kHz with a few MB in use."""
    frames = 20 * 48000
    with sf.SoundFile(tmp_path / "long.wav", "w", 48000, 2, subtype="PCM_16") as fh:
        chunk = np.full((48000, 2), 0.25)
        for _ in range(20):
            fh.write(chunk)
    args = ["render", str(patch), "--input", str(tmp_path / "long.wav"), "--sr", "48000"]
    assert main(args + ["--seconds", "0.01", "-o", str(tmp_path / "warm.wav")]) == 0  # compiled
    tracemalloc.start()
    try:
        assert main(args + ["-o", str(tmp_path / "out.wav")]) == 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sf.info(str(tmp_path / "out.wav")).frames == frames
    assert peak < 6 * 2**20, f"{peak / 2**20:.1f} MiB in use"


def test_non_finite_samples_are_heard_as_zero_and_reported_once(patch, tmp_path, capsys):
    x = np.array([0.5, np.nan, np.inf, -np.inf, -0.5] * 2000)
    sf.write(tmp_path / "bad.wav", x, SR, subtype="FLOAT")
    assert main(["render", str(patch), "--input", str(tmp_path / "bad.wav"), "--block", "64",
                 "-o", str(tmp_path / "out.wav")]) == 0
    err = capsys.readouterr().err
    assert err.count("NaN or infinite") == 1 and "6000 samples" in err
    assert "blew up" not in err
    y = rendered(tmp_path / "out.wav")
    np.testing.assert_array_equal(y, 0.5 * np.nan_to_num(x, posinf=0, neginf=0))


def test_the_patch_input_section_and_what_wins(tmp_path, capsys):
    sf.write(tmp_path / "own.wav", np.full(800, 0.5), SR, subtype="DOUBLE")
    sf.write(tmp_path / "given.wav", np.full(400, -0.5), SR, subtype="DOUBLE")
    path = tmp_path / "own.yaml"
    path.write_text(PASS + "input: own.wav\n")
    out = tmp_path / "out.wav"
    assert main(["render", str(path), "-o", str(out)]) == 0
    np.testing.assert_array_equal(rendered(out), np.full(800, 0.25))
    assert main(["render", str(path), "--input", str(tmp_path / "given.wav"), "-o", str(out)]) == 0
    np.testing.assert_array_equal(rendered(out), np.full(400, -0.25))
    path.write_text(PASS + "input: own.wav\nrender: {seconds: 0.1}\n")  # the patch's length wins
    assert main(["render", str(path), "-o", str(out)]) == 0
    assert len(rendered(out)) == 1600


def error_of(capsys, *args) -> str:
    assert main(list(map(str, args))) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_every_file_that_cannot_be_heard_is_one_clear_line(patch, tmp_path, capsys):
    out = tmp_path / "out.wav"
    assert "no such sound file" in error_of(capsys, "render", patch, "--input",
                                            tmp_path / "none.wav", "-o", out)
    assert "is a folder" in error_of(capsys, "render", patch, "--input", tmp_path, "-o", out)
    (tmp_path / "text.wav").write_text("not a sound at all, just words")
    assert "not a sound file neuromix can read" in error_of(
        capsys, "render", patch, "--input", tmp_path / "text.wav", "-o", out)
    sf.write(tmp_path / "ok.wav", np.zeros(100), SR)
    header = bytearray((tmp_path / "ok.wav").read_bytes())
    header[22:24] = (0).to_bytes(2, "little")  # zero channels in the fmt chunk
    (tmp_path / "corrupt.wav").write_bytes(bytes(header))
    said = error_of(capsys, "render", patch, "--input", tmp_path / "corrupt.wav", "-o", out)
    assert "corrupt.wav" in said and ("header is corrupt" in said or "Channel count is zero" in said)
    assert not out.exists()


def test_a_channel_the_file_does_not_have(tmp_path, capsys):
    path = tmp_path / "right.yaml"
    path.write_text(PASS.replace("{type: audio_in}", "{type: audio_in, channel: 1}"))
    sf.write(tmp_path / "mono.wav", np.zeros(100), SR)
    said = error_of(capsys, "render", path, "--input", tmp_path / "mono.wav",
                    "-o", tmp_path / "out.wav")
    assert "audio_in 'x' reads input channel 1, but" in said and "mono.wav has 1 channel" in said


def test_a_patch_that_listens_without_any_input(patch, tmp_path, capsys):
    said = error_of(capsys, "render", patch, "-o", tmp_path / "out.wav")
    assert "listens to audio_in but has no input: give --input FILE" in said
    assert not (tmp_path / "out.wav").exists()


def test_an_input_for_a_patch_that_does_not_listen_is_said(tmp_path, capsys):
    path = tmp_path / "deaf.yaml"
    path.write_text("sr: 16000\nnodes:\n  s: {type: sine, freq: 100}\nout: s\n")
    sf.write(tmp_path / "in.wav", np.zeros(100), SR)
    assert main(["render", str(path), "--input", str(tmp_path / "in.wav"), "--seconds", "0.01",
                 "-o", str(tmp_path / "out.wav")]) == 0
    assert "no audio_in node" in capsys.readouterr().err


def test_streaming_the_input_equals_reading_it_whole(tmp_path):
    x = np.random.default_rng(3).uniform(-1, 1, (5000, 2))
    sf.write(tmp_path / "x.wav", x, 22050, subtype="DOUBLE")
    with SoundIn(tmp_path / "x.wav", 48000) as stream:
        whole = stream.rest()
    for block in (1, 700, 100000):
        with SoundIn(tmp_path / "x.wav", 48000) as stream:
            out = np.empty((block, 2))
            parts = []
            for _ in range(len(whole) // block + 1):
                stream.read(out)
                parts.append(out.copy())
        np.testing.assert_array_equal(np.concatenate(parts)[:len(whole)], whole)
