"""Record exactly what was played: the callback copies each block into a ring, a writer thread
streams the ring to a WAV file beside the target, renamed into place when playing stops.

The file is 32-bit float, the very samples sent to the device; a recording of what came in
(``--record-input``) is 64-bit float, the very samples the patch heard, so that rendering it
again offline gives the take exactly. Ctrl-C stops playing first, so
the recording is drained, closed and renamed whole; only a killed process leaves a partial
``.part`` file behind (and never under the final name). Beside it, :class:`ChangesFile` keeps
every parameter change applied while recording (``take.changes.csv``), streamed to disk as
they come, so a long session's gestures cost no memory.

Examples
--------
>>> import numpy as np, pathlib, tempfile, soundfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "take.wav"
>>> rec = Recorder(path, sr=8000, channels=1)
>>> rec.write(np.ones((64, 1), dtype=np.float32)); rec.close()
>>> soundfile.read(str(path))[0].shape, rec.lost
((64,), 0)
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from neuromix.io.atomic import finish, temporary_beside
from neuromix.live.audio import CONTROL_PRIORITY, realtime_priority


class Recorder:
    """A ring of float32 frames (``seconds`` long) drained to a WAV file by its own thread;
    with ``exact``, float64 frames to a 64-bit float WAV file."""

    def __init__(self, path, sr: float, channels: int, seconds: float = 8.0, exact: bool = False):
        import soundfile as sf

        self.path = Path(path)
        self.sr, self.channels = int(round(sr)), int(channels)
        self.size = 1 << int(np.ceil(np.log2(max(seconds * sr, 1024))))
        self.ring = np.zeros((self.size, self.channels),
                             dtype=np.float64 if exact else np.float32)
        self.written = 0  # frames put in the ring (by the callback)
        self.saved = 0    # frames written to the file (by the writer)
        self.lost = 0     # frames the writer fell too far behind to keep
        self.tmp = temporary_beside(self.path)
        self.file = sf.SoundFile(self.tmp, "w", samplerate=self.sr, channels=self.channels,
                                 subtype="DOUBLE" if exact else "FLOAT", format="WAV")
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="neuromix-record", daemon=True)
        self._thread.start()

    def write(self, block: np.ndarray) -> None:
        """Callback side: copy a (frames, channels) block into the ring (no allocation)."""
        n = block.shape[0]
        w = self.written
        if w + n - self.saved > self.size:
            self.lost += n
            return
        start = w & (self.size - 1)
        first = min(n, self.size - start)
        self.ring[start:start + first] = block[:first]
        if first < n:
            self.ring[:n - first] = block[first:]
        self.written = w + n

    def _drain(self) -> None:
        w, s = self.written, self.saved
        while s < w:
            start = s & (self.size - 1)
            n = min(w - s, self.size - start)
            self.file.write(self.ring[start:start + n])
            s += n
        self.saved = s

    def _run(self) -> None:
        realtime_priority(CONTROL_PRIORITY)
        while not self._stop:
            self._wake.wait(0.05)
            self._drain()

    def discard(self) -> None:
        """Stop and remove the partial file (playing never started)."""
        self._stop = True
        self._wake.set()
        self._thread.join()
        self.file.close()
        os.unlink(self.tmp)

    def close(self) -> None:
        """Write what is left, finish the file and rename it into place (call after stopping);
        if the last write fails (a full disk), what was recorded before it is still kept."""
        if self.file.closed:
            return
        self._stop = True
        self._wake.set()
        self._thread.join()
        try:
            self._drain()
        finally:
            finish(self.file, self.tmp, self.path)


def changes_path(wav_path) -> Path:
    """Where the changes of a take go: ``take.wav`` → ``take.changes.csv``."""
    path = Path(wav_path)
    return path.with_name(path.stem + ".changes.csv")


class ChangesFile:
    """The parameter changes applied while recording, as CSV (``block,seconds,address,value``:
    the block the change took effect at and its time in the take), written as they come by the
    player's housekeeping thread and renamed into place when playing stops. A ``reset`` row
    marks a state reset; the value of a change is exact (``repr`` of the float).

    >>> import pathlib, tempfile
    >>> take = pathlib.Path(tempfile.mkdtemp()) / "take.wav"
    >>> log = ChangesFile(take, sr=48000, blocksize=256)
    >>> log.write([(375, "a.bias", 0.25)]); log.close()
    >>> changes_path(take).read_text().splitlines()
    ['block,seconds,address,value', '375,2.000000,a.bias,0.25']
    """

    def __init__(self, wav_path, sr: float, blocksize: int):
        self.path = changes_path(wav_path)
        self.block_seconds = blocksize / sr
        self.tmp = temporary_beside(self.path)
        self.file = open(self.tmp, "w", encoding="utf-8", newline="")
        self.file.write("block,seconds,address,value\n")

    def write(self, entries) -> None:
        """Append (block, address, value) rows."""
        self.file.writelines(f"{block},{block * self.block_seconds:.6f},{address},{value!r}\n"
                             for block, address, value in entries)

    def discard(self) -> None:
        """Remove the partial file (playing never started)."""
        self.file.close()
        os.unlink(self.tmp)

    def close(self) -> None:
        """Finish the file and rename it into place."""
        if not self.file.closed:
            finish(self.file, self.tmp, self.path)
