"""Sound going into a patch's ``audio_in`` nodes, block by block: the feeds every architecture
(an offline render, the live player, a test) reads its input from.

A feed has ``channels``, ``frames`` (its length at the patch's rate; None when it has no end)
and ``read(out)``, which fills a preallocated (frames, channels) float64 block with what comes
next. :class:`~neuromix.io.audiofile.SoundIn` is the feed of a sound file (streamed, in bounded
memory); :class:`ArrayFeed` of an array, :class:`CallbackFeed` of a function. Samples that are
NaN or infinite become 0 and are counted in ``scrubbed``, for the caller to report once.

A patch file can name the sound it is rendered with (``input: voice.wav``, relative to the
patch file, or ``input: {file: tone.wav, loop: true}``): :func:`patch_feed` opens it.

Examples
--------
>>> import numpy as np
>>> feed = ArrayFeed([1.0, 2.0, 3.0], loop=True)
>>> block = np.zeros((4, 1))
>>> feed.read(block); block[:, 0].tolist()
[1.0, 2.0, 3.0, 1.0]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuromix.errors import UsageError
from neuromix.io.audiofile import SoundIn, scrub
from neuromix.nodes._registry import FilePath


def _as_frames(samples, what: str) -> np.ndarray:
    """``samples`` as a (frames, channels) float64 array (the caller's own when it is one: not
    copied); UsageError if it cannot be one."""
    try:
        array = np.asarray(samples, dtype=np.float64)
    except (TypeError, ValueError):
        raise UsageError(f"{what} must be an array of numbers, (frames,) or (frames, channels), "
                         f"not {type(samples).__name__}") from None
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.shape[1] < 1:
        raise UsageError(f"{what} must be (frames,) or (frames, channels), not of shape "
                         f"{array.shape}")
    return array


class ArrayFeed:
    """An array of samples at the patch's rate, (frames,) or (frames, channels): silence after
    its end, or the array again with ``loop``."""

    def __init__(self, samples, loop: bool = False, name: str = "the input"):
        self.samples = _as_frames(samples, name)
        self.name, self.loop = name, bool(loop)
        self.channels = self.samples.shape[1]
        self.frames = len(self.samples)
        self.scrubbed = 0
        if not np.isfinite(self.samples).all():  # a copy, scrubbed: the caller's stays as it was
            self.samples = self.samples.copy()
            self.scrubbed = scrub(self.samples)
        self.position = 0

    def read(self, out: np.ndarray) -> None:
        """Fill ``out`` (n, channels) with the next n frames."""
        n, done = len(out), 0
        while done < n:
            if self.position >= self.frames:
                if not self.loop or self.frames == 0:
                    out[done:] = 0.0
                    return
                self.position = 0
            take = min(n - done, self.frames - self.position)
            out[done:done + take] = self.samples[self.position:self.position + take]
            self.position += take
            done += take


class CallbackFeed:
    """A function called with a number of frames, returning that many: (n,) or (n, channels)."""

    frames = None

    def __init__(self, fn, channels: int, name: str = "the input callback"):
        self.fn, self.channels, self.name = fn, int(channels), name
        self.scrubbed = 0

    def read(self, out: np.ndarray) -> None:
        n = len(out)
        given = np.asarray(self.fn(n), dtype=np.float64)
        block = given.reshape(-1, 1) if given.ndim == 1 else given
        if block.ndim != 2 or block.shape[0] != n or block.shape[1] < out.shape[1]:
            raise UsageError(f"{self.name} returned a block of shape {given.shape} for {n} "
                             f"frames: it must give ({n}, {out.shape[1]})"
                             + (f" or ({n},)" if out.shape[1] == 1 else ""))
        out[:] = block[:, :out.shape[1]]
        self.scrubbed += scrub(out)


def as_feed(source, channels: int, loop: bool = False):
    """A feed for ``source``: a feed as it is (anything with ``read``), a function of the
    number of frames, or an array (looped with ``loop``)."""
    if hasattr(source, "read"):
        return source
    if callable(source):
        return CallbackFeed(source, channels)
    return ArrayFeed(source, loop=loop)


def check_feed(compiled, feed) -> None:
    """UsageError unless ``feed`` has every channel the patch's audio_in nodes read."""
    if feed.channels >= compiled.inputs:
        return
    node, channel = max(compiled._reads.items(), key=lambda item: item[1])
    raise UsageError(f"audio_in '{node}' reads input channel {channel}, but "
                     f"{getattr(feed, 'name', 'the input')} has {feed.channels} channel(s), "
                     "numbered from 0")


def input_section(graph) -> tuple[Path, bool] | None:
    """The sound file a patch names in its ``input:`` section and whether it loops, or None."""
    section = graph.extra.get("input")
    if section is None:
        return None
    if isinstance(section, dict):
        return _path(section["file"]), bool(section.get("loop", False))
    return _path(section), False


def _path(file) -> Path:
    """A file named in a patch: relative to the patch file when it was read from one."""
    return file.resolve() if isinstance(file, FilePath) else Path(file)


def patch_feed(graph, loop: bool | None = None):
    """A :class:`~neuromix.io.audiofile.SoundIn` for the file the patch names (``input:``),
    at the patch's rate, or None when it names none. ``loop`` overrides the patch's choice."""
    named = input_section(graph)
    if named is None:
        return None
    path, loops = named
    return SoundIn(path, graph.sr, loop=loops if loop is None else loop)
