"""The network benchmark's plain loop computes what the network node computes (no timing)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_network import build, plain  # noqa: E402
from neuromix.engine.render import render  # noqa: E402


@pytest.mark.parametrize("n", [8, 13])
def test_plain_loop_is_the_network(tmp_path, n):
    frames = 2000
    net = render(build(n, "float64", tmp_path).compile(exact=True), frames=frames)
    assert np.std(net) > 0.01  # a net that makes sound
    np.testing.assert_allclose(net[:, 0], plain(n, "float64", frames), atol=1e-12, rtol=0)
