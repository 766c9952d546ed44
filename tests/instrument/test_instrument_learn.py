"""Teach by example: training quality, determinism, the network in the engine, bad examples."""

from __future__ import annotations

import numpy as np
import pytest

from neuromix.instrument.file import loads
from neuromix.instrument.loop import Instrument
from neuromix.instrument.mlp import Settings, TrainError, fit

LEARNED = """\
rate: 100
inputs:
  a: {source: replay}
  b: {source: replay}
learn:
  outputs: {p: [-1, 1], q: [0, 2]}
  hidden: [6, 5]
  activations: [tanh, sigmoid]
  epochs: 300
  seed: 3
outputs:
  c: {type: cc, from: p, number: 1}
"""


def smooth(x):
    return np.c_[np.sin(np.pi * x[:, 0]) * 0.5 + x[:, 1] ** 2, np.cos(1.5 * x[:, 0] * x[:, 1])]


def test_smooth_function_is_learned_within_one_percent_of_the_range():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (300, 2))
    y = smooth(x)
    model = fit(x, y, ["a", "b"], ["p", "q"], Settings(hidden=(16, 16), epochs=2000, seed=1,
                                                        validation=0.2, patience=300))
    assert model.error < 0.01
    fresh = rng.uniform(-0.95, 0.95, (200, 2))
    err = np.sqrt(np.mean((model.predict(fresh) - smooth(fresh)) ** 2, axis=0))
    assert (err / np.ptp(y, axis=0) < 0.02).all()


def test_same_seed_same_network():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (60, 2))
    settings = Settings(hidden=(5,), epochs=100, seed=9)
    a, b = (fit(x, smooth(x), ["a", "b"], ["p", "q"], settings) for _ in range(2))
    c = fit(x, smooth(x), ["a", "b"], ["p", "q"], Settings(hidden=(5,), epochs=100, seed=10))
    for wa, wb, wc in zip(a.weights, b.weights, c.weights):
        assert np.array_equal(wa, wb) and not np.array_equal(wa, wc)


def run_model(inst, x):
    rows = []
    for xi in x:
        inst.bank.values[:] = xi
        row = inst.step()
        rows.append([row[inst.channels["p"]], row[inst.channels["q"]]])
    return np.array(rows)


def test_trained_network_in_the_engine_matches_the_trainer(tmp_path):
    spec = loads(LEARNED.replace("outputs: {p", f"model: {tmp_path / 'm.json'}\n  outputs: {{p"))
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (80, 2))
    y = smooth(x) * [1, 1] + [0, 1]
    model = fit(x, y, ["a", "b"], ["p", "q"], spec.learn.settings)
    probe = rng.uniform(-1.2, 1.2, (50, 2))
    with Instrument(spec, offline=True) as inst:
        inst.teacher.post("trained", model)
        inst.step()
        # the engine's fast tanh is within 1e-9 of numpy's per unit (1.2e-9 seen after the layers)
        np.testing.assert_allclose(run_model(inst, probe), model.predict(probe), atol=1e-8, rtol=0)
    # the saved model file builds the same network at load time
    again = loads(LEARNED.replace("outputs: {p", f"model: {tmp_path / 'm.json'}\n  outputs: {{p"))
    with Instrument(again, offline=True) as inst:
        np.testing.assert_allclose(run_model(inst, probe), model.predict(probe), atol=1e-8, rtol=0)
    assert again.network.nodes["mlp2_4"].options["act"] == "sigmoid"


@pytest.mark.parametrize("x, y, words", [
    (np.zeros((0, 2)), np.zeros((0, 2)), "no examples"),
    (np.zeros((1, 2)), np.zeros((1, 2)), "one example is not enough"),
    (np.array([[0.0, 1.0], [np.nan, 0.0], [1.0, 1.0]]), np.zeros((3, 2)), "example 2"),
])
def test_bad_examples_give_a_clear_error(x, y, words):
    with pytest.raises(TrainError, match=words):
        fit(x, y, ["a", "b"], ["p", "q"], Settings(epochs=5))


def test_bad_examples_keep_the_previous_model():
    said = []
    spec = loads(LEARNED)
    with Instrument(spec, offline=True, say=said.append) as inst:
        teacher = inst.teacher
        for pose, target in (([0.0, 0.0], [0.0, 0.5]), ([1.0, 1.0], [1.0, 1.5])):
            inst.bank.values[:] = pose
            teacher.post("outputs", *target)
            teacher.post("startRecording")
            inst.run(ticks=inst.tick + 20)
            teacher.post("stopRecording")
        assert len(teacher.x) == 8  # 20 Hz recording at 100 Hz ticks: 4 per pose
        teacher.post("train")
        inst.step()
        teacher.training.join(30)
        inst.step()
        first = teacher.model
        assert first is not None and any("done training" in s for s in said)
        teacher.x.append([float("nan"), 0.0])
        teacher.y.append([0.0, 0.0])
        teacher.post("train")
        inst.step()
        teacher.training.join(30)
        inst.step()
        assert teacher.model is first and any("not a number" in s for s in said)
        teacher.post("deleteAllExamples")
        teacher.post("train")
        inst.step()
        teacher.training.join(30)
        assert any("no examples" in s for s in said)


def test_cancel_stops_training_and_keeps_the_model():
    said = []
    # Endless training: no epoch limit and no early stop (one of the three examples is held
    # out for validation, and with the default patience a fast machine stopped on its own
    # before the cancel arrived).
    spec = loads(LEARNED.replace("epochs: 300", "epochs: 10000000\n  patience: 10000000"))
    with Instrument(spec, offline=True, say=said.append) as inst:
        teacher = inst.teacher
        teacher.x = [[0.0, 0.0], [1.0, 1.0], [0.5, 0.2]]
        teacher.y = [[0.0, 0.5], [1.0, 1.5], [0.2, 0.1]]
        teacher.post("train")
        inst.step()
        while teacher.progress is None and teacher.training.is_alive():
            teacher.training.join(0.01)
        assert teacher.progress is not None, said
        teacher.post("cancelTrain")
        inst.step()
        teacher.training.join(30)
        assert not teacher.training.is_alive() and teacher.model is None
        assert any("cancelled" in s for s in said)
