"""The node catalogue as text and Markdown, generated from the registry.

Examples
--------
>>> from neuromix.nodes import get
>>> "freq" in text([get("sine")])
True
"""

from __future__ import annotations

import math

from neuromix.nodes._registry import registry


def _range(lo: float, hi: float) -> str:
    if math.isinf(lo) and math.isinf(hi):
        return "any"
    fmt = lambda v: "∞" if v == math.inf else "−∞" if v == -math.inf else f"{v:g}"  # noqa: E731
    return f"{fmt(lo)} … {fmt(hi)}"


def text(types) -> str:
    """Plain-text catalogue entries for the given node types."""
    out = []
    for nt in sorted(types, key=lambda t: (t.category, t.name)):
        out.append(f"{nt.name}  [{nt.category}]  {nt.doc}")
        for p in nt.params:
            unit = f" {p.unit}" if p.unit else ""
            out.append(f"    {p.name:<12} default {p.default:g}{unit}, range {_range(p.lo, p.hi)}"
                       f"  {p.doc}")
        for o in nt.options:
            choices = f" ({' | '.join(map(str, o.choices))})" if o.choices else ""
            out.append(f"    {o.name:<12} option, default {o.default}{choices}  {o.doc}")
        if nt.inputs:
            out.append(f"    inputs       {'{source: weight, ...}' if nt.inputs == 'weighted' else '[source, ...]'}")
        out.append(f"    outputs      {', '.join(nt.outputs)}")
        out.append("")
    return "\n".join(out)


def markdown(picture=None) -> str:
    """docs/nodes.md: every node type with its inputs, ranges, units, options and outputs.

    ``picture(type_name)``, if given, returns the relative path of a picture of that node type
    (or None); the documentation site shows one beside each entry."""
    out = ["# Node reference", "",
           "Generated from the node registry by `neuromix nodes --markdown` (do not edit by hand).",
           "Every parameter takes a number or a signal (`freq: lfo1`, or",
           "`freq: {from: lfo1, scale: 20, offset: 110}`); options are structural (changing one",
           "recompiles the patch).", ""]
    by_cat: dict[str, list] = {}
    for nt in registry().values():
        by_cat.setdefault(nt.category, []).append(nt)
    for cat in sorted(by_cat):
        out += [f"## {cat}", ""]
        for nt in sorted(by_cat[cat], key=lambda t: t.name):
            out += [f"### `{nt.name}`", "", nt.doc, ""]
            image = picture(nt.name) if picture else None
            if image:
                out += [f"![{nt.name}: its output]({image})", ""]
            rows = [f"| `{p.name}` | {p.default:g} | {_range(p.lo, p.hi)} | {p.unit} | {p.doc} |"
                    for p in nt.params]
            rows += [f"| `{o.name}` (option) | {o.default} | "
                     f"{' / '.join(map(str, o.choices)) if o.choices else o.kind.__name__} | | {o.doc} |"
                     for o in nt.options]
            if rows:
                out += ["| input | default | range | unit | meaning |", "|---|---|---|---|---|", *rows, ""]
            if nt.inputs:
                out += ["Inputs: " + ("`inputs: {source: weight}` (weights addressable as "
                                      "`<id>.w.<source>`)" if nt.inputs == "weighted"
                                      else "`inputs: [source, ...]`"), ""]
            out += [f"Outputs: {', '.join(f'`{o}`' for o in nt.outputs)}"
                    + (" (plus ports named after its inputs)" if nt.dynamic_outputs else ""), ""]
    return "\n".join(out)
