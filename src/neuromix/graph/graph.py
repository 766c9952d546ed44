"""The patch graph as plain data: nodes, their parameters and inputs, and the outputs.

Nothing here computes audio; the node registry (the floor below) says what a valid node is.
A :class:`Graph` round-trips to a patch file and is what the compiler and the reference
interpreter read.

Examples
--------
>>> g = Graph(sr=48000)
>>> g.add(Node("s", "sine", params={"freq": 110.0}))
>>> g.add(Node("a", "neuron", options={"act": "tanh"}, inputs=[Input(Ref("s"), 1.5)]))
>>> g.outputs = [Ref("a")]
>>> [e.src.node + "->" + e.dst for e in g.edges()]
['s->a']
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from neuromix.errors import PatchError, nearest
from neuromix.nodes import get, registry

ID_RULE = "[A-Za-z_][A-Za-z0-9_]*"  # node ids, input names: letters, digits, '_', no digit first
_ID = re.compile(ID_RULE + r"\Z")
_PORT = re.compile(ID_RULE + r"(\." + ID_RULE + r")*\Z")  # a port may be dotted: 'w.s1'
WEIGHT_LIMIT = 1e6     # |weight| of a neuron's input, in a file, from Python and when set live
UNBOUNDED_LIMIT = 1e9  # |value| of a parameter, scale or offset that declares no range
MAX_DELAY_SAMPLES = 1 << 24  # one delay line or edge delay (16.7 M samples, 128 MB)
MAX_TOTAL_DELAY_SAMPLES = 1 << 26  # every delay line of a patch together (512 MB)
SECONDS_OPTIONS = ("max_delay", "max_length")  # options that size a delay line in seconds
MAX_LIST = 4096  # entries of a list option (a waveshaper table, a scale)


def check_id(name, what: str = "node id") -> str:
    """``name`` if it is a valid id (:data:`ID_RULE`), else a PatchError saying the rule.

    Examples
    --------
    >>> check_id("lfo_2")
    'lfo_2'
    >>> check_id("a$b")
    Traceback (most recent call last):
    ...
    neuromix.errors.PatchError: node id 'a$b' is not valid: use letters, digits and '_', not \
starting with a digit ([A-Za-z_][A-Za-z0-9_]*)
    """
    if not isinstance(name, str) or not _ID.match(name):
        raise PatchError(f"{what} {name!r} is not valid: use letters, digits and '_', not "
                         f"starting with a digit ({ID_RULE})")
    return name


@dataclass(frozen=True)
class Ref:
    """A reference to a node's output: ``a`` (main output) or ``svf.bp`` (named port)."""

    node: str
    port: str | None = None

    @classmethod
    def parse(cls, text: str) -> "Ref":
        node, _, port = str(text).partition(".")
        return cls(node, port or None)

    def check(self) -> "Ref":
        """This reference, or a PatchError if its node id or port breaks :data:`ID_RULE`."""
        check_id(self.node)
        if self.port is not None and not (isinstance(self.port, str) and _PORT.match(self.port)):
            raise PatchError(f"output port {self.port!r} of '{self.node}' is not valid: ports "
                             f"are names like 'bp' or 'w.s1'")
        return self

    def __str__(self) -> str:
        return self.node if self.port is None else f"{self.node}.{self.port}"


@dataclass
class Signal:
    """A parameter driven by a signal.

    A bare connection (``freq: lfo``) passes the signal as it is. With a scale or an offset
    (``{from: lfo, scale: 20, offset: 110}``) the value is ``ref * scale + offset``, and both
    become addressable parameters, settable without recompiling.
    """

    ref: Ref
    scale: float | None = None
    offset: float | None = None
    delay: int | None = None

    @property
    def is_wire(self) -> bool:
        """A bare connection: no scale, no offset, no multiply-add in the kernel."""
        return self.scale is None and self.offset is None

    def gain(self) -> tuple[float, float]:
        """(scale, offset) with the defaults filled in."""
        return (1.0 if self.scale is None else self.scale, 0.0 if self.offset is None else self.offset)


Value = float | Signal


@dataclass
class Input:
    """One entry of a node's variadic ``inputs``: a source, its weight and an optional delay."""

    ref: Ref
    weight: Value = 1.0
    delay: int | None = None

    @property
    def key(self) -> str:
        return str(self.ref)


@dataclass
class Node:
    """One node: its id, type name, parameter values, structural options and inputs."""

    id: str
    type: str
    params: dict[str, Value] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    inputs: list[Input] = field(default_factory=list)
    line: int | None = field(default=None, compare=False)  # where a patch file declared it


@dataclass(frozen=True)
class Edge:
    """A signal path from ``src`` into ``dst``'s ``slot`` (a parameter, ``in:key`` or ``w:key``)."""

    src: Ref
    dst: str
    slot: str
    delay: int | None


@dataclass
class Graph:
    """A whole patch: sample rate, seed, nodes in declaration order, output channels."""

    sr: float = 48000.0
    seed: int = 0
    nodes: dict[str, Node] = field(default_factory=dict)
    outputs: list[Ref] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # sections other tools own (midi:, ...)

    def add(self, node: Node) -> None:
        """Add a node; PatchError if its id is taken or breaks :data:`ID_RULE`."""
        try:
            check_id(node.id)
        except PatchError as err:
            raise err.located(None, node.line) from None
        if node.id in self.nodes:
            raise PatchError(f"a node called '{node.id}' exists already", node=node.id)
        self.nodes[node.id] = node

    def edges(self) -> Iterator[Edge]:
        """Every signal path, in declaration order of the receiving node."""
        for node in self.nodes.values():
            for name, value in node.params.items():
                if isinstance(value, Signal):
                    yield Edge(value.ref, node.id, name, value.delay)
            for inp in node.inputs:
                yield Edge(inp.ref, node.id, f"in:{inp.key}", inp.delay)
                if isinstance(inp.weight, Signal):
                    yield Edge(inp.weight.ref, node.id, f"w:{inp.key}", inp.weight.delay)

    def validate(self) -> None:
        """Check types, parameter names, ranges, options and references; raise PatchError."""
        types = registry()
        if not (isinstance(self.sr, (int, float)) and 1 <= self.sr <= 1_000_000):
            raise PatchError(f"sample rate must be a number from 1 to 1000000 Hz, not {self.sr!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) \
                or not -2**63 <= self.seed < 2**63:
            raise PatchError(f"seed must be a whole number within ±2**63, not {self.seed!r}")
        for key, node in self.nodes.items():
            try:
                if key != node.id:
                    raise PatchError(f"is filed under {key!r}", node=node.id)
                _validate_node(node, types, self)
            except PatchError as err:
                raise err.located(None, node.line) from None
        if not self.outputs:
            raise PatchError("the patch has no output", hint="add 'out: <node id>'")
        for ref in self.outputs:
            check_ref(ref, self, None)
        _check_delay_memory(self)


def check_ref(ref: Ref, graph: Graph, node: Node | None, field: str | None = None) -> None:
    where = node.id if node else None
    if not isinstance(ref, Ref):
        raise PatchError(f"expected a node reference, not {ref!r}", node=where, field=field)
    try:
        ref.check()
    except PatchError as err:
        raise PatchError(f"refers to {str(ref)!r}: {err.message}", node=where,
                         field=field) from None
    if ref.node not in graph.nodes:
        raise PatchError(f"refers to '{ref}', but there is no node '{ref.node}'", node=where,
                         hint=nearest(ref.node, graph.nodes), field=field)
    src = graph.nodes[ref.node]
    ports = get(src.type).output_ports(src)
    if ref.port is not None and ref.port not in ports:
        raise PatchError(f"'{ref.node}' ({src.type}) has no output '{ref.port}'; it has "
                         f"{', '.join(ports)}", node=where, hint=nearest(ref.port, ports), field=field)


def bounds(lo: float, hi: float) -> tuple[float, float]:
    """A declared range with an open end closed at :data:`UNBOUNDED_LIMIT`.

    Examples
    --------
    >>> bounds(-float("inf"), 20.0)
    (-1000000000.0, 20.0)
    """
    return (max(lo, -UNBOUNDED_LIMIT), min(hi, UNBOUNDED_LIMIT))


def address_range(graph: Graph, address: str) -> tuple[float, float]:
    """The range a value set at a parameter ``address`` must lie in: a parameter's declared
    range, ±:data:`WEIGHT_LIMIT` for a weight, ±:data:`UNBOUNDED_LIMIT` otherwise (a range's
    open ends, a signal's scale or offset): the limits a patch file is checked against.

    Examples
    --------
    >>> g = Graph()
    >>> g.add(Node("s", "sine")); g.add(Node("a", "neuron", inputs=[Input(Ref("s"))]))
    >>> address_range(g, "s.freq"), address_range(g, "a.w.s"), address_range(g, "a.w.s.scale")
    ((-24000.0, 24000.0), (-1000000.0, 1000000.0), (-1000000000.0, 1000000000.0))
    """
    nid, _, rest = address.partition(".")
    node = graph.nodes.get(nid)
    if node is None or rest.endswith((".scale", ".offset")):
        return -UNBOUNDED_LIMIT, UNBOUNDED_LIMIT
    if rest.startswith("w."):
        return -WEIGHT_LIMIT, WEIGHT_LIMIT
    spec = get(node.type).param(rest)
    return bounds(spec.lo, spec.hi) if spec is not None else (-UNBOUNDED_LIMIT, UNBOUNDED_LIMIT)


def _check_number(value, where: str, lo: float, hi: float, node: Node, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PatchError(f"{where} must be a number, not {value!r}", node=node.id, field=field)
    if not math.isfinite(value):
        raise PatchError(f"{where} must be a finite number, not {value}", node=node.id,
                         field=field)
    lo, hi = bounds(lo, hi)
    if not lo <= value <= hi:
        raise PatchError(f"{where} = {value} is out of range {lo:g} to {hi:g}", node=node.id,
                         field=field)


def _check_signal(value: Signal, graph: Graph, node: Node, field: str) -> None:
    check_ref(value.ref, graph, node, field)
    _check_delay(value.delay, node, field)
    for name, x in (("scale", value.scale), ("offset", value.offset)):
        if x is not None:
            _check_number(x, f"{field} {name}", -UNBOUNDED_LIMIT, UNBOUNDED_LIMIT, node, field)


def _check_list(value, name: str, node: Node) -> None:
    """A list option: at most :data:`MAX_LIST` finite numbers within :data:`UNBOUNDED_LIMIT`."""
    ok = isinstance(value, (list, tuple)) and len(value) <= MAX_LIST and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    if not ok:
        raise PatchError(f"{name} must be a list of at most {MAX_LIST} numbers", node=node.id,
                         field=name)
    for v in value:
        _check_number(v, f"every entry of {name}", -UNBOUNDED_LIMIT, UNBOUNDED_LIMIT, node, name)


def _check_delay_memory(graph: Graph) -> None:
    """Delay lines (``max_delay``-like options × sr, edge delays) within the documented limits."""
    total = 0
    delays: dict[str, list] = {}  # per receiving node: one pass over the edges, not one per node
    for e in graph.edges():
        if e.delay:
            delays.setdefault(e.dst, []).append(("delay", e.delay))
    for node in graph.nodes.values():
        sizes = [(name, node.options[name] * graph.sr) for name in SECONDS_OPTIONS
                 if isinstance(node.options.get(name), (int, float))]
        sizes += delays.get(node.id, [])
        for name, samples in sizes:
            if samples > MAX_DELAY_SAMPLES:
                raise PatchError(f"{name} needs {samples:.0f} samples at sr {graph.sr:g}, more "
                                 f"than the limit of {MAX_DELAY_SAMPLES} for one delay",
                                 node=node.id, field=name, hint="a shorter delay or a lower sr")
            total += samples
    if total > MAX_TOTAL_DELAY_SAMPLES:
        raise PatchError(f"the delays of this patch need {total:.0f} samples together, more "
                         f"than the limit of {MAX_TOTAL_DELAY_SAMPLES}",
                         hint="shorter delays or a lower sr")


def check_option(node: Node, name: str, value) -> None:
    """PatchError unless ``value`` is one of option ``name``'s declared choices, or of its
    declared kind within its range (a list option: finite numbers, see :func:`_check_list`)."""
    nt = get(node.type)
    spec = nt.option(name)
    if spec is None:
        valid = [o.name for o in nt.options] + [p.name for p in nt.params]
        raise PatchError(f"{node.type} has no option {name!r}", node=node.id, field=name,
                         hint=nearest(name, valid) or f"it takes {', '.join(valid) or 'none'}")
    if spec.choices is not None and (not isinstance(value, (str, int, float))
                                     or value not in spec.choices):
        raise PatchError(f"{name} {value!r} is not one of {', '.join(map(str, spec.choices))}",
                         node=node.id, hint=nearest(value, spec.choices), field=name)
    if value is not None and spec.kind in (int, float):
        lo = -math.inf if spec.lo is None else spec.lo
        hi = math.inf if spec.hi is None else spec.hi
        if spec.kind is int and not (isinstance(value, int) and not isinstance(value, bool)):
            raise PatchError(f"{name} must be a whole number, not {value!r}", node=node.id,
                             field=name)
        _check_number(value, name, lo, hi, node, name)
    elif value is not None and spec.kind is list:
        _check_list(value, name, node)
    elif spec.kind is str and spec.choices is None and not isinstance(value, str):
        raise PatchError(f"{name} must be text, not {value!r}", node=node.id, field=name)


def _validate_node(node: Node, types, graph: Graph) -> None:
    if node.type not in types:
        raise PatchError(f"unknown node type {node.type!r}", node=node.id,
                         hint=nearest(node.type, types) or "see 'neuromix nodes'")
    nt = types[node.type]
    check_id(node.id)
    for name, value in node.params.items():
        spec = nt.param(name)
        if spec is None:
            valid = [p.name for p in nt.params] + [o.name for o in nt.options]
            raise PatchError(f"{node.type} has no parameter {name!r}", node=node.id, field=name,
                             hint=nearest(name, valid) or f"it takes {', '.join(valid) or 'none'}")
        if isinstance(value, Signal):
            _check_signal(value, graph, node, name)
        else:
            _check_number(value, name, spec.lo, spec.hi, node, name)
    for name, value in node.options.items():
        check_option(node, name, value)
    if nt.check is not None:
        nt.check(node)
    if node.inputs and nt.inputs is None:
        raise PatchError(f"{node.type} takes no 'inputs' section", node=node.id, field="inputs",
                         hint=f"connect signals to its parameters: "
                              f"{', '.join(p.name for p in nt.params)}")
    for inp in node.inputs:
        check_ref(inp.ref, graph, node, "inputs")
        _check_delay(inp.delay, node, "inputs")
        if isinstance(inp.weight, Signal):
            _check_signal(inp.weight, graph, node, "inputs")
        else:
            _check_number(inp.weight, f"weight of '{inp.key}'", -WEIGHT_LIMIT, WEIGHT_LIMIT,
                          node, "inputs")


def _check_delay(delay, node: Node, field: str) -> None:
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int)
                              or not 0 <= delay <= MAX_DELAY_SAMPLES):
        raise PatchError(f"delay must be a whole number of samples from 0, not {delay!r}",
                         node=node.id, field=field)
