"""How close a sound is to a target: the losses fitting minimises and the measures reported.

- :func:`stft_loss`: multi-resolution log-magnitude STFT distance (FFT sizes 256, 1024 and
  4096), plus, where phase is meaningful, a time-domain term (squared error over the target's
  power). It takes one candidate or a stack of them (K, frames), as CMA-ES evaluates K lanes.
- :func:`log_spectral_distance`: the RMS difference of two power spectra in dB, averaged over
  frames (2048-point Hann frames; bins 80 dB below the target's peak are floored there).
- :func:`snr_db`: signal-to-noise ratio of an output against its target.
- :func:`mfcc_nrmse`: the reservoir measure. A 128-band mel power spectrogram in dB (n_fft
  2048, hop 64, floored 80 dB below its peak), 20 MFCCs by orthonormal DCT with the first
  dropped, flattened; the RMSE divided by the square root of the mean of the two variances.

Examples
--------
>>> import numpy as np
>>> sr = 16000
>>> t = np.arange(sr) / sr
>>> a = np.sin(2 * np.pi * 440 * t)
>>> round(snr_db(a, 0.99 * a), 1), float(log_spectral_distance(a, a, sr))
(40.0, 0.0)
>>> bool(mfcc_nrmse(a, a, sr) == 0.0), bool(mfcc_nrmse(a, np.sign(a), sr) > 0.2)
(True, True)
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from neuromix.features import frames, mono

STFT_SIZES = (256, 1024, 4096)
TOP_DB = 80.0
N_MELS, MFCC_FFT, MFCC_HOP, N_MFCC = 128, 2048, 64, 20


def snr_db(target: np.ndarray, output: np.ndarray) -> float:
    """10·log10(Σ target² / Σ (target − output)²), in dB (inf for a perfect match)."""
    target, output = np.asarray(target, float), np.asarray(output, float)
    noise = float(np.sum((target - output) ** 2))
    signal = float(np.sum(target ** 2))
    return float("inf") if noise == 0.0 else float(10.0 * np.log10(max(signal, 1e-300) / noise))


def _frames_of(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    """Frames of every row of ``x`` (..., frames, size), one zero-padded frame if shorter."""
    if x.shape[-1] < size:
        return np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, size - x.shape[-1])])[..., None, :]
    return sliding_window_view(x, size, axis=-1)[..., ::hop, :]


def magnitudes(x: np.ndarray, size: int, hop: int | None = None) -> np.ndarray:
    """|STFT| of ``x`` (or of each row) with a Hann window, hop ``size // 4`` by default."""
    fr = _frames_of(np.asarray(x, float), size, hop or size // 4)
    return np.abs(np.fft.rfft(fr * np.hanning(size), axis=-1))


class StftLoss:
    """:func:`stft_loss` against one target, whose spectra are computed once (a fit scores
    many generations of candidates against the same target)."""

    def __init__(self, target: np.ndarray, time_weight: float = 0.0, sizes=STFT_SIZES):
        self.target = np.asarray(target, float)
        self.time_weight = time_weight
        self.power = np.mean(self.target ** 2) + 1e-12
        self.refs = []
        for size in sizes:
            size = min(size, len(self.target))
            ref = magnitudes(self.target, size)
            eps = 1e-4 * ref.max() + 1e-12  # log-magnitudes are compared down to -80 dB
            self.refs.append((size, eps, np.log(ref + eps)))

    def __call__(self, candidates: np.ndarray) -> np.ndarray | float:
        cand = np.asarray(candidates, float)
        single = cand.ndim == 1
        cand = np.atleast_2d(cand)[:, :len(self.target)]
        loss = np.zeros(len(cand))
        for size, eps, ref in self.refs:
            loss += np.mean(np.abs(np.log(magnitudes(cand, size) + eps) - ref), axis=(1, 2))
        loss /= len(self.refs)
        if self.time_weight:
            loss += self.time_weight * np.mean((cand - self.target) ** 2, axis=1) / self.power
        loss[~np.isfinite(loss)] = np.inf
        return float(loss[0]) if single else loss


def stft_loss(candidates: np.ndarray, target: np.ndarray, time_weight: float = 0.0,
              sizes=STFT_SIZES) -> np.ndarray | float:
    """Multi-resolution log-magnitude distance (+ ``time_weight`` × normalised squared error).

    ``candidates`` is one signal or (K, frames); the target's length decides the length.
    """
    return StftLoss(target, time_weight, sizes)(candidates)


def log_spectral_distance(output: np.ndarray, target: np.ndarray, sr: float,
                          size: int = 2048) -> float:
    """Mean over frames of the RMS difference of the dB power spectra (in dB); a render's
    (frames, channels) is heard as the mean of its channels."""
    output, target = mono(output), mono(target)
    n = min(len(output), len(target))
    size = min(size, n)
    p_out = magnitudes(output[:n], size, size // 2) ** 2
    p_ref = magnitudes(target[:n], size, size // 2) ** 2
    floor = p_ref.max() * 10 ** (-TOP_DB / 10) + 1e-30
    diff = 10 * np.log10(np.maximum(p_out, floor)) - 10 * np.log10(np.maximum(p_ref, floor))
    return float(np.mean(np.sqrt(np.mean(diff ** 2, axis=1))))


def mel_filterbank(sr: float, n_fft: int = MFCC_FFT, n_mels: int = N_MELS,
                   fmin: float = 0.0, fmax: float | None = None) -> np.ndarray:
    """Slaney-style mel filters (librosa's default): (n_mels, n_fft // 2 + 1), area-normalised."""
    fmax = sr / 2 if fmax is None else fmax

    def hz_to_mel(f):
        f = np.asarray(f, float)
        lin = f / (200.0 / 3)
        log = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(f >= 1000.0, log, lin)

    def mel_to_hz(m):
        m = np.asarray(m, float)
        return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)),
                        m * (200.0 / 3))

    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    bins = np.linspace(0, sr / 2, n_fft // 2 + 1)
    lower = (bins[None, :] - edges[:-2, None]) / np.diff(edges)[:-1, None]
    upper = (edges[2:, None] - bins[None, :]) / np.diff(edges)[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def mfcc(x: np.ndarray, sr: float) -> np.ndarray:
    """MFCCs 1..19 (c0 dropped) of ``x`` (channels averaged): (19, frames), as the reservoir
    measure defines."""
    from scipy.fft import dct

    x = mono(x)
    padded = np.pad(x, MFCC_FFT // 2, mode="reflect" if len(x) > MFCC_FFT // 2 else "constant")
    power = magnitudes(padded, MFCC_FFT, MFCC_HOP) ** 2
    mel = power @ mel_filterbank(sr).T
    db = 10 * np.log10(np.maximum(mel, 1e-10))
    db = np.maximum(db, db.max() - TOP_DB)
    return dct(db, type=2, norm="ortho", axis=1)[:, 1:N_MFCC].T


def mfcc_nrmse(output: np.ndarray, target: np.ndarray, sr: float) -> float:
    """RMSE of the flattened MFCCs over √(mean of their two variances); 0 is identical, and an
    output that is not finite everywhere is infinitely far (never 0)."""
    if not (np.isfinite(output).all() and np.isfinite(target).all()):
        return math.inf
    a, b = mfcc(output, sr), mfcc(target, sr)
    n = min(a.shape[1], b.shape[1])
    a, b = a[:, :n].ravel(), b[:, :n].ravel()
    error, scale = np.sqrt(np.mean((a - b) ** 2)), np.sqrt((np.var(a) + np.var(b)) / 2)
    if scale > 0:
        return float(error / scale)
    return 0.0 if error == 0 else math.inf


def continuation(target: np.ndarray, start: int, frames: int) -> np.ndarray:
    """What a free run from sample ``start`` is compared with: the next ``frames`` samples of
    the target, its part after ``start`` looped where the recording is shorter.

    Examples
    --------
    >>> continuation(np.arange(6.0), 3, 7).tolist()
    [3.0, 4.0, 5.0, 3.0, 4.0, 5.0, 3.0]
    """
    rest = np.asarray(target, float)[start:]
    if len(rest) == 0:
        raise ValueError("nothing of the target follows the training span")
    return np.resize(rest, frames)


def envelope_db(x: np.ndarray, sr: float, hop_seconds: float = 0.1) -> np.ndarray:
    """The RMS envelope in dB over consecutive ``hop_seconds`` frames (silence at −200 dB)."""
    hop = max(1, int(round(hop_seconds * sr)))
    x = np.asarray(x, float)[:len(x) // hop * hop].reshape(-1, hop)
    return 10 * np.log10(np.maximum(np.mean(x ** 2, axis=1), 1e-20))
