"""The JSON Schema of patch files, generated from the node registry.

The node definitions (``$defs``) are shared: an instrument file's ``network:`` and ``play:``
sections are checked against the same ones (:mod:`neuromix.instrument.schema`).

Examples
--------
>>> s = patch_schema()
>>> "sine" in s["$defs"]
True
"""

from __future__ import annotations

import math

from neuromix.graph.graph import ID_RULE
from neuromix.graph.midimap import SCHEMA as MIDI_SCHEMA
from neuromix.graph.patchfile import EXTRA_SECTIONS, FORMAT_VERSION, MAX_SECONDS
from neuromix.nodes import registry

_SIGNAL = {
    "type": "object",
    "properties": {"from": {"type": "string"}, "scale": {"type": "number"},
                   "offset": {"type": "number"}, "delay": {"type": "integer", "minimum": 0}},
    "required": ["from"], "additionalProperties": False,
}


def _number(lo: float, hi: float, doc: str) -> dict:
    schema: dict = {"type": "number", "description": doc}
    if not math.isinf(lo):
        schema["minimum"] = lo
    if not math.isinf(hi):
        schema["maximum"] = hi
    return schema


def _node_schema(nt) -> dict:
    props: dict = {"type": {"const": nt.name}}
    for p in nt.params:
        props[p.name] = {"description": f"{p.doc} ({p.unit})" if p.unit else p.doc,
                         "anyOf": [_number(p.lo, p.hi, p.doc), {"type": "string"},
                                   {"$ref": "#/$defs/signal-spec"}]}
    for o in nt.options:
        if o.choices:
            props[o.name] = {"enum": list(o.choices), "description": o.doc}
        else:
            kind = {int: "integer", float: "number", str: "string", list: "array"}.get(o.kind)
            props[o.name] = {"description": o.doc} | ({"type": [kind, "null"]} if kind else {})
    weight = {"anyOf": [{"type": "number"}, {"type": "string"}, {"$ref": "#/$defs/signal-spec"},
                        {"type": "object", "properties": {"weight": {}, "delay": {"type": "integer"}},
                         "additionalProperties": False}]}
    if nt.inputs == "weighted":
        props["inputs"] = {"type": "object", "additionalProperties": weight}
    elif nt.inputs == "list":
        props["inputs"] = {"type": "array", "items": {"anyOf": [{"type": "string"},
                                                                {"$ref": "#/$defs/signal-spec"}]}}
    return {"type": "object", "description": nt.doc, "properties": props, "required": ["type"],
            "additionalProperties": False}


def node_defs() -> dict:
    """``$defs`` for every node type (by name), a driving ``signal`` and a ``nodes:`` section."""
    types = registry()
    defs = {name: _node_schema(nt) for name, nt in sorted(types.items())}
    defs["signal-spec"] = _SIGNAL  # hyphenated: never a node type
    defs["nodes-section"] = {"type": "object", "minProperties": 1,
                     "propertyNames": {"pattern": f"^{ID_RULE}$"},
                     "additionalProperties": {
                         "oneOf": [{"$ref": f"#/$defs/{name}"} for name in sorted(types)]}}
    return defs


def patch_document() -> dict:
    """The schema of a patch document, its nodes referring to :func:`node_defs`."""
    return {
        "type": "object",
        "properties": {
            "neuromix": {"const": FORMAT_VERSION},
            "sr": {"type": "number", "minimum": 1, "maximum": 1_000_000},
            "seed": {"type": "integer", "minimum": -2**63, "maximum": 2**63 - 1},
            "nodes": {"$ref": "#/$defs/nodes-section"},
            "out": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            **{section: {"type": "object"} for section in EXTRA_SECTIONS},
            "render": {"type": "object", "additionalProperties": False,
                       "properties": {"seconds": {"type": "number", "exclusiveMinimum": 0,
                                                  "maximum": MAX_SECONDS}}},
            "midi": MIDI_SCHEMA,
            "input": {"anyOf": [{"type": "string", "minLength": 1}, {
                "type": "object", "additionalProperties": False, "required": ["file"],
                "properties": {"file": {"type": "string", "minLength": 1},
                               "loop": {"type": "boolean"}}}]},
        },
        "required": ["nodes", "out"],
        "additionalProperties": False,
    }


def patch_schema() -> dict:
    """A JSON Schema (draft 2020-12) for neuromix patch files."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "neuromix patch file", **patch_document(), "$defs": node_defs()}
