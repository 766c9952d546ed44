"""The audio patch an instrument plays (``play: patch.yaml``), driven by its ``param`` outputs.

The interface the loop uses is small on purpose: ``set(address, value)`` once per control
tick, ``advance()`` after each tick, ``close()``. :class:`OfflineAudio` renders the audio for
each tick right away (the control values land on block boundaries: one block per tick) and
streams it to a WAV file; a live audio stream can offer the same three methods.

Examples
--------
>>> import tempfile, pathlib, soundfile
>>> import neuromix as nm
>>> p = nm.Patch(sr=8000)
>>> p.out(p.sine(p.const(220.0, name="f"), name="osc"))
>>> path = pathlib.Path(tempfile.mkdtemp()) / "a.wav"
>>> audio = OfflineAudio(p.graph, rate=200, path=path)
>>> for tick in range(3):
...     audio.set("f.value", 440.0); audio.advance()
>>> audio.close()
>>> soundfile.info(str(path)).frames
120
"""

from __future__ import annotations

from pathlib import Path

from neuromix.io.atomic import finish, temporary_beside
from neuromix.engine.compiled import CompiledPatch


class OfflineAudio:
    """Renders the played patch block by block (one block per control tick) to a WAV file."""

    def __init__(self, graph, rate: int, path):
        import soundfile as sf


        self.compiled = CompiledPatch(graph)
        self.compiled.process(1)  # load the kernel now, not inside the first tick
        self.compiled.reset()
        self.rate, self.path = int(rate), Path(path)
        self.sr = int(round(self.compiled.sr))
        self.tmp = temporary_beside(self.path)
        self.file = sf.SoundFile(self.tmp, "w", samplerate=self.sr,
                                 channels=self.compiled.channels, subtype="FLOAT", format="WAV")
        self.ticks = 0
        self.peak = 0.0

    def set(self, address: str, value: float) -> None:
        self.compiled.set(address, value)

    def advance(self) -> None:
        """Render the frames of one control tick (exact over time: tick k ends at k·sr/rate)."""
        start = self.ticks * self.sr // self.rate
        self.ticks += 1
        n = self.ticks * self.sr // self.rate - start
        if n:
            block = self.compiled.process(n)
            self.peak = max(self.peak, float(abs(block).max()))
            self.file.write(block)

    def close(self) -> None:
        """Finish the WAV (renamed into place), or remove the partial file on failure."""
        finish(self.file, self.tmp, self.path)
