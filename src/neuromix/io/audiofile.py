"""Sound files coming into a patch: one clear line when a file cannot be used, only finite
samples, and always the patch's sample rate.

A file at another rate is resampled with soxr (high quality), never played at the wrong speed.
:class:`SoundIn` streams a file block by block in bounded memory (a file longer than memory
can feed a patch); :func:`read` loads a whole file, for ``sample`` nodes and learning targets,
up to :data:`neuromix._config.MAX_SOUND_BYTES`. Samples that are NaN or infinite (a float file
can hold them) become 0 and are counted in ``.scrubbed``, for the caller to report once.

Examples
--------
>>> import numpy as np, soundfile as sf, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tone.wav"
>>> sf.write(path, np.sin(np.arange(4410) * 2 * np.pi * 441 / 44100), 44100, subtype="FLOAT")
>>> sound = read(path, sr=48000)
>>> sound.samples.shape, sound.source_sr, sound.scrubbed
((4800, 1), 44100, 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from neuromix import _config
from neuromix.errors import AudioFileError

READ_BLOCK = 65536  # frames read from the file at a time while streaming


def info(path) -> sf._SoundFileInfo:
    """What the file says it holds (rate, channels, frames); AudioFileError if it cannot be read."""
    path = Path(path)
    if path.is_dir():
        raise AudioFileError(f"{path}: is a folder, not a sound file")
    if not path.exists():
        raise AudioFileError(f"{path}: no such sound file")
    try:
        meta = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as err:
        raise AudioFileError(f"{path}: not a sound file neuromix can read "
                             f"({_reason(err)}; WAV, FLAC, OGG and AIFF work)") from None
    if meta.samplerate <= 0 or meta.channels <= 0:
        raise AudioFileError(f"{path}: its header is corrupt (rate {meta.samplerate}, "
                             f"{meta.channels} channels)")
    return meta


def _reason(err: Exception) -> str:
    text = str(getattr(err, "error_string", "") or err).strip().rstrip(".")
    return text.split(":")[-1].strip() or "unknown format"


def scrub(block: np.ndarray) -> int:
    """Set non-finite samples to 0 in place; how many there were."""
    bad = ~np.isfinite(block)
    count = int(bad.sum())
    if count:
        block[bad] = 0.0
    return count


class SoundIn:
    """A sound file as a stream of blocks at the patch's rate: ``read(out)`` fills a
    preallocated (n, channels) block, ``block(n)`` returns a new one; zeros after the end (or
    the file again with ``loop``). Use as a context manager.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ramp.wav"
    >>> sf.write(path, np.linspace(0, 1, 8), 8, subtype="DOUBLE")
    >>> with SoundIn(path, sr=8, loop=True) as sound:
    ...     sound.block(10)[:, 0].tolist()
    [0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857142, 0.8571428571428571, 1.0, 0.0, 0.14285714285714285]
    """

    def __init__(self, path, sr: float, loop: bool = False):
        self.path, self.sr, self.loop = Path(path), float(sr), bool(loop)
        self.name = str(self.path)
        meta = info(self.path)
        self.channels, self.source_sr = meta.channels, meta.samplerate
        self.frames = int(round(meta.frames * self.sr / self.source_sr))  # at the patch's rate
        self.scrubbed = 0
        self.ended = False  # the file has been played to its end at least once
        self._file = None
        self._pending: list[np.ndarray] = []  # resampled stretches not handed out yet
        self._queued = 0  # frames in _pending
        self._open()

    def _open(self) -> None:
        if self._file is not None:
            self._file.close()
        try:
            self._file = sf.SoundFile(str(self.path))
        except (sf.LibsndfileError, RuntimeError) as err:
            raise AudioFileError(f"{self.path}: cannot be read ({_reason(err)})") from None
        self._resampler = None
        if self.source_sr != self.sr:
            import soxr

            self._resampler = soxr.ResampleStream(self.source_sr, self.sr, self.channels,
                                                  dtype="float64", quality="HQ")
        self._drained = False

    def _more(self) -> bool:
        """Read and resample the next stretch of the file into the pending buffer."""
        if self._drained:
            return False
        try:
            raw = self._file.read(READ_BLOCK, dtype="float64", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as err:
            raise AudioFileError(f"{self.path}: reading stopped ({_reason(err)})") from None
        last = len(raw) < READ_BLOCK
        self.scrubbed += scrub(raw)
        if self._resampler is not None:
            raw = self._resampler.resample_chunk(raw, last=last)
        if len(raw):
            self._pending.append(raw)
            self._queued += len(raw)
        self._drained = last
        return len(raw) > 0 or not last

    def _take(self, out: np.ndarray) -> int:
        """Copy up to ``len(out)`` queued frames into ``out``, in order; how many."""
        done, want = 0, min(len(out), self._queued)
        while done < want:
            head = self._pending[0]
            take = min(want - done, len(head))
            out[done:done + take] = head[:take]
            done += take
            if take < len(head):
                self._pending[0] = head[take:]
            else:
                self._pending.pop(0)
        self._queued -= done
        return done

    def read(self, out: np.ndarray) -> None:
        """Fill ``out`` (n, channels), preallocated, with the next n frames at the patch's rate
        (zeros after the end unless it loops)."""
        n = len(out)
        while self._queued < n:
            if not self._more():
                self.ended = True
                if not self.loop or self.frames == 0:
                    break
                self._open()
        got = self._take(out)
        out[got:] = 0.0

    def block(self, n: int) -> np.ndarray:
        """The next ``n`` frames (n, channels) of the file at the patch's rate, in a new array."""
        out = np.empty((n, self.channels))
        self.read(out)
        return out

    def rest(self) -> np.ndarray:
        """Everything from here to the end of the file (once, whatever ``loop`` says)."""
        while self._more():
            pass
        out = np.empty((self._queued, self.channels))
        self._take(out)
        return out

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "SoundIn":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class Sound:
    """A whole sound file at the patch's rate."""

    samples: np.ndarray  # (frames, channels), float64, finite
    sr: float
    source_sr: int
    scrubbed: int  # samples that were NaN or infinite, now 0


def read(path, sr: float, max_bytes: int | None = None) -> Sound:
    """Load a whole sound file at rate ``sr``; refuses files larger than ``max_bytes`` once
    loaded (default :data:`neuromix._config.MAX_SOUND_BYTES`) with a hint to stream them."""
    limit = _config.MAX_SOUND_BYTES if max_bytes is None else max_bytes
    meta = info(path)
    frames = meta.frames * float(sr) / meta.samplerate
    if frames * meta.channels * 8 > limit:
        raise AudioFileError(f"{path}: {meta.frames / meta.samplerate:.0f} s of sound is more than "
                             f"a sample can hold ({limit / 2**20:.0f} MiB at the patch's rate); "
                             "use a shorter file, or feed it to audio_in, which streams")
    with SoundIn(path, sr) as stream:
        samples = stream.rest()
        return Sound(samples, float(sr), meta.samplerate, stream.scrubbed)
