"""Write rendered blocks to a sound file on a background thread while the next block renders.

The kernel releases the GIL (``nogil``) and libsndfile is called through cffi, which releases
it too, so the two overlap: a serial write costs ~40% of a render that runs at 700× real time
(libsndfile alone writes about 1,800×). Blocks are gathered into chunks of a small fixed pool
(the writer hands a chunk back when written), so memory stays flat and the render waits when
the disk is behind. The file's bytes are those of a serial write: the same samples, in the same
order. An error on the writer's side (a full disk) is
raised in the rendering thread at its next block, as an :class:`AudioFileError`.

Examples
--------
>>> import io, numpy as np, soundfile as sf
>>> buf = io.BytesIO()
>>> with sf.SoundFile(buf, "w", samplerate=8, channels=1, format="WAV", subtype="FLOAT") as fh:
...     with BlockWriter(fh, block=2, channels=1, clip=False) as writer:
...         writer.write(np.array([[0.5], [-2.0]]))
...         writer.write(np.array([[0.0], [1.0]]))
>>> writer.peak
2.0
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from neuromix.errors import AudioFileError

DEPTH = 3  # chunks in flight: the one filling, the one writing, and one of slack
CHUNK = 65536  # frames handed to the writer at once: one thread handoff per ~1.4 s of audio


class BlockWriter:
    """A writer thread for ``fh``, fed with (frames, channels) blocks in order.

    Blocks are copied into a chunk of about ``CHUNK`` frames (a whole number of ``block``),
    and whole chunks go to the writer thread: a handoff per block would cost more than it
    saves on a busy machine (a thread woken 700 times a minute waits for the scheduler each
    time). ``clip`` clips to −1..1 (integer formats) and counts the clipped samples; ``peak`` is
    the largest magnitude written, before clipping. ``single``: the file holds 32-bit floats, so
    each chunk is narrowed by numpy before libsndfile sees it (the same bytes, written in half
    libsndfile's time from float64). Use as a context manager: leaving it writes
    what is left and waits for the writer (raising its error), or, on an exception, stops the
    writer at once.
    """

    def __init__(self, fh, block: int, channels: int, clip: bool, single: bool = False,
                 depth: int = DEPTH):
        self._fh, self._clip, self._single = fh, clip, single
        self._frames = block * max(1, CHUNK // block)
        self._free: queue.Queue = queue.Queue()
        for _ in range(depth):
            self._free.put(np.empty((self._frames, channels)))
        self._full: queue.Queue = queue.Queue()
        self._chunk, self._filled = None, 0
        self._error: BaseException | None = None
        self._stop = False  # the rendering side failed: write nothing more
        self.peak, self.clipped = 0.0, 0
        self._thread = threading.Thread(target=self._run, name="neuromix-writer", daemon=True)
        self._thread.start()

    def write(self, block: np.ndarray) -> None:
        """Queue a (frames, channels) block (copied: the caller may reuse its array)."""
        self._check()
        if self._chunk is None:
            self._chunk = self._take()
        n = len(block)
        if self._filled + n > self._frames:
            raise ValueError(f"blocks of more than {self._frames} frames")
        self._chunk[self._filled:self._filled + n] = block
        self._filled += n
        if self._filled + n > self._frames:  # no room for another block of this size
            self._hand_over()

    def __enter__(self) -> "BlockWriter":
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is None and self._chunk is not None:
            self._hand_over()
        self._stop = kind is not None
        self._full.put(None)
        self._thread.join()
        if kind is None:
            self._check()

    def _take(self) -> np.ndarray:
        """A free chunk, waiting while the writer is behind (and raising its error)."""
        while True:
            self._check()
            try:
                return self._free.get(timeout=0.05)
            except queue.Empty:
                continue

    def _hand_over(self) -> None:
        self._full.put((self._chunk, self._filled))
        self._chunk, self._filled = None, 0

    def _check(self) -> None:
        err = self._error
        if err is not None:
            raise AudioFileError(f"{self._fh.name}: writing the audio file failed: "
                                 f"{str(err) or type(err).__name__}") from err

    def _run(self) -> None:
        while (item := self._full.get()) is not None:
            chunk, filled = item
            try:
                if self._error is None and not self._stop:
                    self._write(chunk[:filled])
            except BaseException as exc:  # handed to the rendering thread
                self._error = exc
            finally:
                self._free.put(chunk)

    def _write(self, chunk: np.ndarray) -> None:
        if chunk.shape[0]:
            self.peak = max(self.peak, float(np.max(np.abs(chunk))))
        if self._clip:
            over = np.abs(chunk) > 1.0
            if over.any():
                self.clipped += int(over.sum())
                chunk = np.clip(chunk, -1.0, 1.0)
        self._fh.write(chunk.astype(np.float32) if self._single else chunk)
