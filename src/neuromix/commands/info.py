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
    layout = build_layout(plan)
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
    blocks = [entries for own in layout.nodes.values() for entries in own.arrays.values()
              if entries]
    in_block = {i for entries in blocks for i in entries}
    lines += ["", "parameters (address = value):"]
    lines += [f"  {slot.address:<28} = {slot.value:g}" for i, slot in enumerate(layout.params)
              if i not in in_block]
    for entries in blocks:  # weight arrays: one line each, not one per entry
        first, last = layout.params[entries[0]], layout.params[entries[-1]]
        lines.append(f"  {first.address} … {last.address}  ({len(entries)} values)"
                     if len(entries) > 1 else f"  {first.address:<28} = {first.value:g}")
    delayed = [e for e in plan.edges if e.delay]
    lines += ["", "delays:" if delayed else "delays: none (no feedback)"]
    for e in delayed:
        lines.append(f"  {e.src} -> {e.dst} ({describe_slot(e.slot)}): {e.delay} sample"
                     + ("s" if e.delay != 1 else ""))
    return "\n".join(lines)
