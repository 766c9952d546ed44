"""The sample node against its file: exact playback, closed forms at other speeds, the loop
seam, triggers, the reference interpreter, block sizes, lanes, and files that cannot be used."""

import numpy as np
import pytest
import soundfile as sf
from helpers import assert_block_invariant

import neuromix as nm
from neuromix import _config
from neuromix.compiler.jit import kernel_name
from neuromix.compiler.reference import run_reference
from neuromix.errors import PatchError
from neuromix.graph.patchfile import load_graph
from neuromix.nodes import sample as sample_node

SR = 8000


def wav(path, data, sr=SR):
    sf.write(path, np.asarray(data, dtype=np.float64), sr, subtype="DOUBLE")
    return str(path)


def play(path, frames, **options):
    p = nm.Patch(sr=SR)
    p.out(p.sample(file=path, **options))
    y = p.render(frames=frames)
    assert y.shape == (frames, 1)
    return y[:, 0]


@pytest.fixture(scope="module")
def noise(tmp_path_factory):
    data = np.random.default_rng(3).uniform(-1, 1, 600)
    return wav(tmp_path_factory.mktemp("s") / "noise.wav", data), data


@pytest.fixture(scope="module")
def sine(tmp_path_factory):
    """Ten whole periods of 100 Hz: a file that loops seamlessly."""
    data = np.sin(2 * np.pi * 100 * np.arange(800) / SR)
    return wav(tmp_path_factory.mktemp("s") / "sine.wav", data), data


def test_speed_one_plays_the_file_exactly_then_silence(noise):
    path, data = noise
    y = play(path, 1000)
    np.testing.assert_array_equal(y[:600], data)
    assert not y[600:].any()


def test_speed_two_on_a_sine_is_the_closed_form(sine):
    path, _ = sine
    y = play(path, 500)
    n = np.arange(400)
    np.testing.assert_allclose(play(path, 500, speed=2.0)[:400],
                               np.sin(2 * np.pi * 100 * 2 * n / SR), atol=1e-12)
    assert not play(path, 500, speed=2.0)[400:].any()
    assert y[:400].any()


def test_fractional_speed_reads_linearly_between_frames(noise):
    path, data = noise
    y = play(path, 700, speed=0.75, start=10 / SR)
    pos = 10 + 0.75 * np.arange(700)
    inside = pos < 599
    np.testing.assert_allclose(y[inside], np.interp(pos[inside], np.arange(600), data), atol=1e-14)


def test_backwards_from_the_end_is_the_reversed_file(noise):
    path, data = noise
    y = play(path, 700, speed=-1.0, start=1.0)  # start beyond the end: the last frame
    np.testing.assert_array_equal(y[:600], data[::-1])
    assert not y[600:].any()


def test_loop_has_no_seam_compared_with_the_file(sine):
    """Looped, a file of whole periods is the file tiled: no click, no repeated or lost frame."""
    path, data = sine
    y = play(path, 2500, loop=True)
    np.testing.assert_array_equal(y, np.tile(data, 4)[:2500])
    jumps = np.abs(np.diff(y))
    assert jumps.max() <= np.abs(np.diff(data)).max() + 1e-12
    # at speed 1.5 the head crosses the seam between frames: it reads across it, as the
    # tiled file would
    y = play(path, 2500, loop=True, speed=1.5, start=0.09)
    pos = 720 + 1.5 * np.arange(2500)
    tiled = np.tile(data, 6)
    np.testing.assert_allclose(y, np.interp(pos, np.arange(len(tiled)), tiled), atol=1e-12)


def test_a_trigger_restarts_at_start(noise):
    path, data = noise
    p = nm.Patch(sr=SR)
    clock = p.clock(bpm=60 * SR / 250)  # a trigger every 250 samples
    p.out(p.sample(trig=clock.port("trig"), start=100 / SR, file=path))
    y = p.render(frames=1000)[:, 0]
    for k in range(4):
        np.testing.assert_array_equal(y[250 * k:250 * (k + 1)], data[100:350])


def test_matches_the_reference_and_is_block_invariant(tmp_path):
    """A stereo file at a modulated speed (through zero: backwards and forwards), retriggered,
    looping and not: the kernel computes what the reference interpreter computes."""
    data = np.random.default_rng(5).uniform(-1, 1, (300, 2))
    path = wav(tmp_path / "st.wav", data)
    for loop in (False, True):
        p = nm.Patch(sr=SR)
        lfo = p.sine(9.0)
        s = p.sample(speed=lfo.mod(scale=1.7, offset=0.4), trig=p.sine(11.0), start=0.01,
                     loop=loop, file=path)
        p.out([s, s.port("ch2")])
        exact = p.render(frames=900, exact=True)
        np.testing.assert_allclose(exact, run_reference(p.graph, 900), rtol=0, atol=1e-12)
        assert_block_invariant(p, 3000)
        y = p.render(frames=900)
        assert np.abs(y[:, 1]).max() > 0.1 and not np.array_equal(y[:, 0], y[:, 1])


def test_a_sound_is_shared_by_lanes_and_stays_out_of_the_source(tmp_path, noise):
    """Lanes read one copy; another file (of another length) is the same kernel."""
    path, data = noise
    p = nm.Patch(sr=SR)
    p.out(p.sample(file=path))
    compiled = p.compile(lanes=3)
    y = compiled.process(600)
    assert all(np.array_equal(y[lane, :, 0], data) for lane in range(3))
    assert compiled.kernel.floats.size < 2 * data.size
    other = nm.Patch(sr=SR)
    other.out(other.sample(file=wav(tmp_path / "other.wav", data[:123] * 0.5)))
    second = other.compile()
    assert second.kernel.source != compiled.kernel.source  # the sounds line names the data
    assert kernel_name(second.kernel.source) == kernel_name(compiled.kernel.source)
    assert "other" not in second.kernel.source and "123" not in second.kernel.source
    np.testing.assert_array_equal(second.process(123)[:, 0], data[:123] * 0.5)


def test_a_file_at_another_rate_is_resampled(tmp_path):
    path = wav(tmp_path / "hi.wav", np.sin(2 * np.pi * 200 * np.arange(1600) / 16000), sr=16000)
    y = play(path, 1000)
    assert abs(np.count_nonzero(y) - 800) <= 2
    n = np.arange(100, 700)
    np.testing.assert_allclose(y[n], np.sin(2 * np.pi * 200 * n / SR), atol=2e-3)


def test_non_finite_samples_play_as_zero_reported_once(tmp_path, capsys):
    data = np.linspace(-1, 1, 50)
    data[[3, 7]] = np.nan, np.inf
    path = tmp_path / "bad.wav"
    sf.write(path, data, SR, subtype="DOUBLE")
    p = nm.Patch(sr=SR)
    p.out(p.sample(file=str(path), name="smp"))
    y = p.render(frames=50)[:, 0]
    p.render(frames=50)
    assert y[3] == 0.0 and y[7] == 0.0 and np.isfinite(y).all()
    err = capsys.readouterr().err
    assert err.count("NaN or infinite") == 1 and "2 sample(s)" in err


def one_line_error(path, **options) -> str:
    with pytest.raises(PatchError) as info:
        play(path, 10, **options)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_unusable_files_are_one_line_errors(tmp_path, monkeypatch, noise):
    assert "not found" in one_line_error(str(tmp_path / "missing.wav"))
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt " + bytes(range(40)))
    assert "garbage.wav" in one_line_error(str(garbage))
    text = tmp_path / "notes.txt"
    text.write_text("not a sound")
    assert "not a sound file" in one_line_error(str(text))
    assert "not a sound file" in one_line_error(str(tmp_path)) or "folder" in one_line_error(
        str(tmp_path))
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0), SR)
    assert "holds no sound" in one_line_error(str(empty))
    monkeypatch.setattr(_config, "MAX_SOUND_BYTES", 1000)
    monkeypatch.setattr(sample_node, "_SOUNDS", {})  # read anew, not from an earlier test's load
    assert "more than a sample can hold" in one_line_error(noise[0])


def test_hostile_options_are_refused(noise):
    with pytest.raises(PatchError, match="needs a sound file"):
        play(None, 10)
    with pytest.raises(PatchError, match="loop must be true or false"):
        play(noise[0], 10, loop="yes")
    for bad in ({"speed": float("nan")}, {"speed": float("inf")}, {"speed": 1e6},
                {"start": -1.0}, {"start": float("nan")}, {"file": 3}, {"file": ""}):
        with pytest.raises(PatchError):
            play(bad.pop("file", noise[0]), 10, **bad)


def test_a_relative_file_resolves_against_the_patch_file(tmp_path, monkeypatch, noise):
    folder = tmp_path / "patches"
    (folder / "sounds").mkdir(parents=True)
    data = noise[1]
    wav(folder / "sounds" / "n.wav", data)
    patch = folder / "p.yaml"
    patch.write_text("neuromix: 1\nsr: 8000\nnodes:\n  s: {type: sample, file: sounds/n.wav}\n"
                     "out: s\n")
    monkeypatch.chdir(tmp_path)  # not the patch's folder
    loaded = nm.Patch(graph=load_graph(patch))
    np.testing.assert_array_equal(loaded.render(frames=600)[:, 0], data)
    again = folder / "again.yaml"
    loaded.save(again)
    assert "sounds/n.wav" in again.read_text() and str(folder) not in again.read_text()
    np.testing.assert_array_equal(nm.Patch(graph=load_graph(again)).render(frames=600)[:, 0], data)
    patch.write_text(patch.read_text().replace("sounds/n.wav", "sounds/gone.wav"))
    with pytest.raises(PatchError, match=r"p.yaml, line 4: node 's': sound file 'sounds/gone"):
        load_graph(patch)
