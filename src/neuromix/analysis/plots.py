"""Quick pictures of audio: waveform and spectrogram, one row per channel.

matplotlib is imported inside the functions (with the headless ``Agg`` backend), so importing
this module costs nothing.

Examples
--------
>>> import numpy as np, tempfile, os
>>> t = np.arange(4800) / 48000
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "sine.png")
...     overview(np.sin(2 * np.pi * 440 * t), 48000, path, title="a sine")
...     os.path.getsize(path) > 1000
True
"""

from __future__ import annotations


import numpy as np

from neuromix.features import embedding_delay, frames
from neuromix.io.atomic import write_with

DB_RANGE = 90.0  # dynamic range shown in spectrograms


def pyplot():
    """matplotlib's pyplot on the non-interactive Agg backend (safe without a display)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def as_channels(audio) -> np.ndarray:
    """Audio as a (frames, channels) float array; a 1-D signal becomes one channel."""
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim == 1:
        return audio[:, None]
    if audio.ndim != 2:
        raise ValueError(f"audio must be 1-D or (frames, channels), not shape {audio.shape}")
    return audio


def spectrogram_nfft(frames: int) -> int:
    """A power-of-two FFT size that suits a signal of ``frames`` samples (64 to 2048)."""
    n = 2048
    while n > 64 and n * 4 > frames:
        n //= 2
    return n


def draw_waveform(ax, x: np.ndarray, sr: float, label: str | None = None) -> None:
    """Waveform against time in seconds (min/max envelope when there are many samples)."""
    n = len(x)
    t_end = n / sr
    if n > 4000:
        step = int(np.ceil(n / 2000))
        m = n // step
        blocks = x[: m * step].reshape(m, step)
        t = (np.arange(m) + 0.5) * step / sr
        ax.fill_between(t, blocks.min(axis=1), blocks.max(axis=1), color="C0", lw=0)
    else:
        ax.plot(np.arange(n) / sr, x, color="C0", lw=0.8)
    ax.set_xlim(0, t_end if n else 1)
    ax.set_ylabel(label or "amplitude")
    ax.grid(alpha=0.3)


def draw_spectrogram(ax, x: np.ndarray, sr: float, colorbar: bool = True):
    """Spectrogram against time and a log-frequency axis, in dB relative to the loudest bin
    (``DB_RANGE`` dB shown), with a dB colour bar; returns the image.

    Frequencies below the lowest analysed band (sr / FFT size, at least 20 Hz) are left out,
    since a log axis cannot show 0 Hz.
    """
    nfft = spectrogram_nfft(len(x))
    if len(x) < 2 * nfft:
        x = np.pad(x, (0, 2 * nfft - len(x)))
    hop = nfft // 2
    count = 1 + (len(x) - nfft) // hop
    idx = np.arange(nfft)[None, :] + hop * np.arange(count)[:, None]
    spec = np.abs(np.fft.rfft(x[idx] * np.hanning(nfft), axis=1)) ** 2
    db = 10 * np.log10(np.maximum(spec, 1e-30))
    top = float(db.max()) if np.any(spec > 0) else 0.0
    freqs = np.fft.rfftfreq(nfft, 1.0 / sr)
    lowest = max(freqs[1], 20.0)
    keep = freqs >= lowest
    times = (np.arange(count + 1) * hop) / sr
    edges = np.concatenate([freqs[keep] - freqs[1] / 2, [freqs[keep][-1] + freqs[1] / 2]])
    image = ax.pcolormesh(times, np.maximum(edges, lowest / 1.5), (db[:, keep] - top).T,
                          cmap="magma", vmin=-DB_RANGE, vmax=0.0, shading="flat")
    ax.set_yscale("log")
    ax.set_ylim(lowest, sr / 2)
    ax.set_ylabel("Hz (log)")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="dB (0: loudest)", pad=0.01)
    return image


def overview(audio, sr: float, path, title: str | None = None) -> None:
    """Write a PNG of the waveform and spectrogram of every channel of ``audio``.

    Parameters
    ----------
    audio : array_like
        (frames,) for one channel or (frames, channels).
    sr : float
        Sample rate in Hz.
    path : str or os.PathLike
        Where to write the PNG (its folder is created).
    title : str, optional
        A title over the figure.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> stereo = np.zeros((1000, 2)); stereo[:, 1] = 0.5
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     overview(stereo, 8000, os.path.join(folder, "s.png"))
    ...     os.path.exists(os.path.join(folder, "s.png"))
    True
    """
    plt = pyplot()
    x = as_channels(audio)
    chans = x.shape[1]
    fig, axes = plt.subplots(2 * chans, 1, figsize=(9, 2.6 * 2 * chans), squeeze=False,
                             constrained_layout=True)
    for c in range(chans):
        label = "amplitude" if chans == 1 else f"channel {c + 1}"
        draw_waveform(axes[2 * c, 0], x[:, c], sr, label)
        draw_spectrogram(axes[2 * c + 1, 0], x[:, c], sr)
    axes[-1, 0].set_xlabel("seconds")
    if title:
        fig.suptitle(title)
    save_figure(fig, path)


def quicklook(audio, sr: float, path, title: str | None = None) -> None:
    """Write a PNG of waveform, spectrogram and a delay-embedding portrait (channels mixed).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> t = np.arange(8000) / 8000
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     quicklook(np.sin(2 * np.pi * 50 * t), 8000, os.path.join(folder, "q.png"))
    ...     os.path.getsize(os.path.join(folder, "q.png")) > 1000
    True
    """
    plt = pyplot()
    x = as_channels(audio).mean(axis=1)
    fig = plt.figure(figsize=(12, 5), constrained_layout=True)
    grid = fig.add_gridspec(2, 3)
    draw_waveform(fig.add_subplot(grid[0, :2]), x, sr)
    spec = fig.add_subplot(grid[1, :2])
    draw_spectrogram(spec, x, sr)
    spec.set_xlabel("seconds")
    portrait = fig.add_subplot(grid[:, 2])
    tail = x[-min(len(x), int(sr // 2) or 1):]
    tau = min(embedding_delay(tail, sr), max(len(tail) - 1, 1))
    portrait.plot(tail[:-tau], tail[tau:], lw=0.4)
    portrait.set_xlabel("out[n]")
    portrait.set_ylabel(f"out[n+{tau}]")
    portrait.set_title("delay embedding (last 0.5 s)")
    portrait.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    save_figure(fig, path)


def learning_curve(losses, path, title: str | None = None, ylabel: str = "loss",
                   xlabel: str = "generation") -> None:
    """Write a PNG of a learning curve (log scale where every value is positive), atomically.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     learning_curve([1.0, 0.5, 0.1], os.path.join(folder, "c.png"), title="fit")
    ...     os.path.getsize(os.path.join(folder, "c.png")) > 1000
    True
    """
    plt = pyplot()
    y = np.asarray(losses, dtype=float)
    fig, ax = plt.subplots(figsize=(7, 3.5), constrained_layout=True)
    ax.plot(np.arange(1, len(y) + 1), y, color="C0")
    if len(y) and np.all(y[np.isfinite(y)] > 0):
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    save_figure(fig, path)


def compare_spectra(target, output, sr: float, path, title: str | None = None,
                    labels=("target", "free run")) -> None:
    """Write a PNG comparing two sounds, atomically: their spectrograms one above the other and
    their average spectra (dB, Hann frames of 2048) overlaid.

    Examples
    --------
    >>> import tempfile, os
    >>> t = np.arange(8000) / 8000
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     compare_spectra(np.sin(2e3 * t), np.sin(2.1e3 * t), 8000, os.path.join(folder, "s.png"))
    ...     os.path.getsize(os.path.join(folder, "s.png")) > 1000
    True
    """
    plt = pyplot()
    fig = plt.figure(figsize=(9, 6), constrained_layout=True)
    grid = fig.add_gridspec(2, 2, width_ratios=(3, 2))
    spectra = fig.add_subplot(grid[:, 1])
    n = min(len(target), len(output))
    size = min(2048, n)
    for row, (x, label) in enumerate(zip((target, output), labels)):
        x = np.asarray(x, float)[:n]
        ax = fig.add_subplot(grid[row, 0])
        draw_spectrogram(ax, x, sr, colorbar=False)
        ax.set_title(label)
        power = np.mean(np.abs(np.fft.rfft(frames(x, size, size // 2) * np.hanning(size),
                                           axis=1)) ** 2, axis=0)
        freqs = np.fft.rfftfreq(size, 1 / sr)
        spectra.plot(freqs, 10 * np.log10(power + 1e-20), label=label, lw=1.0,
                     color=f"C{row}")
    top = max(line.get_ydata().max() for line in spectra.get_lines())
    spectra.set_ylim(top - 90, top + 5)
    spectra.set_xscale("symlog", linthresh=200)
    spectra.set_xlim(20, sr / 2)
    spectra.set_xlabel("Hz")
    spectra.set_ylabel("average power (dB)")
    spectra.grid(True, alpha=0.3)
    spectra.legend()
    if title:
        fig.suptitle(title)
    save_figure(fig, path)


def save_figure(fig, path, dpi: int = 90) -> None:
    """Write a figure as PNG, atomically (see :mod:`neuromix.io.atomic`), and close it."""
    try:
        write_with(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
    finally:
        pyplot().close(fig)
