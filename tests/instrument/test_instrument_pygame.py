"""Mouse and joystick events posted to pygame (SDL's dummy video driver) move the outputs;
the window draws its bars where the values say."""

from __future__ import annotations

import math

import pytest

from neuromix.instrument.file import loads
from neuromix.instrument.loop import Instrument
from neuromix.instrument.window import FILL, PANEL

pygame = pytest.importorskip("pygame")

SPEC = """\
rate: 100
inputs:
  x: {source: mouse, axis: x}
  y: {source: mouse, axis: y}
  press: {source: mouse, button: left}
  jx: {source: joystick, axis: 0, dead_zone: 0.1}
  hat: {source: joystick, hat: 0, axis: y}
  fire: {source: joystick, button: 3}
network:
  nodes:
    a: {type: neuron, act: tanh, inputs: {x: 1.0, jx: 1.0}}
    b: {type: neuron, act: identity, inputs: {y: 1.0, fire: 0.5}}
outputs:
  ca: {type: cc, from: a, number: 1}
  cb: {type: cc, from: b, range: [0, 2], number: 2}
"""


@pytest.fixture
def inst():
    with Instrument(loads(SPEC), window=True, midi_port=False) as running:
        yield running


def post(kind, **attrs):
    pygame.event.post(pygame.event.Event(kind, **attrs))


def test_mouse_moves_inputs_network_and_outputs(inst):
    x0, y0, w, h = inst.window.pad()
    inst.step()
    before = inst.outputs["ca"].value
    post(pygame.MOUSEMOTION, pos=(x0 + w - 1, y0 + (h - 1) // 4), rel=(0, 0), buttons=(0, 0, 0))
    post(pygame.MOUSEBUTTONDOWN, pos=(x0, y0), button=1)
    row = inst.step()
    assert inst.bank.values[:3].tolist() == [1.0, pytest.approx(0.75, abs=0.01), 1.0]
    assert row[inst.channels["a"]] == pytest.approx(math.tanh(1.0))
    assert inst.outputs["ca"].value > before
    post(pygame.MOUSEMOTION, pos=(x0 + w + 50, y0), rel=(0, 0), buttons=(0, 0, 0))  # off the pad
    post(pygame.MOUSEBUTTONUP, pos=(x0, y0), button=1)
    inst.step()
    assert inst.bank.values[0] == 1.0 and inst.bank.values[2] == 0.0


def test_joystick_axis_dead_zone_hat_button_and_unplug(inst):
    post(pygame.JOYAXISMOTION, joy=0, instance_id=0, axis=0, value=0.05)
    inst.step()
    assert inst.bank.values[3] == 0.0  # inside the dead zone
    post(pygame.JOYAXISMOTION, joy=0, instance_id=0, axis=0, value=0.55)
    post(pygame.JOYHATMOTION, joy=0, instance_id=0, hat=0, value=(1, -1))
    post(pygame.JOYBUTTONDOWN, joy=0, instance_id=0, button=3)
    row = inst.step()
    assert inst.bank.values[3:].tolist() == [pytest.approx(0.5), -1.0, 1.0]
    assert row[inst.channels["a"]] == pytest.approx(math.tanh(0.5 + 0.5))
    assert row[inst.channels["b"]] == pytest.approx(0.5 + 0.5)
    assert inst.outputs["cb"].value == pytest.approx(0.5)
    post(pygame.JOYDEVICEREMOVED, instance_id=0)
    inst.step()
    assert inst.bank.values[3:].tolist() == [0.0, 0.0, 0.0]  # back to their start values


def test_window_close_stops_the_loop(inst):
    post(pygame.QUIT)
    assert inst.run(ticks=50) < 50 and inst.signalled is None


def test_window_draws_bars_where_the_values_are(inst):
    x0, y0, w, h = inst.window.pad()
    post(pygame.MOUSEMOTION, pos=(x0 + (w - 1) // 4, y0 + h - 1), rel=(0, 0), buttons=(0, 0, 0))
    post(pygame.JOYAXISMOTION, joy=0, instance_id=0, axis=0, value=-1.0)
    inst.step()
    inst.window.draw(inst)
    surface = inst.window.surface

    def colour_at(key, fraction):
        (bx, by, bw, bh), _, _ = inst.window.bars[key]
        return tuple(surface.get_at((bx + int(fraction * (bw - 1)), by + bh // 2)))[:3]

    # x = 0.25 on a 0..1 bar: filled to a quarter
    assert colour_at("in:x", 0.1) == FILL["in"] and colour_at("in:x", 0.4) == PANEL
    # jx = -1 on a -1..1 bar: filled from the middle to the left end
    assert colour_at("in:jx", 0.05) == FILL["in"] and colour_at("in:jx", 0.75) == PANEL
    # a = tanh(0.25 - 1) < 0: filled left of the middle only
    a = inst.row[inst.channels["a"]]
    assert a < 0
    assert colour_at("net:a", 0.5 + a / 2 + 0.05) == FILL["net"]
    assert colour_at("net:a", 0.75) == PANEL
    # the columns are in order: inputs, network, outputs, all right of the pad
    xs = [inst.window.bars[k][0][0] for k in ("in:x", "net:a", "out:ca")]
    assert x0 + w < xs[0] < xs[1] < xs[2] < inst.window.size[0]
    # the pad shows a dot where the mouse is
    assert tuple(surface.get_at((x0 + (w - 1) // 4, y0 + h - 3)))[:3] == FILL["in"]


TAUGHT = """\
rate: 100
inputs:
  x: {source: mouse, axis: x}
  y: {source: mouse, axis: y}
learn:
  outputs: {bright: [0, 10], rough: [-1, 1]}
  hidden: [3]
  epochs: 50
outputs:
  c: {type: cc, from: bright, range: [0, 10], number: 1}
"""


def test_teaching_keys_and_sliders():
    with Instrument(loads(TAUGHT), window=True, midi_port=False) as inst:
        teacher = inst.teacher
        (sx, sy, sw, sh), lo, hi = inst.window.sliders["bright"]
        post(pygame.MOUSEBUTTONDOWN, pos=(sx + (sw - 1) // 4, sy + sh // 2), button=1)
        post(pygame.KEYDOWN, key=pygame.K_r, mod=0, unicode="r", scancode=0)
        x0, y0, w, h = inst.window.pad()
        post(pygame.MOUSEMOTION, pos=(x0 + w - 1, y0), rel=(0, 0), buttons=(0, 0, 0))
        inst.run(ticks=10)
        assert teacher.targets[0] == pytest.approx(2.5, abs=0.05) and teacher.recording
        assert inst.bank.values.tolist() == [1.0, 1.0]  # the pad still plays
        post(pygame.KEYDOWN, key=pygame.K_r, mod=0, unicode="r", scancode=0)
        post(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0, unicode=" ", scancode=0)
        inst.run(ticks=inst.tick + 2)
        assert not teacher.recording and not teacher.running and len(teacher.x) == 2
        inst.window.draw(inst)
        (bx, by, bw, bh), _, _ = inst.window.sliders["bright"]
        colour = tuple(inst.window.surface.get_at((bx + bw // 8, by + bh // 2)))[:3]
        assert colour == FILL["out"]
