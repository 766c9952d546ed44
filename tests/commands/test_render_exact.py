"""``neuromix render --exact``: libm and no fast-math, bit for bit the exact kernel."""

import numpy as np
import soundfile as sf

from neuromix.cli import main
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.render import render
from neuromix.graph.patchfile import load_graph

PATCH = """neuromix: 1
sr: 48000
nodes:
  s: {type: sine, freq: 110}
  a: {type: neuron, act: tanh, bias: 0.1, inputs: {s: 1.5, b: 1.2}}
  b: {type: neuron, act: sigmoid, bias: -0.05, inputs: {a: -1.4}}
out: [a, b]
"""


def test_render_exact_writes_the_exact_kernel_and_the_default_the_fast_one(tmp_path):
    patch = tmp_path / "p.yaml"
    patch.write_text(PATCH)
    assert main(["render", str(patch), "-o", str(tmp_path / "e.wav"), "--seconds", "0.2",
                 "--exact"]) == 0
    assert main(["render", str(patch), "-o", str(tmp_path / "f.wav"), "--seconds", "0.2"]) == 0
    exact_file, _ = sf.read(tmp_path / "e.wav", dtype="float32", always_2d=True)
    fast_file, _ = sf.read(tmp_path / "f.wav", dtype="float32", always_2d=True)
    graph = load_graph(patch)
    exact = render(CompiledPatch(graph, exact=True), seconds=0.2).astype(np.float32)
    fast = render(CompiledPatch(graph), seconds=0.2).astype(np.float32)
    np.testing.assert_array_equal(exact_file, exact)
    np.testing.assert_array_equal(fast_file, fast)
    assert not np.array_equal(exact, fast)  # the modes do differ (by about 1e-9 here)
    np.testing.assert_allclose(fast, exact, atol=1e-6)
