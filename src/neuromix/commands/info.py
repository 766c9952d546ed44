"""Show a patch's nodes, its parameters with addresses and values, and where delays sit.

Every feedback loop costs exactly the delays listed here: an edge pointing back to a node
declared earlier (or to itself) inside a loop carries one sample, any edge may set its own.
"""

from __future__ import annotations

HELP = "show nodes, parameter addresses and feedback delays of a patch"


def add_arguments(parser) -> None:
    parser.add_argument("patch", help="patch file (YAML or JSON)")


def run(args) -> int:
    from neuromix.graph.patchfile import load_graph

    print(describe(load_graph(args.patch)))
    return 0


def describe(graph) -> str:
    """A plain-text summary of a graph: nodes in run order, parameters, delays."""
    from neuromix.compiler.codegen import build_layout
    from neuromix.graph.plan import describe_slot, plan_graph
    from neuromix.nodes import get as node_type

    plan = plan_graph(graph)
    layout, owned = build_layout(plan)
    lines = [f"sample rate {graph.sr:g} Hz, seed {graph.seed}, "
             f"{len(graph.nodes)} nodes, {len(graph.outputs)} output channel(s): "
             f"{', '.join(map(str, graph.outputs))}", "", "nodes (in the order they run):"]
    for nid in plan.order:
        node = graph.nodes[nid]
        opts = ", ".join(f"{k}={v}" for k, v in node.options.items())
        summary = node_type(node.type).summary
        if summary is not None:  # a whole network: its shape, not its options
            opts = summary(node)
        lines.append(f"  {nid:<16} {node.type}" + (f" ({opts})" if opts else ""))
    blocks = [(nid, key[1], off, size) for nid, own in owned.items() for key, value in own.items()
              if key[0] == "a" and value[1] for off, size in [value]]
    in_block = set()
    for *_, off, size in blocks:
        in_block.update(range(off, off + size))
    lines += ["", "parameters (address = value):"]
    lines += [f"  {addr:<28} = {value:g}" for i, (addr, value) in enumerate(layout.params)
              if i not in in_block]
    for nid, name, off, size in blocks:  # weight arrays: one line each, not one per entry
        first, last = layout.params[off][0], layout.params[off + size - 1][0]
        lines.append(f"  {first} … {last}  ({size} values)" if size > 1
                     else f"  {first:<28} = {layout.params[off][1]:g}")
    delayed = [e for e in plan.edges if e.delay]
    lines += ["", "delays:" if delayed else "delays: none (no feedback)"]
    for e in delayed:
        lines.append(f"  {e.src} -> {e.dst} ({describe_slot(e.slot)}): {e.delay} sample"
                     + ("s" if e.delay != 1 else ""))
    return "\n".join(lines)
