"""Data-driven instruments: controllers through a control-rate neuron network to MIDI, OSC
and the parameters of a playing patch.

An instrument file (``file.py``) names its ``inputs`` (mouse, joystick, MIDI, OSC, a gesture
replay), a ``network`` (a patch run at the control rate, 200 Hz by default, by the same compiler
and engine) and its ``outputs`` (MIDI notes, CC, pitch bend, OSC, audio-patch parameters).
``loop.py`` runs it tick by tick, in real time or offline; see ``docs/instruments.md``.
"""

from neuromix.instrument.file import InstrumentSpec, load, loads

__all__ = ["InstrumentSpec", "load", "loads"]
