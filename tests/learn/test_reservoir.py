"""Reservoir resynthesis: free runs of real instrument tones stay bounded and close in MFCCs,
morphs move between two learned sounds, the saved patch renders what the trainer ran."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import neuromix as nm
from neuromix.engine.render import render
from neuromix.learn.losses import continuation, envelope_db, mfcc_nrmse
from neuromix.learn.reservoir import between_neighbours, morph_centroids, train

SOUNDS = Path(__file__).parent / "sounds"  # see sounds/render_tones.py
SR = 16000  # the synthetic tones
# small and quick: two leak groupings, both noise settings, one feedback scale, one draw
QUICK = {"leaks": ((0.3, 1.0), (0.05, 0.2, 1.0)), "feedback": (1.0,), "innovation": (0.0, 0.3)}
NEURONS = 60


def instrument(name):
    audio, sr = sf.read(SOUNDS / f"{name}.flac")
    return audio, float(sr)


@pytest.fixture(scope="module")
def trained():
    """name -> (target, sr, reservoir): each tone trained once for the whole module."""
    cache = {}

    def get(name):
        if name not in cache:
            target, sr = instrument(name)
            cache[name] = target, sr, train(target, sr, neurons=NEURONS, reservoirs=1,
                                            grid=QUICK, progress=False)
        return cache[name]
    return get


def tone(seconds, f0=220.0, harmonics=6):
    t = np.arange(int(seconds * SR)) / SR
    return 0.5 * sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, harmonics + 1)) / 1.5


# measured with these settings: flute 0.49, cello 0.34 (the benchmark's 200 neurons and
# wider search: 0.36, 0.29); silence against a tone scores about 1.4
@pytest.mark.parametrize("name, bound", [("flute", 0.55), ("cello", 0.42)])
def test_instrument_tone_continues_for_10_s_close_in_mfccs(trained, name, bound):
    target, sr, res = trained(name)
    n = int(sr)
    out = res.run(10 * n)
    score = mfcc_nrmse(out, continuation(target, n, 10 * n), sr)
    print(f"{name}: MFCC NRMSE {score:.3f} over the 10 s free run ({res.settings})")
    assert np.isfinite(out).all() and score < bound


@pytest.mark.parametrize("name", ["flute", "cello"])
def test_free_run_is_stable_for_30_s(trained, name):
    target, sr, res = trained(name)
    out = res.run(int(30 * sr))
    assert np.isfinite(out).all() and np.abs(out).max() < 2 * np.abs(target).max()
    level = envelope_db(out, sr, 5.0)  # neither fading nor growing: six 5 s spans
    assert level.min() > envelope_db(target[int(sr):], sr, 1.0).mean() - 20
    assert level.max() - level.min() < 3


def test_the_same_seed_gives_the_same_reservoir(tmp_path):
    target = tone(2.0)
    kw = dict(neurons=10, degree=3, train_seconds=1.0, reservoirs=1, progress=False,
              grid={"leaks": ((0.3, 1.0),), "feedback": (1.0, 3.0), "ridge": (1e4, 1e6),
                    "innovation": (0.0, 0.3)})
    a, b, c = train(target, SR, seed=5, **kw), train(target, SR, seed=5, threads=1, **kw), train(
        target, SR, seed=6, **kw)
    for r, name in ((a, "a"), (b, "b"), (c, "c")):
        r.save(tmp_path / f"{name}.yaml")
    assert (tmp_path / "a.yaml").read_text() == (tmp_path / "b.yaml").read_text()
    assert (tmp_path / "a.yaml").read_text() != (tmp_path / "c.yaml").read_text()
    assert np.array_equal(a.run(5000), b.run(5000))


@pytest.mark.parametrize("neurons", [15, 40], ids=["inline", "npz"])
def test_saved_reservoir_renders_what_the_trainer_ran(tmp_path, neurons):
    target = tone(2.0)
    res = train(target, SR, neurons=neurons, degree=4, train_seconds=1.0, reservoirs=1,
                grid={"leaks": ((0.3, 1.0), (0.05, 0.2, 1.0)), "ridge": (1e4, 1e6),
                      "innovation": (0.0,)}, progress=False)
    res.readout[0, -1] = 0.5  # the innovation neuron plays a little: the noise node matters
    assert np.isfinite(res.run(SR)).all()
    path = tmp_path / "res.yaml"
    res.save(path)
    assert (tmp_path / "res.npz").exists() == (neurons + 1 > 16)
    assert len(path.read_text().splitlines()) < 12 or neurons + 1 <= 16  # not hundreds of nodes
    patch = nm.load(path)
    assert sorted(n.type for n in patch.graph.nodes.values()) == ["network", "noise"]
    frames = SR // 2
    exact = render(patch.compile(exact=True), frames=frames)
    assert exact.shape == (frames, 1)  # a render is (frames, channels); the trainer's run 1-D
    np.testing.assert_allclose(exact[:, 0], res.run(frames), atol=1e-9, rtol=0)
    # the rational tanh differs by 2e-8 per step, which the free-running oscillator carries
    # along (in phase): the fast render sounds the same
    fast = patch.render(frames=frames)[:, 0]
    assert mfcc_nrmse(fast, res.run(frames), SR) < 0.2
    compiled = patch.compile()
    compiled.set("res.out.0.3", 0.0)  # its weights are parameters like any patch's
    assert not np.allclose(render(compiled, frames=1000)[:, 0], fast[:1000])


@pytest.fixture(scope="module")
def morph():
    """One reservoir trained on the cello and the flute, and each trained alone with the
    same settings (the single-sound reference for the end points)."""
    (cello, sr), (flute, _) = instrument("cello"), instrument("flute")
    kw = dict(neurons=NEURONS, reservoirs=1, grid=QUICK, progress=False)
    return sr, (cello, flute), train([cello, flute], sr, **kw), (train(cello, sr, **kw),
                                                                 train(flute, sr, **kw))


@pytest.mark.xfail(reason="not yet: the cello at morph 0 scores 0.50 against 0.34 trained alone "
                          "(the flute end is within 0.05); the issue asks for 0.05", strict=True)
def test_morph_end_points_are_the_single_sounds(morph):
    sr, targets, both, singles = morph
    n = int(sr)
    for m, (target, single) in enumerate(zip(targets, singles)):
        reference = continuation(target, n, 4 * n)
        got = mfcc_nrmse(both.run(5 * n, morph=m)[n:], reference, sr)  # 1 s to settle
        alone = mfcc_nrmse(single.run(5 * n)[n:], reference, sr)
        print(f"morph {m}: MFCC NRMSE {got:.3f}, trained alone {alone:.3f}")
        assert np.isfinite(got) and got < alone + 0.05


def test_morph_moves_the_centroid_monotonically(morph, tmp_path):
    sr, targets, both, _ = morph
    centroids = morph_centroids(both)
    print("centroids over 11 morph steps:", np.round(centroids))
    assert between_neighbours(centroids) and centroids[-1] > 1.5 * centroids[0]
    both.save(tmp_path / "morph.yaml")  # the saved patch morphs too: res.morph, set live
    compiled = nm.load(tmp_path / "morph.yaml").compile(exact=True)
    for m in (0.0, 0.4, 1.0):
        compiled.set("res.morph", m)
        compiled.reset()
        np.testing.assert_allclose(render(compiled, frames=4000)[:, 0], both.run(4000, morph=m),
                                   atol=1e-6, rtol=0)


def test_reservoir_refuses_a_silent_or_short_target(monkeypatch):
    with pytest.raises(ValueError, match="not silent"):
        train(np.zeros(3 * SR), SR, progress=False)
    with pytest.raises(ValueError, match="more than 1 s"):
        train(tone(0.5), SR, progress=False)
    with pytest.raises(ValueError, match="1 to 16 target sounds"):
        train([tone(2.0)] * 17, SR, progress=False)
    monkeypatch.setattr("neuromix.learn.reservoir._Judge.__call__", lambda self, out: np.inf)
    with pytest.raises(ValueError, match="no network stayed bounded"):  # every run blew up
        train(tone(2.0), SR, neurons=5, reservoirs=1, progress=False)
