"""The compiled kernel against the slow reference interpreter, on random graphs with cycles."""

import numpy as np
import warnings

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import neuromix as nm
from neuromix.compiler.reference import run_reference
from neuromix.engine.render import render

SOURCES = ["sine", "tri", "saw", "square", "noise", "const"]
PROCESSORS = ["neuron", "mix", "onepole", "allpass", "comparator", "add", "mul"]
ACTS = ["tanh", "identity", "relu", "hardclip", "sin", "softsign", "step", "sigmoid"]


@st.composite
def random_patch(draw):
    p = nm.Patch(sr=48000, seed=draw(st.integers(0, 9)))
    handles = []
    for i in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(SOURCES))
        if kind == "noise":
            handles.append(p.noise())
        elif kind == "const":
            handles.append(p.const(draw(st.floats(-1, 1))))
        else:
            handles.append(getattr(p, kind)(draw(st.floats(20, 2000))))
    procs = []
    for i in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(PROCESSORS))
        src = draw(st.sampled_from(handles))
        if kind == "neuron":
            h = p.neuron(act=draw(st.sampled_from(ACTS)), bias=draw(st.floats(-1, 1)))
        elif kind == "mix":
            h = p.mix()
        elif kind == "onepole":
            h = p.onepole(src, draw(st.floats(10, 10000)))
        elif kind == "allpass":
            h = p.allpass(src, delay=draw(st.floats(0.0001, 0.002)), gain=draw(st.floats(-0.9, 0.9)))
        elif kind == "comparator":
            h = p.comparator(src, draw(st.floats(-0.5, 0.5)))
        else:
            h = getattr(p, kind)(inputs=[src, draw(st.sampled_from(handles))])
        procs.append(h)
        handles.append(h)
    # weighted inputs may come from anywhere, including later nodes and themselves: cycles
    for h in procs:
        if h.node.type in ("neuron", "mix"):
            for _ in range(draw(st.integers(1, 3))):
                src = draw(st.sampled_from(handles))
                delay = draw(st.sampled_from([None, None, None, 1, 2, 7]))
                h.input(src, draw(st.floats(-1.5, 1.5)), delay=delay)
    # a parameter driven by a (possibly later) signal
    if draw(st.booleans()):
        target = draw(st.sampled_from([h for h in handles if h.node.type in ("sine", "tri", "saw")]
                                      or [None]))
        if target is not None:
            target.set(freq=draw(st.sampled_from(handles)).mod(scale=100.0, offset=300.0))
    p.out(draw(st.lists(st.sampled_from(handles), min_size=1, max_size=3)))
    return p


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_patch(), st.sampled_from([1, 64, 65, 400]))
def test_compiled_matches_reference(patch, block):
    frames = 400
    compiled = patch.compile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = render(compiled, frames=frames, block=block).reshape(frames, -1)
    assume(not compiled.blown_up)  # a runaway loop is reset by the engine, by design, not here
    ref = run_reference(patch.graph, frames)
    # 1e-12 absolute, and relative for loud loops (a patch growing to 4000 differs by ulps)
    np.testing.assert_allclose(out, ref, atol=1e-12, rtol=1e-12)
