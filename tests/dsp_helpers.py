"""Measuring filters, delays and reverbs: impulse responses, magnitude, RT60, the reference."""

from __future__ import annotations

import numpy as np

import neuromix as nm
from neuromix.compiler.reference import run_reference

def step_response(make, frames: int, sr: float = 48000.0) -> np.ndarray:
    """Output of ``make(patch, x)`` for a unit step ``x``: (frames,) when ``make`` returns one
    handle, (frames, outputs) when it returns a list."""
    p = nm.Patch(sr=sr)
    outs = make(p, p.const(1.0))
    p.out(outs)
    audio = p.render(frames=frames)
    return audio if isinstance(outs, (list, tuple)) else audio[:, 0]


def impulse_response(make, frames: int, sr: float = 48000.0) -> np.ndarray:
    """The impulse response of a linear node, as the difference of its step response."""
    s = step_response(make, frames, sr)
    return np.diff(s, axis=0, prepend=np.zeros((1,) + s.shape[1:]))


def magnitude_db(h: np.ndarray, freqs, sr: float = 48000.0) -> np.ndarray:
    """|H| in dB at ``freqs`` (Hz) from an impulse response (its DTFT at those points)."""
    n = np.arange(len(h))
    w = 2 * np.pi * np.asarray(freqs, dtype=float)[:, None] / sr
    return 20 * np.log10(np.abs(np.exp(-1j * w * n) @ h))


def rt60(h: np.ndarray, sr: float, top: float = -5.0, bottom: float = -35.0) -> float:
    """RT60 by Schroeder backward integration: the decay curve's slope from top to bottom dB."""
    energy = np.cumsum((h ** 2)[::-1])[::-1]
    edc = 10 * np.log10(energy / energy[0] + 1e-300)
    i0, i1 = int(np.argmax(edc <= top)), int(np.argmax(edc <= bottom))
    assert 0 < i0 < i1, "the impulse response does not decay far enough"
    slope = np.polyfit(np.arange(i0, i1) / sr, edc[i0:i1], 1)[0]
    return -60.0 / slope


def assert_matches_reference(patch, frames: int = 300) -> None:
    """The compiled kernel and the slow reference interpreter agree (same fragments, two runs)."""
    fast = patch.render(frames=frames)
    slow = run_reference(patch.graph, frames)
    np.testing.assert_allclose(slow, fast, rtol=1e-9, atol=1e-12)
