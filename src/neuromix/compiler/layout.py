"""Where a kernel keeps every value: its parameter, state and buffer arrays, read by name.

The code generator lays a patch out once (:func:`~neuromix.compiler.codegen.build_layout`);
everything that reads a kernel's arrays from outside (the compiled patch's blow-up guard, the
live engine's state transfer on hot reload, the chaos measure, the live page, ``neuromix
info``) asks the :class:`Layout` by name (a node and its state, output, buffer or parameter
array; a parameter's address) rather than by position.

Examples
--------
>>> import neuromix as nm
>>> from neuromix.compiler.codegen import build_layout
>>> from neuromix.graph.plan import plan_graph
>>> p = nm.Patch()
>>> p.out(p.delay(p.sine(110, name="s"), time=0.01, name="d"))
>>> layout = build_layout(plan_graph(p.graph))
>>> layout.buffer("d", "line").name, layout.param_index("s.freq"), layout.state_of("s")
('d.line', 0, range(0, 2))
>>> layout.state[layout.state_index("s.phase")]
StateSlot(name='s.phase', node='s', init=0.0, integer=False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from neuromix.errors import UnknownNameError, nearest
from neuromix.graph.addresses import Key


class ParamSlot(NamedTuple):
    """One entry of the parameter array: its address and its value as the patch gives it."""

    address: str
    value: float


@dataclass(frozen=True)
class StateSlot:
    """One entry of the state array: a node's state (``a.phase``), output (``a:out``), or an
    edge's delay register (``a:out@z1``) or ring-buffer position (``a:out@write``)."""

    name: str
    node: str | None  # None: an edge's, not a node's
    init: float
    integer: bool = False


@dataclass(frozen=True)
class BufferSlot:
    """A run of the buffer array: a node's buffer (``d.line``) or an edge's ring buffer
    (``a:out@history``, ``node`` None)."""

    name: str
    node: str | None
    offset: int
    size: int

    @property
    def cells(self) -> slice:
        """Its cells in a lane's row of the buffer array."""
        return slice(self.offset, self.offset + self.size)


@dataclass
class NodeSlots:
    """Where one node's values live: indices into the layout's arrays, by name."""

    params: dict[Key, int] = field(default_factory=dict)  # scalar parameters and weights
    arrays: dict[str, range] = field(default_factory=dict)  # parameter arrays
    state: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, int] = field(default_factory=dict)  # by port
    buffers: dict[str, BufferSlot] = field(default_factory=dict)
    span: range = range(0)  # the state indices it owns (state, then outputs)


@dataclass
class Layout:
    """Where every parameter, state variable and buffer lives in the kernel's flat arrays."""

    params: list[ParamSlot] = field(default_factory=list)
    state: list[StateSlot] = field(default_factory=list)
    buffers: list[BufferSlot] = field(default_factory=list)
    channels: int = 1
    nodes: dict[str, NodeSlots] = field(default_factory=dict)  # by node id

    # -- building (the code generator) ------------------------------------------------------
    @property
    def buffer_size(self) -> int:
        return self.buffers[-1].offset + self.buffers[-1].size if self.buffers else 0

    def add_params(self, addresses, values) -> range:
        """A contiguous block of parameters; returns their indices."""
        offset = len(self.params)
        self.params.extend(map(ParamSlot, addresses, map(float, values)))
        return range(offset, len(self.params))

    def add_state(self, slot: StateSlot) -> int:
        self.state.append(slot)
        return len(self.state) - 1

    def add_buffer(self, name: str, node: str | None, size: int) -> BufferSlot:
        slot = BufferSlot(name, node, self.buffer_size, size)
        self.buffers.append(slot)
        return slot

    # -- reading, by name -------------------------------------------------------------------
    def node(self, node: str) -> NodeSlots:
        """Where node ``node``'s values live; UnknownNameError naming it when there is none."""
        try:
            return self.nodes[node]
        except KeyError:
            raise _unknown("node", node, self.nodes) from None

    def state_of(self, node: str) -> range:
        """The state indices node ``node`` owns (its state, then its outputs)."""
        return self.node(node).span

    def buffer(self, node: str, name: str) -> BufferSlot:
        """Node ``node``'s buffer ``name`` (``layout.buffer("d", "line")``)."""
        own = self.node(node).buffers
        if name not in own:
            raise _unknown("buffer", name, own, f" in node '{node}'")
        return own[name]

    def buffers_of(self, node: str | None) -> list[BufferSlot]:
        """The buffers node ``node`` owns; ``None``: the edges' ring buffers."""
        return [b for b in self.buffers if b.node == node]

    def output(self, node: str, port: str) -> int:
        """The state index of node ``node``'s output ``port``."""
        own = self.node(node).outputs
        if port not in own:
            raise _unknown("output", port, own, f" in node '{node}'")
        return own[port]

    def state_index(self, name: str) -> int:
        """The state index of slot ``name`` (``"a.phase"``, ``"a:out"``, ``"a:out@z1"``)."""
        if name not in self._state_index:
            raise _unknown("state slot", name, self._state_index)
        return self._state_index[name]

    def param_index(self, address: str) -> int:
        """The index of parameter ``address`` (``"a.bias"``) in the parameter array."""
        if address not in self.addresses:
            raise _unknown("parameter", address, self.addresses)
        return self.addresses[address]

    @cached_property
    def addresses(self) -> dict[str, int]:
        """Every parameter address with its index, in layout order."""
        return {slot.address: i for i, slot in enumerate(self.params)}

    def values(self) -> dict[str, float]:
        """Every parameter address with the value the patch gives it."""
        return {slot.address: slot.value for slot in self.params}

    @cached_property
    def _state_index(self) -> dict[str, int]:
        return {slot.name: i for i, slot in enumerate(self.state)}


def _unknown(what: str, name, choices, where: str = "") -> UnknownNameError:
    """``no buffer 'lien' in node 'd' (did you mean 'line'?)``."""
    hint = nearest(name, choices)
    return UnknownNameError(f"no {what} '{name}'{where}" + (f" ({hint})" if hint else ""))
