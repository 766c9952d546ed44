"""Offline rendering: in blocks, to memory or streamed to an audio file written atomically.

A patch with ``audio_in`` nodes is rendered with an input: a feed (:mod:`neuromix.engine.feed`,
e.g. a streamed sound file) or an array, read block by block into one preallocated buffer.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> p.out([p.sine(110), p.sine(220)])
>>> render(p.compile(), frames=100).shape
(100, 2)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from neuromix import _config
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.feed import as_feed, check_feed
from neuromix.engine.writer import BlockWriter
from neuromix.io.atomic import replace, temporary_beside

SUBTYPES = {"float": "FLOAT", "pcm24": "PCM_24", "pcm16": "PCM_16"}
FORMATS = {"wav": "WAV", "flac": "FLAC"}
PROGRESS_FROM = 2.0  # seconds of audio: shorter renders show no bar


def frames_for(sr: float, seconds: float | None, frames: int | None) -> int:
    """The frame count asked for by ``seconds`` or ``frames`` (exactly one of them)."""
    if (seconds is None) == (frames is None):
        raise ValueError("give either seconds or frames")
    n = int(frames) if frames is not None else int(round(seconds * sr))
    if n < 0:
        raise ValueError("the length must not be negative")
    return n


def blocks(total: int, block: int):
    """Sizes of consecutive blocks covering ``total`` frames."""
    for start in range(0, total, block):
        yield min(block, total - start)


def render(compiled: CompiledPatch, seconds: float | None = None, frames: int | None = None,
           block: int = _config.DEFAULT_BLOCK, reset: bool = True, input=None,
           loop: bool = False) -> np.ndarray:
    """Render to memory: always (frames, channels), a mono patch too (``out[:, 0]``). Lane 0.

    ``input`` feeds the audio_in nodes: an array (frames,) or (frames, channels) at the
    patch's rate (looped with ``loop``), a function of the number of frames, or a feed; the
    length defaults to the input's."""
    feed = None if input is None else as_feed(input, compiled.inputs, loop)
    if seconds is None and frames is None and feed is not None and feed.frames is not None:
        frames = feed.frames
    n = frames_for(compiled.sr, seconds, frames)
    if reset:
        compiled.reset()
    result = np.empty((n, compiled.channels))
    pos = 0
    for size, chunk in _chunks(compiled, n, block, feed):
        result[pos:pos + size] = chunk
        pos += size
    return result


def _chunks(compiled: CompiledPatch, n: int, block: int, feed=None):
    """(size, lane 0's output) of consecutive blocks covering ``n`` frames, each rendered with
    the next frames of ``feed`` (read into one preallocated buffer) when the patch listens."""
    if feed is not None and compiled.inputs:
        check_feed(compiled, feed)
        sound = np.zeros((min(block, max(n, 1)), feed.channels))
    else:
        sound = None
    for size in blocks(n, block):
        if sound is None:
            chunk = compiled.process(size)
        else:
            part = sound[:size]
            feed.read(part)
            chunk = compiled.process(size, input=part)
        yield size, chunk if compiled.lanes == 1 else chunk[0]


def render_lanes(compiled: CompiledPatch, frames: int, block: int = 4096) -> np.ndarray:
    """Every lane's output from the initial state: (lanes, frames, channels)."""
    compiled.reset()
    audio = np.empty((compiled.lanes, frames, compiled.channels))
    pos = 0
    for size in blocks(frames, block):
        out = compiled.process(size)
        audio[:, pos:pos + size] = out if compiled.lanes > 1 else out[None]
        pos += size
    return audio


def render_to_file(compiled: CompiledPatch, path: str | os.PathLike, seconds: float,
                   fmt: str | None = None, subtype: str = "float",
                   block: int = _config.DEFAULT_BLOCK, progress: bool | None = None,
                   input=None) -> dict:
    """Stream a render to ``path`` (WAV or FLAC) through a temporary file renamed at the end.

    ``input`` is the feed of the audio_in nodes (a streamed file: memory stays flat too).

    Memory stays flat however long the render, and the file is written on a background thread
    while the next block renders. If anything interrupts it (Ctrl-C, a full disk),
    the temporary file is removed and nothing appears under the final name. Returns a summary
    (frames, channels, peak, clipped samples).
    """
    import soundfile as sf

    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "wav").lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")
    if subtype not in SUBTYPES:
        raise ValueError(f"unknown sample format '{subtype}': use one of {', '.join(SUBTYPES)}")
    if fmt == "flac" and subtype == "float":
        subtype = "pcm24"  # FLAC stores integers only
    n = frames_for(compiled.sr, seconds, None)
    tmp = temporary_beside(path)
    bar = _progress(n, compiled.sr, progress)
    try:
        compiled.reset()
        with sf.SoundFile(tmp, "w", samplerate=int(round(compiled.sr)), channels=compiled.channels,
                          subtype=SUBTYPES[subtype], format=FORMATS[fmt]) as fh:
            # the file is written on a thread of its own while the next block renders
            with BlockWriter(fh, min(block, max(n, 1)), compiled.channels,
                             clip=subtype != "float", single=subtype == "float") as writer:
                for size, chunk in _chunks(compiled, n, block, input):
                    writer.write(chunk)
                    if bar is not None:
                        bar.update(size)
            peak, clipped = writer.peak, writer.clipped
        replace(tmp, path)
    finally:
        if bar is not None:
            bar.close()
        if os.path.exists(tmp):
            os.unlink(tmp)
    return {"path": str(path), "frames": n, "channels": compiled.channels, "sr": compiled.sr,
            "peak": peak, "clipped": clipped, "blown_up": list(compiled.blown_up)}


def _progress(frames: int, sr: float, enabled: bool | None):
    """A progress bar in seconds of audio for renders of :data:`PROGRESS_FROM` seconds or more:
    on a terminal when ``enabled`` is None, always when True, never when False."""
    if enabled is False or (enabled is None and frames < PROGRESS_FROM * sr):
        return None
    from tqdm import tqdm

    return _SecondsBar(tqdm(total=round(frames / sr, 3), unit="s", desc="render", leave=False,
                            disable=None if enabled is None else not enabled,
                            bar_format="{desc} {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s "
                                       "of audio [{elapsed}<{remaining}, {rate_fmt}]",
                            mininterval=0.2), sr)


class _SecondsBar:
    """A tqdm bar counted in seconds of audio, fed frames."""

    def __init__(self, bar, sr: float):
        self.bar, self.sr = bar, sr

    def update(self, frames: int) -> None:
        self.bar.update(frames / self.sr)

    def close(self) -> None:
        self.bar.close()
