"""Parameter addresses: every value of a patch that can change without recompiling.

A constant parameter is ``node.param`` and a constant weight ``node.w.source``; a parameter or
weight driven by a signal with a scale or an offset has ``….scale`` and ``….offset``; a node's
parameter arrays (a network's weights) have one address per entry. The compiler lays the
kernel's parameters out in this order, and a patch file's ``midi:`` section, ``--set``, an
instrument's ``param`` outputs and a fit name them, all without compiling.

Examples
--------
>>> from neuromix.graph.graph import Graph, Input, Node, Ref, Signal
>>> g = Graph()
>>> g.add(Node("s", "sine", params={"freq": 110.0}))
>>> g.add(Node("a", "neuron", params={"bias": Signal(Ref("s"), 0.5)}, inputs=[Input(Ref("s"))]))
>>> parameters(g)
[('s.freq', 110.0), ('a.bias.scale', 0.5), ('a.bias.offset', 0.0), ('a.w.s', 1.0)]
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from neuromix.graph.graph import Graph, Node, Signal
from neuromix.nodes import get


class Kind(Enum):
    """What a group of a node's addresses holds."""

    CONSTANT = "constant"  # the value itself
    SCALE = "scale"  # the gain of the signal driving it
    OFFSET = "offset"  # the offset added to that signal
    ARRAY = "array"  # a parameter array: one address per entry


class Key(NamedTuple):
    """Names a group of a node's addresses: ``Key(Kind.CONSTANT, "bias")`` is a constant
    parameter, ``Key(Kind.SCALE, "s", weight=True)`` the scale of the signal driving the
    weight of input ``s``, ``Key(Kind.ARRAY, "w")`` a parameter array."""

    kind: Kind
    name: str  # the parameter, the input's key (a weight) or the array
    weight: bool = False  # a weighted input's weight, not a parameter


class Group(NamedTuple):
    """A node's addresses of one :class:`Key`, with their values, in layout order."""

    key: Key
    addresses: list[str]
    values: list  # floats, or an array's entries


def _signal_or_constant(value, address: str, name: str, weight: bool) -> list[Group]:
    """A parameter or weight: a constant, or a driving signal's scale and offset."""
    if isinstance(value, Signal):
        if value.is_wire:
            return []  # a plain connection: the source's value itself, nothing to set
        scale, offset = value.gain()
        return [Group(Key(Kind.SCALE, name, weight), [f"{address}.scale"], [scale]),
                Group(Key(Kind.OFFSET, name, weight), [f"{address}.offset"], [offset])]
    return [Group(Key(Kind.CONSTANT, name, weight), [address], [float(value)])]


def node_parameters(node: Node) -> list[Group]:
    """One node's addressable values in layout order, as :class:`Group` s: its parameters, the
    weights of its inputs (a weighted node), then its parameter arrays."""
    nt = get(node.type)
    groups = []
    for spec in nt.params:
        value = node.params.get(spec.name, spec.default)
        groups += _signal_or_constant(value, f"{node.id}.{spec.name}", spec.name, False)
    if nt.inputs == "weighted":
        for inp in node.inputs:
            groups += _signal_or_constant(inp.weight, f"{node.id}.w.{inp.key}", inp.key, True)
    for arr in nt.arrays:
        keys, values = arr.entries(node)
        groups.append(Group(Key(Kind.ARRAY, arr.name), [f"{node.id}.{k}" for k in keys], values))
    return groups


def parameters(graph: Graph) -> list[tuple[str, float]]:
    """Every address of ``graph`` with its value, in the order of the kernel's array."""
    return [(address, float(value)) for node in graph.nodes.values()
            for group in node_parameters(node)
            for address, value in zip(group.addresses, group.values)]
