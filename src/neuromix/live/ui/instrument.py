r"""The browser view of an instrument: ``neuromix instrument FILE --ui``.

:class:`InstrumentSource` lets :class:`~neuromix.live.ui.server.LiveView` show a running
:class:`~neuromix.instrument.loop.Instrument` as it shows a player: the control network is the
graph (its ``input`` nodes carry the controllers' values), the outputs' signals are the scope,
and the MIDI the outputs send (notes, CC) is listed. The instrument loop takes a snapshot
after each tick. A control on the page moves an input through the input bank (the path OSC
and MIDI inputs take) and any other parameter in the network, between ticks.

Examples
--------
>>> from neuromix.instrument.file import loads
>>> from neuromix.instrument.loop import Instrument
>>> text = ("rate: 50\ninputs: {x: {source: replay}}\nnetwork: linear\noutputs: {m: "
...         "{type: notes, pitch: {from: x, range: [0, 1]}, notes: [48, 60], duration: 0.1}}")
>>> with Instrument(loads(text), offline=True) as inst:
...     source = InstrumentSource(inst)
...     source.set("x.value", 1.0)     # through the input bank, as OSC and MIDI inputs
...     ticks = inst.run(ticks=2)
>>> source.params()["x.value"], source.extra()["midi"][0]
(1.0, 'tick 0: note_on channel=0 note=60 velocity=100 time=0')
>>> source.set_many([("x.value", 0.25), ("nope", 1.0)])  # all or none
Traceback (most recent call last):
...
neuromix.errors.UnknownNameError: no parameter 'nope'
>>> source.values(["x.value"]).tolist()
[1.0]
"""

from __future__ import annotations

import numpy as np

MIDI_SHOWN = 12  # the latest MIDI messages listed on the page
SCOPE_TICKS = 256  # ticks the scope shows (2.56 s at 100 Hz): control signals, no trigger


class InstrumentSource:
    """An instrument seen as the view's player: ``engine``, ``set``, ``params``, ``running``."""

    def __init__(self, instrument):
        self.instrument = instrument
        self.engine = self  # the view reads the playing patch and its timing from here
        self.compiled = instrument.network
        self.channels = self.compiled.channels
        self.generation = 0
        self.underruns = 0
        self.budget = 1.0 / instrument.rate
        self.frame_options = {"scope": SCOPE_TICKS, "trigger": False}
        inputs = instrument.bank.names
        self._inputs = {f"{name}.value": name for name in inputs}

    # -- what LiveView reads ------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return not self.instrument.stopping.is_set() and not self.instrument._closed

    @property
    def block(self) -> int:
        return self.instrument.tick

    @property
    def snap(self):
        return self.instrument.snap

    @snap.setter
    def snap(self, snaps) -> None:
        self.instrument.snap = snaps

    def playing(self):
        return 0, self.compiled

    def timings(self, last: int | None = None) -> np.ndarray:
        return np.zeros(0)  # a control loop, not an audio callback: nothing timed

    def set(self, address: str, value: float) -> None:
        """An input through the input bank; any other parameter in the network directly."""
        index = self.compiled.index(address)  # KeyError with the nearest addresses
        if not np.isfinite(value):
            raise ValueError(f"{address}: a parameter must be a finite number, not {value}")
        name = self._inputs.get(address)
        if name is not None:
            self.instrument.bank.set(name, float(value))
        else:
            self.compiled.params[0, index] = float(value)

    def set_many(self, changes) -> None:
        """Several parameters between two ticks (a row of a weight matrix): all or none."""
        changes = [(address, float(value)) for address, value in changes]
        for address, value in changes:  # every one checked before any is set
            self.compiled.index(address)
            if not np.isfinite(value):
                raise ValueError(f"{address}: a parameter must be a finite number, not {value}")
        for address, value in changes:
            self.set(address, value)

    def values(self, addresses) -> np.ndarray:
        return self.compiled.params[0, [self.compiled.index(a) for a in addresses]]

    def params(self) -> dict[str, float]:
        values = self.compiled.params[0]
        return {a: float(values[i]) for a, i in self.compiled.addresses.items()}

    def extra(self) -> dict:
        """The latest MIDI messages the outputs sent, for the page's list."""
        events = self.instrument.sink.recorder.events[-MIDI_SHOWN:]
        return {"midi": [f"tick {tick}: {msg}" for tick, msg in events]}
