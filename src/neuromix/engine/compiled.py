"""A compiled patch: the Faust-like protocol every architecture (render, stream, control) uses.

``reset()``, ``process(n) -> block``, a flat parameter array with stable addresses
(``"a.bias"``, ``"a.w.b"``, ``"lfo.freq"``) and ``set(address, value)``. It can run K copies of
the patch at once (lanes), each with its own state and parameter values.

A patch with ``audio_in`` nodes is given its sound block by block: ``process(n, input=block)``
with ``block`` (n,) or (n, channels), every lane hearing the same input.

Parameters jump at the next block by default. With ``smoothing`` (a time constant in
seconds), a changed parameter glides there instead (a one-pole step every
``_config.SMOOTH_STEP`` frames, in the kernel), so that a jump does not click while playing
live; the glide is deterministic, so an offline replay of the same changes at the same block
boundaries gives the same samples.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=8)
>>> a = p.neuron(act="identity", bias=0.5, name="a")
>>> p.out(a)
>>> c = p.compile()
>>> c.set("a.bias", 0.25)
>>> c.process(2)[:, 0].tolist()
[0.25, 0.25]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neuromix import _config
from neuromix.compiler.codegen import Kernel, generate
from neuromix.compiler.jit import load_kernel
from neuromix.graph.plan import plan_graph
from neuromix.engine.feed import check_feed, patch_feed
from neuromix.engine.notice import notice
from neuromix.errors import UnknownNameError, UsageError
from neuromix.graph.graph import Graph, nearest
from neuromix.nodes.io_nodes import input_channels


@dataclass
class Blowup:
    """A node that blew up: when first (seconds), how often, and how many samples were muted."""

    node: str
    seconds: float
    muted: int = 0
    times: int = 1

    def message(self) -> str:
        """One line for people: ``node 'a' blew up at 0.02 s and was reset; 540 samples muted``."""
        again = f" ({self.times} times)" if self.times > 1 else ""
        return (f"node '{self.node}' blew up at {self.seconds:.3g} s{again} and was reset; "
                f"{self.muted} samples muted")


class CompiledPatch:
    """A graph compiled to one kernel, with its parameters, state and buffers."""

    def __init__(self, graph: Graph, lanes: int = 1, kernel: Kernel | None = None,
                 exact: bool = False):
        self.graph = graph
        self.kernel = kernel or generate(plan_graph(graph), exact=exact)
        self._fn = load_kernel(self.kernel.source)
        layout = self.kernel.layout
        self.sr = float(graph.sr)
        self.lanes = int(lanes)
        self.channels = layout.channels
        self.inputs = self.kernel.inputs  # input channels its audio_in nodes read (0: none)
        self._reads = input_channels(graph)  # audio_in node -> its channel, for messages
        self._silence = np.zeros((0, max(self.inputs, 1)))  # the input of a patch without any
        self._own = None  # the file its input: section names, opened when first heard
        self._own_block = np.empty((0, 1))
        self.addresses = layout.addresses
        self.params = np.tile(np.array([slot.value for slot in layout.params], dtype=np.float64),
                              (self.lanes, 1)).reshape(self.lanes, len(layout.params))
        self.current = self.params.copy()  # where each parameter is now, gliding to params
        self._smoothing = 0.0
        self._decay = 0.0  # the glide's factor per step, derived from _smoothing
        self._init = np.array([s.init for s in layout.state], dtype=np.float64)
        self.state = np.empty((self.lanes, len(layout.state)))
        self.buffers = np.zeros((self.lanes, max(layout.buffer_size, 1)))
        self._out = np.empty((self.lanes, 0, self.channels))
        self.guard = np.zeros((self.lanes, len(self.kernel.guarded), 2))
        self.frames_done = 0
        self.blown_up: list[str] = []  # node ids, in the order they first blew up
        self.blowups: dict[str, Blowup] = {}
        self.reset()

    # -- the protocol ---------------------------------------------------------------------
    def reset(self) -> None:
        """Every node back to its initial state (phases 0, delay lines empty, seeds)."""
        self.state[:] = self._init
        self.buffers[:] = 0.0
        self.current[:] = self.params
        self.guard[:] = 0.0
        self.frames_done = 0
        if getattr(self, "_own", None) is not None:  # heard again from its start
            self._own.close()
            self._own = None

    def process(self, n: int, out: np.ndarray | None = None, input=None) -> np.ndarray:
        """Run ``n`` frames; returns (n, channels), or (lanes, n, channels) with lanes > 1.

        ``out``, if given, is a preallocated (lanes, n, channels) float64 array to fill.
        ``input`` is the sound of the ``audio_in`` nodes for these frames: (n,) or
        (n, channels) (a C-ordered float64 array is used as it is, with no copy).
        """
        if out is None:
            if self._out.shape[1] != n:
                self._out = np.empty((self.lanes, n, self.channels))
            out = self._out
        sound = self._input(n, input)
        kernel = self.kernel
        trouble = self._fn(n, self.params, self.current, self._decay, self.state, self.buffers, out,
                           self.guard, kernel.ints, kernel.floats, sound)
        if trouble:  # a node's output or state went non-finite or past the limit
            self._guard()
        self.frames_done += n
        return out[0] if self.lanes == 1 else out

    def _input(self, n: int, block) -> np.ndarray:
        """The input block as the kernel takes it (float64, C order, 2-D); UsageError when a
        patch that listens is given none, or fewer frames or channels than it reads."""
        if block is None:
            if self.inputs and n > 0:
                return self._own_input(n)
            return self._silence
        try:
            sound = np.ascontiguousarray(block, dtype=np.float64)
        except (TypeError, ValueError):
            sound = np.zeros(0)
        if sound.ndim == 1:
            sound = sound.reshape(-1, 1)
        if sound.ndim != 2 or len(sound) < n:
            raise UsageError(f"the input block must be (frames,) or (frames, channels) with at "
                             f"least {n} frames, not of shape {np.shape(block)}")
        if sound.shape[1] < self.inputs:
            node, channel = max(self._reads.items(), key=lambda item: item[1])
            raise UsageError(f"audio_in '{node}' reads input channel {channel}, but the input has "
                             f"{sound.shape[1]} channel(s), numbered from 0")
        return sound

    def _own_input(self, n: int) -> np.ndarray:
        """The next ``n`` frames of the file the patch's ``input:`` section names (streamed
        from its start after each reset), for a caller that gives no input: an explanation, a
        chaos measure, a sweep hear what ``render`` would. UsageError when it names none."""
        if self._own is None:
            feed = patch_feed(self.graph)
            if feed is None:
                raise UsageError(f"the patch listens to audio_in ('{next(iter(self._reads))}') "
                                 "but was given no input: give one (--input FILE, "
                                 "render(input=array), or name one in the patch: input: FILE)")
            try:
                check_feed(self, feed)
            except UsageError:
                feed.close()
                raise
            self._own = feed
        if self._own_block.shape != (n, self._own.channels):
            self._own_block = np.empty((n, self._own.channels))
        self._own.read(self._own_block)
        return self._own_block

    def compile_now(self, label: str | None = None) -> None:
        """Compile the kernel (or load it from the cache) before the first block.

        When ``label`` is given and that takes longer than half a second, says so on stderr
        (``compiling LABEL...``), with a spinner while it works when stderr is a terminal.
        """
        fn = lambda: self._fn(0, self.params, self.current, self._decay, self.state,  # noqa: E731
                              self.buffers, self._out, self.guard, self.kernel.ints,
                              self.kernel.floats, self._silence)
        if label is None:
            fn()
            return
        with notice(f"compiling {label}"):
            fn()

    def index(self, address: str) -> int:
        """The position of a parameter address in the flat array; KeyError with a hint."""
        try:
            return self.addresses[address]
        except KeyError:
            hint = nearest(address, self.addresses)
            raise UnknownNameError(f"no parameter '{address}'" + (f" ({hint})" if hint else "")
                                   ) from None

    def set(self, address: str, value: float, lane: int | None = None) -> None:
        """Set a parameter by address (all lanes, or one); takes effect at the next block."""
        i = self.index(address)
        if lane is None:
            self.params[:, i] = value
        else:
            self.params[lane, i] = value

    def get(self, address: str, lane: int = 0) -> float:
        return float(self.params[lane, self.index(address)])

    @property
    def smoothing(self) -> float:
        """Time constant (seconds) of parameter glides; 0 (the default) jumps at once."""
        return self._smoothing

    @smoothing.setter
    def smoothing(self, seconds: float) -> None:
        seconds = float(seconds)
        if not seconds >= 0.0:
            raise ValueError("smoothing must be 0 or a positive time in seconds")
        self._smoothing = seconds
        self._decay = math.exp(-_config.SMOOTH_STEP / (seconds * self.sr)) if seconds else 0.0

    # -- safety ---------------------------------------------------------------------------
    def _guard(self) -> None:
        """Reset the nodes that blew up in this block (the kernel muted their outputs) and
        record each as a :class:`Blowup`."""
        state, layout = self.state, self.kernel.layout
        bad = ~np.isfinite(state) | (np.abs(state) >= _config.BLOWUP_LIMIT)
        bad_buf = ~np.isfinite(self.buffers)
        for j, nid in enumerate(self.kernel.guarded):
            span = layout.state_of(nid)
            own = slice(span.start, span.stop)
            own_buf = layout.buffers_of(nid)
            muted = self.guard[:, j, 0]
            if not (muted.any() or bad[:, own].any()
                    or any(bad_buf[:, b.cells].any() for b in own_buf)):
                continue
            state[:, own] = self._init[own]
            for b in own_buf:
                self.buffers[:, b.cells] = 0.0
            hit = np.flatnonzero(muted)
            start = self.frames_done + (int(self.guard[hit[0], j, 1]) if len(hit) else 0)
            count = int(muted.max())
            if nid not in self.blown_up:  # callers may clear this list to watch for new ones
                self.blown_up.append(nid)
            if nid in self.blowups:
                record = self.blowups[nid]
                record.times += 1
                record.muted += count
            else:
                self.blowups[nid] = Blowup(nid, start / self.sr, count)
        self.guard[:] = 0.0
        for i, slot in enumerate(layout.state):
            if slot.node is None:
                state[bad[:, i], i] = 0.0
        for b in layout.buffers_of(None):  # the edges' ring buffers
            seg = self.buffers[:, b.cells]
            seg[~np.isfinite(seg)] = 0.0
