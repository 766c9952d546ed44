"""Losses and measures against closed forms."""

import numpy as np
from scipy.fft import dct

from neuromix.learn.losses import (MFCC_HOP, log_spectral_distance, mel_filterbank, mfcc,
                                   mfcc_nrmse, snr_db, stft_loss)

SR = 16000
T = np.arange(SR) / SR


def test_snr_and_log_spectral_distance_closed_forms():
    a = np.sin(2 * np.pi * 440 * T)
    assert abs(snr_db(a, 0.9 * a) - 20.0) < 1e-9
    # twice the amplitude is +6.02 dB in every bin (white noise: every bin above the floor)
    noise = np.random.default_rng(1).standard_normal(SR)
    assert abs(log_spectral_distance(2 * noise, noise, SR) - 20 * np.log10(2)) < 1e-9
    # bins 80 dB below the target's peak are floored there: a pure tone differs in few bins
    assert 0 < log_spectral_distance(2 * a, a, SR) < 20 * np.log10(2)
    assert log_spectral_distance(a, a, SR) == 0.0


def test_stft_loss_takes_a_stack_of_candidates():
    a = np.sin(2 * np.pi * 440 * T)
    b = np.sin(2 * np.pi * 445 * T)
    both = stft_loss(np.stack([a, b]), a, time_weight=1.0)
    assert both[0] == 0.0 and both[1] > 0.0
    assert both[1] == stft_loss(b, a, time_weight=1.0)
    assert stft_loss(b, a, time_weight=0.0) < both[1]  # the time term adds the phase error


def test_mel_filterbank_is_triangles_of_equal_area():
    fb = mel_filterbank(SR, 2048, 40)
    assert fb.shape == (40, 1025) and np.all(fb >= 0)
    freqs = np.linspace(0, SR / 2, 1025)
    peaks = freqs[np.argmax(fb, axis=1)]
    assert np.all(np.diff(peaks) > 0)  # centres rise
    # Slaney normalisation: every triangle has unit area over Hz (up to the bin spacing)
    area = fb.sum(axis=1) * (freqs[1] - freqs[0])
    assert np.allclose(area[5:], 1.0, rtol=0.05)


def test_mfcc_measure_as_defined():
    a = np.sin(2 * np.pi * 440 * T) + 0.3 * np.sin(2 * np.pi * 1320 * T)
    m = mfcc(a, SR)
    assert m.shape == (19, 1 + len(a) // MFCC_HOP)
    # the DCT is orthonormal: the 20 coefficients keep the dB spectrum's energy but the first
    x = np.random.default_rng(0).standard_normal(128)
    assert np.isclose(np.sum(dct(x, norm="ortho") ** 2), np.sum(x ** 2))
    b = np.sign(a)
    nr = mfcc_nrmse(b, a, SR)
    assert nr == mfcc_nrmse(a, b, SR) and nr > 0.1
    assert mfcc_nrmse(a, a, SR) == 0.0
    # silence against a tone: MFCCs of a flat floor are 0, so the NRMSE is at least √2
    assert mfcc_nrmse(np.zeros_like(a), a, SR) >= np.sqrt(2) - 1e-9


def test_an_output_that_is_not_finite_is_infinitely_far_not_identical():
    a = np.sin(2 * np.pi * 440 * T)
    for bad in (np.nan, np.inf):
        b = a.copy()
        b[100] = bad
        assert mfcc_nrmse(b, a, SR) == np.inf
