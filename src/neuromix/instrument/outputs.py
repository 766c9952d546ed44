"""Instrument outputs: MIDI notes, CC and pitch bend, OSC, and parameters of a playing patch.

Every output reads the network's output row once per control tick (``update(tick, row)``) and
decides by tick counts alone what to send, so the same rows give the same messages at any
speed. Note outputs remember every sounding note and ``release`` ends them all: the loop calls
it on a normal stop, on Ctrl-C and on errors, so no note is left hanging.

Examples
--------
>>> import numpy as np
>>> from neuromix.graph.graph import Ref
>>> from neuromix.instrument.file import SignalMap
>>> from neuromix.io.midi import MidiRecorder, MidiSink
>>> rec = MidiRecorder(200)
>>> cc = ControlChange(MidiSink(rec), {"signal": SignalMap(Ref("a")), "number": 74, "bits": 7,
...                                    "channel": 1, "rate": 100}, {"a": 0}, rate=200)
>>> for tick, v in enumerate([0.0, 0.0, 1.0, 1.0]):
...     cc.update(tick, np.array([v]))
>>> [(t, m.value) for t, m in rec.events]
[(0, 64), (2, 127)]
"""

from __future__ import annotations

from neuromix.instrument.file import OutputSpec, SignalMap


class _Reader:
    """Reads one mapped signal from a network row."""

    def __init__(self, signal: SignalMap, channels: dict[str, int]):
        self.signal, self.index = signal, channels[str(signal.ref)]

    def unit(self, row) -> float:
        return self.signal.unit(float(row[self.index]))

    def value(self, row) -> float:
        return self.signal.map(float(row[self.index]))


def _every(rate: int, per_second: float) -> int:
    """Ticks between two sends at most ``per_second`` times a second."""
    return max(1, int(round(rate / per_second)))


class Notes:
    """MIDI notes: pitch quantised to a scale; triggered by a gate, a clock or a pitch change."""

    def __init__(self, sink, settings: dict, channels: dict[str, int], rate: int):
        import mido

        self.mido, self.sink, self.rate = mido, sink, rate
        self.allowed = settings["allowed"]
        self.pitch = _Reader(settings["pitch"], channels)
        self.gate = _Reader(settings["gate"], channels) if settings["gate"] else None
        self.threshold = settings.get("threshold", 0.0)
        self.trigger = settings["trigger"]
        self.period = _every(rate, settings["clock"]) if settings["clock"] else 0
        vel = settings["velocity"]
        self.velocity = _Reader(vel, channels) if isinstance(vel, SignalMap) else int(vel)
        dur = settings["duration"]
        self.duration = _Reader(dur, channels) if isinstance(dur, SignalMap) else dur
        self.polyphony = settings["polyphony"]
        self.channel = settings["channel"] - 1
        self.sounding: list[list] = []  # [note, off tick or None (held while the gate is on)]
        self.gate_was_on = False
        self.last_note: int | None = None
        self.value = 0.0  # the last note played, 0..1 across the note range (for the window)

    def _note(self, row) -> int:
        u = self.pitch.unit(row)
        return self.allowed[min(int(u * len(self.allowed)), len(self.allowed) - 1)]

    def _off(self, tick: int, entry) -> None:
        self.sounding.remove(entry)
        self.sink.send(tick, self.mido.Message("note_off", channel=self.channel, note=entry[0],
                                               velocity=0))

    def update(self, tick: int, row) -> None:
        gate_on = self.gate is None or float(row[self.gate.index]) > self.threshold
        for entry in [e for e in self.sounding if (e[1] is None and not gate_on)
                      or (e[1] is not None and e[1] <= tick)]:
            self._off(tick, entry)
        note = self._note(row)
        if self.trigger == "gate":
            fire = gate_on and not self.gate_was_on
        elif self.trigger == "clock":
            fire = gate_on and tick % self.period == 0
        else:
            fire = gate_on and (note != self.last_note or not self.gate_was_on)
        self.gate_was_on = gate_on
        if fire:
            self._play(tick, note, row)

    def _play(self, tick: int, note: int, row) -> None:
        for entry in [e for e in self.sounding if e[1] is None or e[0] == note]:
            self._off(tick, entry)  # a held note ends when the next starts; no doubled pitch
        while len(self.sounding) >= self.polyphony:
            self._off(tick, self.sounding[0])
        vel = self.velocity if isinstance(self.velocity, int) else self.velocity.value(row)
        vel = int(min(max(round(vel), 1), 127))
        if self.duration == "gate":
            off = None
        else:
            seconds = self.duration if isinstance(self.duration, float) else self.duration.value(row)
            off = tick + max(1, int(round(seconds * self.rate)))
        self.sink.send(tick, self.mido.Message("note_on", channel=self.channel, note=note,
                                               velocity=vel))
        self.sounding.append([note, off])
        self.last_note = note
        span = self.allowed[-1] - self.allowed[0]
        self.value = (note - self.allowed[0]) / span if span else 0.5

    def release(self, tick: int) -> None:
        """Note-off for every sounding note (stop, Ctrl-C, error)."""
        for entry in list(self.sounding):
            self._off(tick, entry)


class _RateLimited:
    """Sends an integer value only when it changed, at most ``rate`` times a second."""

    def __init__(self, sink, settings: dict, channels: dict[str, int], rate: int):
        self.sink = sink
        self.signal = _Reader(settings["signal"], channels)
        self.interval = _every(rate, settings["rate"])
        self.channel = settings["channel"] - 1
        self.sent: int | None = None
        self.sent_tick = -10**9
        self.value = 0.0

    def update(self, tick: int, row) -> None:
        self.value = self.signal.unit(row)
        level = self.level(row)
        if level != self.sent and tick - self.sent_tick >= self.interval:
            self.emit(tick, level)
            self.sent, self.sent_tick = level, tick

    def release(self, tick: int) -> None:
        pass


class ControlChange(_RateLimited):
    """MIDI CC, 7-bit (0..127) or 14-bit (MSB on ``number``, LSB on ``number + 32``)."""

    def __init__(self, sink, settings, channels, rate):
        import mido

        super().__init__(sink, settings, channels, rate)
        self.mido, self.number, self.bits = mido, settings["number"], settings["bits"]

    def level(self, row) -> int:
        top = (1 << self.bits) - 1
        return int(min(max(round(self.signal.value(row) * top), 0), top))

    def emit(self, tick: int, level: int) -> None:
        control = self.mido.Message
        if self.bits == 7:
            self.sink.send(tick, control("control_change", channel=self.channel,
                                         control=self.number, value=level))
        else:
            self.sink.send(tick, control("control_change", channel=self.channel,
                                         control=self.number, value=level >> 7))
            self.sink.send(tick, control("control_change", channel=self.channel,
                                         control=self.number + 32, value=level & 127))


class PitchBend(_RateLimited):
    """MIDI pitch bend, −8192..8191 from a signal mapped onto −1..1."""

    def __init__(self, sink, settings, channels, rate):
        import mido

        super().__init__(sink, settings, channels, rate)
        self.mido = mido

    def level(self, row) -> int:
        return int(min(max(round(self.signal.value(row) * 8192), -8192), 8191))

    def emit(self, tick: int, level: int) -> None:
        self.sink.send(tick, self.mido.Message("pitchwheel", channel=self.channel, pitch=level))

    def release(self, tick: int) -> None:
        if self.sent:  # leave the synth unbent
            self.emit(tick, 0)
            self.sent = 0


class Osc:
    """OSC messages of mapped signals to host:port at a rate (``/wek/outputs`` as a preset)."""

    def __init__(self, settings: dict, channels: dict[str, int], rate: int):
        from pythonosc.udp_client import SimpleUDPClient

        self.client = SimpleUDPClient(settings["host"], settings["port"])
        self.address = settings["address"]
        self.values = [_Reader(s, channels) for s in settings["values"]]
        self.interval = _every(rate, settings["rate"])
        self.value = 0.0

    def update(self, tick: int, row) -> None:
        if self.values:
            self.value = self.values[0].unit(row)
        if tick % self.interval == 0:
            try:
                self.client.send_message(self.address, [float(v.value(row)) for v in self.values])
            except OSError:
                pass  # nobody listening on a UDP port is not an error

    def release(self, tick: int) -> None:
        pass


class Param:
    """A parameter of the audio patch playing alongside, set once per control tick."""

    def __init__(self, target, settings: dict, channels: dict[str, int]):
        self.target, self.address = target, settings["address"]
        self.signal = _Reader(settings["signal"], channels)
        self.value = 0.0

    def update(self, tick: int, row) -> None:
        self.value = self.signal.unit(row)
        self.target.set(self.address, self.signal.value(row))

    def release(self, tick: int) -> None:
        pass


MIDI_TYPES = {"notes": Notes, "cc": ControlChange, "bend": PitchBend}


def build(specs: list[OutputSpec], channels: dict[str, int], rate: int, midi_sink,
          audio=None, osc: bool = True) -> dict:
    """The running outputs by name: MIDI always (to the sink), OSC when ``osc``, parameters
    when an ``audio`` target plays."""
    made = {}
    for spec in specs:
        if spec.type in MIDI_TYPES:
            made[spec.name] = MIDI_TYPES[spec.type](midi_sink, spec.settings, channels, rate)
        elif spec.type == "osc" and osc:
            made[spec.name] = Osc(spec.settings, channels, rate)
        elif spec.type == "param" and audio is not None:
            made[spec.name] = Param(audio, spec.settings, channels)
    return made
