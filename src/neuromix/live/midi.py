"""MIDI control of a playing patch: CC numbers mapped to parameters (the patch's ``midi:``
section, see :mod:`neuromix.graph.midimap`), and MIDI learn.

The input port is opened as the instruments open theirs (:func:`neuromix.io.midi.
open_input`: ALSA where it exists, else python-rtmidi's JACK backend, a virtual port called
``neuromix-in`` by default). With ``learn`` set to a parameter address, the next CC that
moves is bound to it, and the line to paste into the patch's ``midi: cc:`` is printed. A value
a CC's ``range`` puts past the parameter's own range is clamped to it (``midi_clamped``).

Examples
--------
>>> import mido
>>> from neuromix.graph.midimap import CcMap, MidiMap
>>> class Target:
...     addresses = {"a.bias": 0}
...     def set(self, address, value): print("set", address, round(value, 3))
...     def get(self, address): return 0.1
>>> midi = MidiControl(Target(), MidiMap(cc=[CcMap(74, "a.bias", -1.0, 1.0)]), port=False)
>>> midi.handle(mido.Message("control_change", control=74, value=127))
set a.bias 1.0
>>> midi.learn = "a.bias"; midi.handle(mido.Message("control_change", control=7, value=0))
learned: paste under 'midi: cc:' in the patch:
    7: {param: a.bias, range: [0, 1], curve: lin}
set a.bias 0.0
"""

from __future__ import annotations

import math

from neuromix.errors import LiveError
from neuromix.graph.midimap import CcMap, MidiMap
from neuromix.io import midi as midi_io
from neuromix.live.changes import Limits


def learn_range(value: float, declared: tuple[float, float] | None) -> tuple[float, float]:
    """A range for a learned CC: the parameter's declared one if finite, else one that holds
    its current value (0..1 when it is there already)."""
    if declared and all(math.isfinite(x) for x in declared):
        return declared
    return (min(0.0, 2.0 * value), max(1.0, 2.0 * value))


class MidiControl:
    """A MIDI input driving ``player`` through CC maps (``port=False``: open no port)."""

    def __init__(self, player, maps: MidiMap, port=None, learn: str | None = None, say=print,
                 ranges: dict | None = None):
        self.player, self.maps, self.say = player, maps, say
        self.limits = Limits(player, say, "MIDI")
        self.learn = learn
        self.ranges = ranges or {}
        self.received = self.applied = 0
        self.port = None
        if port is False:
            return
        self.port, reason = midi_io.open_input(port if port is not None else maps.port, self.handle)
        if self.port is None:
            raise LiveError(f"{reason} (start JACK, e.g. jackd -d dummy, to have MIDI here)")
        self.name = getattr(self.port, "name", "?")

    def handle(self, msg) -> None:
        """Act on one MIDI message (called from the MIDI library's thread)."""
        self.received += 1
        if msg.type != "control_change":
            return
        if self.learn is not None:
            address, self.learn = self.learn, None
            lo, hi = learn_range(self.player.get(address), self.ranges.get(address))
            cc = CcMap(msg.control, address, lo, hi, "lin")
            self.maps.cc = [m for m in self.maps.cc if m.cc != msg.control] + [cc]
            self.say(f"learned: paste under 'midi: cc:' in the patch:\n    {cc.line()}")
        for m in self.maps.cc:
            if m.cc == msg.control and (m.channel is None or msg.channel == m.channel - 1):
                self.player.set(m.address, self.limits.clamp(m.address, m.value(msg.value)))
                self.applied += 1

    def counts(self) -> dict:
        return {"midi_received": self.received, "midi_applied": self.applied,
                "midi_clamped": self.limits.clamped}

    def close(self) -> None:
        if self.port is not None:
            self.port.close()
            self.port = None
