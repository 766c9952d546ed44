"""Offline black-box fitting by CMA-ES over lanes: recovery, determinism, blow-ups, errors."""

import copy
import sys
from pathlib import Path

import math

import numpy as np
import pytest

import neuromix as nm
from neuromix.graph.patchfile import dumps, load_graph
from neuromix.learn.fit import FitError, fit, set_address
from neuromix.learn.losses import stft_loss

pytest.importorskip("cma")
pytest.importorskip("scipy")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_fit import PROBLEMS, recover, target_of  # noqa: E402
DUAL = Path(__file__).resolve().parents[2] / "examples" / "dual_neuron.yaml"
HIDDEN = {"a.w.s1": 1.5, "a.w.b": 1.2, "b.w.t1": 1.3, "b.w.a": -1.4, "a.bias": 0.1,
          "b.bias": -0.05}


def hidden_dual():
    """The dual-neuron patch, its rendered audio, and a copy with the six values forgotten."""
    graph = load_graph(DUAL)
    target = nm.Patch(graph=graph).render(seconds=0.05)[:, 0]  # a mono render: (frames, 1)
    hidden = copy.deepcopy(graph)
    for address in HIDDEN:
        set_address(hidden, address, 0.0 if address.endswith("bias") else 0.5)
    return graph, target, hidden


@pytest.mark.parametrize("name, seed", [("dual", 12), ("genie", 1)])
def test_fit_recovers_an_example_patch_from_random_starts(name, seed):
    """The four weights of two non-chaotic examples, from starting values drawn at random in
    the search ranges (benchmarks/bench_fit.py runs ten seeds of each). These seeds are ones
    where a single CMA-ES run from the starting values ends in a local minimum, and says so
    (which seeds those are hangs on the kernel's rounding: the dual neuron's seed 7 escaped
    once the dense groups took the fast tanh)."""
    problem = PROBLEMS[name]
    target = target_of(problem, 0.05)
    error, result = recover(problem, seed, target)
    assert error < 0.01, result.values
    assert result.confidence.verdict == "a close match" and result.confidence.ratio < 1e-3
    assert not [w for w in result.confidence.warnings if "disagree" in w]
    assert result.curve == sorted(result.curve, reverse=True)  # best so far never rises
    error, single = recover(problem, seed, target, samples=0, restarts=1)
    assert error > 0.1 and single.confidence.ratio > 0.1  # trapped, and not called close


def test_the_same_seed_gives_the_same_fitted_patch():
    _, target, hidden = hidden_dual()
    options = dict(samples=16, restarts=2, generations=8, progress=False)
    runs = [fit(hidden, target, list(HIDDEN), seed=s, threads=t, **options)
            for s, t in ((7, 2), (7, 1), (8, 2))]
    assert dumps(runs[0].graph) == dumps(runs[1].graph)  # threads do not change the result
    assert runs[0].curve == runs[1].curve
    assert runs[0].report["confidence"] == runs[1].report["confidence"]
    assert dumps(runs[0].graph) != dumps(runs[2].graph)


def test_huge_and_negative_seeds_are_deterministic():
    _, target, hidden = hidden_dual()
    for seed in (-1, 2 ** 63 - 1):
        runs = [fit(hidden, target, ["a.bias"], seed=seed, samples=8, restarts=1,
                    generations=3, progress=False) for _ in range(2)]
        assert runs[0].values == runs[1].values


def test_candidates_that_blow_up_are_scored_alone_and_lose():
    p = nm.Patch(sr=8000)
    s = p.sine(200, name="s")
    a = p.neuron(act="identity", name="a")
    a.input(s, 1.0)
    a.input(a, 0.5)  # a feedback loop: gains above 1 run away
    p.out(a)
    target = p.render(frames=4000)
    a.input(a, 0.95)
    result = fit(p.graph, target, ["a.w.a"], sigma=0.3, seed=2, generations=60, popsize=8,
                 restarts=2, progress=False)
    assert abs(result.values["a.w.a"] - 0.5) < 1e-3


def test_fit_errors_are_one_line_and_name_the_problem():
    _, target, hidden = hidden_dual()
    with pytest.raises(FitError, match=r"no fittable parameter 'bais' \(did you mean 'bias'\?\)"):
        fit(hidden, target, ["a.bais"], progress=False)
    with pytest.raises(FitError, match=r"no node 'c'"):
        fit(hidden, target, ["c.bias"], progress=False)
    with pytest.raises(FitError, match=r"not silent"):
        fit(hidden, np.zeros(1000), ["a.bias"], progress=False)
    with pytest.raises(FitError, match=r"named twice"):
        fit(hidden, target, ["a.bias", "a.bias"], progress=False)
    with pytest.raises(FitError, match=r"range of a.bias \(-500 to 5\) leaves its limits "
                                       r"\(-100 to 100\)"):
        fit(hidden, target, ["a.bias"], ranges={"a.bias": (-500, 5)}, progress=False)
    for bad in ((1.0, -1.0), (0.0, math.nan), (-math.inf, 1.0), (0.5, 0.5)):
        with pytest.raises(FitError, match=r"two finite numbers, the first below the second"):
            fit(hidden, target, ["a.w.b"], ranges={"a.w.b": bad}, progress=False)
    for bad in ("x", (1.0,), (1.0, 2.0, 3.0), ("a", "b"), None.__class__):
        with pytest.raises(FitError, match=r"search range of a.w.b must be two numbers"):
            fit(hidden, target, ["a.w.b"], ranges={"a.w.b": bad}, progress=False)
    for option in ({"restarts": 2.5}, {"samples": "8"}):
        with pytest.raises(FitError, match=r"whole numbers"):
            fit(hidden, target, ["a.bias"], progress=False, **option)
    with pytest.raises(FitError, match=r"a search range for b.bias, which is not fitted"):
        fit(hidden, target, ["a.bias"], ranges={"b.bias": (0, 1)}, progress=False)
    for option in ({"restarts": 0}, {"samples": -1}, {"sigma": 0.0}, {"sigma": 0.5},
                   {"sigma": math.nan}):
        with pytest.raises(FitError, match=r"at least one restart"):
            fit(hidden, target, ["a.bias"], progress=False, **option)


def test_fit_reaches_a_modulation_scale_and_a_filter_cutoff():
    p = nm.Patch(sr=8000)
    lfo = p.sine(3.0, name="lfo")
    osc = p.sine(lfo.mod(scale=40.0, offset=300.0), name="osc")
    lp = p.onepole(osc, 900.0, name="lp")
    p.out(lp)
    target = p.render(frames=4000)
    osc.set(freq=lfo.mod(scale=10.0, offset=300.0))
    lp.set(cutoff=500.0)
    result = fit(p.graph, target, ["osc.freq.scale", "lp.cutoff"], seed=1, generations=120,
                 goal=1e-4, restarts=2, ranges={"osc.freq.scale": (0.0, 100.0),
                                                "lp.cutoff": (100.0, 2000.0)}, progress=False)
    assert abs(result.values["osc.freq.scale"] - 40.0) < 0.5
    assert abs(result.values["lp.cutoff"] - 900.0) < 20.0
    assert result.graph.nodes["osc"].params["freq"].scale == result.values["osc.freq.scale"]


def mirrored_pair():
    """tanh(w2·tanh(w1·sine)): (w1, w2) and (−w1, −w2) sound exactly alike (tanh is odd)."""
    p = nm.Patch(sr=8000)
    a = p.neuron(act="tanh", inputs={p.sine(200, name="s"): 1.2}, name="a")
    b = p.neuron(act="tanh", inputs={a: 0.8}, name="b")
    p.out(b)
    return p.graph, p.render(frames=2000)


def test_restarts_that_disagree_are_reported():
    graph, target = mirrored_pair()
    ranges = {"a.w.s": (-2.0, 2.0), "b.w.a": (-2.0, 2.0)}
    result = fit(graph, target, list(ranges), ranges=ranges, seed=0, generations=60,
                 progress=False)
    found = {(round(r["values"]["a.w.s"], 2), round(r["values"]["b.w.a"], 2))
             for r in result.report["confidence"]["restarts"]}
    assert {(1.2, 0.8), (-1.2, -0.8)} <= found  # both answers reached
    warning = next(w for w in result.confidence.warnings if "disagree" in w)
    assert "a.w.s" in warning and "does not pin these values down" in warning
    assert result.confidence.ratio < 1e-3  # each answer is a close match: only the values differ


def test_the_confidence_ratio_is_the_loss_over_silence_or_a_constant():
    _, target, hidden = hidden_dual()
    result = fit(hidden, target, ["a.bias"], samples=8, restarts=2, generations=10,
                 progress=False)  # one bias cannot make up for four wrong weights
    conf = result.confidence
    assert conf.silent == pytest.approx(stft_loss(np.zeros_like(target), target, 1.0))
    assert conf.mean == pytest.approx(stft_loss(np.full_like(target, target.mean()), target, 1.0))
    assert conf.ratio == pytest.approx(result.report["loss"] / min(conf.silent, conf.mean))
    assert 0.5 < conf.ratio < 1 and conf.verdict == "hardly better than silence or a constant"
    assert result.report["loss_ratio"] == conf.ratio
    assert conf.lines()[0] == (f"confidence: {conf.verdict}: best loss {conf.loss:.3g} is "
                               f"{100 * conf.ratio:.3g}% of a constant output's "
                               f"({conf.mean:.3g}; a silent output's {conf.silent:.3g})")


def test_a_value_on_the_edge_of_its_range_is_reported():
    graph, target = mirrored_pair()
    result = fit(graph, target, ["a.w.s"], ranges={"a.w.s": (0.0, 1.0)}, samples=8, restarts=1,
                 generations=40, progress=False)  # the truth, 1.2, lies beyond
    assert result.values["a.w.s"] == pytest.approx(1.0, abs=1e-3)
    assert any("a.w.s ended on the edge of its search range (0 to 1)" in w
               for w in result.confidence.warnings)
