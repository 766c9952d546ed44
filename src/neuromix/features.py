"""Audio features of a render: loudness, brightness, noisiness, pitch and its stability.

It sits at the bottom of the package, beside the errors module: learning and analysis both
measure sound with it. Every function takes a 1-D signal (mix several channels down with
:func:`mono`) and its sample rate, and returns plain floats, so the numbers go straight into a
sweep table.

Examples
--------
>>> import numpy as np
>>> sr = 48000
>>> x = 0.5 * np.sin(2 * np.pi * 220 * np.arange(sr) / sr)
>>> f = features(x, sr)
>>> round(f["rms"], 3), round(f["pitch_hz"]), f["pitch_stability"]
(0.354, 220, 1.0)
"""

from __future__ import annotations

import numpy as np

FRAME = 2048  # analysis frame in samples (at 48 kHz: 43 ms)
HOP = 2048  # frames side by side: the features are averages, overlap adds little
PITCH_MIN_HZ = 30.0
PITCH_MAX_HZ = 4000.0
VOICED_CLARITY = 0.6  # normalised autocorrelation peak above which a frame has a pitch
STABLE_CENTS = 50.0  # frames within this of the median pitch count as stable
SILENCE_RMS = 1e-6

FEATURES = ("rms", "peak", "centroid_hz", "flatness", "zcr_hz", "pitch_hz", "pitch_clarity",
            "pitch_stability")


def mono(audio) -> np.ndarray:
    """A 1-D float signal: ``audio`` itself, or the mean of its channels."""
    x = np.asarray(audio, dtype=np.float64)
    return x if x.ndim == 1 else x.mean(axis=1)


def frames(x: np.ndarray, size: int = FRAME, hop: int = HOP) -> np.ndarray:
    """Overlapping frames of ``x`` as rows (one zero-padded frame if ``x`` is shorter)."""
    if len(x) < size:
        return np.pad(x, (0, size - len(x)))[None, :]
    count = 1 + (len(x) - size) // hop
    idx = np.arange(size)[None, :] + hop * np.arange(count)[:, None]
    return x[idx]


def rms(x: np.ndarray) -> float:
    """Root mean square level."""
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def loudness_db(x: np.ndarray, sr: float, window: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Short-time RMS level in dBFS over time: (times in s, levels in dB, floor -120)."""
    size = max(1, int(window * sr))
    fr = frames(x, size, size)
    level = np.sqrt(np.mean(fr * fr, axis=1))
    return (np.arange(len(fr)) + 0.5) * size / sr, 20 * np.log10(np.maximum(level, 1e-6))


def power_spectrum(x: np.ndarray) -> np.ndarray:
    """Power spectra of the Hann-windowed frames of ``x``: (frames, FRAME // 2 + 1)."""
    fr = frames(x)
    spec = np.fft.rfft(fr * np.hanning(fr.shape[1]), axis=1)
    return spec.real ** 2 + spec.imag ** 2


def spectral_centroid(x: np.ndarray, sr: float, power: np.ndarray | None = None) -> float:
    """Power-weighted mean frequency in Hz (the 'brightness'); 0 for silence."""
    power = (power_spectrum(x) if power is None else power).sum(axis=0)
    total = power.sum()
    if total <= 0:
        return 0.0
    freqs = np.fft.rfftfreq(FRAME, 1.0 / sr)
    return float((freqs * power).sum() / total)


def spectral_flatness(x: np.ndarray, power: np.ndarray | None = None) -> float:
    """Geometric over arithmetic mean of the power spectrum, 0 (tonal) to 1 (white noise).

    Averaged over frames; silent frames are left out (0 when all are silent).
    """
    power = (power_spectrum(x) if power is None else power)[:, 1:] + 1e-20
    loud = power.mean(axis=1) > 1e-16
    if not loud.any():
        return 0.0
    p = power[loud]
    return float(np.mean(np.exp(np.mean(np.log(p), axis=1)) / np.mean(p, axis=1)))


def zero_crossing_rate(x: np.ndarray, sr: float) -> float:
    """Sign changes per second, halved: a sine of f Hz gives f."""
    if len(x) < 2:
        return 0.0
    signs = np.signbit(x)
    return float(np.count_nonzero(signs[1:] != signs[:-1]) * sr / (2 * (len(x) - 1)))


def pitch_frame(sr: float) -> int:
    """Samples per pitch frame: a power of two holding 2.5 periods of the lowest pitch."""
    return 1 << int(np.ceil(np.log2(max(2.5 * sr / PITCH_MIN_HZ, 64))))


def pitch_track(x: np.ndarray, sr: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame fundamental (Hz, NaN where unvoiced) and clarity (0..1).

    A normalised difference function (as YIN's): for each lag τ up to one period of
    ``PITCH_MIN_HZ``, ``d(τ) = Σ (x[i] − x[i+τ])² / Σ (x[i]² + x[i+τ]²)`` over a fixed window
    of the frame, 0 where the signal repeats after τ exactly. The period is the first local
    minimum of ``d`` that is nearly as deep as the deepest one (its multiples are as deep,
    but a lag that repeats the waveform only roughly is not), refined by a parabola; the
    clarity is ``1 − d`` there.

    Examples
    --------
    A 110 Hz sine plus a 165 Hz sine repeats at 55 Hz:

    >>> sr = 48000
    >>> t = np.arange(sr) / sr
    >>> f0, _ = pitch_track(np.sin(2 * np.pi * 110 * t) + np.sin(2 * np.pi * 165 * t), sr)
    >>> round(float(np.median(f0)), 1)
    55.0
    """
    size = pitch_frame(sr)
    fr = frames(x, size, size)
    fr = fr - fr.mean(axis=1, keepdims=True)
    lo = max(2, int(sr / PITCH_MAX_HZ))
    hi = min(int(sr / PITCH_MIN_HZ), size // 2)
    window = size - hi - 1
    # c[τ] = Σ_{i<window} x[i]·x[i+τ], by FFT; energies of both windows by running sums
    spec_head = np.fft.rfft(fr[:, :window], 2 * size, axis=1)
    spec = np.fft.rfft(fr, 2 * size, axis=1)
    cross = np.fft.irfft(np.conj(spec_head) * spec, axis=1)[:, :hi + 2]
    sq = np.concatenate([np.zeros((len(fr), 1)), np.cumsum(fr * fr, axis=1)], axis=1)
    lags = np.arange(hi + 2)
    e0 = sq[:, window:window + 1]
    e_lag = sq[:, lags + window] - sq[:, lags]
    total = e0 + e_lag
    d = np.where(total > 0, 1.0 - 2.0 * cross / np.maximum(total, 1e-300), 1.0)
    seg = d[:, lo - 1:hi + 2]
    inner = seg[:, 1:-1]
    is_min = (inner < seg[:, :-2]) & (inner <= seg[:, 2:])
    depths = np.where(is_min, inner, np.inf)
    best = depths.min(axis=1)
    sounding = (e0[:, 0] > SILENCE_RMS ** 2 * window) & np.isfinite(best)
    first = np.argmax(depths <= (1.5 * best + 0.01)[:, None], axis=1)
    lag = lo + first
    rows = np.arange(len(fr))
    a, b, c = d[rows, lag - 1], d[rows, lag], d[rows, lag + 1]
    denom = a - 2 * b + c
    shift = np.clip(np.where(denom > 0, 0.5 * (a - c) / np.where(denom > 0, denom, 1.0), 0.0),
                    -0.5, 0.5)
    clarity = np.where(sounding, np.clip(1.0 - b, 0.0, 1.0), 0.0)
    voiced = sounding & (clarity >= VOICED_CLARITY)
    f0 = np.where(voiced, sr / (lag + shift), np.nan)
    return f0, clarity


def pitch(x: np.ndarray, sr: float) -> dict[str, float]:
    """Median pitch (Hz, NaN if mostly unpitched), mean clarity, and stability.

    Stability is the share of all frames whose pitch lies within ``STABLE_CENTS`` of the median:
    1 for a steady tone, near 0 for noise or a gliding or chaotic signal.
    """
    f0, clarity = pitch_track(x, sr)
    voiced = f0[np.isfinite(f0)]
    if len(voiced) * 2 < len(f0) or not len(voiced):
        return {"pitch_hz": float("nan"), "pitch_clarity": float(clarity.mean()),
                "pitch_stability": 0.0}
    median = float(np.median(voiced))
    cents = 1200 * np.abs(np.log2(voiced / median))
    return {"pitch_hz": median, "pitch_clarity": float(clarity.mean()),
            "pitch_stability": float(np.count_nonzero(cents <= STABLE_CENTS) / len(f0))}


def embedding_delay(x: np.ndarray, sr: float) -> int:
    """A delay for a delay-embedding portrait: the first zero of the autocorrelation."""
    n = min(len(x), 1 << 14)
    x = x[-n:] - np.mean(x[-n:])
    if not np.any(x):
        return 1
    spec = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(np.abs(spec) ** 2)[: min(n, int(sr / 20) + 2)]
    below = np.flatnonzero(ac <= 0)
    return int(below[0]) if len(below) and below[0] > 0 else max(1, len(ac) // 4)


def features(audio, sr: float) -> dict[str, float]:
    """Every feature of ``audio`` (mixed to mono) as a dict named as in ``FEATURES``.

    Examples
    --------
    >>> import numpy as np
    >>> noise = np.random.default_rng(0).uniform(-1, 1, 48000)
    >>> f = features(noise, 48000)
    >>> f["flatness"] > 0.5, f["pitch_stability"] < 0.2
    (True, True)
    """
    x = mono(audio)
    x = np.nan_to_num(x)
    power = power_spectrum(x)
    out = {"rms": rms(x), "peak": float(np.max(np.abs(x))) if len(x) else 0.0,
           "centroid_hz": spectral_centroid(x, sr, power), "flatness": spectral_flatness(x, power),
           "zcr_hz": zero_crossing_rate(x, sr)}
    out.update(pitch(x, sr))
    return out
