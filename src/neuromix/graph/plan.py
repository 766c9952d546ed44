"""The plan of a graph: its loops found, their delays placed, its nodes put in running order.

Patch and instrument files run these checks while they still know the lines (a loop without
delay is an error in the file); the compiler builds on the plan.

Delay rule (as Faust's ``~`` and Pd's ``[block~ 1]``): inside a loop (a strongly connected
component), an edge that points back to a node declared earlier, or to the node itself, carries
a one-sample delay; every other edge carries none unless it sets its own ``delay``.

Examples
--------
>>> from neuromix.graph.graph import Graph, Node, Input, Ref
>>> g = Graph()
>>> g.add(Node("a", "neuron", inputs=[Input(Ref("b"), 1.2)]))
>>> g.add(Node("b", "neuron", inputs=[Input(Ref("a"), -1.4)]))
>>> g.outputs = [Ref("a")]
>>> plan = plan_graph(g)
>>> [(str(e.src), e.dst, e.delay) for e in plan.edges]
[('b', 'a', 1), ('a', 'b', 0)]
>>> plan.order
['a', 'b']
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from neuromix.graph.graph import Edge, Graph, PatchError


@dataclass
class Plan:
    """What the passes found: every edge with its delay, and the order nodes run in."""

    graph: Graph
    edges: list[Edge]
    order: list[str]


def strongly_connected(nodes: list[str], succ: dict[str, set[str]]) -> dict[str, int]:
    """Tarjan's algorithm (iterative): component index of every node."""
    index, low, comp, stack, on_stack = {}, {}, {}, [], set()
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(succ[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(succ[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp[w] = index[v]
                    if w == v:
                        break
    return comp


def place_delays(graph: Graph) -> list[Edge]:
    """Every edge with its delay decided: its own, or 1 on a back edge inside a loop, else 0."""
    ids = list(graph.nodes)
    pos = {nid: i for i, nid in enumerate(ids)}
    edges = list(graph.edges())
    succ: dict[str, set[str]] = {nid: set() for nid in ids}
    for e in edges:
        succ[e.src.node].add(e.dst)
    comp = strongly_connected(ids, succ)
    placed = []
    for e in edges:
        delay = e.delay
        if delay is None:
            in_loop = comp[e.src.node] == comp[e.dst]
            delay = 1 if in_loop and pos[e.src.node] >= pos[e.dst] else 0
        placed.append(Edge(e.src, e.dst, e.slot, delay))
    return placed


def describe_slot(slot: str) -> str:
    """'in:b' -> "its input 'b'", 'w:b' -> "the weight of 'b'", 'freq' -> "'freq'"."""
    kind, _, key = slot.partition(":")
    if not key:
        return f"'{slot}'"
    return f"its input '{key}'" if kind == "in" else f"the weight of '{key}'"


def schedule(graph: Graph, edges: list[Edge]) -> list[str]:
    """Topological order of the zero-delay edges, ties broken by declaration order."""
    ids = list(graph.nodes)
    pos = {nid: i for i, nid in enumerate(ids)}
    indeg = {nid: 0 for nid in ids}
    succ: dict[str, list[str]] = {nid: [] for nid in ids}
    for e in edges:
        if e.delay == 0:
            if e.src.node == e.dst:
                raise PatchError(f"feeds itself with delay 0 (through {describe_slot(e.slot)})",
                                 node=e.dst, field="inputs" if ":" in e.slot else e.slot,
                                 hint="a loop needs at least one sample of delay: remove 'delay: 0'")
            succ[e.src.node].append(e.dst)
            indeg[e.dst] += 1
    ready = [pos[nid] for nid in ids if indeg[nid] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        nid = ids[heapq.heappop(ready)]
        order.append(nid)
        for dst in succ[nid]:
            indeg[dst] -= 1
            if indeg[dst] == 0:
                heapq.heappush(ready, pos[dst])
    if len(order) < len(ids):
        stuck = [nid for nid in ids if indeg[nid] > 0]
        raise PatchError(f"a loop with no delay runs through {' → '.join(stuck)}", node=stuck[0],
                         hint="a loop needs at least one sample of delay: remove a 'delay: 0'")
    return order


def plan_graph(graph: Graph) -> Plan:
    """Validate the graph, place delays and order the nodes."""
    graph.validate()
    edges = place_delays(graph)
    return Plan(graph, edges, schedule(graph, edges))
