"""Where each node of a patch goes in the report's network drawing: layers left to right.

The same-sample edges (delay 0) of a patch form a directed acyclic graph (the compiler put a
delay on every loop); networkx's ``topological_generations`` gives its layers, a source's
signal always flowing to a later layer. Within a layer, nodes are ordered by the mean position
of their neighbours (the barycentre heuristic, a few sweeps each way), which untangles most
crossings; feedback edges (delayed) count as neighbours too, so a loop's nodes sit together.
Layers are ``COLUMN`` apart and rows one unit apart, so no two nodes' circles ever overlap.

Examples
--------
>>> import neuromix as nm
>>> from neuromix.graph.plan import plan_graph
>>> p = nm.Patch(sr=8000)
>>> a = p.neuron(name="a"); b = p.neuron(name="b")
>>> a.input(p.sine(100, name="s"), 1.0); b.input(a, 1.0); a.input(b, 0.5)
>>> p.out(b)
>>> pos = layout(p.graph, plan_graph(p.graph).edges)
>>> pos["s"][0] < pos["a"][0] < pos["b"][0]
True
"""

from __future__ import annotations

from neuromix.graph.graph import Edge, Graph

COLUMN = 2.0  # horizontal distance between layers, in rows
SWEEPS = 4


def layers(graph: Graph, edges: list[Edge]) -> list[list[str]]:
    """Nodes by layer: the topological generations of the same-sample edges."""
    import networkx as nx

    dag = nx.DiGraph()
    dag.add_nodes_from(graph.nodes)
    dag.add_edges_from((e.src.node, e.dst) for e in edges
                       if not e.delay and e.src.node != e.dst)
    return [sorted(gen, key=list(graph.nodes).index) for gen in nx.topological_generations(dag)]


def layout(graph: Graph, edges: list[Edge]) -> dict[str, tuple[float, float]]:
    """Node id → (x, y): layers along x (``COLUMN`` apart), rows along y (1 apart, centred)."""
    cols = layers(graph, edges)
    neighbours = {nid: [] for nid in graph.nodes}
    for e in edges:
        if e.src.node != e.dst:
            neighbours[e.dst].append(e.src.node)
            neighbours[e.src.node].append(e.dst)
    rank = {nid: float(i) for col in cols for i, nid in enumerate(col)}
    for sweep in range(SWEEPS):
        order = cols if sweep % 2 == 0 else cols[::-1]
        for col in order:
            def centre(nid):
                near = [rank[m] for m in neighbours[nid]]
                return sum(near) / len(near) if near else rank[nid]
            col.sort(key=lambda nid: (centre(nid), rank[nid]))
            for i, nid in enumerate(col):
                rank[nid] = i - (len(col) - 1) / 2
    return {nid: (COLUMN * x, -rank[nid]) for x, col in enumerate(cols) for nid in col}
