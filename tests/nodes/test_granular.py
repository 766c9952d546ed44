"""The granular node: onsets against density, the window, position and pitch against closed
forms, bounds, the grain limit, seeds, the reference interpreter, block sizes, hostile options."""

import numpy as np
import pytest
import soundfile as sf
from helpers import assert_block_invariant

import neuromix as nm
from neuromix.compiler.reference import run_reference
from neuromix.errors import PatchError
from neuromix.graph.patchfile import loads
from neuromix.nodes.granular import window_table

SR = 8000.0
CENTRE = np.cos(np.pi / 4)  # the gain of a grain panned to the middle


def cloud(source=None, frames=2000, patch_seed=0, **options):
    """(left, right, grains) of a granular node fed by ``source(patch)`` (default: 1.0)."""
    p = nm.Patch(sr=SR, seed=patch_seed)
    x = source(p) if source else p.const(1.0)
    g = p.granular(x, **options)
    p.out([g, g.port("right"), g.port("grains")])
    y = p.render(frames=frames)
    return y[:, 0], y[:, 1], y[:, 2]


def onsets(grains: np.ndarray) -> np.ndarray:
    """Samples where a grain starts, for grains that never overlap."""
    return np.nonzero(np.diff(grains, prepend=0.0) > 0)[0]


@pytest.mark.parametrize("density", [4.0, 7.5, 20.0])
def test_onsets_follow_density_without_jitter(density):
    _, _, grains = cloud(frames=int(SR), density=density, size=0.01, window="triangle")
    starts = onsets(grains)
    expected = np.arange(0, SR, SR / density)
    assert len(starts) == len(expected)
    assert np.abs(starts - expected).max() <= 1.0
    assert grains.max() == 1.0 and np.count_nonzero(grains) == 80 * len(starts)


def test_a_driven_density_changes_the_rate_at_once():
    """Density from a signal: 5 grains/s for half a second, then 20."""
    def source(p):
        return p.const(1.0)

    p = nm.Patch(sr=SR)
    step = p.square(1.0, width=0.5)  # +1 then −1
    g = p.granular(p.const(1.0), density=step.mod(scale=-7.5, offset=12.5), size=0.005)
    p.out(g.port("grains"))
    starts = onsets(p.render(frames=int(SR))[:, 0])
    assert len(starts[starts < SR / 2]) == 3 and len(starts[starts >= SR / 2]) == 10


def test_jitter_moves_onsets_but_keeps_the_rate():
    _, _, grains = cloud(frames=int(4 * SR), density=20.0, size=0.002, jitter=0.8)
    starts = onsets(grains)
    gaps = np.diff(starts)
    assert 70 <= len(starts) <= 90
    assert gaps.std() > 50 and gaps.min() >= 1


@pytest.mark.parametrize("shape", ["hann", "triangle", "tukey"])
def test_one_grain_of_a_constant_is_its_window(shape):
    left, right, _ = cloud(frames=4300, density=2.0, size=0.025, window=shape)
    left, right = left[4000:], right[4000:]  # the second grain (the first reads silence)
    t = np.arange(200) / 200
    closed = {"hann": 0.5 - 0.5 * np.cos(2 * np.pi * t), "triangle": 1 - np.abs(2 * t - 1),
              "tukey": np.interp(t, np.linspace(0, 1, 1025), window_table("tukey"))}[shape]
    np.testing.assert_allclose(left[:200], CENTRE * closed, atol=1e-5)
    np.testing.assert_allclose(left, right, rtol=1e-15, atol=0)  # cos(π/4), sin(π/4)
    assert not left[200:].any()


@pytest.mark.parametrize("pitch", [1.0, 2.0, 0.5, -1.0])
def test_position_and_pitch_against_a_ramp(pitch):
    """The input is time itself (a ramp); in the flat middle of a tukey grain the output is
    the input read from `position` back, moving at `pitch` samples per sample."""
    def ramp(p):
        return p.saw(0.1)  # −1 + 0.2·t for ten seconds: linear, interpolation is exact

    start = int(0.5 * SR)  # a grain at 0.5 s (density 2: onsets at 0, 0.5 s, ...)
    left, _, _ = cloud(ramp, frames=start + 400, density=2.0, size=0.04, position=0.1,
                       pitch=pitch, window="tukey")
    a = np.arange(80, 240)  # the grain's flat middle half (320 samples long)
    read = start - 0.1 * SR + pitch * a
    np.testing.assert_allclose(left[start + a] / CENTRE, -1 + 0.2 * read / SR, atol=1e-9)


def test_grains_never_read_ahead_of_the_recording():
    """Position 0 at pitch 4: the start is pulled back (2 + 3·length samples) so that the
    grain ends two samples behind the writer, never past it."""
    start, n = int(0.5 * SR), 160
    left, _, _ = cloud(lambda p: p.saw(0.1), frames=start + 200, density=2.0, size=n / SR,
                       position=0.0, pitch=4.0, window="tukey")
    a = np.arange(40, 120)  # the flat middle half
    read = start - (2 + 3 * n) + 4 * a
    np.testing.assert_allclose(left[start + a] / CENTRE, -1 + 0.2 * read / SR, atol=1e-9)
    assert np.all(read <= start + a - 2)


def test_output_is_bounded_and_the_grain_limit_holds():
    """Many long grains of noise at full scale: never more than max_grains, each adding at
    most its pan gain, and it saturates at the limit."""
    left, right, grains = cloud(lambda p: p.noise(), frames=3000, density=4000.0, size=0.5,
                                max_grains=40, stereo=1.0, spread=0.1)
    assert grains.max() == 40 and grains[-1000:].min() == 40
    assert np.all(np.abs(left) <= grains + 1e-12) and np.all(np.abs(right) <= grains + 1e-12)
    assert np.isfinite(left).all() and np.abs(left).max() > 1.0


def test_a_runaway_driver_stays_bounded():
    """Density, size, pitch and position driven far beyond their ranges."""
    def source(p):
        return p.sine(200.0)

    p = nm.Patch(sr=SR)
    huge = p.const(1e9)
    g = p.granular(p.sine(200.0), density=huge, size=huge, pitch=huge.mod(scale=-1.0),
                   position=huge, spread=huge, jitter=huge, stereo=huge, max_grains=16,
                   max_delay=0.05)
    p.out([g, g.port("right"), g.port("grains")])
    y = p.render(frames=2000)
    assert np.isfinite(y).all() and y[:, 2].max() <= 16 and np.abs(y[:, :2]).max() <= 16


def test_seeded_deterministic_and_stereo():
    first = cloud(lambda p: p.sine(300.0), density=200.0, size=0.03, spread=0.05, jitter=0.5,
                  stereo=1.0, patch_seed=4)
    again = cloud(lambda p: p.sine(300.0), density=200.0, size=0.03, spread=0.05, jitter=0.5,
                  stereo=1.0, patch_seed=4)
    other = cloud(lambda p: p.sine(300.0), density=200.0, size=0.03, spread=0.05, jitter=0.5,
                  stereo=1.0, patch_seed=5)
    np.testing.assert_array_equal(np.stack(first), np.stack(again))
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[0], first[1])  # panned grains: left and right differ


def test_matches_the_reference_and_is_block_invariant(tmp_path):
    """Every parameter driven by a signal, fed by a sample node: the kernel computes what the
    reference interpreter computes, in any block size."""
    path = tmp_path / "tone.wav"
    sf.write(path, np.sin(2 * np.pi * 330 * np.arange(2000) / SR), int(SR), subtype="DOUBLE")
    p = nm.Patch(sr=SR, seed=2)
    lfo = p.sine(3.0)
    g = p.granular(p.sample(file=str(path), loop=True),
                   density=lfo.mod(scale=150.0, offset=200.0),
                   size=lfo.mod(scale=0.01, offset=0.02), position=lfo.mod(scale=0.02, offset=0.03),
                   spread=lfo.mod(scale=0.01, offset=0.01), pitch=lfo.mod(scale=1.5, offset=0.2),
                   jitter=lfo.mod(scale=0.5, offset=0.5), stereo=lfo.mod(scale=0.5, offset=0.5),
                   max_grains=12, max_delay=0.2)
    p.out([g, g.port("right"), g.port("grains")])
    frames = 1200
    exact = p.render(frames=frames, exact=True)
    np.testing.assert_allclose(exact, run_reference(p.graph, frames), rtol=0, atol=1e-12)
    assert exact[:, 2].max() == 12 and np.abs(exact[:, 0]).max() > 0.5
    assert_block_invariant(p, 9000)


@pytest.mark.parametrize("option, value", [
    ("max_grains", 0), ("max_grains", -3), ("max_grains", 10**9), ("max_grains", 2.5),
    ("max_grains", True), ("max_grains", "many"), ("max_delay", float("nan")),
    ("max_delay", float("inf")), ("max_delay", -1.0), ("max_delay", 1e9),
    ("window", "boxcar"), ("window", 3), ("size", -0.1), ("size", float("nan")),
    ("density", float("inf")), ("density", -1.0), ("pitch", 1e6), ("seed", "x")])
def test_hostile_options_are_one_line_errors(option, value):
    with pytest.raises(PatchError) as info:
        cloud(frames=10, **{option: value})
    text = str(info.value)
    assert "\n" not in text and (option in text or "finite" in text)


def test_hostile_options_in_a_patch_file_name_the_line():
    text = ("neuromix: 1\nnodes:\n  s: {type: sine, freq: 100}\n"
            "  g: {type: granular, in: s, max_grains: 100000}\nout: g\n")
    with pytest.raises(PatchError, match=r"line 4: node 'g': max_grains"):
        loads(text).validate()
