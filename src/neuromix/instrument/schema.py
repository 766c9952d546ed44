"""The JSON Schema of instrument files, for editors that check YAML as you type.

It is made from the same declarations the reader (:mod:`.file`) checks a file against: the
sections, each input source's and each output type's keys, the choices, the ranges of the rate
and the seed, and the node types of the ``network:`` and an inline ``play:`` patch (the patch
schema's own definitions, :func:`neuromix.graph.schema.node_defs`). What a schema cannot say
(a signal names a node that exists, a gesture file is there) the reader still says, with the
line.

Examples
--------
>>> s = instrument_schema()
>>> [o["properties"]["type"]["const"] for o in s["$defs"]["output-spec"]["oneOf"]]
['notes', 'cc', 'bend', 'osc', 'param']
"""

from __future__ import annotations

from neuromix.graph.graph import ID_RULE
from neuromix.graph.schema import node_defs, patch_document
from neuromix.instrument.file import FORMAT_VERSION, INPUT_KEYS, LEARN_KEYS, OUTPUT_KEYS

NAMES = {"type": "object", "propertyNames": {"pattern": f"^{ID_RULE}$"}}


def _keyed(kind: str, keys: dict[str, tuple]) -> dict:
    """One of several shapes told apart by ``kind`` (``source`` or ``type``), each with the keys
    the reader accepts for it."""
    return {"oneOf": [{"type": "object", "required": [kind], "additionalProperties": False,
                       "properties": {key: ({"const": name} if key == kind else {})
                                      for key in allowed}}
                      for name, allowed in keys.items()]}


def instrument_schema() -> dict:
    """A JSON Schema (draft 2020-12) for neuromix instrument files."""
    defs = node_defs()
    defs["patch-document"] = patch_document()  # hyphens: never a node type
    defs["input-spec"] = _keyed("source", INPUT_KEYS)
    defs["output-spec"] = _keyed("type", OUTPUT_KEYS)
    properties = {
        "instrument": {"const": FORMAT_VERSION},
        "rate": {"type": "integer", "minimum": 1, "maximum": 4000},
        "seed": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
        "inputs": NAMES | {"minProperties": 1,
                           "additionalProperties": {"$ref": "#/$defs/input-spec"}},
        "network": {"anyOf": [{"const": "linear"},
                              {"type": "object", "required": ["nodes"],
                               "additionalProperties": False,
                               "properties": {"nodes": {"$ref": "#/$defs/nodes-section"}}}]},
        "outputs": NAMES | {"additionalProperties": {"$ref": "#/$defs/output-spec"}},
        "play": {"anyOf": [{"type": "string", "description": "a patch file"},
                           {"$ref": "#/$defs/patch-document"}]},
        "replay": {"type": "string", "description": "a gesture CSV file"},
        "midi": {"type": "object", "additionalProperties": False,
                 "properties": {"port": {"type": "string"}}},
        "window": {"type": "object", "additionalProperties": False,
                   "properties": {key: {"type": "number"} for key in ("width", "height", "fps")}},
        "learn": {"type": "object", "required": ["outputs"], "additionalProperties": False,
                  "properties": {key: {} for key in LEARN_KEYS}},
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "neuromix instrument file", "type": "object",
            "required": ["inputs", "outputs"], "additionalProperties": False,
            "properties": properties, "$defs": defs}
