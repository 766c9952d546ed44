"""Helpers for tests: render a patch in blocks of a given size; write a file for a test; start
a process that Ctrl-C can stop and that no test leaves behind."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest

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


def file_writer(default_name: str):
    """A fixture ``write(text, name=default_name)`` that puts a file into the test's tmp_path
    and returns its path (``patch_file = file_writer("live.yaml")`` in a conftest)."""
    @pytest.fixture
    def fixture(tmp_path):
        def write(text: str, name: str = default_name) -> Path:
            path = tmp_path / name
            path.write_text(text)
            return path
        return write
    return fixture


CHROMIUM = "/usr/bin/chromium"


def chromium(args, tmp_path, budget_ms: int = 10000):
    """Run Debian's headless chromium on a page (``--dump-dom URL``, ``--screenshot=...``) with
    the flags this machine needs (as root, closed network); returns the finished process."""
    import subprocess

    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={tmp_path / 'chromium-profile'}",
           f"--virtual-time-budget={budget_ms}", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


STARTED: list[subprocess.Popen] = []  # killed after each test by conftest's autouse fixture


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(args, **popen) -> subprocess.Popen:
    """``subprocess.Popen(args)`` with SIGINT at its default whatever the test runner inherited
    (pytest-xdist's workers and some CI shells ignore it, and a child inherits that), killed
    after the test if it is still running."""
    proc = subprocess.Popen([str(a) for a in args], preexec_fn=_sigint_default, **popen)
    STARTED.append(proc)
    return proc
