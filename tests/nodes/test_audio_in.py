"""audio_in: sound from outside the patch, against closed forms, the reference interpreter and
block sizes, with every way of giving it (array, callback, the patch file's input: section)
and one clear line for every way of not giving it."""

import math
import warnings

import numpy as np
import pytest
import soundfile as sf

import neuromix as nm
from neuromix.compiler.reference import run_reference
from neuromix.engine.render import render
from neuromix.errors import PatchError, UsageError
from neuromix.graph.patchfile import loads
from helpers import BLOCK_SIZES

SR = 8000
NOISE = np.random.default_rng(7).uniform(-1.5, 1.5, (3000, 2))


def listening_pair() -> nm.Patch:
    """A feedback pair of tanh neurons, each hearing one input channel."""
    p = nm.Patch(sr=SR)
    left, right = p.audio_in(name="left"), p.audio_in(channel=1, name="right")
    a = p.neuron(act="tanh", bias=0.1, name="a")
    b = p.neuron(act="tanh", bias=-0.05, name="b")
    a.input(left, 1.5)
    a.input(b, 1.2)
    b.input(right, 1.3)
    b.input(a, -1.4)
    p.out(p.mix(inputs={a: 0.5, b: 0.5}))
    return p


@pytest.fixture(scope="module")
def pair():
    return listening_pair()


@pytest.fixture(scope="module")
def pair_exact(pair):
    return pair.compile(exact=True)


def test_a_tanh_neuron_on_a_file_is_tanh_of_the_scaled_samples(tmp_path):
    x = np.random.default_rng(1).uniform(-1, 1, 4000)
    sf.write(tmp_path / "x.wav", x, SR, subtype="DOUBLE")
    p = nm.Patch(sr=SR)
    p.out(p.neuron(act="tanh", bias=0.2, inputs={p.audio_in(): 1.7}))
    p.graph.extra["input"] = str(tmp_path / "x.wav")
    expected = [math.tanh(0.2 + 1.7 * v) for v in x]  # libm's, as the exact kernel's
    np.testing.assert_array_equal(p.render(exact=True)[:, 0], expected)
    np.testing.assert_allclose(p.render()[:, 0], expected, atol=1e-9)  # the fast tanh


def test_the_compiled_kernel_agrees_with_the_reference_interpreter(pair, pair_exact):
    x = NOISE[:400]
    expected = run_reference(pair.graph, 400, x)
    np.testing.assert_array_equal(render(pair_exact, frames=400, input=x), expected)
    fast = render(pair.compile(), frames=400, input=x)
    np.testing.assert_allclose(fast, expected, atol=1e-6)


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_block_size_does_not_change_what_is_heard(pair_exact, block):
    whole = render(pair_exact, frames=len(NOISE), block=len(NOISE), input=NOISE)
    np.testing.assert_array_equal(render(pair_exact, block=block, input=NOISE), whole)


def test_each_audio_in_reads_its_own_channel_and_lanes_share_the_input():
    p = nm.Patch(sr=SR)
    p.out([p.audio_in(channel=2), p.audio_in(channel=0)])
    c = p.compile(lanes=3)
    x = NOISE[:50, [0, 1, 0]] * [1, 2, 3]
    out = c.process(50, input=x)
    assert out.shape == (3, 50, 2)
    for lane in out:
        np.testing.assert_array_equal(lane, x[:, [2, 0]])


def test_the_length_defaults_to_the_input_and_a_loop_repeats_it():
    p = nm.Patch(sr=SR)
    p.out(p.audio_in())
    assert p.render(input=[0.1, 0.2, 0.3]).tolist() == [[0.1], [0.2], [0.3]]
    assert p.render(frames=5, input=[0.1, 0.2, 0.3])[:, 0].tolist() == [0.1, 0.2, 0.3, 0.0, 0.0]
    assert p.render(frames=5, input=[0.1, 0.2, 0.3], loop=True)[:, 0].tolist() == \
        [0.1, 0.2, 0.3, 0.1, 0.2]


def test_a_callback_gives_the_input_block_by_block():
    p = nm.Patch(sr=SR)
    p.out(p.audio_in())
    asked = []

    def ramp(frames):
        asked.append(frames)
        start = sum(asked[:-1])
        return np.arange(start, start + frames) / 100.0

    np.testing.assert_array_equal(p.render(frames=10, block=4, input=ramp)[:, 0], np.arange(10) / 100)
    assert asked == [4, 4, 2]
    with pytest.raises(UsageError, match=r"returned a block of shape \(3,\) for 4 frames"):
        p.render(frames=4, input=lambda n: np.zeros(3))


def test_non_finite_input_samples_become_zero_with_one_warning():
    p = nm.Patch(sr=SR)
    p.out(p.neuron(act="tanh", inputs={p.audio_in(): 1.0}, name="a"))
    x = np.array([0.5, np.nan, np.inf, -np.inf, 0.25] * 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = p.render(input=x)
    assert y.shape == (len(x), 1)
    assert [str(w.message) for w in caught] == [
        "9 input samples were NaN or infinite and were played as 0"]
    np.testing.assert_allclose(y[:, 0], np.tanh(np.nan_to_num(x, posinf=0, neginf=0)), atol=1e-9)
    compiled = p.compile()
    render(compiled, input=x)
    assert not compiled.blowups  # no node was muted: the kernel heard only zeros
    assert np.isnan(x).sum() == 3  # the caller's array is left as it was


def test_a_patch_that_listens_without_input_says_so_in_one_line():
    p = nm.Patch(sr=SR)
    p.out(p.audio_in(name="mic"))
    with pytest.raises(UsageError) as err:
        p.render(frames=10)
    assert "audio_in ('mic') but was given no input" in str(err.value)
    assert "\n" not in str(err.value)
    c = p.compile()
    c.process(0)  # compiling (or loading) needs no input
    with pytest.raises(UsageError, match="no input"):
        c.process(8)


def test_a_channel_the_input_does_not_have_is_named():
    p = nm.Patch(sr=SR)
    p.out(p.audio_in(channel=1, name="right"))
    with pytest.raises(UsageError, match=r"audio_in 'right' reads input channel 1, but the "
                                         r"input has 1 channel\(s\)"):
        p.render(input=np.zeros(10))
    c = p.compile()
    for bad in (np.zeros((4, 2)), np.zeros((10, 2, 1)), "loud"):
        with pytest.raises(UsageError, match=r"must be \(frames,\) or \(frames, channels\) "
                                             "with at least 8 frames"):
            c.process(8, input=bad)


def test_a_bad_channel_option_is_a_patch_error():
    for channel in (-1, 64, 1.5, "left"):
        with pytest.raises(PatchError, match="channel"):
            loads(f"nodes:\n  x: {{type: audio_in, channel: {channel}}}\nout: x\n")


def test_the_patch_file_names_its_input_relative_to_itself(tmp_path):
    folder = tmp_path / "patches"
    (folder / "sounds").mkdir(parents=True)
    sf.write(folder / "sounds" / "r.wav", np.linspace(-0.5, 0.5, 6), SR, subtype="DOUBLE")
    text = "sr: 8000\nnodes:\n  x: {type: audio_in}\nout: x\n"
    (folder / "once.yaml").write_text(text + "input: sounds/r.wav\n")
    (folder / "loop.yaml").write_text(text + "input: {file: sounds/r.wav, loop: true}\n")
    once = nm.load(folder / "once.yaml")
    np.testing.assert_array_equal(once.render()[:, 0], np.linspace(-0.5, 0.5, 6))
    looped = nm.load(folder / "loop.yaml").render(frames=9)[:, 0]
    np.testing.assert_array_equal(looped, np.linspace(-0.5, 0.5, 6)[[0, 1, 2, 3, 4, 5, 0, 1, 2]])
    for bad, said in (("input: 3", "must name a sound file"),
                      ("input: {file: a.wav, loop: maybe}", "loop must be true or false"),
                      ("input: {file: a.wav, gain: 2}", "unknown key 'gain'"),
                      ("input: {loop: true}", "must name a sound file")):
        with pytest.raises(PatchError, match=said) as err:
            loads(text + bad + "\n", filename=str(folder / "x.yaml"))
        assert "line 5" in str(err.value)


def test_the_file_name_never_reaches_the_generated_source(tmp_path):
    name = "evil'); import os; os.system('x') #.wav"
    sf.write(tmp_path / name, np.zeros(4), SR, subtype="DOUBLE")
    path = tmp_path / "p.yaml"
    path.write_text(f"sr: 8000\nnodes:\n  x: {{type: audio_in}}\nout: x\ninput: \"{name}\"\n")
    patch = nm.load(path)
    assert patch.render().tolist() == [[0.0]] * 4
    assert "evil" not in patch.compile().kernel.source


def test_live_input_through_granular_beside_a_sample_agrees_with_the_reference(tmp_path):
    """The two ways sound enters a kernel side by side: a sample's file (in the float table)
    and audio_in's block (an argument), here through a granular cloud of the live input."""
    sf.write(tmp_path / "s.wav", np.sin(np.arange(300) / 7.0), SR, subtype="DOUBLE")
    p = nm.Patch(sr=SR, seed=3)
    heard = p.audio_in(name="heard")
    cloud = p.granular(in_=heard, density=400.0, size=0.01, position=0.02, max_delay=0.05,
                       name="cloud")
    p.out(p.mix(inputs={cloud.port("left"): 0.5, p.sample(file=str(tmp_path / "s.wav")): 0.5}))
    x = NOISE[:800, 0]
    exact = p.compile(exact=True)
    expected = run_reference(p.graph, 800, x)[:, 0]
    np.testing.assert_array_equal(render(exact, input=x)[:, 0], expected)
    np.testing.assert_array_equal(render(exact, block=65, input=x)[:, 0], expected)
    assert np.abs(expected[400:]).max() > 0.05
    deaf = render(exact, input=np.zeros(800))[:, 0]  # the sample alone
    assert np.abs(expected - deaf)[400:].max() > 0.05  # the cloud is heard too
