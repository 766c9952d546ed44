"""Play live: a compiled patch on the sound card (or a clock), moved by OSC, MIDI, a script or a
saved file while it plays. See ``docs/live.md``.

The engine never imports I/O libraries; sounddevice, python-osc and mido are imported only in
:mod:`neuromix.live.audio`, :mod:`neuromix.live.osc` and :mod:`neuromix.live.midi`.
"""

from neuromix.live.player import LiveError, Player, play

__all__ = ["LiveError", "Player", "play"]
