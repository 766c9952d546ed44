"""Shared test settings: a kernel cache per test session, so tests never see stale kernels."""

import os
import tempfile

os.environ.setdefault("NEUROMIX_CACHE", os.path.join(tempfile.gettempdir(), "neuromix-test-cache"))

import sys

sys.path.insert(0, os.path.dirname(__file__))  # for `from helpers import ...`
