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

from neuromix.graph.graph import Graph, Node, Signal
from neuromix.nodes import get

Group = tuple[tuple[str, str], list[str], list]  # values: floats, or an array's entries


def _signal_or_constant(value, address: str, kind: str, name: str) -> list[Group]:
    """A parameter (``kind`` p) or weight (``kind`` w): a constant, or a signal's gain."""
    if isinstance(value, Signal):
        if value.is_wire:
            return []  # a plain connection: the source's value itself, nothing to set
        scale, offset = value.gain()
        return [((f"{kind}s", name), [f"{address}.scale"], [scale]),
                ((f"{kind}o", name), [f"{address}.offset"], [offset])]
    return [((f"{kind}c", name), [address], [float(value)])]


def node_parameters(node: Node) -> list[Group]:
    """One node's addressable values in layout order, as groups ``(key, addresses, values)``.

    ``key`` says what a group is: ``("pc", param)`` a constant parameter, ``("ps", param)`` and
    ``("po", param)`` a driving signal's scale and offset, ``("wc" | "ws" | "wo", source)`` the
    same for a weight, ``("a", array)`` a parameter array (one group of many addresses).
    """
    nt = get(node.type)
    groups = []
    for spec in nt.params:
        value = node.params.get(spec.name, spec.default)
        groups += _signal_or_constant(value, f"{node.id}.{spec.name}", "p", spec.name)
    if nt.inputs == "weighted":
        for inp in node.inputs:
            groups += _signal_or_constant(inp.weight, f"{node.id}.w.{inp.key}", "w", inp.key)
    for arr in nt.arrays:
        keys, values = arr.entries(node)
        groups.append((("a", arr.name), [f"{node.id}.{k}" for k in keys], values))
    return groups


def parameters(graph: Graph) -> list[tuple[str, float]]:
    """Every address of ``graph`` with its value, in the order of the kernel's array."""
    return [(address, float(value)) for node in graph.nodes.values()
            for _, addresses, values in node_parameters(node)
            for address, value in zip(addresses, values)]
