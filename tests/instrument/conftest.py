"""Fixtures for the instrument tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # pygame without a display
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, os.path.dirname(__file__))  # for `from instrument_helpers import ...`


@pytest.fixture
def write(tmp_path):
    """Write an instrument file into tmp_path and return its path."""
    def _write(text: str, name: str = "inst.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path
    return _write
