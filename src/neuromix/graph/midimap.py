"""The ``midi:`` section of a patch file: MIDI controllers (CC) mapped to parameter addresses.

.. code-block:: yaml

    midi:
      port: virtual          # an input port (part of its name), or virtual (the default)
      channel: 1             # listen to one channel (1-16); default every channel
      cc:
        1:  a.bias                                       # the parameter's own range, else 0..1
        74: {param: lp.cutoff, range: [200, 8000], curve: exp}
        71: {param: a.w.b, range: [-2, 2], channel: 2}

A CC value 0..127 becomes ``lo + (hi - lo) · v/127`` (``curve: lin``, the default), or
``lo · (hi/lo)^(v/127)`` (``curve: exp``, for frequencies and times; ``lo`` and ``hi`` of one
sign, not 0). Every mistake names the line. ``neuromix play --midi-learn ADDRESS`` prints the
line to paste under ``cc:``.

Examples
--------
>>> maps = parse_midi({"cc": {74: {"param": "a.bias", "range": [-1, 1]}}}, {"a.bias": 0.0})
>>> maps.cc[0].value(127), maps.cc[0].value(0)
(1.0, -1.0)
>>> CcMap(7, "f", 100.0, 10000.0, "exp").value(63.5)
1000.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from neuromix.errors import PatchError, nearest
from neuromix.graph.yamlfile import line_of as _line
from neuromix.nodes import get

CURVES = ("lin", "exp")
KEYS = ("port", "channel", "cc")
CC_KEYS = ("param", "range", "curve", "channel")


@dataclass(frozen=True)
class CcMap:
    cc: int
    address: str
    lo: float
    hi: float
    curve: str = "lin"
    channel: int | None = None  # 1-16, or None for any

    def value(self, v: float) -> float:
        """The parameter value for a CC value 0..127."""
        x = min(max(v / 127.0, 0.0), 1.0)
        if self.curve == "exp":
            return self.lo * (self.hi / self.lo) ** x
        return self.lo + (self.hi - self.lo) * x

    def line(self) -> str:
        """This mapping as a line for the ``cc:`` part of a ``midi:`` section."""
        extra = f", channel: {self.channel}" if self.channel else ""
        return (f"{self.cc}: {{param: {self.address}, range: [{self.lo:g}, {self.hi:g}], "
                f"curve: {self.curve}{extra}}}")


@dataclass
class MidiMap:
    port: str | None = None
    channel: int | None = None
    cc: list[CcMap] = field(default_factory=list)


SCHEMA = {  # the JSON Schema of the section, for editors (see neuromix schema)
    "type": "object", "additionalProperties": False,
    "properties": {
        "port": {"type": "string"},
        "channel": {"type": "integer", "minimum": 1, "maximum": 16},
        "cc": {"type": "object", "propertyNames": {"pattern": "^([0-9]|[1-9][0-9]|1[01][0-9]|12[0-7])$"},
               "additionalProperties": {"oneOf": [
                   {"type": "string", "description": "a parameter address"},
                   {"type": "object", "required": ["param"], "additionalProperties": False,
                    "properties": {
                        "param": {"type": "string"},
                        "range": {"type": "array", "items": {"type": "number"},
                                  "minItems": 2, "maxItems": 2},
                        "curve": {"enum": list(CURVES)},
                        "channel": {"type": "integer", "minimum": 1, "maximum": 16}}}]}}},
}


def _channel(value, line) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 16:
        raise PatchError(f"midi: channel must be 1 to 16, not {value!r}", line=line)
    return value


def parse_midi(section, addresses, ranges=None, line=None) -> MidiMap:
    """Validate a ``midi:`` section against a patch's parameter ``addresses`` (a mapping of
    address to value); ``ranges`` gives a parameter's own (lo, hi) for a bare address."""
    if not isinstance(section, dict):
        raise PatchError("midi: must be a mapping with cc: (and port:, channel:)", line=line)
    for key in section:
        if key not in KEYS:
            raise PatchError(f"midi: unknown key '{key}'", line=_line(section, key) or line,
                             hint=nearest(key, KEYS) or "use port, channel and cc")
    result = MidiMap()
    if section.get("port") is not None:
        result.port = str(section["port"])
    if "channel" in section:
        result.channel = _channel(section["channel"], _line(section, "channel") or line)
    ccs = section.get("cc", {})
    cline = _line(section, "cc") or line
    if not isinstance(ccs, dict):
        raise PatchError("midi: cc: must map CC numbers to parameters, e.g. 74: a.bias", line=cline)
    for number, spec in ccs.items():
        where = _line(ccs, number) or cline
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 127:
            raise PatchError(f"midi: CC number must be 0 to 127, not {number!r}", line=where)
        if isinstance(spec, str):
            spec = {"param": spec}
        if not isinstance(spec, dict) or "param" not in spec:
            raise PatchError(f"midi: CC {number} needs a parameter: {number}: a.bias or "
                             f"{number}: {{param: a.bias, range: [0, 1]}}", line=where)
        for key in spec:
            if key not in CC_KEYS:
                raise PatchError(f"midi: CC {number}: unknown key '{key}'", line=where,
                                 hint=nearest(key, CC_KEYS) or "use param, range, curve, channel")
        address = str(spec["param"])
        if address not in addresses:
            raise PatchError(f"midi: CC {number}: the patch has no parameter '{address}'",
                             line=where, hint=nearest(address, addresses) or "see 'neuromix info'")
        lo, hi = _range(spec.get("range"), address, ranges, number, where)
        curve = spec.get("curve", "lin")
        if curve not in CURVES:
            raise PatchError(f"midi: CC {number}: unknown curve {curve!r}", line=where,
                             hint="use lin or exp")
        if curve == "exp" and (lo == 0 or hi == 0 or (lo > 0) != (hi > 0)):
            raise PatchError(f"midi: CC {number}: curve exp needs a range of one sign without "
                             f"0, not [{lo:g}, {hi:g}]", line=where)
        channel = _channel(spec["channel"], where) if "channel" in spec else result.channel
        result.cc.append(CcMap(number, address, lo, hi, curve, channel))
    return result


def _range(value, address, ranges, number, where) -> tuple[float, float]:
    if value is None:
        lo, hi = (ranges or {}).get(address, (0.0, 1.0))
        return (lo, hi) if math.isfinite(lo) and math.isfinite(hi) else (0.0, 1.0)
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)):
        raise PatchError(f"midi: CC {number}: range must be [low, high], not {value!r}", line=where)
    return float(value[0]), float(value[1])


def param_ranges(graph) -> dict[str, tuple[float, float]]:
    """The declared (lo, hi) of each plain parameter address ``node.param`` of a graph."""
    out = {}
    for nid, node in graph.nodes.items():
        for spec in get(node.type).params:
            out[f"{nid}.{spec.name}"] = (spec.lo, spec.hi)
    return out


def midi_map(graph, addresses) -> MidiMap:
    """The MIDI map of a loaded graph (already validated when the file was read)."""
    return parse_midi(graph.extra.get("midi", {}), addresses, param_ranges(graph))
