"""Write rendered blocks to a sound file on a background thread while the next block renders.

The kernel releases the GIL (``nogil``) and libsndfile is called through cffi, which releases
it too, so the two overlap: a serial write costs ~40% of a render that runs at 700× real time
(libsndfile alone writes about 1,800×). Blocks travel through a small fixed pool of buffers
(the kernel renders straight into one, the writer hands it back when written), so memory stays
flat and the render waits when the disk is behind. The file's bytes are those of a serial
write: the same blocks, in the same order. An error on the writer's side (a full disk) is
raised in the rendering thread at its next block, as an :class:`AudioFileError`.

Examples
--------
>>> import io, numpy as np, soundfile as sf
>>> buf = io.BytesIO()
>>> with sf.SoundFile(buf, "w", samplerate=8, channels=1, format="WAV", subtype="FLOAT") as fh:
...     with BlockWriter(fh, lanes=1, frames=4, channels=1, clip=False) as writer:
...         block = writer.buffer(4)
...         block[0, :, 0] = [0.5, -2.0, 0.0, 1.0]
...         writer.submit(block)
>>> writer.peak
2.0
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from neuromix.errors import AudioFileError

DEPTH = 4  # buffers in flight: the one rendering, the one writing, and slack for jitter


class BlockWriter:
    """A writer thread for ``fh`` fed with (lanes, frames, channels) blocks; lane 0 is written.

    ``clip`` clips to −1..1 (integer formats) and counts the clipped samples; ``peak`` is the
    largest magnitude written, before clipping. Use as a context manager: leaving it waits for
    every block to be written (and raises the writer's error), or, on an exception, stops the
    writer at once.
    """

    def __init__(self, fh, lanes: int, frames: int, channels: int, clip: bool,
                 depth: int = DEPTH):
        self._fh, self._clip = fh, clip
        self._shape = (lanes, frames, channels)
        self._free: queue.Queue = queue.Queue()
        for _ in range(depth):
            self._free.put(np.empty(self._shape))
        self._full: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self._stop = False  # the rendering side failed: write nothing more
        self.peak, self.clipped = 0.0, 0
        self._thread = threading.Thread(target=self._run, name="neuromix-writer", daemon=True)
        self._thread.start()

    def buffer(self, frames: int) -> np.ndarray:
        """A (lanes, frames, channels) array to render into: a free pool buffer when ``frames``
        is the full block, waiting while the writer is behind."""
        while True:
            self._check()
            try:
                buf = self._free.get(timeout=0.05)
            except queue.Empty:
                continue
            if frames == self._shape[1]:
                return buf
            self._free.put(buf)  # a short last block: its own array (the kernel wants it whole)
            return np.empty((self._shape[0], frames, self._shape[2]))

    def submit(self, block: np.ndarray) -> None:
        """Queue ``block`` (from :meth:`buffer`, now rendered) to be written."""
        self._check()
        self._full.put(block)

    def __enter__(self) -> "BlockWriter":
        return self

    def __exit__(self, kind, value, tb) -> None:
        self._stop = kind is not None
        self._full.put(None)
        self._thread.join()
        if kind is None:
            self._check()

    def _check(self) -> None:
        err = self._error
        if err is not None:
            raise AudioFileError(f"{self._fh.name}: writing the audio file failed: "
                                 f"{str(err) or type(err).__name__}") from err

    def _run(self) -> None:
        while (block := self._full.get()) is not None:
            try:
                if self._error is None and not self._stop:
                    self._write(block[0])
            except BaseException as exc:  # handed to the rendering thread
                self._error = exc
            finally:
                if block.shape == self._shape:
                    self._free.put(block)

    def _write(self, chunk: np.ndarray) -> None:
        if chunk.shape[0]:
            self.peak = max(self.peak, float(np.max(np.abs(chunk))))
        if self._clip:
            over = np.abs(chunk) > 1.0
            if over.any():
                self.clipped += int(over.sum())
                chunk = np.clip(chunk, -1.0, 1.0)
        self._fh.write(chunk)
