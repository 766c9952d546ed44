"""Patch files: YAML (or JSON) in, validated graph out, and back.

Every error names the file, the line, the node and what is wrong, with the nearest valid name
where one is close. See ``docs/patch-format.md``.

Examples
--------
>>> g = loads('''
... neuromix: 1
... nodes:
...   s1: {type: sine, freq: 110}
...   a:  {type: neuron, act: tanh, inputs: {s1: 1.5}}
... out: a
... ''')
>>> g.nodes["a"].inputs[0].weight
1.5
>>> loads(dumps(g)) == g
True
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from neuromix.errors import PatchError, nearest
from neuromix.graph.addresses import parameters
from neuromix.graph.graph import Graph, Input, Node, Ref, Signal, check_id
from neuromix.graph.midimap import param_ranges, parse_midi
from neuromix.graph.plan import Plan, plan_graph
from neuromix.graph.yamlfile import line_of as _line, load_yaml, plain as _plain, read_text
from neuromix.io.atomic import write_text
from neuromix.nodes import get, registry
from neuromix.nodes._registry import FilePath

FORMAT_VERSION = 1
TOP_LEVEL = ("neuromix", "sr", "seed", "nodes", "out")
EXTRA_SECTIONS = ("render", "midi", "osc", "meta", "input")  # kept for the tools that own them
SIGNAL_KEYS = ("from", "scale", "offset", "delay")
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z_][A-Za-z0-9_\-]*)*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "~"}


def load_graph(path) -> Graph:
    """Read a patch file from disk; PatchError (with file and line) if it is bad."""
    path = Path(path)
    return loads(read_text(path, "patch file"), filename=str(path))


def loads(text: str, filename: str | None = None) -> Graph:
    """Parse and validate patch-file text (within the limits of :mod:`.yamlfile`)."""
    doc = load_yaml(text, filename)
    try:
        graph, lines = read_graph(doc, str(Path(filename).parent) if filename else None)
        check_graph(graph, lines)
        if "midi" in doc:
            parse_midi(doc["midi"], dict(parameters(graph)), param_ranges(graph),
                       _line(doc, "midi"))
        if "render" in doc:
            check_render(doc["render"], _line(doc, "render"))
    except PatchError as err:
        raise err.located(filename, None) from None
    return graph


def check_graph(graph: Graph, lines: dict) -> Plan:
    """Validate a graph read from a file and find its loops without delay while the lines are
    known: the plan, or a PatchError at the line of the node (and field) it is about."""
    try:
        return plan_graph(graph)
    except PatchError as err:
        raise err.located(None, err.line or _lines_for(err, lines)) from None


MAX_SECONDS = 24 * 3600.0  # the longest render a patch file may ask for
RENDER_KEYS = ("seconds",)


def check_render(section, line=None) -> dict:
    """The ``render:`` section: ``{seconds: N}``, N a number from 0 to :data:`MAX_SECONDS`.

    Examples
    --------
    >>> check_render({"seconds": 2.5})
    {'seconds': 2.5}
    >>> check_render(5)
    Traceback (most recent call last):
    ...
    neuromix.errors.PatchError: render: must be a mapping like {seconds: 10}, not 5
    """
    if not isinstance(section, dict):
        raise PatchError(f"render: must be a mapping like {{seconds: 10}}, not {_plain(section)!r}",
                         line=line)
    for key in section:
        if key not in RENDER_KEYS:
            raise PatchError(f"render: unknown key {key!r}", line=_line(section, key) or line,
                             hint=nearest(str(key), RENDER_KEYS) or "it takes seconds")
    seconds = section.get("seconds", 10.0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
            or not 0 < seconds <= MAX_SECONDS:
        raise PatchError(f"render: seconds must be a number above 0 and at most "
                         f"{MAX_SECONDS:.0f} (24 hours), not {_plain(seconds)!r}",
                         line=_line(section, "seconds") or line)
    return _plain(section)


def _lines_for(err: PatchError, lines: dict) -> int | None:
    return lines.get((err.node, err.field)) or lines.get((err.node, None))


def _number(value, what: str, node: str | None = None, line=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PatchError(f"{what} must be a number, not {value!r}", node=node, line=line)
    return value


def _ref(value, what: str, node: str | None, line) -> Ref:
    if not isinstance(value, str) or not value:
        raise PatchError(f"{what} must be a node id, not {_plain(value)!r}", node=node, line=line)
    try:
        return Ref.parse(value).check()
    except PatchError as err:
        raise PatchError(f"{what}: {err.message}", node=node, line=line) from None


def _signal(value: dict, what: str, node: str, line) -> Signal:
    unknown = [k for k in value if k not in SIGNAL_KEYS]
    if unknown:
        raise PatchError(f"{what}: unknown key {unknown[0]!r}", node=node, line=line,
                         hint=nearest(unknown[0], SIGNAL_KEYS) or "use from, scale, offset, delay")
    if "from" not in value:
        raise PatchError(f"{what}: a signal needs 'from: <node id>'", node=node, line=line)
    if "scale" not in value and "offset" not in value:
        return Signal(_ref(value["from"], what, node, line), delay=value.get("delay"))
    return Signal(_ref(value["from"], what, node, line),
                  float(_number(value.get("scale", 1.0), f"{what} scale", node, line)),
                  float(_number(value.get("offset", 0.0), f"{what} offset", node, line)),
                  value.get("delay"))


def _value(value, what: str, node: str, line):
    """A parameter or weight: a number, a node id, or {from, scale, offset, delay}."""
    if isinstance(value, str):
        return Signal(_ref(value, what, node, line))
    if isinstance(value, dict):
        return _signal(value, what, node, line)
    return float(_number(value, what, node, line))


def _inputs(section, node_id: str, kind: str | None, line) -> list[Input]:
    result = []
    if isinstance(section, dict):
        for key, spec in section.items():
            kline = _line(section, key) or line
            ref = _ref(key, "an input", node_id, kline)
            delay = None
            if isinstance(spec, dict) and ("weight" in spec or "delay" in spec) and "from" not in spec:
                extra = [k for k in spec if k not in ("weight", "delay")]
                if extra:
                    raise PatchError(f"input '{key}': unknown key {extra[0]!r}", node=node_id,
                                     line=kline, hint="use weight and delay")
                delay = spec.get("delay")
                spec = spec.get("weight", 1.0)
            result.append(Input(ref, _value(spec, f"weight of '{key}'", node_id, kline), delay))
    elif isinstance(section, list):
        for i, spec in enumerate(section):
            if isinstance(spec, dict):
                sig = _signal(spec, f"input {i + 1}", node_id, line)
                if not sig.is_wire:
                    raise PatchError(f"input {i + 1}: a list input takes only from and delay",
                                     node=node_id, line=line)
                result.append(Input(sig.ref, 1.0, sig.delay))
            else:
                result.append(Input(_ref(spec, f"input {i + 1}", node_id, line)))
    else:
        raise PatchError(f"'inputs' must be a mapping {{source: weight}} or a list, "
                         f"not {section!r}", node=node_id, line=line)
    if kind == "list" and isinstance(section, dict):
        raise PatchError("this node takes a list of inputs: inputs: [a, b]", node=node_id,
                         line=line)
    keys = [i.key for i in result]
    if len(set(keys)) != len(keys):
        raise PatchError("the same source appears twice in inputs", node=node_id, line=line)
    return result


def read_graph(doc, base: str | None = None) -> tuple[Graph, dict]:
    """The graph of a loaded patch document (``nodes:``, ``out:``, ...) and the line of every
    node and field, as :func:`check_graph` takes them; file options resolve inside ``base``."""
    if not isinstance(doc, dict):
        raise PatchError("a patch file is a mapping with 'nodes:' and 'out:'", line=1)
    for key in doc:
        if key not in TOP_LEVEL + EXTRA_SECTIONS:
            raise PatchError(f"unknown section {key!r}", line=_line(doc, key),
                             hint=nearest(key, TOP_LEVEL + EXTRA_SECTIONS))
    version = doc.get("neuromix", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise PatchError(f"patch format version {version!r} is not supported (this neuromix "
                         f"reads version {FORMAT_VERSION})", line=_line(doc, "neuromix"))
    sr = doc.get("sr", 48000)
    _number(sr, "sr", line=_line(doc, "sr"))
    seed = doc.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise PatchError(f"seed must be a whole number, not {seed!r}", line=_line(doc, "seed"))
    graph = Graph(sr=float(sr), seed=seed)
    lines = read_nodes(graph, doc.get("nodes"), base, _line(doc, "nodes") or 1)
    out = doc.get("out")
    if out is None:
        raise PatchError("the patch has no output", line=1, hint="add 'out: <node id>'")
    refs = out if isinstance(out, list) else [out]
    graph.outputs = [_ref(r, "out", None, _line(doc, "out")) for r in refs]
    lines[(None, None)] = _line(doc, "out")
    graph.extra = {k: _plain(doc[k]) for k in EXTRA_SECTIONS if k in doc}
    if "input" in doc:
        graph.extra["input"] = _input_section(doc["input"], base, _line(doc, "input"))
    return graph, lines


def _input_section(section, base: str | None, line: int | None):
    """``input: FILE`` or ``input: {file: FILE, loop: BOOL}``: the sound file the audio_in
    nodes hear when nothing else is given, its name relative to the patch file (never read
    here: only the commands that render open it)."""
    form = "input: FILE or input: {file: FILE, loop: true}"
    if isinstance(section, str) and section.strip():
        return FilePath(section, base)
    if not isinstance(section, dict) or not isinstance(section.get("file"), str) \
            or not section["file"].strip():
        raise PatchError(f"input: must name a sound file ({form}), not {_plain(section)!r}",
                         line=line)
    unknown = [k for k in section if k not in ("file", "loop")]
    if unknown:
        raise PatchError(f"input: unknown key {unknown[0]!r} ({form})", line=line)
    if not isinstance(section.get("loop", False), bool):
        raise PatchError(f"input: loop must be true or false, not {section['loop']!r}", line=line)
    return {"file": FilePath(section["file"], base), "loop": section.get("loop", False)}


def read_nodes(graph: Graph, nodes, base: str | None, at: int | None) -> dict:
    """Add the nodes of a ``nodes:`` section (declared at line ``at``) to ``graph``; returns
    the line of every node and field."""
    if not isinstance(nodes, dict) or not nodes:
        raise PatchError("'nodes:' must be a mapping of node ids to nodes", line=at)
    lines: dict = {}
    types = registry()
    for nid, spec in nodes.items():
        line = _line(nodes, nid)
        try:
            check_id(nid)
        except PatchError as err:
            raise err.located(None, line) from None
        if not isinstance(spec, dict):
            raise PatchError(f"must be a mapping like {{type: sine, freq: 110}}, not {spec!r}",
                             node=nid, line=line)
        if "type" not in spec:
            raise PatchError("has no 'type'", node=nid, line=line, hint="e.g. type: neuron")
        ntype = spec["type"]
        if not isinstance(ntype, str) or ntype not in types:
            raise PatchError(f"unknown node type {_plain(ntype)!r}", node=nid,
                             line=_line(spec, "type") or line,
                             hint=nearest(ntype, types) or "see 'neuromix nodes'")
        nt = types[ntype]
        node = Node(nid, ntype, line=line)
        lines[(nid, None)] = line
        for key, value in spec.items():
            if key == "type":
                continue
            kline = _line(spec, key) or line
            lines[(nid, key)] = kline
            if key == "inputs":
                node.inputs = _inputs(value, nid, nt.inputs, kline)
            elif nt.param(key) is not None:
                node.params[key] = _value(value, key, nid, kline)
            elif nt.option(key) is not None:
                value = _plain(value)
                if nt.option(key).kind is FilePath and isinstance(value, str):
                    value = FilePath(value, base)  # relative to the patch file, not the cwd
                node.options[key] = value
            else:
                valid = [p.name for p in nt.params] + [o.name for o in nt.options]
                valid += ["inputs"] if nt.inputs else []
                raise PatchError(f"{ntype} has no parameter {key!r}", node=nid, line=kline,
                                 hint=nearest(str(key), valid) or f"it takes {', '.join(valid) or 'none'}")
        graph.add(node)
    return lines


# -- writing ---------------------------------------------------------------------------------
def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return repr(value) if value == value else ".nan"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _YAML_WORDS:
            return value
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(str(k))}: {_scalar(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} to a patch file")


def _dump_value(value) -> Any:
    if isinstance(value, Signal):
        if value.is_wire and value.delay is None:
            return str(value.ref)
        out = {"from": str(value.ref)}
        if not value.is_wire:
            out["scale"], out["offset"] = value.gain()
        if value.delay is not None:
            out["delay"] = value.delay
        return out
    return value


def _dump_node(node: Node, kind: str | None) -> dict:
    spec: dict[str, Any] = {"type": node.type}
    spec.update(node.options)
    spec.update({k: _dump_value(v) for k, v in node.params.items()})
    if node.inputs:
        if kind == "list":
            spec["inputs"] = [str(i.ref) if i.delay is None else {"from": str(i.ref), "delay": i.delay}
                              for i in node.inputs]
        else:
            spec["inputs"] = {i.key: (_dump_value(i.weight) if i.delay is None
                                      else {"weight": _dump_value(i.weight), "delay": i.delay})
                              for i in node.inputs}
    return spec


def dumps(graph: Graph, comment: str | None = None) -> str:
    """Patch-file text for a graph: one node per line, loadable by :func:`loads`."""
    buf = io.StringIO()
    if comment:
        for line in comment.splitlines():
            buf.write(f"# {line}\n")
    sr = int(graph.sr) if float(graph.sr).is_integer() else graph.sr
    buf.write(f"neuromix: {FORMAT_VERSION}\nsr: {sr}\nseed: {graph.seed}\nnodes:\n")
    width = max((len(_scalar(n)) for n in graph.nodes), default=0) + 1
    for nid, node in graph.nodes.items():
        key = f"{_scalar(nid)}:"
        buf.write(f"  {key:<{width}} {_scalar(_dump_node(node, get(node.type).inputs))}\n")
    outs = [str(r) for r in graph.outputs]
    buf.write(f"out: {_scalar(outs[0]) if len(outs) == 1 else _scalar(outs)}\n")
    for section, value in graph.extra.items():
        buf.write(f"{section}: {_scalar(value)}\n")
    return buf.getvalue()


def save(graph: Graph, path, comment: str | None = None) -> None:
    """Write ``graph`` to ``path`` as a YAML patch file, atomically."""
    write_text(path, dumps(graph, comment))
