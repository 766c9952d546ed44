"""Shared test settings: the tests' kernels go to a cache of their own (kept between runs, keyed
by the kernel's source like any neuromix cache), never into the user's."""

import os
import tempfile

os.environ.setdefault("NEUROMIX_CACHE", os.path.join(tempfile.gettempdir(), "neuromix-test-cache"))

import sys

sys.path.insert(0, os.path.dirname(__file__))  # for `from helpers import ...`


import pytest  # noqa: E402
from helpers import STARTED  # noqa: E402


@pytest.fixture(autouse=True)
def _no_process_left_behind():
    """Whatever a test started through ``helpers.spawn`` and left running is killed after it."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
