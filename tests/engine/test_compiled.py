"""The compiled-patch protocol: determinism, blocks, lanes, safety, caching."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from helpers import assert_block_invariant

import neuromix as nm
from neuromix import _config


def organism(seed=0):
    p = nm.Patch(seed=seed)
    a = p.neuron(act="tanh", bias=0.1, name="a")
    b = p.neuron(act="tanh", bias=-0.05, name="b")
    a.input(p.sine(110), 1.5)
    a.input(b, 1.2)
    a.input(p.noise(), 0.2)
    b.input(p.tri(165), 1.3)
    b.input(a, -1.4)
    b.input(p.allpass(p.onepole(a, 800.0), delay=0.003, gain=0.7), 0.5)
    p.out([a, b])
    return p


def test_block_size_invariance_of_a_whole_patch():
    assert_block_invariant(organism(), frames=20000)


def test_same_seed_bit_identical_other_seed_differs():
    a, b = organism(3).render(frames=5000), organism(3).render(frames=5000)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, organism(4).render(frames=5000))


def test_reset_restarts_from_the_initial_state():
    c = organism().compile()
    first = c.process(1000).copy()
    c.process(500)
    c.reset()
    np.testing.assert_array_equal(c.process(1000), first)


def test_lanes_run_independent_copies():
    p = organism()
    c = p.compile(lanes=3)
    c.set("a.w.b", 0.0, lane=1)
    out = c.process(2000).copy()
    single = p.render(frames=2000)
    np.testing.assert_array_equal(out[0], single)
    np.testing.assert_array_equal(out[2], single)
    p["a"].input(p["b"], 0.0)
    np.testing.assert_array_equal(out[1], p.render(frames=2000))


def test_unknown_address_names_the_nearest():
    c = organism().compile()
    with pytest.raises(KeyError, match="a.bias"):
        c.set("a.bais", 1.0)


def test_blown_up_state_is_reset_and_reported_once():
    p = nm.Patch()
    a = p.neuron(act="identity", name="grow", bias=1.0)
    a.input(a, 1e6)  # grows without bound: past the limit within a few samples
    p.out(a)
    c = p.compile()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a blow-up is a record, never a raw Python warning
        blocks = [c.process(256).copy() for _ in range(5)]
    for y in blocks:
        assert np.isfinite(y).all() and np.abs(y).max() < _config.BLOWUP_LIMIT
    # the first bad sample and every later one in that block are muted to 0
    first = blocks[0]
    bad = int(np.argmax(first == 0.0))
    assert bad > 0 and np.all(first[bad:] == 0.0) and np.all(first[:bad] != 0.0)
    assert c.blown_up == ["grow"]
    record = c.blowups["grow"]
    assert record.seconds == bad / c.sr and record.times == 5 and record.muted == 5 * (256 - bad)
    assert record.message().startswith(f"node 'grow' blew up at {bad / c.sr:.3g} s (5 times) "
                                       "and was reset;")


def test_blow_up_in_a_later_block_is_timed_from_the_render_start():
    p = nm.Patch(sr=1000)
    a = p.neuron(act="identity", name="a", bias=1.0)
    a.input(a, 1.5)  # x[t] = 1 + 1.5 x[t-1]
    p.out(a)
    x, t = 0.0, 0
    while True:
        x = 1.0 + 1.5 * x
        if not abs(x) < _config.BLOWUP_LIMIT:
            break
        t += 1
    c = p.compile()
    y = np.concatenate([c.process(50).copy() for _ in range(4)])
    assert t > 50 and c.blowups["a"].seconds == t / 1000.0
    assert np.all(y[t:(t // 50 + 1) * 50] == 0.0) and y[t - 1] != 0.0


def test_denormals_are_flushed_in_recursions():
    p = nm.Patch()
    p.out(p.onepole(p.square(1.0, width=1e-9), cutoff=20.0))  # one step, then a long decay
    c = p.compile()
    c.process(48000 * 3)
    onepole = next(nid for nid, node in c.graph.nodes.items() if node.type == "onepole")
    y = c.state[0, c.kernel.layout.state_index(f"{onepole}.y")]
    assert y == 0.0 or abs(y) > 1e-30


def test_second_process_loads_the_kernel_from_disk(tmp_path):
    code = ("import neuromix as nm; p = nm.Patch(); a = p.neuron(); a.input(p.sine(123.4), 2.0); "
            "p.out(a); p.render(frames=10); import numba; "
            "print(p.compile()._fn.stats.cache_hits)")
    env = dict(os.environ, NEUROMIX_CACHE=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           check=True).stdout for _ in range(2)]
    assert "Counter()" in runs[0] or "{}" in runs[0]  # compiled the first time
    assert runs[0] != runs[1]  # ... and loaded from the cache the second time
