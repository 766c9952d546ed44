"""Sound files into a patch: resampling against closed forms, streaming equal to reading,
looping, scrubbed NaN/inf, and one clear line for every file that cannot be used."""

import numpy as np
import pytest
import soundfile as sf

from neuromix.errors import AudioFileError, NeuromixError
from neuromix.io.audiofile import SoundIn, info, read


def _sine(freq, sr, seconds, channels=1):
    t = np.arange(int(sr * seconds)) / sr
    return np.stack([np.sin(2 * np.pi * freq * (c + 1) * t) for c in range(channels)], axis=1)


def test_a_file_at_the_patch_rate_comes_in_unchanged(tmp_path):
    x = np.random.default_rng(0).uniform(-1, 1, (5000, 2))
    sf.write(tmp_path / "x.wav", x, 48000, subtype="DOUBLE")
    sound = read(tmp_path / "x.wav", sr=48000)
    np.testing.assert_array_equal(sound.samples, x)
    assert sound.scrubbed == 0 and sound.source_sr == 48000


@pytest.mark.parametrize("source_sr", [44100, 22050, 96000])
def test_resampling_gives_the_same_sine_at_the_patch_rate(tmp_path, source_sr):
    sf.write(tmp_path / "s.wav", _sine(440, source_sr, 1.0), source_sr, subtype="DOUBLE")
    sound = read(tmp_path / "s.wav", sr=48000)
    expected = _sine(440, 48000, 1.0)
    assert abs(len(sound.samples) - len(expected)) <= 1
    n = min(len(sound.samples), len(expected))
    middle = slice(2000, n - 2000)  # away from the resampler's edges
    assert np.abs(sound.samples[middle] - expected[middle]).max() < 1e-3  # right speed and pitch


def test_streaming_equals_reading_whatever_the_block_size(tmp_path):
    x = _sine(1000, 44100, 3.1, channels=2) * 0.5
    sf.write(tmp_path / "s.flac", x, 44100)
    whole = read(tmp_path / "s.flac", sr=48000).samples
    for block in (1, 256, 4097, 100000):
        with SoundIn(tmp_path / "s.flac", sr=48000) as stream:
            got = np.concatenate([stream.block(block) for _ in range(len(whole) // block + 2)])
        np.testing.assert_array_equal(got[:len(whole)], whole, err_msg=f"block {block}")
        assert not got[len(whole):].any()  # silence after the end


def test_looping_plays_the_file_again_without_a_gap(tmp_path):
    x = np.linspace(-1, 1, 1000)[:, None]
    sf.write(tmp_path / "r.wav", x, 48000, subtype="DOUBLE")
    with SoundIn(tmp_path / "r.wav", sr=48000, loop=True) as stream:
        got = np.concatenate([stream.block(300) for _ in range(10)])
        assert stream.ended
    np.testing.assert_array_equal(got, np.tile(x, (3, 1)))


def test_non_finite_samples_become_zero_and_are_counted(tmp_path):
    x = np.array([0.5, np.nan, np.inf, -np.inf, -0.5])[:, None]
    sf.write(tmp_path / "bad.wav", x, 48000, subtype="FLOAT")
    sound = read(tmp_path / "bad.wav", sr=48000)
    assert sound.scrubbed == 3
    np.testing.assert_array_equal(sound.samples[:, 0], [0.5, 0, 0, 0, -0.5])


def test_a_sample_larger_than_the_limit_is_refused_with_a_hint_to_stream(tmp_path):
    sf.write(tmp_path / "long.wav", np.zeros((48000, 2)), 48000)
    with pytest.raises(AudioFileError, match="audio_in, which streams"):
        read(tmp_path / "long.wav", sr=48000, max_bytes=100_000)
    with SoundIn(tmp_path / "long.wav", sr=48000) as stream:  # streaming has no such limit
        assert stream.block(48000).shape == (48000, 2)


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no such sound file"),
    (lambda p: p.mkdir(), "is a folder"),
    (lambda p: p.write_bytes(b""), "not a sound file"),
    (lambda p: p.write_bytes(b"RIFF\xff\xff\xff\xffWAVEfmt " + bytes(range(256)) * 4),
     "not a sound file"),
    (lambda p: p.write_bytes(np.random.default_rng(1).bytes(10000)), "not a sound file"),
    (lambda p: p.write_text("# a patch, not a sound\nnodes: {}\n"), "not a sound file"),
])
def test_files_that_cannot_be_used_give_one_line(tmp_path, make, message):
    path = tmp_path / "in.wav"
    make(path)
    for attempt in (lambda: info(path), lambda: read(path, 48000), lambda: SoundIn(path, 48000)):
        with pytest.raises(NeuromixError) as err:
            attempt()
        text = str(err.value)
        assert message in text and str(path) in text and "\n" not in text


def test_a_truncated_file_plays_what_is_there(tmp_path):
    x = _sine(440, 48000, 1.0)
    sf.write(tmp_path / "t.wav", x, 48000, subtype="PCM_16")
    data = (tmp_path / "t.wav").read_bytes()
    (tmp_path / "t.wav").write_bytes(data[: len(data) // 2])  # cut off mid-file
    sound = read(tmp_path / "t.wav", sr=48000)
    assert 0 < len(sound.samples) <= len(x) and np.isfinite(sound.samples).all()
