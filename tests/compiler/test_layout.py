"""The kernel's layout read by name: buffers, state slots and parameters where the kernel
keeps them, typed parameter keys, and unknown names refused with a clear message."""

import numpy as np
import pytest

import neuromix as nm
from neuromix.compiler.codegen import build_layout
from neuromix.errors import UnknownNameError
from neuromix.graph.addresses import Key, Kind
from neuromix.graph.graph import Ref, Signal
from neuromix.graph.plan import plan_graph

SR, FREQ, FRAMES, RING = 48000, 1000.0, 2000, 512  # max_delay 0.01 s: a ring of 512 cells


@pytest.fixture(scope="module")
def run():
    """A sine through two short delays, rendered for FRAMES samples (one kernel)."""
    p = nm.Patch(sr=SR)
    s = p.sine(FREQ, name="s")
    d1 = p.delay(s, time=0.001, max_delay=0.01, name="d1")
    d2 = p.delay(d1, time=0.002, max_delay=0.01, name="d2")
    p.out(s, d1, d2)
    c = p.compile()
    return c, c.process(FRAMES).copy()


@pytest.mark.parametrize("node, heard", [("d1", 0), ("d2", 1)])
def test_a_buffer_by_name_is_where_the_kernel_writes_the_delay_line(run, node, heard):
    c, y = run
    layout = c.kernel.layout
    line = layout.buffer(node, "line")
    assert (line.name, line.node, line.size) == (f"{node}.line", node, RING)
    assert f"bf[{line.offset} + (" in c.kernel.source  # the offset the kernel's source uses
    w = int(c.state[0, layout.state_index(f"{node}.w")])  # the next cell it will write
    ring = c.buffers[0, line.cells]
    np.testing.assert_array_equal(np.roll(ring, -w), y[-RING:, heard])  # oldest to newest
    assert layout.buffers_of(node) == [line]


def test_state_and_outputs_by_name(run):
    c, y = run
    layout = c.kernel.layout
    phase = layout.state_index("s.phase")
    assert phase in layout.state_of("s") and layout.state[phase].node == "s"
    assert c.state[0, phase] == pytest.approx((FRAMES * FREQ / SR) % 1.0, abs=1e-9)
    assert c.state[0, layout.output("d2", "out")] == y[-1, 2]
    assert [layout.state[k].name for k in layout.state_of("d1")] == ["d1.w", "d1:out"]


def test_parameters_by_address(run):
    c, _ = run
    layout = c.kernel.layout
    i = layout.param_index("d2.time")
    assert i == c.index("d2.time") and layout.params[i].value == 0.002
    assert layout.values()["s.freq"] == FREQ


@pytest.mark.parametrize("lookup, message", [
    (lambda lay: lay.buffer("d1", "lien"), "no buffer 'lien' in node 'd1' (did you mean 'line'?)"),
    (lambda lay: lay.buffer("d3", "line"), "no node 'd3' (did you mean 'd2' or 'd1'?)"),
    (lambda lay: lay.state_of("zzz"), "no node 'zzz'"),
    (lambda lay: lay.output("s", "outt"), "no output 'outt' in node 's' (did you mean 'out'?)"),
    (lambda lay: lay.state_index("s.phse"), "no state slot 's.phse' (did you mean 's.phase'?)"),
    (lambda lay: lay.param_index("d1.tme"), "no parameter 'd1.tme' (did you mean 'd1.time'"),
])
def test_an_unknown_name_is_refused_naming_it(run, lookup, message):
    with pytest.raises(UnknownNameError) as err:
        lookup(run[0].kernel.layout)
    assert str(err.value).startswith(message)
    assert isinstance(err.value, KeyError)


def test_parameter_groups_are_keyed_by_kind_name_and_weight():
    p = nm.Patch()
    s = p.sine(110, name="s")
    a = p.neuron(bias=Signal(Ref("s"), 0.5, 0.1), inputs={s: 1.5}, name="a")
    p.out(a)
    layout = build_layout(plan_graph(p.graph))
    own = layout.node("a")
    assert {key: layout.params[k].address for key, k in own.params.items()} == {
        Key(Kind.SCALE, "bias"): "a.bias.scale", Key(Kind.OFFSET, "bias"): "a.bias.offset",
        Key(Kind.CONSTANT, "s", weight=True): "a.w.s"}
    assert layout.node("s").params == {Key(Kind.CONSTANT, "freq"): layout.param_index("s.freq")}
