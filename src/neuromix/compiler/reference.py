"""The slow reference interpreter: the test oracle for the compiler.

It shares nothing with the compiler but the node fragments: it decides delays by its own rule
(an edge is in a loop when its target reaches its source), evaluates nodes on demand sample by
sample, pulling every input from a full history of every output, reads parameter values from
the graph itself, and runs each node's fragment with plain Python. Node semantics are checked
separately against closed forms.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=48000)
>>> a = p.neuron(act="tanh", bias=0.1, name="a")
>>> a.input(p.sine(110), 1.5); a.input(a, 0.9)
>>> p.out(a)
>>> import numpy as np
>>> bool(np.allclose(run_reference(p.graph, 64), p.render(frames=64), atol=1e-12))
True
"""

from __future__ import annotations

import math

import numpy as np

from neuromix.compiler.codegen import EmitContext
from neuromix.graph.graph import Graph, Signal
from neuromix.nodes import get as node_type
from neuromix.nodes.io_nodes import input_channels


class _RefContext(EmitContext):
    def __init__(self, node, sr, seed, index):
        super().__init__(node, sr, seed, index, exact=True)
        self.state_names = {st.name: f"S_{i}" for i, st in enumerate(self.type.state)}
        self.out_names = {port: f"O_{i}" for i, port in enumerate(self.type.output_ports(node))}
        self.buffer_names = {b.name: f"B_{i}" for i, b in enumerate(self.type.buffers)}
        self.sizes = {b.name: int(b.size(self)) for b in self.type.buffers}
        self.tables: dict[str, np.ndarray] = {}
        self.uses = {}

    def p(self, name):
        return f"P_{name}"

    def s(self, name):
        return self.state_names[name]

    def out(self, port=None):
        return self.out_names[port or self.type.outputs[0]]

    def rate(self, expr, *params):
        return f"({expr})"

    def lookup(self, values, idx):
        name = f"T_{len(self.tables)}"
        self.tables[name] = np.array(values, dtype=np.float64)
        return f"{name}[{idx}]"

    def sound(self, samples):
        name = f"T_{len(self.tables)}"
        self.tables[name] = np.asarray(samples, dtype=np.float64)
        return name

    def at(self, buf, idx):
        return f"{self.buffer_names[buf]}[{idx}]"

    def size(self, buf):
        return self.sizes[buf]

    def use(self, module, name):
        import importlib

        alias = f"{module.rsplit('.', 1)[-1]}_{name}"
        self.uses[alias] = getattr(importlib.import_module(module), name)
        return alias

    def block(self, name):
        return f"A_{name}"

    def view(self, buf):
        return self.buffer_names[buf]

    def audio_in(self, channel):
        return f"AUDIO_IN[{int(channel)}]"


def reference_delays(graph: Graph) -> dict:
    """(dst, slot) -> delay, by the documented rule, computed independently of the compiler."""
    ids = list(graph.nodes)
    pos = {nid: i for i, nid in enumerate(ids)}
    succ = {nid: set() for nid in ids}
    for e in graph.edges():
        succ[e.src.node].add(e.dst)

    def reaches(a: str, b: str) -> bool:
        seen, todo = set(), [a]
        while todo:
            v = todo.pop()
            if v == b:
                return True
            if v not in seen:
                seen.add(v)
                todo.extend(succ[v])
        return False

    delays = {}
    for e in graph.edges():
        if e.delay is not None:
            delays[(e.dst, e.slot)] = e.delay
        else:
            in_loop = reaches(e.dst, e.src.node)
            delays[(e.dst, e.slot)] = 1 if in_loop and pos[e.src.node] >= pos[e.dst] else 0
    return delays


def run_reference(graph: Graph, frames: int, input=None) -> np.ndarray:
    """Render ``frames`` samples of ``graph`` slowly; returns (frames, channels).

    ``input`` is the sound ``audio_in`` nodes read: (frames,) or (frames, channels)."""
    graph.validate()
    sound = np.zeros((frames, 0)) if input is None else np.asarray(input, dtype=np.float64)
    sound = sound.reshape(len(sound), -1)
    wanted = max(input_channels(graph).values(), default=-1) + 1
    if sound.shape[1] < wanted or (wanted and len(sound) < frames):
        raise ValueError(f"the patch reads {wanted} input channel(s) for {frames} frames, "
                         f"the input has {sound.shape[1]} for {len(sound)}")
    delays = reference_delays(graph)
    nodes = list(graph.nodes.values())
    contexts, code, spaces = {}, {}, {}
    for idx, node in enumerate(nodes):
        nt = node_type(node.type)
        ctx = _RefContext(node, graph.sr, graph.seed, idx)
        for key, inp in enumerate(node.inputs):
            ctx.ins.append((inp.key, f"I_{key}", f"W_{key}" if nt.inputs == "weighted" else None))
        code[node.id] = compile("\n".join(nt.emit(ctx)), f"<reference {node.id}>", "exec")
        space = {"math": math, "np": np, **ctx.tables, **ctx.uses}
        for arr in nt.arrays:  # parameter arrays, read from the graph like every parameter
            space[f"A_{arr.name}"] = np.asarray(arr.entries(node)[1], dtype=np.float64)
        for st in nt.state:
            init = st.init(ctx) if callable(st.init) else st.init
            space[ctx.state_names[st.name]] = int(init) if st.integer else float(init)
        for port, var in ctx.out_names.items():
            space[var] = 0.0
        for name, var in ctx.buffer_names.items():
            space[var] = np.zeros(ctx.sizes[name])
        contexts[node.id], spaces[node.id] = ctx, space

    history: dict[tuple[str, str], list[float]] = {}
    done_until = {n.id: -1 for n in nodes}

    def port_of(ref):
        return ref.port or node_type(graph.nodes[ref.node].type).outputs[0]

    def value(ref, t: int, delay: int) -> float:
        when = t - delay
        if when < 0:
            return 0.0
        if delay == 0:
            compute(ref.node, t)
        return history[(ref.node, port_of(ref))][when]

    def param(node, spec, t):
        v = node.params.get(spec.name, spec.default)
        if isinstance(v, Signal):
            scale, offset = v.gain()
            return value(v.ref, t, delays[(node.id, spec.name)]) * scale + offset
        return float(v)

    def compute(nid: str, t: int) -> None:
        if done_until[nid] >= t:
            return
        node = graph.nodes[nid]
        nt, ctx, space = node_type(node.type), contexts[nid], spaces[nid]
        for spec in nt.params:
            space[f"P_{spec.name}"] = param(node, spec, t)
        for k, inp in enumerate(node.inputs):
            space[f"I_{k}"] = value(inp.ref, t, delays[(nid, f"in:{inp.key}")])
            w = inp.weight
            if isinstance(w, Signal):
                scale, offset = w.gain()
                space[f"W_{k}"] = value(w.ref, t, delays[(nid, f"w:{inp.key}")]) * scale + offset
            else:
                space[f"W_{k}"] = float(w)
        space["AUDIO_IN"] = sound[t]
        exec(code[nid], space)
        for port, var in ctx.out_names.items():
            history.setdefault((nid, port), []).append(float(space[var]))
        done_until[nid] = t

    out = np.zeros((frames, len(graph.outputs)))
    for t in range(frames):
        for node in nodes:
            compute(node.id, t)
        for c, ref in enumerate(graph.outputs):
            out[t, c] = value(ref, t, 0)
    return out
