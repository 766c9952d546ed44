"""Helpers for tests: render a patch in blocks of a given size."""

from __future__ import annotations

import numpy as np

from neuromix.engine.render import render

BLOCK_SIZES = (1, 64, 65, 8193)


def render_blocks(patch, frames: int, block: int) -> np.ndarray:
    """Render ``frames`` of ``patch`` (a Patch) from its initial state in blocks of ``block``."""
    return render(patch.compile(), frames=frames, block=block)


def assert_block_invariant(patch, frames: int = 10000) -> None:
    """Rendering in blocks of 1, 64, 65 and 8193 gives the same samples as one pass."""
    whole = render_blocks(patch, frames, frames)
    for block in BLOCK_SIZES:
        np.testing.assert_array_equal(render_blocks(patch, frames, block), whole,
                                      err_msg=f"block size {block}")
