"""The front door: build a patch in Python, one method per node type, handles with operators.

It sits above every layer it uses (the graph it builds, the engine that renders it, the live
player, the notebook view), so that the layers below never import it.

Every node type in the registry is a real method of :class:`Patch` (``p.sine``, ``p.neuron``,
...), with a signature and a docstring made from the registry, so ``dir``, ``help``,
``inspect.signature`` and editors see them. Positional arguments fill the node's parameters in
order; keyword arguments set parameters or options by name (``in_`` for the ``in``
parameter). A parameter takes a number, or a handle (or ``handle.mod(scale, offset)``) for a
signal that drives it.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=48000)
>>> lfo = p.sine(0.5)
>>> a = p.neuron(act="tanh", name="a")
>>> a.input(p.sine(110), lfo.mod(scale=1.0, offset=1.5))  # a weight automated by an LFO
>>> p.out(a)
>>> sorted(p.compile().addresses)[:3]
['a.bias', 'a.w.sine2.offset', 'a.w.sine2.scale']
"""

from __future__ import annotations

import inspect
import keyword
import math
import os
import warnings
from typing import Any

import numpy as np

from neuromix import _config
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.feed import as_feed, patch_feed
from neuromix.engine.render import render
from neuromix.errors import PatchError, nearest
from neuromix.graph.graph import Graph, Input, Node, Ref, Signal, check_option
from neuromix.graph.patchfile import dumps, load_graph, save
from neuromix.live import Player, play
from neuromix.nodes import get, registry

__all__ = ["Handle", "Patch", "load"]


class Handle:
    """A node's output inside a patch: connect it, weight it, or combine it with operators."""

    patch: Patch
    ref: Ref

    def __init__(self, patch: Patch, ref: Ref) -> None:
        self.patch, self.ref = patch, ref

    @property
    def id(self) -> str:
        return self.ref.node

    @property
    def node(self) -> Node:
        return self.patch.graph.nodes[self.ref.node]

    def port(self, name: str) -> Handle:
        """A named output of this node (``svf.port('bp')``)."""
        return Handle(self.patch, Ref(self.ref.node, name))

    def mod(self, scale: float = 1.0, offset: float = 0.0, delay: int | None = None) -> Signal:
        """This signal as a parameter value ``signal * scale + offset`` (both addressable)."""
        return Signal(self.ref, float(scale), float(offset), delay)

    def input(self, source: Handle, weight: float | Handle | Signal = 1.0,
              delay: int | None = None) -> None:
        """Add (or re-weight) a weighted input; ``weight`` is a number or a signal."""
        inp = Input(_ref(source), _value(weight), delay)
        node = self.node
        node.inputs = [i for i in node.inputs if i.key != inp.key] + [inp]

    def set(self, **values: Any) -> None:
        """Change parameters or options of this node in the graph (``a.set(bias=0.2)``)."""
        self.patch._assign(self.node, (), values)

    # operators build small arithmetic nodes
    def __add__(self, other: Handle | float) -> Handle:
        if isinstance(other, Handle):
            return self.patch.add(inputs=[self, other])
        return self.patch.offset(self, float(other))

    __radd__ = __add__

    def __mul__(self, other: Handle | float) -> Handle:
        if isinstance(other, Handle):
            return self.patch.mul(inputs=[self, other])
        return self.patch.scale(self, float(other))

    __rmul__ = __mul__

    def __neg__(self) -> Handle:
        return self.patch.scale(self, -1.0)

    def __sub__(self, other: Handle | float) -> Handle:
        return self + (-other if isinstance(other, Handle) else -float(other))

    def __rsub__(self, other: Handle | float) -> Handle:
        return (-self) + other

    def __repr__(self) -> str:
        return f"<{self.node.type} '{self.ref}'>"


def _ref(source) -> Ref:
    if isinstance(source, Handle):
        return source.ref
    if isinstance(source, Ref):
        return source
    raise TypeError(f"expected a node handle, not {source!r}")


def _value(value) -> float | Signal:
    if isinstance(value, Signal):
        return value
    if isinstance(value, (Handle, Ref)):
        return Signal(_ref(value))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number or a signal, not {value!r}")
    if not math.isfinite(value):
        raise PatchError(f"expected a finite number, not {value!r}")
    return float(value)


class Patch:
    """A patch under construction: nodes, connections and outputs; renders itself.

    Examples
    --------
    >>> p = Patch(sr=48000, seed=1)
    >>> p.out(p.saw(55, antialias="polyblep"))
    >>> p.render(seconds=0.5).shape    # always (frames, channels), mono too
    (24000, 1)
    """

    graph: Graph

    def __init__(self, sr: float = _config.DEFAULT_SR, seed: int = 0,
                 graph: Graph | None = None) -> None:
        self.graph = graph if graph is not None else Graph(sr=float(sr), seed=int(seed))

    # -- building -------------------------------------------------------------------------
    def node(self, type_name: str, *args: Any, name: str | None = None, inputs: Any = None,
             **kwargs: Any) -> Handle:
        """Add a node of any registered type; returns its handle."""
        nt = get(type_name)
        nid = name or self._fresh_id(type_name)
        node = Node(nid, type_name)
        self.graph.add(node)
        try:
            self._assign(node, args, kwargs)
            for item in _input_items(inputs):
                if nt.inputs is None:
                    raise PatchError(f"{type_name} takes no inputs", node=nid)
                src, weight = item if isinstance(item, tuple) else (item, 1.0)
                Handle(self, Ref(nid)).input(src, weight)
        except BaseException:
            del self.graph.nodes[nid]
            raise
        return Handle(self, Ref(nid))

    def _assign(self, node: Node, args: tuple, kwargs: dict) -> None:
        nt = get(node.type)
        if len(args) > len(nt.params):
            raise TypeError(f"{node.type} takes at most {len(nt.params)} positional parameters "
                            f"({', '.join(p.name for p in nt.params)})")
        values = {spec.name: arg for spec, arg in zip(nt.params, args)}
        for key, value in kwargs.items():
            values[key.rstrip("_")] = value
        for key, value in values.items():
            if nt.param(key) is not None:
                node.params[key] = _value(value)
            elif nt.option(key) is not None:
                check_option(node, key, value)
                node.options[key] = value
            else:
                valid = [p.name for p in nt.params] + [o.name for o in nt.options]
                raise PatchError(f"{node.type} has no parameter or option '{key}'", node=node.id,
                                 hint=nearest(key, valid))

    def _fresh_id(self, type_name: str) -> str:
        i = 1
        while f"{type_name}{i}" in self.graph.nodes:
            i += 1
        return f"{type_name}{i}"

    def __getattr__(self, name: str):
        """Only reached for names that are not there: say which node type was meant."""
        if name.startswith("_"):
            raise AttributeError(name)
        hint = nearest(name, registry())
        raise AttributeError(f"no node type '{name}'" + (f" ({hint})" if hint else ""))

    def out(self, *sources: Handle | list[Handle]) -> None:
        """Set the output: one handle, or several (or a list), one channel each."""
        if len(sources) == 1 and isinstance(sources[0], (list, tuple)):
            sources = tuple(sources[0])
        self.graph.outputs = [_ref(s) for s in sources]

    def __getitem__(self, node_id: str) -> Handle:
        if node_id not in self.graph.nodes:
            raise KeyError(f"no node '{node_id}'")
        return Handle(self, Ref(node_id))

    # -- running --------------------------------------------------------------------------
    @property
    def sr(self) -> float:
        return self.graph.sr

    def compile(self, lanes: int = 1, exact: bool = False) -> CompiledPatch:
        """The compiled patch (recompiles only when the structure changed); ``exact`` with
        libm's tanh and sine instead of the fast approximations and without fast-math: bit for
        bit what the reference interpreter computes (and Faust's ``-double`` build)."""
        return CompiledPatch(self.graph, lanes=lanes, exact=exact)

    def render(self, seconds: float | None = None, frames: int | None = None,
               block: int = _config.DEFAULT_BLOCK, exact: bool = False, input=None,
               loop: bool = False):
        """Render from the initial state; returns (frames, channels) for every patch, a mono
        one too (``audio[:, 0]`` is its signal), as :meth:`CompiledPatch.process` does;
        ``exact`` as in :meth:`compile`.

        ``input`` is the sound the ``audio_in`` nodes hear: an array (frames,) or
        (frames, channels) at the patch's rate (again and again with ``loop``), or a function
        of a number of frames returning that many; without it, the sound file the patch file
        names (``input:``). The length defaults to the input's. NaN or infinite samples
        become 0, with one warning."""
        compiled = self.compile(exact=exact)
        feed = None
        if input is not None:
            feed = as_feed(input, compiled.inputs, loop)
        elif compiled.inputs:
            feed = patch_feed(self.graph, loop=loop or None)
        try:
            audio = render(compiled, seconds=seconds, frames=frames, block=block, input=feed,
                           loop=loop)
        finally:
            if hasattr(feed, "close"):
                feed.close()
        scrubbed = getattr(feed, "scrubbed", 0)
        if scrubbed:
            warnings.warn(f"{scrubbed} input samples were NaN or infinite and were played as 0",
                          stacklevel=2)
        return audio

    def _repr_html_(self) -> str:
        """Jupyter's view: the network drawn as in ``neuromix explain`` and a player of one
        second of its sound (:func:`neuromix.analysis.report.page.patch_html`)."""
        # imported here, for a notebook-only view: the report's modules add about 0.03 s (4%)
        # to every start of the command line (CPU time, median of 15, 2 cores, Dec. 2026)
        from neuromix.analysis.report.page import patch_html

        return patch_html(self.graph)

    def play(self, audio: str = "portaudio", **options: Any) -> Player:
        """Start playing live and return the player (see :func:`neuromix.live.play`):
        ``player.set("a.bias", 0.3)`` moves a parameter while it plays."""
        return play(self, audio=audio, **options)

    def save(self, path: str | os.PathLike) -> None:
        """Write the patch as a YAML patch file (atomically)."""
        save(self.graph, path)

    def to_yaml(self) -> str:
        """The patch as patch-file text (what :meth:`save` writes)."""
        return dumps(self.graph)


def _argument(name: str) -> str:
    """The Python spelling of a parameter or option name (``in`` -> ``in_``)."""
    return name + "_" if keyword.iskeyword(name) else name


def _builder_doc(nt) -> str:
    """A numpydoc docstring for the builder of node type ``nt``, from its declaration."""
    lines = [nt.doc, "", "Parameters", "----------"]
    for spec in nt.params:
        bounds = [f"{spec.lo:g}" if spec.lo > -float("inf") else "",
                  f"{spec.hi:g}" if spec.hi < float("inf") else ""]
        extra = ", ".join(x for x in (f"range {bounds[0]}..{bounds[1]}" if any(bounds) else "",
                                      spec.unit) if x)
        lines += [f"{_argument(spec.name)} : float or signal, default {spec.default:g}"
                  + (f" ({extra})" if extra else ""),
                  f"    {spec.doc or 'a parameter: a number, or a handle that drives it'}"]
    for opt in nt.options:
        choices = f", one of {', '.join(map(str, opt.choices))}" if opt.choices else ""
        lines += [f"{_argument(opt.name)} : {opt.kind.__name__}, default {opt.default!r}{choices}",
                  f"    {opt.doc or 'a structural option (changing it recompiles)'}"]
    if nt.inputs == "weighted":
        lines += ["inputs : dict or list, optional",
                  "    ``{handle: weight}`` (a weight is a number or a signal), or handles"]
    elif nt.inputs == "list":
        lines += ["inputs : list, optional", "    the handles to combine"]
    lines += ["name : str, optional", "    the node's id (default: the type and a number)",
              "", "Returns", "-------", "Handle",
              f"    the new node's main output ({nt.output_ports()[0]!r})"
              + (f"; other outputs: {', '.join(nt.output_ports()[1:])}"
                 if len(nt.output_ports()) > 1 else "")]
    return "\n".join(lines)


def _builder(nt):
    """The ``Patch`` method that adds a node of type ``nt``."""
    type_name = nt.name

    def build(self, *args, **kwargs) -> Handle:
        return self.node(type_name, *args, **kwargs)

    P, K = inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter("self", P)]
    parameters += [inspect.Parameter(_argument(spec.name), P, default=spec.default)
                   for spec in nt.params]
    parameters += [inspect.Parameter(_argument(opt.name), K, default=opt.default)
                   for opt in nt.options]
    if nt.inputs is not None:
        parameters.append(inspect.Parameter("inputs", K, default=None))
    parameters.append(inspect.Parameter("name", K, default=None))
    build.__name__ = type_name
    build.__qualname__ = f"Patch.{type_name}"
    build.__doc__ = _builder_doc(nt)
    build.__signature__ = inspect.Signature(parameters, return_annotation=Handle)
    return build


def _add_builders() -> None:
    for nt in registry().values():
        if not hasattr(Patch, nt.name):  # a node type never hides a method of Patch
            setattr(Patch, nt.name, _builder(nt))


def _input_items(inputs):
    if inputs is None:
        return []
    if isinstance(inputs, dict):
        return list(inputs.items())
    return list(inputs)


def load(path: str | os.PathLike) -> Patch:
    """Load a patch file (YAML or JSON) into a :class:`Patch`; raises PatchError if it is bad."""
    return Patch(graph=load_graph(path))


_add_builders()
