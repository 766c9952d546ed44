"""What the browser view shows, as plain data: the graph laid out, and frames of live values.

:func:`describe` turns a compiled patch into the page's graph (nodes with layers and rows,
edges with their delays and weights, every parameter with its range, the activation curves of
the neuron-like nodes, and the weight matrices of ``network`` nodes, whose thousands of
entries are shown as pictures rather than as one control each); :class:`Frames` turns the
snapshot rings into one frame (node levels, output-port values, gliding parameters, weights,
operating points, matrix gains, scope, spectrum, meters) and, when a matrix's entries moved,
a matrix message (the entries packed as float32).

Which nodes are neuron-like comes from the registry (the categories in
``NEURON_CATEGORIES``), so a node type added there is lit like the others.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=8000)
>>> s = p.sine(110, name="s")
>>> a = p.neuron(act="tanh", inputs={s: 1.5}, name="a")
>>> p.out(a)
>>> g = describe(p.compile())
>>> [(n["id"], n["neuron"], n["layer"]) for n in g["nodes"]]
[('s', False, 0), ('a', True, 1)]
>>> g["params"][-1]["address"], g["params"][-1]["lo"]
('a.w.s', -1000000.0)

A network's matrices are described by block; their entries are no controls of their own:

>>> p = nm.Patch(sr=8000)
>>> p.out(p.network(w=[[0.0, 0.5], [-0.5, 0.0]], inputs=[p.sine(110, name="s")], name="net"))
>>> g = describe(p.compile())
>>> [(b["name"], b["rows"], b["cols"], b["gain"]) for b in g["matrices"][0]["blocks"]]
[('w', 2, 2, 'net.w_gain'), ('in', 2, 1, 'net.in_gain'), ('out', 1, 2, 'net.out_gain')]
>>> [q["address"] for q in g["params"] if q["node"] == "net"]
['net.w_gain', 'net.in_gain', 'net.out_gain']
"""

from __future__ import annotations

import base64
import math

import numpy as np

from neuromix import _config
from neuromix.graph.graph import WEIGHT_LIMIT, Ref, Signal
from neuromix.nodes import get as node_type
from neuromix.nodes.activations import ACTIVATIONS
from neuromix.graph.midimap import param_ranges

NEURON_CATEGORIES = ("neurons", "learning")  # registry categories lit by their output
MAX_COLUMNS = 12  # a deeper graph folds its layers into this many columns
CURVE_POINTS = 121
SCOPE_FRAMES = 1024
FFT_FRAMES = 4096
SPECTRUM_BINS = 160


def neuron_like(type_name: str) -> bool:
    return node_type(type_name).category in NEURON_CATEGORIES


def _range(address: str, declared: dict) -> tuple[float, float]:
    """A control's range: the registry's, else the validator's weight limit."""
    lim = WEIGHT_LIMIT
    lo, hi = declared.get(address, (-lim, lim))
    if address.endswith(".offset") and address[:-len(".offset")] in declared:
        lo, hi = declared[address[:-len(".offset")]]
    lo = lo if math.isfinite(lo) else -lim
    hi = hi if math.isfinite(hi) else lim
    return float(lo), float(hi)


def _layers(plan) -> tuple[dict[str, int], set]:
    """Longest-path layers over the edges that carry no delay (feedback read one sample late
    goes backwards), folded into ``MAX_COLUMNS``; and the set of feedback edges."""
    position = {nid: i for i, nid in enumerate(plan.order)}
    back = set()
    layer = {nid: 0 for nid in plan.order}
    for e in plan.edges:
        if e.delay or position[e.dst] <= position[e.src.node]:
            back.add((e.src.node, e.dst, e.slot))
    for nid in plan.order:
        for e in plan.edges:
            if e.dst == nid and (e.src.node, e.dst, e.slot) not in back:
                layer[nid] = max(layer[nid], layer[e.src.node] + 1)
    deepest = max(layer.values(), default=0)
    if deepest >= MAX_COLUMNS:
        layer = {n: v * (MAX_COLUMNS - 1) // deepest for n, v in layer.items()}
    return layer, back


def _rows(layer: dict[str, int], edges) -> dict[str, int]:
    """Order inside each column by the barycentre of neighbours (a few sweeps): fewer
    crossings. Rows are distinct within a column, so no two labels share a place."""
    columns: dict[int, list[str]] = {}
    for nid, k in layer.items():
        columns.setdefault(k, []).append(nid)
    neighbours: dict[str, list[str]] = {n: [] for n in layer}
    for src, dst in edges:
        if src != dst:
            neighbours[dst].append(src)
            neighbours[src].append(dst)
    row = {n: i for col in columns.values() for i, n in enumerate(col)}
    for _ in range(4):
        for k in sorted(columns):
            col = columns[k]
            bary = {n: (sum(row[m] for m in neighbours[n]) / len(neighbours[n])
                        if neighbours[n] else row[n]) for n in col}
            col.sort(key=lambda n: (bary[n], row[n]))
            for i, n in enumerate(col):
                row[n] = i
    return row


def _curve(node, values: dict) -> dict | None:
    """The transfer curve y(u) of a neuron-like node, sampled, or None where it has none."""
    act = node.options.get("act", None)
    nt = node_type(node.type)
    if act is None and nt.option("act") is not None:
        act = nt.option("act").default
    if isinstance(act, str) and act in ACTIVATIONS:
        u = np.linspace(-4.0, 4.0, CURVE_POINTS)
        y = ACTIVATIONS[act].numpy(u)
        return {"u": u.round(4).tolist(), "y": np.asarray(y, float).round(4).tolist(), "name": act}
    if node.type == "nlc_neuron":  # r = clamp(u, 0, 10); out = r - response if r > 0
        response = values.get(f"{node.id}.response", 1.0)
        u = np.linspace(-2.0, 12.0, CURVE_POINTS)
        r = np.clip(u, 0.0, 10.0)
        y = np.where(r > 0, r - response, response)
        return {"u": u.round(4).tolist(), "y": y.round(4).tolist(), "name": "nlc"}
    return None


def _scalars(node) -> set[str] | None:
    """The addresses of a node that get a control each: every one, unless the node has
    parameter arrays (whose entries are shown as a matrix), then its declared parameters
    and their scales and offsets only."""
    nt = node_type(node.type)
    if not nt.arrays:
        return None
    names = [f"{node.id}.{spec.name}" for spec in nt.params]
    return {a + tail for a in names for tail in ("", ".scale", ".offset")}


# a network's matrices, in the page's order: (block, title, the array its gain scales)
MATRIX_BLOCKS = (("w", "recurrent w (neuron j into i)", "w"),
                 ("in", "input weights in", "in"),
                 ("out", "readout", "readout"))


def _matrices(graph, addresses: dict) -> list[dict]:
    """How each network node's matrices lie in the parameter row: for every block its shape,
    the first entry's index, the address of cell (i, j) (``prefix.i.key[j]``), whether the
    block is stored column by column, and its gain's address."""
    from neuromix.nodes.network import GAINS, shape

    gain_of = {array: name for name, (array, _) in GAINS.items()}
    out = []
    for nid, node in graph.nodes.items():
        if node.type != "network":
            continue
        n, n_in, k = shape(node)
        keys = [inp.key for inp in node.inputs]
        blocks = []
        for name, title, array in MATRIX_BLOCKS:
            rows, cols = {"w": (n, n), "in": (n, n_in), "out": (k, n)}[name]
            if rows * cols == 0:
                continue
            first = f"{nid}.{name}.0.{keys[0] if name == 'in' else 0}"
            blocks.append({"name": name, "title": title, "rows": rows, "cols": cols,
                           "offset": addresses[first], "by_column": name == "in",
                           "prefix": f"{nid}.{name}", "keys": keys if name == "in" else None,
                           "gain": f"{nid}.{gain_of[array]}"})
        out.append({"node": nid, "neurons": n, "blocks": blocks})
    return out


def row_addresses(graph, nid: str, block: str, row: int) -> list[str]:
    """The addresses of one row of a network's matrix: a neuron's incoming recurrent weights
    (``w``) or input weights (``in``), or a readout's weights (``out``). KeyError for a node
    or block that is not there, ValueError for a row that is not.

    >>> import neuromix as nm
    >>> p = nm.Patch(sr=8000)
    >>> p.out(p.network(neurons=3, inputs=[p.sine(110, name="s")], name="net"))
    >>> row_addresses(p.graph, "net", "w", 2), row_addresses(p.graph, "net", "in", 0)
    (['net.w.2.0', 'net.w.2.1', 'net.w.2.2'], ['net.in.0.s'])
    """
    from neuromix.nodes.network import shape

    node = graph.nodes.get(nid)
    if node is None or node.type != "network":
        raise KeyError(f"the patch has no network node '{nid}'")
    n, n_in, k = shape(node)
    sizes = {"w": (n, n), "in": (n, n_in), "out": (k, n)}
    if block not in sizes:
        raise KeyError(f"a network's matrices are w, in and out, not {block!r}")
    rows, cols = sizes[block]
    if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < rows or not cols:
        raise ValueError(f"{nid}.{block} has rows 0 to {rows - 1} of {cols} entries; no row "
                         f"{row!r}")
    keys = [inp.key for inp in node.inputs] if block == "in" else range(cols)
    return [f"{nid}.{block}.{row}.{key}" for key in keys]


def describe(compiled, generation: int = 0) -> dict:
    """The page's picture of a compiled patch (JSON-ready)."""
    graph, kernel = compiled.graph, compiled.kernel
    plan = kernel.plan
    layout = kernel.layout
    layer, back = _layers(plan)
    row = _rows(layer, [(e.src.node, e.dst) for e in plan.edges])
    declared = param_ranges(graph)
    values = {a: float(compiled.current[0, i]) for a, i in compiled.addresses.items()}
    nodes, ports = [], []
    for nid, node in graph.nodes.items():
        nt = node_type(node.type)
        own = []
        for port in nt.output_ports(node):
            own.append(len(ports))
            ports.append({"node": nid, "port": port, "slot": layout.output(nid, port)})
        nodes.append({"id": nid, "type": node.type, "neuron": neuron_like(node.type),
                      "layer": layer[nid], "row": row[nid], "ports": own,
                      "curve": _curve(node, values) if neuron_like(node.type) else None})
    port_of = {(p["node"], p["port"]): i for i, p in enumerate(ports)}

    def port_index(ref) -> int:
        return port_of[(ref.node, ref.port or node_type(graph.nodes[ref.node].type).outputs[0])]

    edges = []
    for e in plan.edges:
        if e.slot.startswith("w:"):
            continue  # a weight driven by a signal: drawn on the edge it weighs
        edge = {"src": e.src.node, "dst": e.dst, "slot": e.slot, "port": port_index(e.src),
                "delay": int(e.delay or 0), "feedback": (e.src.node, e.dst, e.slot) in back}
        edge["weight"] = _weight(graph.nodes[e.dst], e.slot, compiled.addresses, port_index)
        edges.append(edge)
    params = []
    scalars = {nid: _scalars(node) for nid, node in graph.nodes.items()}
    for address, i in compiled.addresses.items():
        nid = address.split(".", 1)[0]
        if scalars[nid] is not None and address not in scalars[nid]:
            continue  # an entry of a matrix: drawn in its picture
        lo, hi = _range(address, declared)
        params.append({"address": address, "node": nid, "lo": lo, "hi": hi,
                       "value": values[address], "index": i})
    return {"kind": "graph", "generation": generation, "sr": compiled.sr,
            "channels": compiled.channels, "nodes": nodes, "ports": ports, "edges": edges,
            "params": params, "matrices": _matrices(graph, compiled.addresses),
            "outputs": [str(r) for r in graph.outputs]}


def _weight(node, slot: str, addresses: dict, port_index) -> dict | None:
    """How an input's weight is found in a frame: a parameter, a signal, or a learned port."""
    if not slot.startswith("in:"):
        return None
    key = slot[3:]
    inp = next((i for i in node.inputs if i.key == key), None)
    if inp is None:
        return None
    learned = f"w.{key}"
    if learned in node_type(node.type).output_ports(node):
        return {"port": port_index(Ref(node.id, learned))}
    if isinstance(inp.weight, Signal):
        w = {"signal": port_index(inp.weight.ref)}
        if not inp.weight.is_wire:
            w["scale"] = addresses[f"{node.id}.w.{key}.scale"]
            w["offset"] = addresses[f"{node.id}.w.{key}.offset"]
        return w
    address = f"{node.id}.w.{key}"
    return {"param": addresses[address]} if address in addresses else None


def _base(node, edges: list, addresses: dict, port_of) -> dict | None:
    """Where a neuron-like node's offset comes from: a learned port, a parameter or a signal."""
    nt = node_type(node.type)
    if "bias" in nt.output_ports(node):
        return {"port": port_of(Ref(node.id, "bias"))}
    for name in ("bias", "sense"):
        source = _source(node, name, edges, addresses)
        if source is not None:
            return source
    return None


def _source(node, name: str, edges: list, addresses: dict) -> dict | None:
    """Where a parameter's value is found in a frame: the parameter, or the signal driving it
    (scaled and offset where it is), or None if the node has no such parameter."""
    if f"{node.id}.{name}" in addresses:
        return {"param": addresses[f"{node.id}.{name}"]}
    edge = next((e for e in edges if e["dst"] == node.id and e["slot"] == name), None)
    if edge is None:
        return None
    w = {"signal": edge["port"]}
    if f"{node.id}.{name}.scale" in addresses:
        w["scale"] = addresses[f"{node.id}.{name}.scale"]
        w["offset"] = addresses[f"{node.id}.{name}.offset"]
    return w


def _value(ref: dict | None, ports: np.ndarray, params: np.ndarray) -> float:
    if ref is None:
        return 0.0
    if "param" in ref:
        return float(params[ref["param"]])
    if "port" in ref:
        return float(ports[ref["port"]])
    x = float(ports[ref["signal"]])
    return x * float(params[ref["scale"]]) + float(params[ref["offset"]]) if "scale" in ref else x


def packed(x: np.ndarray) -> str:
    """A float array as base64 of little-endian float32 (JSON of a thousand floats costs
    milliseconds of the GIL; this costs microseconds). The page reads it as a Float32Array.

    >>> packed(np.array([1.0, -0.5]))
    'AACAPwAAAL8='
    """
    return base64.b64encode(np.ascontiguousarray(x, dtype="<f4").tobytes()).decode("ascii")


def _db(x: float) -> float:
    return round(20.0 * math.log10(max(x, 1e-6)), 2)


class Frames:
    """Frames of live values for one described patch, from :class:`Snapshots` rows."""

    def __init__(self, compiled, described: dict, scope: int = SCOPE_FRAMES,
                 trigger: bool = True):
        self.graph = described
        self.scope, self.trigger = scope, trigger  # frames shown; from a rising zero crossing
        self.sr = compiled.sr
        self.slots = np.array([p["slot"] for p in described["ports"]], dtype=np.int64)
        self.main = np.array([n["ports"][0] if n["ports"] else -1 for n in described["nodes"]])
        addresses = compiled.addresses
        port_of = {(p["node"], p["port"]): i for i, p in enumerate(described["ports"])}

        def port_index(ref):
            return port_of[(ref.node, ref.port)]

        graph = compiled.graph
        self.neurons = []
        for n in described["nodes"]:
            if not n["neuron"]:
                continue
            node = graph.nodes[n["id"]]
            ins = [e for e in described["edges"] if e["dst"] == n["id"] and
                   e["slot"].startswith("in:")]
            self.neurons.append((n, node, _base(node, described["edges"], addresses, port_index),
                                 ins))
        self.scalars = np.array([p["index"] for p in described["params"]], dtype=np.int64)
        self.gains = {}  # network id -> where each block's gain is found
        self.blocks = []  # (network id, block, index array of its entries in row-major order)
        for m in described["matrices"]:
            node = graph.nodes[m["node"]]
            self.gains[m["node"]] = [_source(node, b["gain"].split(".", 1)[1],
                                             described["edges"], addresses) for b in m["blocks"]]
            for b in m["blocks"]:
                cells = np.arange(b["rows"] * b["cols"]).reshape(
                    (b["cols"], b["rows"]) if b["by_column"] else (b["rows"], b["cols"]))
                self.blocks.append((m["node"], b["name"],
                                    b["offset"] + (cells.T if b["by_column"] else cells).ravel()))
        self.matrix_version = 0
        self._entries = None  # the entries the latest matrix message carried
        self.window = np.hanning(FFT_FRAMES)
        freqs = np.fft.rfftfreq(FFT_FRAMES, 1.0 / self.sr)
        edges = np.geomspace(20.0, self.sr / 2, SPECTRUM_BINS + 1)
        self.bins = np.searchsorted(freqs, edges).clip(1, freqs.size - 1)
        described["bin_hz"] = np.sqrt(edges[:-1] * edges[1:]).round(1).tolist()

    def frame(self, rows, audio: np.ndarray) -> dict | None:
        """One frame (JSON-ready), or None while no row of this patch has been taken."""
        if rows.state.shape[0] == 0:
            return None
        state = rows.state
        ports = state[-1, self.slots]
        params = rows.params
        history = state[:, self.slots[self.main.clip(0)]]
        level = np.sqrt(np.mean(history * history, axis=0))
        level[self.main < 0] = 0.0
        weights = [None if e["weight"] is None else round(_value(e["weight"], ports, params), 5)
                   for e in self.graph["edges"]]
        points = {}
        for n, node, base, ins in self.neurons:
            terms = [(_value(e["weight"], ports, params) if e["weight"] is not None else 1.0)
                     * float(ports[e["port"]]) for e in ins]
            u = _value(base, ports, params) + sum(terms)
            total = sum(abs(t) for t in terms) or 1.0
            point = {"u": round(u, 5), "y": round(float(ports[n["ports"][0]]), 5),
                     "shares": [round(abs(t) / total, 4) for t in terms],
                     "inputs": [e["src"] for e in ins]}
            if node.type == "nlc_neuron":  # its curve moves with 'response'
                point["curve"] = _curve(node, {a["address"]: params[a["index"]]
                                               for a in self.graph["params"]})
            points[n["id"]] = point
        out = {"kind": "frame", "generation": self.graph["generation"],
               "seconds": round(float(rows.frames[-1]) / self.sr, 4),
               "ports": np.round(ports, 5).tolist(), "params": params[self.scalars].tolist(),
               "level": np.round(level, 4).tolist(), "weights": weights, "points": points,
               "gains": {nid: [None if g is None else _value(g, ports, params) for g in refs]
                         for nid, refs in self.gains.items()}}
        out.update(self.audio(audio))
        return out

    def matrix(self, params: np.ndarray) -> dict | None:
        """A matrix message (JSON-ready) when a network's entries moved since the latest one
        (every entry of every block, row-major, packed as float32), else None. The gains,
        which change more often, travel in the frames."""
        if not self.blocks or params.size == 0:
            return None
        entries = np.concatenate([params[cells] for _, _, cells in self.blocks])
        if self._entries is not None and np.array_equal(entries, self._entries):
            return None
        self._entries = entries
        self.matrix_version += 1
        nodes: dict[str, dict] = {}
        start = 0
        for nid, name, cells in self.blocks:
            nodes.setdefault(nid, {})[name] = packed(entries[start:start + cells.size])
            start += cells.size
        return {"kind": "matrix", "generation": self.graph["generation"],
                "version": self.matrix_version, "nodes": nodes}

    def audio(self, audio: np.ndarray) -> dict:
        """Scope (from a rising zero crossing, or the latest frames), log-frequency spectrum in
        dB, and meters."""
        n = self.scope
        if audio.shape[0] < (2 * n if self.trigger else n):
            return {"scope": "", "spectrum": "", "meter": []}
        mono = audio.mean(axis=1)
        if self.trigger:
            head = mono[-2 * n:-n]
            rising = np.flatnonzero((head[:-1] <= 0) & (head[1:] > 0))
            start = mono.size - 2 * n + (int(rising[0]) if rising.size else 0)
        else:
            start = mono.size - n
        scope = mono[start:start + n]
        spectrum = ""
        if mono.size >= FFT_FRAMES:
            mag = np.abs(np.fft.rfft(mono[-FFT_FRAMES:] * self.window)) * (2.0 / FFT_FRAMES / 0.5)
            peak = np.maximum.reduceat(mag, self.bins[:-1])
            spectrum = packed(20 * np.log10(np.maximum(peak, 1e-6)))
        recent = audio[-2048:]
        meter = [[_db(float(np.sqrt(np.mean(ch * ch)))), _db(float(np.max(np.abs(ch))))]
                 for ch in recent.T.astype(np.float64)]
        return {"scope": packed(scope), "spectrum": spectrum, "meter": meter}
