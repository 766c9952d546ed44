"""MIDI input messages become input values (CC, note pitch / velocity / gate, bend)."""

from __future__ import annotations

import mido
import pytest

from neuromix.instrument.file import loads
from neuromix.instrument.inputs import InputBank, MidiInputs

SPEC = """\
inputs:
  mod: {source: midi, event: cc, number: 1}
  ch2: {source: midi, event: cc, number: 1, channel: 2}
  pitch: {source: midi, event: pitch}
  vel: {source: midi, event: velocity}
  gate: {source: midi, event: gate}
  bend: {source: midi, event: bend}
outputs: {}
"""


def test_midi_messages_set_the_inputs(monkeypatch):
    spec = loads(SPEC)
    monkeypatch.setattr("neuromix.io.midi.open_input",
                        lambda port, callback: (None, "no MIDI system here"))
    said = []
    bank = InputBank([s.name for s in spec.inputs], [0.0] * len(spec.inputs))
    midi = MidiInputs(spec.inputs, bank, said.append)
    assert said == ["no MIDI system here; MIDI inputs keep their start values"]
    values = dict(zip(bank.names, bank.values))

    def send(msg):
        midi.handle(msg)
        values.update(zip(bank.names, bank.values))

    send(mido.Message("control_change", channel=0, control=1, value=127))
    assert values["mod"] == 1.0 and values["ch2"] == 0.0
    send(mido.Message("control_change", channel=1, control=1, value=0))
    assert values["mod"] == 0.0  # any channel
    send(mido.Message("note_on", note=64, velocity=100))
    send(mido.Message("note_on", note=67, velocity=50))
    assert values["pitch"] == pytest.approx(67 / 127) and values["vel"] == pytest.approx(50 / 127)
    send(mido.Message("note_off", note=67))
    assert values["gate"] == 1.0  # 64 is still held
    send(mido.Message("note_on", note=64, velocity=0))  # a note-on with velocity 0 is an off
    assert values["gate"] == 0.0 and values["pitch"] == pytest.approx(67 / 127)
    send(mido.Message("pitchwheel", pitch=-8192))
    assert values["bend"] == -1.0
    send(mido.Message("pitchwheel", pitch=8191))
    assert values["bend"] == 1.0
