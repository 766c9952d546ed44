"""The granular benchmark's hand-written numba loop computes the same cloud as neuromix (no
timing): if the node changed and the loop did not, the benchmark would compare different work."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_granular import SIZE, SR, build, hand_render  # noqa: E402
from neuromix.engine.render import render  # noqa: E402


def test_hand_loop_is_the_same_cloud():
    frames = int(0.2 * SR)
    mine = render(build().compile(), frames=frames)
    hand = hand_render(frames)
    np.testing.assert_allclose(mine, hand, rtol=0, atol=1e-9)
    assert mine[int(SIZE * SR):, 2].mean() > 90  # about a hundred grains at once
    assert np.abs(mine[:, 0] - mine[:, 1]).max() > 0.1  # panned: stereo
