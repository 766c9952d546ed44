"""Offline black-box fitting by CMA-ES over lanes: recovery, determinism, blow-ups, errors."""

import copy
from pathlib import Path

import numpy as np
import pytest

import neuromix as nm
from neuromix.graph.patchfile import dumps, load_graph
from neuromix.learn.fit import FitError, fit, set_address
from neuromix.learn.losses import log_spectral_distance

pytest.importorskip("cma")
DUAL = Path(__file__).resolve().parents[2] / "examples" / "dual_neuron.yaml"
HIDDEN = {"a.w.s1": 1.5, "a.w.b": 1.2, "b.w.t1": 1.3, "b.w.a": -1.4, "a.bias": 0.1,
          "b.bias": -0.05}


def hidden_dual():
    """The dual-neuron patch, its rendered audio, and a copy with the six values forgotten."""
    graph = load_graph(DUAL)
    target = nm.Patch(graph=graph).render(seconds=0.1)
    hidden = copy.deepcopy(graph)
    for address in HIDDEN:
        set_address(hidden, address, 0.0 if address.endswith("bias") else 0.5)
    return graph, target, hidden


def test_fit_recovers_the_dual_neuron_from_its_audio():
    graph, target, hidden = hidden_dual()
    assert log_spectral_distance(nm.Patch(graph=hidden).render(seconds=0.1), target, 48000) > 5
    result = fit(hidden, target, list(HIDDEN), seed=3, goal=1e-3, generations=300,
                 progress=False)
    out = nm.Patch(graph=result.graph).render(seconds=0.1)
    assert log_spectral_distance(out, target, 48000) < 1.0
    assert result.report["log_spectral_distance_db"] < 1.0
    for address, truth in HIDDEN.items():
        assert abs(result.values[address] - truth) < 0.01, address
    assert result.curve == sorted(result.curve, reverse=True)  # best so far never rises


def test_the_same_seed_gives_the_same_fitted_patch():
    _, target, hidden = hidden_dual()
    runs = [fit(hidden, target, list(HIDDEN), seed=s, generations=15, progress=False, threads=t)
            for s, t in ((7, 2), (7, 1), (8, 2))]
    assert dumps(runs[0].graph) == dumps(runs[1].graph)  # threads do not change the result
    assert runs[0].curve == runs[1].curve
    assert dumps(runs[0].graph) != dumps(runs[2].graph)


def test_candidates_that_blow_up_are_scored_alone_and_lose():
    p = nm.Patch(sr=8000)
    s = p.sine(200, name="s")
    a = p.neuron(act="identity", name="a")
    a.input(s, 1.0)
    a.input(a, 0.5)  # a feedback loop: gains above 1 run away
    p.out(a)
    target = p.render(frames=4000)
    a.input(a, 0.95)
    result = fit(p.graph, target, ["a.w.a"], sigma=1.0, seed=2, generations=60, popsize=8,
                 progress=False)
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
                 goal=1e-4, progress=False)
    assert abs(result.values["osc.freq.scale"] - 40.0) < 0.5
    assert abs(result.values["lp.cutoff"] - 900.0) < 20.0
    assert result.graph.nodes["osc"].params["freq"].scale == result.values["osc.freq.scale"]
