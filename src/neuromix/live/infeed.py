"""Sound coming into a playing patch from a file: read ahead on a thread of its own, so that
the audio callback only copies frames out of a ring (no file access, no resampling, no
allocation in the callback).

:class:`FileFeed` streams a sound file through :class:`~neuromix.io.audiofile.SoundIn`
(resampled to the patch's rate, looping), filling the ring before playing starts and topping
it up as the callback drains it. Should the reader ever fall behind, the callback plays
silence for the missing frames and counts them in ``starved`` (never waits).

Examples
--------
>>> import numpy as np, soundfile as sf, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ramp.wav"
>>> sf.write(path, np.arange(5.0) / 8, 8, subtype="DOUBLE")
>>> with FileFeed(path, sr=8) as feed:
...     block = np.zeros((7, 1)); feed.read(block)
>>> block[:, 0].tolist(), feed.starved
([0.0, 0.125, 0.25, 0.375, 0.5, 0.0, 0.125], 0)
"""

from __future__ import annotations

import threading

import numpy as np

from neuromix.io.audiofile import SoundIn

RING_FRAMES = 1 << 17  # read ahead: about 2.7 s at 48 kHz
CHUNK = 4096  # frames the reader adds at a time


class FileFeed:
    """A sound file, looping, as a feed for the live engine (``read(out)`` in the callback)."""

    def __init__(self, path, sr: float, loop: bool = True, ring: int = RING_FRAMES):
        self.sound = SoundIn(path, sr, loop=loop)
        self.name, self.channels, self.frames = self.sound.name, self.sound.channels, None
        self.size = 1 << int(np.ceil(np.log2(max(ring, 2 * CHUNK))))
        self.ring = np.zeros((self.size, self.channels))
        self._chunk = np.zeros((CHUNK, self.channels))
        self.written = 0  # frames put in the ring (by the reader)
        self.taken = 0  # frames copied out (by the callback)
        self.starved = 0  # frames the callback found missing and played as silence
        self.error: BaseException | None = None
        self._wake = threading.Event()
        self._stop = False
        self._fill()  # full before the first block
        self._thread = threading.Thread(target=self._run, name="neuromix-input", daemon=True)
        self._thread.start()

    @property
    def scrubbed(self) -> int:
        return self.sound.scrubbed

    def _fill(self) -> None:
        """Top the ring up, a chunk at a time, while it has room."""
        while self.size - (self.written - self.taken) >= CHUNK and not self._stop:
            self.sound.read(self._chunk)
            start = self.written & (self.size - 1)  # CHUNK divides the size: never wraps
            self.ring[start:start + CHUNK] = self._chunk
            self.written += CHUNK

    def _run(self) -> None:
        from neuromix.live.audio import CONTROL_PRIORITY, realtime_priority

        realtime_priority(CONTROL_PRIORITY)
        try:
            while not self._stop:
                self._wake.wait(0.02)
                self._wake.clear()
                self._fill()
        except BaseException as err:  # said by the player (check), never lost on a thread
            self.error = err

    def read(self, out: np.ndarray) -> None:
        """Callback side: the next frames into ``out`` (n, channels); silence where the
        reader is behind."""
        n = out.shape[0]
        have = min(n, self.written - self.taken)
        t = self.taken
        done = 0
        while done < have:
            start = t & (self.size - 1)
            k = min(have - done, self.size - start)
            out[done:done + k] = self.ring[start:start + k]
            done += k
            t += k
        self.taken = t
        if have < n:
            out[have:] = 0.0
            self.starved += n - have
        self._wake.set()

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join()
        self.sound.close()

    def __enter__(self) -> "FileFeed":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
