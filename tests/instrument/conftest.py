"""Fixtures for the instrument tests."""

from __future__ import annotations

import os
import sys

from helpers import file_writer

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # pygame without a display
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, os.path.dirname(__file__))  # for `from instrument_helpers import ...`

write = file_writer("inst.yaml")  # write an instrument file into tmp_path, return its path
