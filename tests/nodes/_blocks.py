"""Block-size invariance: rendering in blocks of 1, 64, 65 and 8193 frames equals one pass."""

from __future__ import annotations

import numpy as np

from neuromix.engine.render import render

BLOCKS = (1, 64, 65, 8193)


def assert_block_invariant(patch, frames: int = 9000) -> np.ndarray:
    """Render ``patch`` in every block size; they must all equal one pass. Returns that pass."""
    compiled = patch.compile()
    whole = render(compiled, frames=frames, block=frames)
    assert np.isfinite(whole).all()
    for block in BLOCKS:
        np.testing.assert_array_equal(render(compiled, frames=frames, block=block), whole,
                                      err_msg=f"blocks of {block} differ from one pass")
    return whole
