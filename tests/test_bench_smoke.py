"""The speed benchmark's hand-written loops compute the same patches as neuromix (no timing).

``benchmarks/reference_loops.py`` writes each reference patch out by hand as one fused loop.
If a hand loop drifted from the patch neuromix builds, the benchmark would compare different
work, so this checks them against each other on 0.1 s of audio.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from reference_loops import (  # noqa: E402
    REFERENCES, fused_loop, neuromix_render, python_loop, strict_neuromix)

FRAMES = 4800  # 0.1 s at 48 kHz
NAMES = list(REFERENCES)


@pytest.mark.parametrize("name", NAMES)
def test_hand_loop_is_the_same_patch_bit_for_bit(name):
    """Without fastmath, neuromix's kernel and the hand loop (run by CPython) agree exactly."""
    ref = REFERENCES[name]
    mine = neuromix_render(strict_neuromix(ref.build()), FRAMES)
    hand = python_loop(ref, FRAMES)
    assert np.std(mine) > 0.05  # a patch that makes sound, not silence
    np.testing.assert_array_equal(mine, hand)


@pytest.mark.parametrize("name", NAMES)
def test_fused_hand_loop_tracks_neuromix(name):
    """The timed builds (fastmath on both sides) agree to 1e-9.

    The dual neuron's feedback amplifies last-bit differences in how LLVM reassociates a sum
    (to ~1e-6 after 256 samples), so for it only the first 64 samples are compared.
    """
    ref = REFERENCES[name]
    mine = neuromix_render(ref.build().compile(), FRAMES)
    hand = fused_loop(ref, FRAMES)
    span = 64 if name == "dual" else FRAMES
    np.testing.assert_allclose(mine[:span], hand[:span], rtol=0, atol=1e-9)


def test_a_changed_patch_is_caught():
    """The exact check is sharp: a hand loop fed a slightly different weight fails it."""
    ref = REFERENCES["mixer"]
    params = list(ref.params)
    params[-1] += 1e-6  # the noise weight
    out = [0.0] * FRAMES
    ref.loop(FRAMES, out, *ref.state(lambda size: [0.0] * size), *params)
    mine = neuromix_render(strict_neuromix(ref.build()), FRAMES)
    assert np.max(np.abs(mine - np.array(out))) > 1e-9


def test_start_up_floor_script_loads_a_real_kernel():
    """The start-up floor (a bare process loading one cached kernel) calls the kernel with the
    engine's current signature; if the signature changes, this fails, not the benchmark."""
    import subprocess

    from bench_engine import FLOOR_SCRIPT
    from neuromix.compiler.jit import kernel_path

    compiled = REFERENCES["dual"].build().compile()
    layout = compiled.kernel.layout
    sizes = [len(layout.params), len(layout.state), layout.buffer_size, layout.channels,
             len(compiled.kernel.guarded)]
    path = kernel_path(compiled.kernel.source)
    assert path.exists()
    subprocess.run([sys.executable, "-c", FLOOR_SCRIPT, str(path), *map(str, sizes)], check=True,
                   capture_output=True)


@pytest.mark.parametrize("name", NAMES)
def test_faust_build_is_the_same_patch_sample_for_sample(name, tmp_path):
    """Faust's -double build of each reference patch computes what neuromix's exact mode
    computes, bit for bit (the benchmark's anchor; skipped without faust and g++)."""
    from anchors import faust_render
    from neuromix.nodes.noise import seed_for
    from reference_loops import SEED

    dump = tmp_path / "faust.raw"
    if faust_render(name, seed_for(SEED, "z"), FRAMES, dump) is None:
        pytest.skip("faust or g++ is not installed")
    exact = neuromix_render(strict_neuromix(REFERENCES[name].build()), FRAMES)
    np.testing.assert_array_equal(np.fromfile(dump), exact)
