"""The ``sample`` node: a sound file played at a speed, from a start, once or looping.

The file (``file:``, absolute or relative to the patch file) is read once per compile,
resampled to the patch's rate with soxr (see ``io/audiofile.py``) and shared by every lane:
the kernel reads it from its float-table array, and neither the samples nor the file's name or
length reach the generated source (another file recompiles nothing). A sample holds at most
:data:`neuromix._config.MAX_SOUND_BYTES` of float64 at the patch's rate; longer files belong
to ``audio_in``, which streams.

The read head starts at ``start`` seconds and moves ``speed`` frames (at the patch's rate) per
sample: 1 plays the file as it is, 2 an octave up, −1 backwards. Between frames it reads
linearly. Without ``loop`` the sample falls silent once the head leaves the file (either end);
with it, the head wraps around the whole file: frame N−1 is followed by frame 0, exactly
(a file cut at a whole number of periods loops without a click). A rising edge of ``trig``
(≤ 0 to > 0: a clock, a gate opening) puts the head back at ``start``; the file also starts
once at the beginning of the render. Channel 1 of the file is the main output ``out``,
further channels are the ports ``ch2``, ``ch3``, ...

Examples
--------
>>> import numpy as np, soundfile as sf, tempfile, pathlib
>>> import neuromix as nm
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ramp.wav"
>>> sf.write(path, np.arange(8) / 8, 8, subtype="DOUBLE")
>>> p = nm.Patch(sr=8)
>>> p.out(p.sample(speed=2.0, file=str(path)))
>>> p.render(frames=5)[:, 0].tolist()
[0.0, 0.25, 0.5, 0.75, 0.0]
"""

from __future__ import annotations

import os
import sys

from neuromix.errors import AudioFileError, PatchError
from neuromix.io import audiofile
from neuromix.nodes._common import PREV, TRIG, rising
from neuromix.nodes._registry import FilePath, NodeType, Option, Param, State, register

MAX_CHANNELS = 64
_SOUNDS: dict = {}  # (path, mtime, size, sr) -> Sound: each file read once per change and rate
_HEADERS: dict = {}  # (path, mtime, size) -> channels


def _path(node) -> FilePath:
    ref = node.options.get("file")
    if not isinstance(ref, str) or not ref.strip():
        raise PatchError("needs a sound file: file: name.wav (relative to the patch file)",
                         node=node.id, field="file")
    return ref if isinstance(ref, FilePath) else FilePath(ref)


def _stamp(node) -> tuple:
    """(path, mtime, size) of the node's file; PatchError when it is not there."""
    ref = _path(node)
    path = ref.resolve()
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        raise PatchError(f"sound file '{ref}' not found (looked for {path})", node=node.id,
                         field="file") from None
    return str(path), st.st_mtime_ns, st.st_size


def _fail(node, err: AudioFileError):
    raise PatchError(str(err), node=node.id, field="file") from None


def channels(node) -> int:
    """How many channels the node's file has (its header only); PatchError if unreadable."""
    key = _stamp(node)
    if key not in _HEADERS:
        try:
            meta = audiofile.info(key[0])
        except AudioFileError as err:
            _fail(node, err)
        if meta.channels > MAX_CHANNELS:
            raise PatchError(f"sound file '{_path(node)}' has {meta.channels} channels; a sample "
                             f"plays at most {MAX_CHANNELS}", node=node.id, field="file")
        if meta.frames <= 0:
            raise PatchError(f"sound file '{_path(node)}' holds no sound (0 frames)",
                             node=node.id, field="file")
        _HEADERS[key] = meta.channels
    return _HEADERS[key]


def sound(node, sr: float) -> audiofile.Sound:
    """The node's file at rate ``sr``, read once per change of the file (kept for the latest
    few files); non-finite samples play as 0 and are reported once, on stderr."""
    channels(node)
    key = (*_stamp(node), float(sr))
    if key not in _SOUNDS:
        try:
            loaded = audiofile.read(key[0], sr)
        except AudioFileError as err:
            _fail(node, err)
        if len(loaded.samples) == 0:
            raise PatchError(f"sound file '{_path(node)}' holds no sound at {sr:g} Hz",
                             node=node.id, field="file")
        if loaded.scrubbed:
            print(f"neuromix: sample '{node.id}': {loaded.scrubbed} sample(s) of "
                  f"'{_path(node)}' were NaN or infinite and play as 0", file=sys.stderr)
        if len(_SOUNDS) >= 4:
            _SOUNDS.pop(next(iter(_SOUNDS)))
        _SOUNDS[key] = loaded
    return _SOUNDS[key]


def _check(node) -> None:
    if not isinstance(node.options.get("loop", False), bool):
        raise PatchError(f"loop must be true or false, not {node.options['loop']!r}",
                         node=node.id, field="loop")
    channels(node)


def _ports(node) -> tuple[str, ...]:
    return tuple(f"ch{c + 1}" for c in range(1, channels(node)))


def _emit_sample(ctx):
    data = sound(ctx.node, ctx.sr).samples
    tables = [ctx.sound(data[:, c]) for c in range(data.shape[1])]
    ports = [ctx.out()] + [ctx.out(port) for port in _ports(ctx.node)]
    pos, run, loop = ctx.s("pos"), ctx.s("run"), bool(ctx.opt("loop"))
    n, k, f, a, b = (ctx.tmp(x) for x in ("n", "k", "f", "a", "b"))
    edge, lines = rising(ctx, ctx.p("trig"))
    lines += [
        f"{n} = {tables[0]}.shape[0]",
        f"if {edge} or {run} == 0:",
        f"    {pos} = {ctx.p('start')} * {ctx.sr!r}",
        f"    {pos} = {pos} if 0.0 <= {pos} <= {n} - 1.0 else (0.0 if not {pos} > 0.0 "
        f"else {n} - 1.0)",
        f"    {run} = 1",
        *(f"{y} = 0.0" for y in ports),
    ]
    if loop:  # wrap the head into 0..n (NaN or a rounding to n lands on 0)
        lines += [f"if not 0.0 <= {pos} < {n}:",
                  f"    {pos} -= {n} * math.floor({pos} / {n})",
                  f"    if not 0.0 <= {pos} < {n}:",
                  f"        {pos} = 0.0"]
    lines += [f"if {run} == 1:",
              f"    {k} = int(math.floor({pos}))",
              f"    {f} = {pos} - {k}"]
    for table, y in zip(tables, ports):
        if loop:
            lines += [f"    {a} = {table}[{k}]",
                      f"    {b} = {table}[{k} + 1 if {k} + 1 < {n} else 0]"]
        else:  # frames outside the file are silence
            lines += [f"    {a} = {table}[{k}] if {k} >= 0 else 0.0",
                      f"    {b} = {table}[{k} + 1] if {k} + 1 < {n} else 0.0"]
        lines.append(f"    {y} = {a} + {f} * ({b} - {a})")
    lines.append(f"    {pos} += {ctx.p('speed')}")
    if not loop:
        lines += [f"    if not -1.0 < {pos} < {n}:", f"        {run} = 2"]
    return lines


register(NodeType(
    "sample",
    "Sound-file player: reads `file:` (resampled to the patch's rate, shared by all lanes) at "
    "`speed` (1 as recorded, 2 an octave up, negative backwards) from `start` seconds, "
    "linearly interpolated; once (then silent) or with `loop: true` round the whole file, "
    "sample-exact at the seam. A rising `trig` restarts at `start`. One output per channel: "
    "`out` (channel 1), `ch2`, `ch3`, ...",
    _emit_sample,
    params=(Param("speed", 1.0, -64.0, 64.0, "ratio", "frames of the file per sample (−: backwards)"),
            Param("start", 0.0, 0.0, 86400.0, "s", "where playing starts and a trigger restarts"),
            TRIG),
    options=(Option("file", None, kind=FilePath,
                    doc="the sound file (WAV, FLAC, OGG, AIFF), relative to the patch file"),
             Option("loop", False, kind=bool, doc="wrap round the whole file instead of stopping")),
    state=(State("pos"), State("run", integer=True), PREV),
    dynamic_outputs=_ports, check=_check, category="sampling",
))
