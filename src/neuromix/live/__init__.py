"""Play live: a compiled patch on the sound card (or a clock), moved by OSC, MIDI, a script or a
saved file while it plays. See ``docs/live.md``.

The engine never imports I/O libraries; sounddevice, python-osc and mido are imported only in
:mod:`neuromix.live.audio`, :mod:`neuromix.live.osc` and :mod:`neuromix.live.midi`.
"""

__all__ = ["LiveError", "Player", "play"]


def __getattr__(name: str):
    """The player, imported on first use: ``render`` imports ``neuromix.live.ui.cli`` (through
    the ``play`` command's options), and the player's imports cost ~0.04 s of its start-up."""
    if name in __all__:
        from neuromix.live import player

        return getattr(player, name)
    raise AttributeError(f"module 'neuromix.live' has no attribute '{name}'")
