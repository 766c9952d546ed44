"""Settings in one place: defaults and where compiled kernels are cached.

Examples
--------
>>> from neuromix import _config
>>> _config.DEFAULT_SR
48000.0
"""

from __future__ import annotations

import os
from pathlib import Path

__version__ = "0.1.0"  # neuromix.__version__; here so that every layer can read it
DEFAULT_SR = 48000.0
DEFAULT_BLOCK = 4096  # frames per kernel call when rendering offline
BLOWUP_LIMIT = 1e15  # a state magnitude above this counts as blown up
SMOOTH_STEP = 32  # frames between steps of a gliding parameter (CompiledPatch.smoothing)
LIVE_SMOOTHING = 0.01  # seconds: time constant of parameter glides while playing live
LIVE_SWITCH_INTERVAL = 0.0002  # seconds a thread waits for the GIL before asking for it
MAX_SOUND_BYTES = 512 * 2**20  # a whole sound file in memory (a sample, a target): 512 MiB
#   of float64 at the patch's rate, 23 minutes of stereo at 48 kHz; longer files stream
UI_RATE = 30.0  # snapshots per second the browser view is sent


def cache_dir() -> Path:
    """Where generated kernels and numba's cache live: $NEUROMIX_CACHE or ~/.cache/neuromix."""
    env = os.environ.get("NEUROMIX_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "neuromix"
