"""Code generation: lay out parameters and state, and write one fused per-sample loop.

The kernel is plain Python source for numba: every constant parameter is read once per block
into a local, every state variable lives in a local inside the sample loop, and each node's
code fragment is pasted in schedule order. Edges carry their delays at no cost where the
schedule allows (a back edge reads the producer's previous value before it is overwritten), in
a one-sample register otherwise, or in a ring buffer for longer delays.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch()
>>> p.out(p.sine(110))
>>> src = generate(plan_graph(p.graph)).source
>>> "approx.sin2pi" in src
True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from neuromix import _config
from neuromix.compiler.passes import Plan, plan_graph
from neuromix.graph.graph import Edge, Node, Signal
from neuromix.nodes import get as node_type

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
FASTMATH_SOURCE = "{" + ", ".join(repr(f) for f in sorted(FASTMATH)) + "}"
FLUSH_BELOW = 1e-30  # magnitudes below this are set to zero (no denormals in recursions)
SMOOTH_SNAP = 1e-12  # a gliding parameter this close to its target (relative) lands on it


@dataclass
class StateSlot:
    name: str  # "a.phase", "a:out", "a:out@z1", ...
    node: str | None
    init: float
    integer: bool = False


@dataclass
class Layout:
    """Where every parameter, state variable and buffer lives in the kernel's flat arrays."""

    params: list[tuple[str, float]] = field(default_factory=list)
    state: list[StateSlot] = field(default_factory=list)
    buffers: list[tuple[str, str | None, int, int]] = field(default_factory=list)  # name,node,off,size
    channels: int = 1

    @property
    def buffer_size(self) -> int:
        return sum(size for *_, size in self.buffers)

    def add_param(self, address: str, value: float) -> int:
        self.params.append((address, float(value)))
        return len(self.params) - 1

    def add_params(self, addresses, values) -> int:
        """A contiguous block of parameters (a node's ParamArray); returns its offset."""
        offset = len(self.params)
        self.params.extend(zip(addresses, map(float, values)))
        return offset

    def add_state(self, slot: StateSlot) -> int:
        self.state.append(slot)
        return len(self.state) - 1

    def add_buffer(self, name: str, node: str | None, size: int) -> int:
        offset = self.buffer_size
        self.buffers.append((name, node, offset, size))
        return offset


class EmitContext:
    """What a node's ``emit`` function sees: names for its params, state, outputs and temps.

    Shared by the kernel generator and the reference interpreter, which give the names
    different meanings. ``exact`` asks fragments for libm's functions rather than the fast
    approximations of ``compiler/approx.py`` (the reference interpreter is always exact).
    """

    def __init__(self, node: Node, sr: float, seed: int, index: int, exact: bool = False):
        self.node, self.sr, self.seed, self.index = node, float(sr), seed, index
        self.exact = exact
        self.type = node_type(node.type)
        self._tmp = itertools.count()
        self.ins: list[tuple[str, str, str | None]] = []

    def opt(self, name: str) -> Any:
        """The value of a structural option (its default when the patch does not set it)."""
        if name in self.node.options:
            return self.node.options[name]
        return self.type.option(name).default

    def tmp(self, name: str) -> str:
        """A fresh local variable name for this node."""
        return f"t{self.index}_{name}{next(self._tmp)}"

    def flush(self, var: str) -> str:
        """A line setting ``var`` to zero when it is tiny (denormal protection)."""
        return f"{var} = {var} if abs({var}) > {FLUSH_BELOW!r} else 0.0"

    def is_const(self, param: str) -> bool:
        return not isinstance(self.node.params.get(param), Signal)


class KernelContext(EmitContext):
    def __init__(self, node, sr, seed, index, names, prelude, exact=False, imports=None):
        super().__init__(node, sr, seed, index, exact)
        self.names, self.prelude = names, prelude
        self.imports = {} if imports is None else imports

    def use(self, module: str, name: str) -> str:
        """A jitted library function (``cache=True``) the kernel calls, compiled once per node
        type rather than per patch; the kernel names its module's source hash, so a change
        there recompiles the kernel (numba would keep the stale code)."""
        alias = f"{module.rsplit('.', 1)[-1]}_{name}"
        self.imports[alias] = (module, name)
        return alias

    def p(self, name: str) -> str:
        return self.names[("p", name)]

    def s(self, name: str) -> str:
        return self.names[("s", name)]

    def out(self, port: str | None = None) -> str:
        return self.names[("o", port or self.type.outputs[0])]

    def rate(self, expr: str, *params: str) -> str:
        """``expr`` computed once per block when all ``params`` are constant, else per sample."""
        if all(self.is_const(p) for p in params):
            name = self.tmp("r")
            self.prelude.append(f"{name} = {expr}")
            return name
        return f"({expr})"

    def at(self, buf: str, idx: str) -> str:
        return f"buf[lane, {self.names[('b', buf)][0]} + ({idx})]"

    def block(self, name: str) -> str:
        """A ParamArray of this node as a 1-D array (a view of the flat parameter array, taken
        once per block): the node's loops index it directly, one local for the whole block."""
        off, size = self.names[("a", name)]
        return self.rate(f"cur[lane, {off}:{off + size}]")

    def view(self, buf: str) -> str:
        """A buffer of this node as a 1-D array (a view, taken once per block)."""
        off, size = self.names[("b", buf)]
        return self.rate(f"buf[lane, {off}:{off + size}]")

    def size(self, buf: str) -> int:
        return self.names[("b", buf)][1]


@dataclass
class Kernel:
    source: str
    layout: Layout
    plan: Plan
    nodes: dict[str, tuple[int, int]]  # node id -> (first, end) state indices it owns


def _out_slot(node_id: str, port: str) -> str:
    return f"{node_id}:{port}"


def build_layout(plan: Plan) -> tuple[Layout, dict]:
    """Parameters, node state, output slots and buffers; returns (layout, names per node)."""
    graph, layout = plan.graph, Layout(channels=len(plan.graph.outputs))
    names: dict[str, dict] = {}
    for idx, node in enumerate(graph.nodes.values()):
        nt = node_type(node.type)
        own: dict = {}
        ctx = EmitContext(node, graph.sr, graph.seed, idx)
        for spec in nt.params:
            value = node.params.get(spec.name, spec.default)
            if isinstance(value, Signal) and value.is_wire:
                pass  # a plain connection: the source's value itself, nothing to scale
            elif isinstance(value, Signal):
                scale, offset = value.gain()
                own[("ps", spec.name)] = layout.add_param(f"{node.id}.{spec.name}.scale", scale)
                own[("po", spec.name)] = layout.add_param(f"{node.id}.{spec.name}.offset", offset)
            else:
                own[("pc", spec.name)] = layout.add_param(f"{node.id}.{spec.name}", value)
        for inp in node.inputs:
            if nt.inputs != "weighted":
                continue
            if isinstance(inp.weight, Signal) and not inp.weight.is_wire:
                scale, offset = inp.weight.gain()
                own[("ws", inp.key)] = layout.add_param(f"{node.id}.w.{inp.key}.scale", scale)
                own[("wo", inp.key)] = layout.add_param(f"{node.id}.w.{inp.key}.offset", offset)
            elif isinstance(inp.weight, Signal):
                pass  # the weight is the signal itself
            else:
                own[("wc", inp.key)] = layout.add_param(f"{node.id}.w.{inp.key}", inp.weight)
        for arr in nt.arrays:
            keys, values = arr.entries(node)
            own[("a", arr.name)] = (layout.add_params([f"{node.id}.{k}" for k in keys], values),
                                    len(keys))
        first = len(layout.state)
        for st in nt.state:
            init = st.init(ctx) if callable(st.init) else st.init
            own[("s", st.name)] = layout.add_state(StateSlot(f"{node.id}.{st.name}", node.id,
                                                             float(init), st.integer))
        for port in nt.output_ports(node):
            own[("o", port)] = layout.add_state(StateSlot(_out_slot(node.id, port), node.id, 0.0))
        for buf in nt.buffers:
            size = int(buf.size(ctx))
            own[("b", buf.name)] = (layout.add_buffer(f"{node.id}.{buf.name}", node.id, size), size)
        own["span"] = (first, len(layout.state))
        names[node.id] = own
    return layout, names


def generate(plan: Plan, exact: bool = False) -> Kernel:
    """The kernel source and its layout for a planned graph; ``exact`` compiles without the
    fast-math flags and with libm's functions instead of the approximations, so the kernel
    computes what the reference interpreter computes, bit for bit (the test oracle's mode: a
    chaotic patch amplifies even one ulp of difference)."""
    graph = plan.graph
    layout, owned = build_layout(plan)
    position = {nid: i for i, nid in enumerate(plan.order)}
    out_var = {}  # (node, port) -> local name
    for nid, own in owned.items():
        for key, value in own.items():
            if key[0] == "o":
                out_var[(nid, key[1])] = f"s{value}"

    def main_port(ref):
        node = graph.nodes[ref.node]
        return ref.port or node_type(node.type).outputs[0]

    # delayed reads: one-sample registers and ring buffers, allocated on demand
    z1: dict[tuple[str, str], str] = {}
    rings: dict[tuple[str, str], list] = {}
    for e in plan.edges:
        key = (e.src.node, main_port(e.src))
        if e.delay >= 2:
            rings.setdefault(key, [0])[0] = max(rings.get(key, [0])[0], e.delay)
        elif e.delay == 1 and position[e.dst] >= position[e.src.node]:
            if key not in z1:
                z1[key] = f"s{layout.add_state(StateSlot(_out_slot(*key) + '@z1', None, 0.0))}"
    ring_info = {}
    for key, (longest,) in rings.items():
        size = 1 << longest.bit_length()
        off = layout.add_buffer(_out_slot(*key) + "@history", None, size)
        widx = layout.add_state(StateSlot(_out_slot(*key) + "@write", None, 0.0, integer=True))
        ring_info[key] = (off, size, f"s{widx}")

    def read(e: Edge) -> str:
        key = (e.src.node, main_port(e.src))
        if e.delay == 0 or (e.delay == 1 and position[e.dst] < position[e.src.node]):
            return out_var[key]
        if e.delay == 1:
            return z1[key]
        off, size, w = ring_info[key]
        return f"buf[lane, {off} + (({w} - {e.delay}) & {size - 1})]"

    incoming = {(e.dst, e.slot): e for e in plan.edges}
    prelude: list[str] = []
    imports: dict[str, tuple[str, str]] = {}
    body: list[str] = []
    for nid in plan.order:
        node = graph.nodes[nid]
        nt = node_type(node.type)
        own = owned[nid]
        idx = list(graph.nodes).index(nid)
        names: dict = {}
        for spec in nt.params:
            if ("pc", spec.name) in own:
                names[("p", spec.name)] = f"p{own[('pc', spec.name)]}"
            elif ("ps", spec.name) not in own:
                names[("p", spec.name)] = read(incoming[(nid, spec.name)])
            else:
                src = read(incoming[(nid, spec.name)])
                names[("p", spec.name)] = (f"({src} * p{own[('ps', spec.name)]} "
                                           f"+ p{own[('po', spec.name)]})")
        for key, value in own.items():
            if key[0] in ("s", "o"):
                names[key] = f"s{value}"
            elif key[0] in ("a", "b"):
                names[key] = value
        ctx = KernelContext(node, graph.sr, graph.seed, idx, names, prelude, exact, imports)
        for inp in node.inputs:
            src = read(incoming[(nid, f"in:{inp.key}")])
            weight = None
            if nt.inputs == "weighted":
                if ("wc", inp.key) in own:
                    weight = f"p{own[('wc', inp.key)]}"
                elif ("ws", inp.key) not in own:
                    weight = read(incoming[(nid, f"w:{inp.key}")])
                else:
                    wsrc = read(incoming[(nid, f"w:{inp.key}")])
                    weight = f"({wsrc} * p{own[('ws', inp.key)]} + p{own[('wo', inp.key)]})"
            ctx.ins.append((inp.key, src, weight))
        body.append(f"# {nid} ({node.type})")
        body.extend(nt.emit(ctx))
    for c, ref in enumerate(graph.outputs):
        body.append(f"out[lane, i, {c}] = {out_var[(ref.node, main_port(ref))]}")
        # stays 0.0 unless an output is NaN or infinite (x * 0.0 is NaN then): a check off the
        # critical path, so the engine need not scan every block with numpy
        body.append(f"finite += {out_var[(ref.node, main_port(ref))]} * 0.0")
    for key, reg in z1.items():
        body.append(f"{reg} = {out_var[key]}")
    for key, (off, size, w) in ring_info.items():
        body.append(f"buf[lane, {off} + {w}] = {out_var[key]}")
        body.append(f"{w} = ({w} + 1) & {size - 1}")

    scalars = sorted(v for own in owned.values() for key, v in own.items()
                     if key[0] in ("pc", "ps", "po", "wc", "ws", "wo"))  # not ParamArray blocks
    param_loads = [f"p{i} = cur[lane, {i}]" for i in scalars]
    loads = []
    for i, slot in enumerate(layout.state):
        loads.append(f"s{i} = int(state[lane, {i}])" if slot.integer else f"s{i} = state[lane, {i}]")
    stores = [f"state[lane, {i}] = s{i}" for i in range(len(layout.state))]
    lines = [
        "# generated by neuromix: one fused per-sample loop for one patch (do not edit)",
        "import math",
        "import numba",
        "import numpy as np",
        "from neuromix.compiler import approx",
        *(f"from {module} import {name} as {alias}  # {_source_hash(module)}"
          for alias, (module, name) in sorted(imports.items())),
        "",
        "",
        f"@numba.njit(cache=True, nogil=True, fastmath={'False' if exact else FASTMATH_SOURCE}, "
        "error_model='numpy')",
        "def process(n, params, cur, decay, state, buf, out):",
        "    trouble = 0",
        "    for lane in range(state.shape[0]):",
        "        finite = 0.0",
        *("        " + line for line in loads),
        # parameters glide towards their targets in steps of SMOOTH_STEP samples (one-pole,
        # ``decay`` per step; 0 jumps at once), and the per-block work is redone at each step
        "        i0 = 0",
        "        while i0 < n:",
        "            m = n - i0",
        # a branch-free scan first (SIMD): with 16k weights and nothing gliding, that is all
        "            moving = 0",
        "            for k in range(params.shape[1]):",
        "                moving += cur[lane, k] != params[lane, k]",
        "            if moving:",
        "                for k in range(params.shape[1]):",
        "                    target = params[lane, k]",
        "                    d = (cur[lane, k] - target) * decay",
        f"                    cur[lane, k] = target + d if abs(d) > {SMOOTH_SNAP!r} * (1.0 + abs(target)) "
        "else target",
        "                    if not d == 0.0:",
        f"                        m = min(m, {_config.SMOOTH_STEP})",
        *("            " + line for line in param_loads + prelude),
        "            for i in range(i0, i0 + m):",
        *("                " + line for line in body),
        "            i0 += m",
        *("        " + line for line in stores),
        "        if not finite == 0.0:",
        "            trouble = 1",
        *(f"        if not abs(s{i}) < {_config.BLOWUP_LIMIT!r}:\n            trouble = 1"
          for i in range(len(layout.state))),
        "    return trouble",
        "",
    ]
    spans = {nid: own["span"] for nid, own in owned.items()}
    return Kernel("\n".join(lines), layout, plan, spans)


def _source_hash(module: str) -> str:
    import hashlib
    import importlib.util

    origin = importlib.util.find_spec(module).origin
    with open(origin, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:16]


def compile_graph_source(graph) -> Kernel:
    """Plan and generate in one step."""
    return generate(plan_graph(graph))
