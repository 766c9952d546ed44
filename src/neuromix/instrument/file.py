"""The instrument file: ``inputs``, ``network`` and ``outputs``, validated with line numbers.

An instrument file is YAML, like a patch file, and every error names the file, the line, the
section entry and what is wrong, with the nearest valid name where one is close (see
``docs/instruments.md`` for the whole format). The ``network`` section is a patch's ``nodes``
section run at the control rate; each input becomes an ``input`` node of the same name, so
network nodes take inputs by name. ``network: linear`` maps inputs straight to outputs.

Examples
--------
>>> spec = loads('''
... instrument: 1
... rate: 100
... inputs:
...   x: {source: mouse, axis: x}
... network:
...   nodes:
...     a: {type: neuron, act: tanh, inputs: {x: 2.0}}
... outputs:
...   cut: {type: cc, from: a, number: 74}
... ''')
>>> spec.rate, [i.name for i in spec.inputs], list(spec.network.nodes)
(100, ['x'], ['x', 'a'])
>>> loads('instrument: 1\\ninputs: {x: {source: mose}}\\noutputs: {}')
Traceback (most recent call last):
...
neuromix.errors.PatchError: line 2: input 'x': unknown source 'mose' (did you mean 'mouse' or 'osc'?)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuromix.errors import PatchError, nearest
from neuromix.graph.addresses import parameters
from neuromix.graph.graph import Graph, Input, Node, Ref, check_id, check_ref
from neuromix.graph.patchfile import check_graph, load_graph, read_graph, read_nodes
from neuromix.graph.yamlfile import line_of as _line, load_yaml, plain as _plain, read_text
from neuromix.graph.yamlfile import with_lines
from neuromix.instrument.mlp import Model, Settings

FORMAT_VERSION = 1
TOP_LEVEL = ("instrument", "rate", "seed", "inputs", "network", "outputs", "play", "replay",
             "midi", "window", "learn")
LEARN_KEYS = ("inputs", "outputs", "hidden", "activations", "learning_rate", "epochs", "seed",
              "validation", "patience", "record_rate", "examples", "model", "control_port")
SIGNAL_KEYS = ("from", "range", "to", "curve")
INPUT_KEYS = {  # the keys of an input, by source (the reader and the JSON Schema use these)
    "mouse": ("source", "axis", "button", "value"),
    "joystick": ("source", "axis", "hat", "button", "device", "dead_zone", "value"),
    "midi": ("source", "event", "number", "channel", "port", "value"),
    "osc": ("source", "address", "index", "port", "range", "value"),
    "replay": ("source", "value"),
}
SOURCES = tuple(INPUT_KEYS)
OUTPUT_KEYS = {  # the keys of an output, by type
    "notes": ("type", "pitch", "notes", "scale", "root", "trigger", "gate", "clock", "velocity",
              "duration", "polyphony", "channel"),
    "cc": ("type", "number", "bits", "channel", "rate") + SIGNAL_KEYS,
    "bend": ("type", "channel", "rate") + SIGNAL_KEYS,
    "osc": ("type", "preset", "host", "port", "address", "values", "rate"),
    "param": ("type", "address") + SIGNAL_KEYS,
}
OUTPUT_TYPES = tuple(OUTPUT_KEYS)
SCALES = {
    "chromatic": tuple(range(12)),
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "pentatonic": (0, 2, 4, 7, 9),
    "minor-pentatonic": (0, 3, 5, 7, 10),
}
TRIGGERS = ("change", "gate", "clock")
MIDI_EVENTS = ("cc", "pitch", "velocity", "gate", "bend")
WEKINATOR = {"host": "127.0.0.1", "port": 12000, "address": "/wek/outputs"}
WEKINATOR_INPUT_PORT = 6448


@dataclass
class InputSpec:
    """One named input: where its value comes from and the value it starts at."""

    name: str
    source: str
    options: dict[str, Any]
    initial: float = 0.0
    line: int | None = None


@dataclass
class SignalMap:
    """A network signal mapped onto an output's range: ``range`` → 0..1 (clipped) → ``to``.

    ``curve: exp`` maps 0..1 exponentially onto ``to`` (for frequencies; both ends > 0).
    """

    ref: Ref
    lo: float = -1.0
    hi: float = 1.0
    to: tuple[float, float] = (0.0, 1.0)
    curve: str = "linear"

    def unit(self, value: float) -> float:
        """The signal as 0..1 across its ``range``, clipped."""
        u = (value - self.lo) / (self.hi - self.lo)
        return 0.0 if not u > 0.0 else (1.0 if u > 1.0 else u)

    def map(self, value: float) -> float:
        """The signal mapped onto ``to``."""
        u, (a, b) = self.unit(value), self.to
        if self.curve == "exp":
            return a * (b / a) ** u
        return a + (b - a) * u


@dataclass
class OutputSpec:
    """One output: its type (notes, cc, bend, osc, param) and its validated settings."""

    name: str
    type: str
    settings: dict[str, Any]
    line: int | None = None

    def signals(self) -> list[SignalMap]:
        """Every network signal this output reads."""
        found = []
        for value in self.settings.values():
            items = value if isinstance(value, list) else [value]
            found += [v for v in items if isinstance(v, SignalMap)]
        return found


@dataclass
class LearnSpec:
    """The ``learn`` section: a network taught by examples (record, train, run).

    Its hidden neurons are network nodes ``mlp<layer>_<j>``, its outputs network nodes named
    after ``outputs``; training sets their weights and biases.
    """

    inputs: list[str]
    outputs: dict[str, tuple[float, float]]  # name -> the range its slider covers
    settings: Any  # mlp.Settings
    record_rate: float = 20.0
    examples: Path | None = None
    model: Path | None = None
    control_port: int = WEKINATOR_INPUT_PORT

    def node_ids(self) -> list[list[str]]:
        """Node ids layer by layer: hidden layers, then the outputs."""
        hidden = [[f"mlp{i + 1}_{j}" for j in range(n)]
                  for i, n in enumerate(self.settings.hidden)]
        return hidden + [list(self.outputs)]


@dataclass
class InstrumentSpec:
    """A whole validated instrument: what the loop runs."""

    rate: int
    seed: int
    inputs: list[InputSpec]
    network: Graph
    linear: bool
    outputs: list[OutputSpec]
    play: Graph | None = None
    replay: Path | None = None
    midi: dict[str, Any] = field(default_factory=dict)
    window: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    learn: LearnSpec | None = None
    osc_host: str = "127.0.0.1"  # where the OSC inputs listen (``--osc-host``): this machine

    @property
    def signal_names(self) -> list[str]:
        """The network's output channels, in order: every node's main output, then ports."""
        return [str(r) for r in self.network.outputs]


# -- reading ---------------------------------------------------------------------------------
def is_instrument_file(path) -> bool:
    """Whether a file is an instrument file (a top-level ``instrument:`` key)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"^instrument\s*:", text, re.MULTILINE) is not None


def load(path) -> InstrumentSpec:
    """Read and validate an instrument file; PatchError (with file and line) if it is bad."""
    path = Path(path)
    return loads(read_text(path, "instrument file"), filename=str(path), base=path.parent)


def loads(text: str, filename: str | None = None, base: Path | None = None) -> InstrumentSpec:
    """Parse and validate instrument-file text (paths inside are relative to ``base``)."""
    doc = load_yaml(text, filename)
    try:
        spec = _Reader(base or Path.cwd()).instrument(doc)
    except PatchError as err:
        raise err.located(filename, None) from None
    spec.path = Path(filename) if filename else None
    return spec


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Reader:
    """Validates one instrument document, section by section, keeping line numbers."""

    def __init__(self, base: Path):
        self.base = base

    # small checkers ---------------------------------------------------------------------
    def keys(self, mapping, allowed, what: str, node: str | None = None) -> None:
        for key in mapping:
            if key not in allowed:
                raise PatchError(f"{what}: unknown key '{key}'", line=_line(mapping, key),
                                 node=node, hint=nearest(key, allowed)
                                 or f"it takes {', '.join(allowed)}")

    def number(self, mapping, key, default, lo, hi, what, integer=False):
        value = mapping.get(key, default)
        ok = _is_number(value) and (not integer or isinstance(value, int))
        if not ok or not lo <= value <= hi:
            kind = "a whole number" if integer else "a number"
            raise PatchError(f"{what}: '{key}' must be {kind} from {lo:g} to {hi:g}, not "
                             f"{value!r}", line=_line(mapping, key) or _line(mapping))
        return value

    def choice(self, mapping, key, default, choices, what):
        value = mapping.get(key, default)
        if value not in choices:
            raise PatchError(f"{what}: '{key}' must be one of {', '.join(map(str, choices))}, "
                             f"not {value!r}", line=_line(mapping, key) or _line(mapping),
                             hint=nearest(value, choices))
        return value

    def pair(self, mapping, key, default, what, lo=-1e9, hi=1e9, distinct=True):
        value = mapping.get(key, default)
        line = _line(mapping, key) or _line(mapping)
        if (not isinstance(value, (list, tuple)) or len(value) != 2
                or not all(_is_number(v) and lo <= v <= hi for v in value)
                or (distinct and value[0] == value[1])):
            kind = "two different numbers" if distinct else "two numbers"
            raise PatchError(f"{what}: '{key}' must be {kind} [low, high] within "
                             f"{lo:g}..{hi:g}, not {_plain(value)!r}", line=line)
        return float(value[0]), float(value[1])

    # sections ---------------------------------------------------------------------------
    def instrument(self, doc) -> InstrumentSpec:
        if not isinstance(doc, dict):
            raise PatchError("an instrument file is a mapping with 'inputs:', 'network:' and "
                             "'outputs:'", line=1)
        self.keys(doc, TOP_LEVEL, "instrument file")
        version = doc.get("instrument", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise PatchError(f"instrument format version {version!r} is not supported (this "
                             f"neuromix reads version {FORMAT_VERSION})", line=_line(doc, "instrument"))
        rate = self.number(doc, "rate", 200, 1, 4000, "instrument", integer=True)
        seed = self.number(doc, "seed", 0, 0, 2**31 - 1, "instrument", integer=True)
        if "inputs" not in doc:
            raise PatchError("the instrument has no 'inputs:' section", line=1,
                             hint="e.g. inputs: {x: {source: mouse, axis: x}}")
        if "outputs" not in doc:
            raise PatchError("the instrument has no 'outputs:' section", line=1,
                             hint="e.g. outputs: {cut: {type: cc, from: x, number: 74}}")
        inputs = self.inputs(doc["inputs"], _line(doc, "inputs"))
        learn = self.learn(doc["learn"], inputs) if "learn" in doc else None
        network = doc.get("network", "linear")
        linear = network == "linear"
        graph = self.network(network, inputs, rate, seed, _line(doc, "network"), learn)
        play = self.play(doc["play"], _line(doc, "play")) if "play" in doc else None
        outputs = self.outputs(doc["outputs"], _line(doc, "outputs"), graph, linear, play)
        replay = None
        if "replay" in doc:
            if not isinstance(doc["replay"], str):
                raise PatchError("'replay' must be the path of a gesture CSV file",
                                 line=_line(doc, "replay"))
            replay = self.base / doc["replay"]
            if not replay.is_file():
                raise PatchError(f"replay: no gesture file '{doc['replay']}'",
                                 line=_line(doc, "replay"))
        midi = _plain(doc.get("midi", {}))
        if not isinstance(midi, dict) or any(k not in ("port",) for k in midi):
            raise PatchError("'midi' takes only 'port: <name>' (default: a virtual port)",
                             line=_line(doc, "midi"))
        window = _plain(doc.get("window", {}))
        if not isinstance(window, dict) or any(k not in ("width", "height", "fps") for k in window):
            raise PatchError("'window' takes width, height and fps", line=_line(doc, "window"))
        return InstrumentSpec(rate, seed, inputs, graph, linear, outputs, play, replay, midi, window,
                              learn=learn)

    def inputs(self, section, line) -> list[InputSpec]:
        if not isinstance(section, dict) or not section:
            raise PatchError("'inputs:' must map input names to sources, e.g. "
                             "x: {source: mouse, axis: x}", line=line)
        result = []
        for name, spec in section.items():
            where = f"input '{name}'"
            nline = _line(section, name)
            try:
                check_id(name, "input name")
            except PatchError as err:
                raise err.located(None, nline) from None
            if not isinstance(spec, dict) or "source" not in spec:
                raise PatchError(f"{where}: must be a mapping with a 'source' "
                                 f"({', '.join(SOURCES)})", line=nline)
            source = spec["source"]
            if source not in SOURCES:
                raise PatchError(f"{where}: unknown source '{source}'", line=_line(spec, "source"),
                                 hint=nearest(source, SOURCES) or f"use {', '.join(SOURCES)}")
            options, initial = getattr(self, f"input_{source}")(spec, where)
            result.append(InputSpec(name, source, options, initial, nline))
        return result

    def input_mouse(self, spec, where):
        self.keys(spec, INPUT_KEYS["mouse"], where)
        if ("axis" in spec) == ("button" in spec):
            raise PatchError(f"{where}: a mouse input takes 'axis: x|y' or 'button: "
                             f"left|middle|right'", line=_line(spec))
        if "axis" in spec:
            opts = {"axis": self.choice(spec, "axis", "x", ("x", "y"), where)}
        else:
            opts = {"button": self.choice(spec, "button", "left", ("left", "middle", "right"), where)}
        return opts, float(self.number(spec, "value", 0.5 if "axis" in spec else 0.0, 0, 1, where))

    def input_joystick(self, spec, where):
        self.keys(spec, INPUT_KEYS["joystick"], where)
        kinds = [k for k in ("axis", "hat", "button") if k in spec]
        if len(kinds) != 1 and kinds != ["axis", "hat"]:
            raise PatchError(f"{where}: a joystick input takes 'axis: N', 'button: N' or "
                             f"'hat: N' with 'axis: x|y'", line=_line(spec))
        opts: dict[str, Any] = {"device": spec.get("device")}
        if opts["device"] is not None and not isinstance(opts["device"], (int, str)):
            raise PatchError(f"{where}: 'device' is a joystick number or part of its name",
                             line=_line(spec, "device"))
        if "hat" in spec:
            opts["hat"] = self.number(spec, "hat", 0, 0, 15, where, integer=True)
            opts["axis"] = self.choice(spec, "axis", "x", ("x", "y"), where)
        elif "axis" in spec:
            opts["axis"] = self.number(spec, "axis", 0, 0, 63, where, integer=True)
            opts["dead_zone"] = float(self.number(spec, "dead_zone", 0.05, 0, 0.99, where))
        else:
            opts["button"] = self.number(spec, "button", 0, 0, 127, where, integer=True)
        return opts, float(self.number(spec, "value", 0.0, -1, 1, where))

    def input_midi(self, spec, where):
        self.keys(spec, INPUT_KEYS["midi"], where)
        event = self.choice(spec, "event", "cc", MIDI_EVENTS, where)
        opts = {"event": event, "port": spec.get("port"),
                "channel": spec.get("channel") and self.number(spec, "channel", 1, 1, 16, where,
                                                               integer=True)}
        if event == "cc":
            if "number" not in spec:
                raise PatchError(f"{where}: a MIDI CC input needs 'number: 0..127'", line=_line(spec))
            opts["number"] = self.number(spec, "number", 0, 0, 127, where, integer=True)
        lo = -1 if event == "bend" else 0
        return opts, float(self.number(spec, "value", 0.0, lo, 1, where))

    def input_osc(self, spec, where):
        self.keys(spec, INPUT_KEYS["osc"], where)
        address = spec.get("address", "/wek/inputs")
        if not isinstance(address, str) or not address.startswith("/"):
            raise PatchError(f"{where}: 'address' must start with '/', not {address!r}",
                             line=_line(spec, "address"))
        opts = {"address": address,
                "index": self.number(spec, "index", 0, 0, 1023, where, integer=True),
                "port": self.number(spec, "port", WEKINATOR_INPUT_PORT, 1, 65535, where,
                                    integer=True),
                "range": self.pair(spec, "range", (0.0, 1.0), where) if "range" in spec else None}
        return opts, float(self.number(spec, "value", 0.0, -1e9, 1e9, where))

    def input_replay(self, spec, where):
        self.keys(spec, INPUT_KEYS["replay"], where)
        return {}, float(self.number(spec, "value", 0.0, -1e9, 1e9, where))

    def learn(self, section, inputs) -> LearnSpec:
        where = "learn"
        if not isinstance(section, dict):
            raise PatchError("'learn:' is a mapping with outputs: {name: [low, high]} and "
                             "training settings", line=_line(section))
        self.keys(section, LEARN_KEYS, where)
        names = [s.name for s in inputs]
        chosen = section.get("inputs", names)
        if not isinstance(chosen, list) or not chosen or any(n not in names for n in chosen):
            bad = next((n for n in chosen if n not in names), None) if isinstance(chosen, list) \
                else chosen
            raise PatchError(f"learn: 'inputs' lists input names; there is no input {bad!r}",
                             line=_line(section, "inputs"), hint=nearest(bad, names))
        outs = section.get("outputs")
        if not isinstance(outs, dict) or not outs:
            raise PatchError("learn: 'outputs' maps each taught output to its range, e.g. "
                             "{cutoff: [0, 1]}", line=_line(section, "outputs") or _line(section))
        outputs = {}
        for name in outs:
            try:
                check_id(name, "learn: output name")
            except PatchError as err:
                raise err.located(None, _line(outs, name)) from None
            if name in names:
                raise PatchError(f"learn: output '{name}' needs a name of its own, not an "
                                 f"input's", line=_line(outs, name))
            outputs[name] = self.pair(outs, name, None, f"learn output '{name}'")
        hidden = section.get("hidden", [8])
        if (not isinstance(hidden, list) or not hidden
                or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 256
                           for n in hidden)):
            raise PatchError("learn: 'hidden' lists layer sizes, e.g. [8, 8]",
                             line=_line(section, "hidden"))
        acts = section.get("activations", ["tanh"])
        acts = [acts] if isinstance(acts, str) else acts
        try:
            settings = Settings(
                hidden=tuple(hidden), activations=tuple(_plain(acts)),
                learning_rate=float(self.number(section, "learning_rate", 0.01, 1e-6, 10, where)),
                epochs=self.number(section, "epochs", 2000, 1, 10**7, where, integer=True),
                seed=self.number(section, "seed", 0, 0, 2**31 - 1, where, integer=True),
                validation=float(self.number(section, "validation", 0.2, 0, 0.9, where)),
                patience=self.number(section, "patience", 200, 1, 10**7, where, integer=True))
        except (ValueError, TypeError) as err:
            raise PatchError(f"learn: {err}", line=_line(section, "activations")
                             or _line(section)) from None
        paths = {}
        for key in ("examples", "model"):
            if key in section:
                if not isinstance(section[key], str):
                    raise PatchError(f"learn: '{key}' is a file path", line=_line(section, key))
                paths[key] = self.base / section[key]
        return LearnSpec(list(chosen), outputs, settings,
                         float(self.number(section, "record_rate", 20, 0.1, 4000, where)),
                         paths.get("examples"), paths.get("model"),
                         self.number(section, "control_port", WEKINATOR_INPUT_PORT, 1, 65535,
                                     where, integer=True))

    def network(self, section, inputs, rate, seed, line, learn=None) -> Graph:
        graph, lines = Graph(sr=float(rate), seed=seed), {}
        if section != "linear":
            if not isinstance(section, dict) or set(section) != {"nodes"}:
                raise PatchError("'network:' is 'linear' or a mapping with 'nodes:' (a patch's "
                                 "nodes section; inputs are nodes of the same names)", line=line)
            lines = read_nodes(graph, section["nodes"], str(self.base),
                               _line(section, "nodes") or line)
        for spec in inputs:
            if spec.name in graph.nodes:
                raise PatchError(f"a network node is called '{spec.name}' like an input",
                                 node=spec.name, line=graph.nodes[spec.name].line,
                                 hint="inputs are network nodes already; rename the node")
        nodes = {s.name: Node(s.name, "input", params={"value": s.initial}, line=s.line)
                 for s in inputs}
        if learn is not None:
            nodes.update(self.learned_nodes(learn, graph))
        nodes.update(graph.nodes)
        graph.nodes = nodes
        graph.outputs = [Ref(nid) for nid in nodes]
        check_graph(graph, lines)
        return graph

    def learned_nodes(self, learn: LearnSpec, graph: Graph) -> dict[str, Node]:
        """The taught network as neuron nodes: weights from the model file if it exists, else 0."""
        ids = learn.node_ids()
        sources = [learn.inputs] + ids[:-1]
        acts = [*learn.settings.activations, "identity"]
        layers = None
        if learn.model is not None and learn.model.is_file():
            try:
                model = Model.load(learn.model)
            except (ValueError, KeyError, TypeError) as err:
                raise PatchError(f"learn: the model file '{learn.model.name}' cannot be read "
                                 f"({err})") from None
            if (model.inputs != learn.inputs or model.outputs != list(learn.outputs)
                    or model.activations != list(learn.settings.activations)
                    or [len(b) for b in model.biases[:-1]] != list(learn.settings.hidden)):
                raise PatchError(f"learn: the model file '{learn.model.name}' was trained for "
                                 f"another shape (inputs, outputs, hidden sizes or activations)",
                                 hint="train again with 'neuromix train'")
            layers = model.layers()
        nodes = {}
        for layer, (names, srcs, act) in enumerate(zip(ids, sources, acts)):
            for j, nid in enumerate(names):
                if nid in graph.nodes:
                    raise PatchError(f"a network node is called '{nid}' like a learned node",
                                     node=nid, line=graph.nodes[nid].line)
                w = layers[layer][0][j] if layers else [0.0] * len(srcs)
                bias = float(layers[layer][1][j]) if layers else 0.0
                nodes[nid] = Node(nid, "neuron", params={"bias": bias}, options={"act": act},
                                  inputs=[Input(Ref(s), float(wi)) for s, wi in zip(srcs, w)])
        return nodes

    def play(self, section, line) -> Graph:
        if isinstance(section, str):
            path = self.base / section
            if not path.is_file():
                raise PatchError(f"play: no patch file '{section}'", line=line)
            return load_graph(path)
        if not isinstance(section, dict):
            raise PatchError("'play' is a patch file path or an inline patch (nodes:, out:)",
                             line=line)
        graph, lines = read_graph(section, str(self.base))
        check_graph(graph, lines)
        return graph

    def outputs(self, section, line, graph: Graph, linear: bool, play) -> list[OutputSpec]:
        if not isinstance(section, dict):
            raise PatchError("'outputs:' must map output names to outputs, e.g. "
                             "cut: {type: cc, from: a, number: 74}", line=line)
        result = []
        self.graph, self.linear = graph, linear  # what signals may name
        for name, spec in section.items():
            where = f"output '{name}'"
            nline = _line(section, name)
            try:
                check_id(name, "output name")
            except PatchError as err:
                raise err.located(None, nline) from None
            if not isinstance(spec, dict) or "type" not in spec:
                raise PatchError(f"{where}: must be a mapping with a 'type' "
                                 f"({', '.join(OUTPUT_TYPES)})", line=nline)
            if spec["type"] not in OUTPUT_TYPES:
                raise PatchError(f"{where}: unknown type '{spec['type']}'", line=_line(spec, "type"),
                                 hint=nearest(spec["type"], OUTPUT_TYPES)
                                 or f"use {', '.join(OUTPUT_TYPES)}")
            settings = getattr(self, f"output_{spec['type']}")(spec, where, play)
            result.append(OutputSpec(str(name), spec["type"], settings, nline))
        used = {str(s.ref) for out in result for s in out.signals()}
        graph.outputs += [Ref.parse(u) for u in sorted(used) if Ref.parse(u) not in graph.outputs]
        return result

    def signal(self, value, where, line, to=(0.0, 1.0), extra=()) -> SignalMap:
        """``a``, ``a.port`` or {from, range, to, curve} (plus ``extra`` keys, read elsewhere).

        ``to=None`` makes the default ``to`` the signal's own range (the value, clipped).
        """
        if isinstance(value, str):
            value = {"from": value}
        if not isinstance(value, dict) or "from" not in value:
            raise PatchError(f"{where}: a signal is a node id or {{from: <id>, range: [lo, hi]}}, "
                             f"not {_plain(value)!r}", line=line)
        self.keys(value, SIGNAL_KEYS + tuple(extra), where)
        ref = Ref.parse(str(value["from"]))
        try:
            check_ref(ref, self.graph, None)
        except PatchError as err:
            names = "the network's nodes and inputs" if not self.linear else "the inputs (the " \
                    "network is linear)"
            raise PatchError(f"{where}: {err.message}", line=_line(value, "from") or line,
                             hint=err.hint or f"a signal names one of {names}") from None
        lo, hi = self.pair(value, "range", (-1.0, 1.0), where)
        to = self.pair(value, "to", to or (lo, hi), where)
        curve = self.choice(value, "curve", "linear", ("linear", "exp"), where)
        if curve == "exp" and (to[0] <= 0 or to[1] <= 0):
            raise PatchError(f"{where}: curve exp needs a 'to' range above zero", line=line)
        return SignalMap(ref, lo, hi, to, curve)

    def _inline_signal(self, spec, where, to):
        """An output whose signal keys (from, range, to, curve) sit in the output itself."""
        if "from" not in spec:
            raise PatchError(f"{where}: needs 'from: <node id>'", line=_line(spec))
        sub = {k: spec[k] for k in SIGNAL_KEYS if k in spec}
        return self.signal(with_lines(spec, sub), where, _line(spec), to)

    def channel(self, spec, where):
        return self.number(spec, "channel", 1, 1, 16, where, integer=True)

    def output_notes(self, spec, where, play):
        self.keys(spec, OUTPUT_KEYS["notes"], where)
        if "pitch" not in spec:
            raise PatchError(f"{where}: notes need 'pitch: <signal>'", line=_line(spec))
        out: dict[str, Any] = {"channel": self.channel(spec, where)}
        lo, hi = self.pair(spec, "notes", (48, 84), where, 0, 127, distinct=False)
        if lo > hi or not (float(lo).is_integer() and float(hi).is_integer()):
            raise PatchError(f"{where}: 'notes' is [lowest, highest] MIDI note numbers",
                             line=_line(spec, "notes"))
        scale = spec.get("scale", "major")
        if isinstance(scale, str):
            if scale not in SCALES:
                raise PatchError(f"{where}: unknown scale '{scale}'", line=_line(spec, "scale"),
                                 hint=nearest(scale, SCALES) or f"use {', '.join(SCALES)} or a "
                                 "list of semitones")
            steps = SCALES[scale]
        elif (isinstance(scale, list) and scale
              and all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 12 for s in scale)):
            steps = tuple(sorted(set(scale)))
        else:
            raise PatchError(f"{where}: 'scale' is a name or a list of semitones 0..11",
                             line=_line(spec, "scale"))
        root = self.number(spec, "root", 0, 0, 11, where, integer=True)
        out["allowed"] = [n for n in range(int(lo), int(hi) + 1) if (n - root) % 12 in steps]
        if not out["allowed"]:
            raise PatchError(f"{where}: no note of the scale lies in 'notes'", line=_line(spec))
        out["pitch"] = self.signal(spec["pitch"], f"{where} pitch", _line(spec, "pitch"))
        out["trigger"] = self.choice(spec, "trigger", "change", TRIGGERS, where)
        out["gate"] = None
        if "gate" in spec:
            gate = spec["gate"]
            out["gate"] = self.signal(gate, f"{where} gate", _line(spec, "gate"),
                                      extra=("threshold",))
            out["threshold"] = float(self.number(gate, "threshold", 0.0, -1e9, 1e9, where)
                                     if isinstance(gate, dict) else 0.0)
        elif out["trigger"] == "gate":
            raise PatchError(f"{where}: trigger gate needs 'gate: <signal>'", line=_line(spec))
        out["clock"] = None
        if out["trigger"] == "clock":
            out["clock"] = float(self.number(spec, "clock", 4.0, 0.01, 1000, where))
        elif "clock" in spec:
            raise PatchError(f"{where}: 'clock' needs 'trigger: clock'", line=_line(spec, "clock"))
        velocity = spec.get("velocity", 100)
        out["velocity"] = (self.number(spec, "velocity", 100, 1, 127, where, integer=True)
                           if not isinstance(velocity, (str, dict))
                           else self.signal(velocity, f"{where} velocity",
                                            _line(spec, "velocity"), to=(1.0, 127.0)))
        duration = spec.get("duration", 0.25)
        if duration == "gate":
            out["duration"] = "gate"
        elif isinstance(duration, dict):
            out["duration"] = self.signal(duration, f"{where} duration", _line(spec, "duration"),
                                          to=(0.05, 1.0))
        else:
            out["duration"] = float(self.number(spec, "duration", 0.25, 0.0, 600, where))
        out["polyphony"] = self.number(spec, "polyphony", 4, 1, 128, where, integer=True)
        return out

    def output_cc(self, spec, where, play):
        self.keys(spec, OUTPUT_KEYS["cc"], where)
        bits = self.choice(spec, "bits", 7, (7, 14), where)
        if "number" not in spec:
            raise PatchError(f"{where}: a CC output needs 'number'", line=_line(spec))
        number = self.number(spec, "number", 0, 0, 31 if bits == 14 else 119, where, integer=True)
        return {"signal": self._inline_signal(spec, where, (0.0, 1.0)), "number": number,
                "bits": bits, "channel": self.channel(spec, where),
                "rate": float(self.number(spec, "rate", 100, 0.1, 4000, where))}

    def output_bend(self, spec, where, play):
        self.keys(spec, OUTPUT_KEYS["bend"], where)
        return {"signal": self._inline_signal(spec, where, (-1.0, 1.0)),
                "channel": self.channel(spec, where),
                "rate": float(self.number(spec, "rate", 100, 0.1, 4000, where))}

    def output_osc(self, spec, where, play):
        self.keys(spec, OUTPUT_KEYS["osc"], where)
        preset = self.choice(spec, "preset", None, (None, "wekinator"), where)
        base = WEKINATOR if preset else {}
        if not preset and "address" not in spec:
            raise PatchError(f"{where}: OSC needs 'address' (or 'preset: wekinator')",
                             line=_line(spec))
        address = spec.get("address", base.get("address"))
        if not isinstance(address, str) or not address.startswith("/"):
            raise PatchError(f"{where}: 'address' must start with '/'", line=_line(spec, "address"))
        host = spec.get("host", base.get("host", "127.0.0.1"))
        if not isinstance(host, str):
            raise PatchError(f"{where}: 'host' is a host name or address", line=_line(spec, "host"))
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise PatchError(f"{where}: 'values' is a list of signals, e.g. [a, b]",
                             line=_line(spec, "values") or _line(spec))
        signals = [self.signal(v, f"{where} value {i + 1}", _line(spec, "values"), to=None)
                   for i, v in enumerate(values)]
        return {"host": host, "address": address, "values": signals,
                "port": self.number(spec, "port", base.get("port", 9000), 1, 65535, where,
                                    integer=True),
                "rate": float(self.number(spec, "rate", 50, 0.1, 4000, where))}

    def output_param(self, spec, where, play):
        self.keys(spec, OUTPUT_KEYS["param"], where)
        if play is None:
            raise PatchError(f"{where}: a param output needs an audio patch: 'play: patch.yaml'",
                             line=_line(spec))
        if "to" not in spec:
            raise PatchError(f"{where}: a param output needs 'to: [low, high]'", line=_line(spec))
        addresses = [a for a, _ in parameters(play)]
        address = spec.get("address")
        if address not in addresses:
            raise PatchError(f"{where}: the played patch has no parameter '{address}'",
                             line=_line(spec, "address") or _line(spec),
                             hint=nearest(address, addresses) or "see its addresses with "
                             "'neuromix info'")
        return {"address": address, "signal": self._inline_signal(spec, where, (0.0, 1.0))}

