"""Code generation: lay out parameters and state, and write the per-sample kernel.

numba's front end (SSA, liveness, type inference) costs more than linear time in the size of
one function and in the number of variables assigned more than once, and that, not LLVM, made
big patches slow to compile. So the kernel keeps every state variable and node output in the
lane's row of the state array (an index that is a constant in the source, no local), reads
parameters from the lane's row of the parameter array, and splits the nodes, in schedule order,
into small functions of a few dozen lines that numba types one at a time and LLVM inlines
back into the sample loop. A run of plain neurons (constant bias and weights, inputs read from
slots) becomes one loop over index tables, kept outside the source, so its compile time does
not grow with its size. Lookup tables live in an array too. Edges carry their delays at no
cost where the schedule allows (a back edge reads the producer's previous value before it is
overwritten), in a one-sample register otherwise, or in a ring buffer for longer delays.

The block of input frames ``audio_in`` nodes hear is the kernel's last argument (``ai``,
(frames, channels), shared by every lane); a node reads its column, taken once per block.

Nothing from a patch reaches the source but numbers the compiler computed (slot and table
offsets) and validated option values through ``repr``: node ids, ports and option strings
never do.

Every node output is guarded in the kernel: a sample that is not finite or beyond
``_config.BLOWUP_LIMIT`` is written as 0, the node is flagged (first sample, muted count) and
stays muted until the engine resets it at the end of the block.

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

import hashlib
import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neuromix import _config
from neuromix.compiler import groups
from neuromix.compiler.jit import SOUNDS_LINE
from neuromix.compiler.layout import Layout, NodeSlots, StateSlot
from neuromix.graph.addresses import Key, Kind, node_parameters
from neuromix.graph.plan import Plan, plan_graph
from neuromix.graph.graph import Edge, Node, Signal
from neuromix.nodes import get as node_type

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
FASTMATH_SOURCE = "{" + ", ".join(repr(f) for f in sorted(FASTMATH)) + "}"
FLUSH_BELOW = 1e-30  # magnitudes below this are set to zero (no denormals in recursions)
SMOOTH_SNAP = 1e-12  # a gliding parameter this close to its target (relative) lands on it
CHUNK_LINES = 120  # lines per node function: numba's front end is superlinear in size
FUSE_LINES = 240  # a patch up to this size is fused into the sample loop with locals
GROUP_MIN = 8  # consecutive plain neurons emitted as one loop from this many on


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
        """A fresh local variable name for this node (``name`` is a word chosen by the node
        type's code, never by a patch)."""
        return f"t{self.index}_{name}{next(self._tmp)}"

    def flush(self, var: str) -> str:
        """A line setting ``var`` to zero when it is tiny (denormal protection)."""
        return f"{var} = {var} if abs({var}) > {FLUSH_BELOW!r} else 0.0"

    def is_const(self, param: str) -> bool:
        return not isinstance(self.node.params.get(param), Signal)


class KernelContext(EmitContext):
    """The kernel generator's names: ``params`` maps each parameter to the expression reading
    it, ``slots`` is where the node's state, outputs, arrays and buffers live, and the state
    slots in ``integers`` are read as integer locals (``s<k>``)."""

    def __init__(self, node, sr, seed, index, slots: NodeSlots, params: dict[str, str],
                 integers: set[int], kernel_tables, exact=False, imports=None):
        super().__init__(node, sr, seed, index, exact)
        self.slots, self.params, self.integers = slots, params, integers
        self.tables = kernel_tables
        self.imports = {} if imports is None else imports

    def use(self, module: str, name: str) -> str:
        """A jitted library function (``cache=True``) or constant the kernel calls, compiled
        once per node type rather than per patch; the kernel names its module's source hash,
        so a change there recompiles the kernel (numba would keep the stale code)."""
        alias = f"{module.rsplit('.', 1)[-1]}_{name}"
        self.imports[alias] = (module, name)
        return alias

    def p(self, name: str) -> str:
        return self.params[name]

    def s(self, name: str) -> str:
        k = self.slots.state[name]
        return f"s{k}" if k in self.integers else f"st[{k}]"

    def out(self, port: str | None = None) -> str:
        return f"st[{self.slots.outputs[port or self.type.outputs[0]]}]"

    def rate(self, expr: str, *params: str) -> str:
        """``expr`` computed once per block when all ``params`` are constant, else per sample."""
        if all(self.is_const(p) for p in params):
            return self.tables.rate(expr)
        return f"({expr})"

    def lookup(self, values: list[float], idx: str) -> str:
        """An expression reading ``values[idx]`` from a constant table (kept in an array)."""
        return f"ft[{self.tables.table(values)} + ({idx})]"

    def at(self, buf: str, idx: str) -> str:
        return f"bf[{self.slots.buffers[buf].offset} + ({idx})]"

    def block(self, name: str) -> str:
        """A ParamArray of this node as a 1-D array (a view of the lane's parameter row, taken
        once per block): the node's loops index it directly, one name for the whole block."""
        entries = self.slots.arrays[name]
        return self.tables.rate(f"pc[{entries.start}:{entries.stop}]")

    def view(self, buf: str) -> str:
        """A buffer of this node as a 1-D array (a view, taken once per block)."""
        cells = self.slots.buffers[buf].cells
        return self.tables.rate(f"bf[{cells.start}:{cells.stop}]")

    def sound(self, samples: np.ndarray) -> str:
        """A 1-D array of ``samples`` shared by every lane (a sound file's channel), read-only:
        neither the data nor its length reaches the source (see :meth:`_Tables.sound`)."""
        return self.tables.sound(samples)

    def size(self, buf: str) -> int:
        return self.slots.buffers[buf].size

    def audio_in(self, channel: int) -> str:
        """This sample of input channel ``channel``: a column of the block of input frames the
        kernel is called with (``ai``, shared by every lane), taken once per block."""
        channel = int(channel)
        self.tables.input_channels = max(self.tables.input_channels, channel + 1)
        return f"{self.tables.rate(f'ai[:, {channel}]')}[i]"


_ARRAY_RATE = re.compile(r"\bra\d+\b|\bnp\.zeros\(|\[\d+:\d+\]|\bai\[")  # slices, copies,
# scratch, input columns


class _Tables:
    """The kernel's side arrays: per-block rates, integer index tables and float tables.

    A per-block value that is an array (a view of a parameter block or buffer, a float32
    copy, scratch) is a local ``ra<k>`` of the driving loop, computed once per block and
    passed to the node functions that use it.
    """

    def __init__(self, params: list[float]):
        self.ints: list[int] = []
        self.float_values: list[float] = []
        self._constant: dict[tuple[float, ...], int] = {}  # constant tables, by their values
        self.rates: list[str] = []  # lines computing them, in order (later ones use earlier)
        self._params = params
        self._samples: dict[str, list] = {"rt": [], "ri": []}
        self.arrays = 0
        self.sounds: list[tuple[int, np.ndarray]] = []  # (header offset in ft, samples)
        self.input_channels = 0  # columns of the input block the kernel reads (audio_in)

    def array(self, expr: str) -> str:
        """A per-block array (``expr`` returns one), a local ``ra<k>`` of the driving loop."""
        name = f"ra{self.arrays}"
        self.arrays += 1
        self.rates.append(f"{name} = {expr}")
        return name

    def rate(self, expr: str) -> str:
        """A per-block value, kept in ``ri`` when it is an integer, else in ``rt``: typed by
        evaluating the expression (our own code, on numbers) once at the patch's values."""
        if _ARRAY_RATE.search(expr):
            return self.array(expr)
        try:
            sample = eval(expr, {"math": math, "pc": self._params, **self._samples,
                                 "__builtins__": {"int": int, "max": max, "min": min,
                                                  "round": round, "abs": abs, "float": float}})
        except (ArithmeticError, ValueError):  # undefined at these values: a float (inf, nan)
            sample = math.nan
        kind = "ri" if isinstance(sample, int) else "rt"
        self._samples[kind].append(sample)
        name = f"{kind}[{len(self._samples[kind]) - 1}]"
        self.rates.append(f"{name} = {expr}")
        return name

    def count(self, kind: str) -> int:
        return len(self._samples[kind])

    def floats(self, values: list[float]) -> int:
        self.float_values.extend(float(v) for v in values)
        return len(self.float_values) - len(values)

    def table(self, values: list[float]) -> int:
        """Where a constant table starts in ``ft``; the same values twice are kept once."""
        key = tuple(float(v) for v in values)
        if key not in self._constant:
            self._constant[key] = self.floats(list(key))
        return self._constant[key]

    def add_ints(self, values: list[int]) -> int:
        self.ints.extend(int(v) for v in values)
        return len(self.ints) - len(values)

    def sound(self, samples: np.ndarray) -> str:
        """A per-block view of ``samples`` in ``ft``, where sounds follow the tables.

        The source names only a two-entry header (the sound's offset and length, filled in by
        :meth:`float_array`), so the same patch with another file of another length is the
        same kernel: nothing recompiles, and sounds stay out of the tables' digest.
        """
        head = self.floats([0.0, 0.0])
        self.sounds.append((head, np.ascontiguousarray(samples, dtype=np.float64)))
        return self.array(f"ft[int(ft[{head}]):int(ft[{head}]) + int(ft[{head + 1}])]")

    def float_array(self) -> np.ndarray:
        """``ft``: the tables, then every sound, each header pointing at its sound."""
        parts = [np.array(self.float_values or [0.0], dtype=np.float64)]
        end = len(parts[0])
        for head, samples in self.sounds:
            parts[0][head:head + 2] = end, len(samples)
            parts.append(samples)
            end += len(samples)
        return np.concatenate(parts) if self.sounds else parts[0]

    def sounds_digest(self) -> str:
        """A hash of the sounds' samples ("" without sounds): it names the data in the
        kernel's source (for live reload and sweeps), and the kernel cache ignores it."""
        if not self.sounds:
            return ""
        digest = hashlib.sha256()
        for _, samples in self.sounds:
            digest.update(len(samples).to_bytes(8, "little"))
            digest.update(samples.tobytes())
        return digest.hexdigest()[:20]


@dataclass
class Kernel:
    source: str
    layout: Layout
    plan: Plan
    ints: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    floats: np.ndarray = field(default_factory=lambda: np.zeros(1))
    guarded: list[str] = field(default_factory=list)  # node ids, in the guard array's order
    inputs: int = 0  # channels of input the kernel reads (``ai``): 0 when no audio_in


def _out_slot(node_id: str, port: str) -> str:
    return f"{node_id}:{port}"


def build_layout(plan: Plan) -> Layout:
    """Every node's parameters (the graph's own addresses), state, output slots and buffers;
    the code generator adds the edges' delay registers and ring buffers after them."""
    graph, layout = plan.graph, Layout(channels=len(plan.graph.outputs))
    for idx, node in enumerate(graph.nodes.values()):
        nt = node_type(node.type)
        own = layout.nodes[node.id] = NodeSlots()
        ctx = EmitContext(node, graph.sr, graph.seed, idx)
        for group in node_parameters(node):
            entries = layout.add_params(group.addresses, group.values)
            if group.key.kind is Kind.ARRAY:
                own.arrays[group.key.name] = entries
            else:
                own.params[group.key] = entries.start
        first = len(layout.state)
        for st in nt.state:
            init = st.init(ctx) if callable(st.init) else st.init
            own.state[st.name] = layout.add_state(StateSlot(f"{node.id}.{st.name}", node.id,
                                                            float(init), st.integer))
        for port in nt.output_ports(node):
            own.outputs[port] = layout.add_state(StateSlot(_out_slot(node.id, port), node.id, 0.0))
        for buf in nt.buffers:
            own.buffers[buf.name] = layout.add_buffer(f"{node.id}.{buf.name}", node.id,
                                                      int(buf.size(ctx)))
        own.span = range(first, len(layout.state))
    return layout


class _Reader:
    """Where each edge's value is read: a state slot (output, register) or a ring buffer."""

    def __init__(self, plan: Plan, layout: Layout):
        self.graph, self.layout = plan.graph, layout
        self.position = {nid: i for i, nid in enumerate(plan.order)}
        self.out_slot = {(nid, port): slot for nid, own in layout.nodes.items()
                         for port, slot in own.outputs.items()}
        self.z1: dict[tuple[str, str], int] = {}
        longest: dict[tuple[str, str], int] = {}
        for e in plan.edges:
            key = (e.src.node, self.port(e.src))
            if e.delay >= 2:
                longest[key] = max(longest.get(key, 0), e.delay)
            elif e.delay == 1 and self._own_last(e):
                pass  # its own output before it is overwritten: the value a sample ago
            elif e.delay == 1 and self.position[e.dst] >= self.position[e.src.node]:
                if key not in self.z1:
                    self.z1[key] = layout.add_state(StateSlot(_out_slot(*key) + "@z1", None, 0.0))
        self.rings = {}
        for key, most in longest.items():
            size = 1 << most.bit_length()
            ring = layout.add_buffer(_out_slot(*key) + "@history", None, size)
            widx = layout.add_state(StateSlot(_out_slot(*key) + "@write", None, 0.0, integer=True))
            self.rings[key] = (ring.offset, size, widx)

    def port(self, ref) -> str:
        return ref.port or node_type(self.graph.nodes[ref.node].type).outputs[0]

    def _own_last(self, e: Edge) -> bool:
        """A neuron hearing itself: it reads every input before it writes its output."""
        return e.src.node == e.dst and self.graph.nodes[e.dst].type == "neuron"

    def slot(self, e: Edge) -> int | None:
        """The state slot holding the value ``e`` reads, or None for a ring-buffer read."""
        key = (e.src.node, self.port(e.src))
        if e.delay == 0 or (e.delay == 1 and (self.position[e.dst] < self.position[e.src.node]
                                              or self._own_last(e))):
            return self.out_slot[key]
        if e.delay == 1:
            return self.z1[key]
        return None

    def expr(self, e: Edge) -> str:
        slot = self.slot(e)
        if slot is not None:
            return f"st[{slot}]"
        off, size, w = self.rings[(e.src.node, self.port(e.src))]
        return f"bf[{off} + ((int(st[{w}]) - {e.delay}) & {size - 1})]"

    def tail(self) -> list[str]:
        """Lines run after every node: registers and ring buffers take this sample's value."""
        lines = [f"st[{reg}] = st[{self.out_slot[key]}]" for key, reg in self.z1.items()]
        for n, (key, (off, size, w)) in enumerate(self.rings.items()):
            lines += [f"w{n} = int(st[{w}])", f"bf[{off} + w{n}] = st[{self.out_slot[key]}]",
                      f"st[{w}] = (w{n} + 1) & {size - 1}"]
        return lines


def _guard_lines(j: int, slots: list[int], pad: str = "") -> list[str]:
    """Mute node ``j`` (outputs ``slots``) from its first bad sample to the end of the block."""
    limit = repr(_config.BLOWUP_LIMIT)
    ok = " and ".join(f"abs(st[{k}]) < {limit}" for k in slots)
    return [pad + line for line in [
        f"if gd[{j}, 0] > 0.0 or not ({ok}):",
        f"    if gd[{j}, 0] == 0.0:",
        f"        gd[{j}, 1] = i",
        f"    gd[{j}, 0] += 1.0",
        *(f"    st[{k}] = 0.0" for k in slots)]]


def _slots(node: Node, edges: dict, reader: _Reader) -> list[int | None]:
    """Where each weighted input of ``node`` is read (None: from a ring buffer)."""
    return [reader.slot(edges[(node.id, f"in:{inp.key}")]) for inp in node.inputs]


def generate(plan: Plan, exact: bool = False) -> Kernel:
    """The kernel source and its layout for a planned graph; ``exact`` compiles without the
    fast-math flags, so the kernel computes what the reference interpreter computes, bit for
    bit (the test oracle's mode: a chaotic patch amplifies even one ulp of difference)."""
    graph = plan.graph
    layout = build_layout(plan)
    reader = _Reader(plan, layout)
    tables = _Tables([slot.value for slot in layout.params])
    edges = {(e.dst, e.slot): e for e in plan.edges}
    index = {nid: i for i, nid in enumerate(graph.nodes)}
    units: list[tuple[list[str], set[int]]] = []  # (lines, integer slots they use)
    imports: dict[str, tuple[str, str]] = {}
    run: list[tuple[int, Node, dict]] = []

    def use(name: str) -> str:  # a helper of the group loops, compiled once per install
        imports[f"groups_{name}"] = (groups.__name__, name)
        return f"groups_{name}"

    def close_run():
        if len(run) >= GROUP_MIN:
            slots = [_slots(node, edges, reader) for _, node, _ in run]
            units.append((groups.group_lines(run, slots, tables, exact, use), None))
        else:
            for j, node, own in run:
                units.append(emit_node(j, node, own))
        run.clear()

    def value(node: Node, name: str, weight: bool, edge: str) -> str:
        """A parameter or weight: a constant, a driving signal, or that signal's scale
        and offset applied."""
        own = layout.nodes[node.id]
        if (k := own.params.get(Key(Kind.CONSTANT, name, weight))) is not None:
            return f"pc[{k}]"
        src = reader.expr(edges[(node.id, edge)])
        if (k := own.params.get(Key(Kind.SCALE, name, weight))) is None:
            return src
        return f"({src} * pc[{k}] + pc[{own.params[Key(Kind.OFFSET, name, weight)]}])"

    def emit_node(j: int, node: Node, own: NodeSlots) -> tuple[list[str], set[int]]:
        nt = node_type(node.type)
        params = {spec.name: value(node, spec.name, False, spec.name) for spec in nt.params}
        integers = {k for k in own.state.values() if layout.state[k].integer}
        ctx = KernelContext(node, graph.sr, graph.seed, j, own, params, integers, tables, exact,
                            imports)
        for inp in node.inputs:
            src = reader.expr(edges[(node.id, f"in:{inp.key}")])
            weight = None
            if nt.inputs == "weighted":
                weight = value(node, inp.key, True, f"w:{inp.key}")
            ctx.ins.append((inp.key, src, weight))
        outs = [own.outputs[port] for port in nt.output_ports(node)]
        return nt.emit(ctx) + _guard_lines(j, outs), integers

    for nid in plan.order:
        node, own = graph.nodes[nid], layout.nodes[nid]
        if node.type == "neuron" and groups.plain(node, own, _slots(node, edges, reader)):
            run.append((index[nid], node, own))
        else:
            close_run()
            units.append(emit_node(index[nid], node, own))
    close_run()
    units.append((reader.tail(), set()))
    scalars = {k for own in layout.nodes.values() for k in own.params.values()}  # not arrays
    source = _assemble(units, layout, tables, graph, exact, imports, scalars)
    ints = np.array(tables.ints or [0], dtype=np.int64)
    return Kernel(source, layout, plan, ints, tables.float_array(), list(graph.nodes),
                  tables.input_channels)


def _assemble(units, layout: Layout, tables: _Tables, graph, exact: bool, imports: dict,
              scalars: set[int]) -> str:
    """The module: node functions of about CHUNK_LINES lines each, and the driving loop.

    A patch that fits in one function is fused into the loop instead, with its state and
    parameters in locals (registers): faster at run time, and cheap to type at that size.
    """
    chunks: list[tuple[list[str], set[int] | None]] = []  # None: a group loop, on its own
    total = sum(len(lines) for lines, _ in units)
    fused = total <= FUSE_LINES and all(integers is not None for _, integers in units)
    budget = FUSE_LINES if fused else CHUNK_LINES
    for lines, integers in units:
        last = chunks[-1] if chunks else None
        if (last is not None and integers is not None and last[1] is not None
                and len(last[0]) + len(lines) <= budget):
            last[0].extend(lines)
            last[1].update(integers)
        else:
            chunks.append((list(lines), None if integers is None else set(integers)))
    flags = "False" if exact else FASTMATH_SOURCE
    jit = f"@numba.njit(cache=True, nogil=True, fastmath={flags}, error_model='numpy')"
    digest = hashlib.sha256(np.array(tables.ints, dtype=np.int64).tobytes()
                            + np.array(tables.float_values).tobytes()).hexdigest()[:20]
    sounds = tables.sounds_digest()
    head = ["# generated by neuromix: the per-sample kernel of one patch (do not edit)",
            f"# tables {digest}", *([f"{SOUNDS_LINE}{sounds}"] if sounds else []), "import math", "import numba", "import numpy as np",
            "from neuromix.compiler import approx",
            *(f"from {module} import {name} as {alias}  # {_source_hash(module)}"
              for alias, (module, name) in sorted(imports.items())), ""]
    defs, calls = [], []
    for c, (lines, integers) in enumerate(chunks):
        if not lines:
            continue
        arrays = "".join(f", {a}" for a in sorted(set(re.findall(r"\bra\d+\b", "\n".join(lines))),
                                                  key=lambda a: int(a[2:])))
        defs += ["", jit, f"def c{c}(i, st, pc, rt, ri, bf, gd, it, ft{arrays}):",
                 *("    " + line for line in (lines if integers is None
                                              else _in_locals(lines, integers, layout))),
                 "    return 0", ""]
        calls.append(f"c{c}(i, st, pc, rt, ri, bf, gd, it, ft{arrays})")
    if fused:
        defs, calls = [], [_localise(line) for line in chunks[0][0]] if chunks else []
    outputs = []
    for c, ref in enumerate(graph.outputs):
        port = ref.port or node_type(graph.nodes[ref.node].type).outputs[0]
        outputs.append(f"ob[i, {c}] = st[{layout.output(ref.node, port)}]")
    rates = list(tables.rates)
    localised = fused
    nstate = len(layout.state)
    loads = [f"s{k} = int(st[{k}])" if layout.state[k].integer else f"s{k} = st[{k}]"
             for k in range(nstate)] if localised else []
    stores = [f"st[{k}] = s{k}" for k in range(nstate)] if localised else []
    param_loads = [f"p{k} = pc[{k}]" for k in sorted(scalars)] if localised else []
    if localised:
        outputs = [_localise(line) for line in outputs]
        rates = [_localise(line) for line in rates]
    body = [
        "", jit,
        "def process(n, params, cur, decay, state, buf, out, gd_all, it, ft, ai):",
        "    trouble = 0",
        f"    rt = np.empty({max(tables.count('rt'), 1)})",
        f"    ri = np.empty({max(tables.count('ri'), 1)}, dtype=np.int64)",
        "    for lane in range(state.shape[0]):",
        "        st = state[lane]",
        "        pc = cur[lane]",
        "        bf = buf[lane]",
        "        gd = gd_all[lane]",
        "        ob = out[lane]",
        *("        " + line for line in loads),
        # parameters glide towards their targets in steps of SMOOTH_STEP samples (one-pole,
        # ``decay`` per step; 0 jumps at once), and the per-block work is redone at each step
        "        i0 = 0",
        "        while i0 < n:",
        "            m = n - i0",
        # a branch-free scan first (SIMD): with 16k weights and nothing gliding, that is all
        "            moving = 0",
        "            for k in range(params.shape[1]):",
        "                moving += pc[k] != params[lane, k]",
        "            if moving:",
        "                for k in range(params.shape[1]):",
        "                    target = params[lane, k]",
        "                    d = (pc[k] - target) * decay",
        f"                    pc[k] = target + d if abs(d) > {SMOOTH_SNAP!r} * (1.0 + abs(target)) "
        "else target",
        "                    if not d == 0.0:",
        f"                        m = min(m, {_config.SMOOTH_STEP})",
        *("            " + line for line in param_loads + rates),
        "            for i in range(i0, i0 + m):",
        *("                " + call for call in calls),
        *("                " + line for line in outputs),
        "            i0 += m",
        *("        " + line for line in stores),
        "        for k in range(st.shape[0]):",
        f"            if not abs(st[k]) < {_config.BLOWUP_LIMIT!r}:",
        "                trouble = 1",
        "        for j in range(gd.shape[0]):",
        "            if gd[j, 0] > 0.0:",
        "                trouble = 1",
        "    return trouble",
        "",
    ]
    return "\n".join(head + defs + body)


def _localise(line: str) -> str:
    """``st[3]`` -> ``s3`` and ``pc[5]`` -> ``p5`` in a line of generated code."""
    return re.sub(r"\bpc\[(\d+)\]", r"p\1", re.sub(r"\bst\[(\d+)\]", r"s\1", line))


_WRITE = re.compile(r"^\s*st\[(\d+)\] *([-+*/]?=)[^=]")


def _in_locals(lines: list[str], integers: set[int], layout: Layout) -> list[str]:
    """A node function's lines with the slots it uses in locals: loaded on entry, written
    back on exit (one array access per slot, not per use: each costs numba typing time)."""
    used = sorted({int(k) for line in lines for k in re.findall(r"\bst\[(\d+)\]", line)}
                  | integers)
    written = sorted({int(m.group(1)) for line in lines if (m := _WRITE.match(line))} | integers)
    params = sorted({int(k) for line in lines for k in re.findall(r"\bpc\[(\d+)\]", line)})
    loads = [f"s{k} = int(st[{k}])" if layout.state[k].integer else f"s{k} = st[{k}]"
             for k in used] + [f"p{k} = pc[{k}]" for k in params]
    return loads + [_localise(line) for line in lines] + [f"st[{k}] = s{k}" for k in written]


def _source_hash(module: str) -> str:
    import importlib.util

    origin = importlib.util.find_spec(module).origin
    with open(origin, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:16]


def compile_graph_source(graph) -> Kernel:
    """Plan and generate in one step."""
    return generate(plan_graph(graph))
