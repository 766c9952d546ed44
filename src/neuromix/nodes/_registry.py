"""The node registry: the single source of truth for every node type.

A node type declares its inputs (each a parameter with default, range and unit), its outputs,
its state, its structural options and a function that emits its per-sample code. The Python
API, the patch-file validator, the JSON Schema, ``neuromix nodes`` and ``docs/nodes.md`` are
all generated from these declarations.

Examples
--------
>>> from neuromix.nodes import registry
>>> registry()["sine"].params[0].name
'freq'
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from neuromix.errors import UnknownNameError


@dataclass(frozen=True)
class Param:
    """A numeric input: a constant with an address, or driven by a signal."""

    name: str
    default: float
    lo: float = -float("inf")
    hi: float = float("inf")
    unit: str = ""
    doc: str = ""


@dataclass(frozen=True)
class Option:
    """A structural choice (changing it recompiles): activation, waveform, size."""

    name: str
    default: Any
    choices: tuple | None = None
    kind: type = str
    doc: str = ""
    lo: float | None = None
    hi: float | None = None


@dataclass(frozen=True)
class State:
    """A per-node state variable kept across samples (and blocks).

    ``integer`` state is stored exactly in the float64 state array (below 2**53) and held in
    an int64 local inside the loop. ``init`` may be a number or a function of the emit
    context (for seeds).
    """

    name: str
    init: float | Callable = 0.0
    integer: bool = False


@dataclass(frozen=True)
class Buffer:
    """A per-node float64 array (a delay line). ``size`` is a function of the context."""

    name: str
    size: Callable


@dataclass(frozen=True)
class ParamArray:
    """A contiguous block of parameters (a weight matrix, a bias vector).

    Each entry has its own address ``<node>.<key>`` (settable live, fittable, explained) and
    lives in the kernel's flat parameter array, so the node's code loops over the block
    (``ctx.block(name)``) instead of naming one local per weight. ``entries(node)`` gives the
    address keys and a float array of the values, in the block's order.
    """

    name: str
    entries: Callable
    doc: str = ""


class FilePath(str):
    """A file-name option: the text as written, resolved against the patch file's folder.

    Examples
    --------
    >>> FilePath("w.npz", base="/patches").resolve().as_posix()
    '/patches/w.npz'
    >>> FilePath("w.npz") == "w.npz"
    True
    """

    base: str | None

    def __new__(cls, text: str, base: str | None = None):
        obj = super().__new__(cls, text)
        obj.base = base
        return obj

    def resolve(self) -> Path:
        """The path: absolute as written, else inside ``base`` (the current folder if none)."""
        path = Path(str(self))
        return path if path.is_absolute() or self.base is None else Path(self.base) / path


@dataclass
class NodeType:
    """Declaration of one node type.

    ``inputs`` says whether the node takes a variadic input section:
    ``None`` (no), ``"weighted"`` (``{source: weight}``, e.g. neuron, mix) or ``"list"``
    (``[source, ...]``, e.g. add, mul).
    """

    name: str
    doc: str
    emit: Callable
    params: tuple[Param, ...] = ()
    outputs: tuple[str, ...] = ("out",)
    state: tuple[State, ...] = ()
    buffers: tuple[Buffer, ...] = ()
    arrays: tuple[ParamArray, ...] = ()
    options: tuple[Option, ...] = ()
    inputs: str | None = None
    category: str = "misc"
    flush: tuple[str, ...] = field(default=())
    dynamic_outputs: Callable | None = None
    check: Callable | None = None  # check(node) raises PatchError for bad structural options
    summary: Callable | None = None  # summary(node) -> one line for `neuromix info` (big nodes)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def output_ports(self, node=None) -> tuple[str, ...]:
        """Output port names; some nodes add ports that depend on their inputs."""
        if self.dynamic_outputs is not None and node is not None:
            return tuple(self.outputs) + tuple(self.dynamic_outputs(node))
        return tuple(self.outputs)


_REGISTRY: dict[str, NodeType] = {}
_LOADED = False


def register(node_type: NodeType) -> NodeType:
    """Add a node type to the registry (called at import time of a ``nodes`` module).

    The same file imported a second time under another module name (as pytest's importlib mode
    does for a module's doctests) keeps the first registration; another file claiming a taken
    name is an error.
    """
    first = _REGISTRY.get(node_type.name)
    if first is not None:
        if _source(first) == _source(node_type):
            return first
        raise ValueError(f"node type {node_type.name!r} registered twice")
    _REGISTRY[node_type.name] = node_type
    return node_type


def _source(node_type: NodeType) -> str | None:
    code = getattr(node_type.emit, "__code__", None)
    return None if code is None else code.co_filename


def registry() -> dict[str, NodeType]:
    """All node types, by name. Imports every module of ``neuromix.nodes`` once."""
    global _LOADED
    if not _LOADED:
        import neuromix.nodes as pkg

        for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            if not mod.name.startswith("_"):
                importlib.import_module(f"neuromix.nodes.{mod.name}")
        _LOADED = True
    return _REGISTRY


def get(name: str) -> NodeType:
    """The node type called ``name``; KeyError with the nearest names otherwise."""
    types = registry()
    if name not in types:
        import difflib

        near = difflib.get_close_matches(name, types, n=3)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise UnknownNameError(f"unknown node type {name!r}{hint}")
    return types[name]
