"""MIDI for instruments: an output port (virtual by default, or a named one) and a Standard
MIDI File recorder, behind one sink that every MIDI output writes to.

Time in the file is counted in control ticks (one MIDI tick per control tick: tempo 60 bpm,
``ticks_per_beat`` = the control rate), so a replayed gesture writes the same bytes whether it
ran in real time or offline. Ports are tried through the ALSA sequencer, then JACK
(python-rtmidi's ``UNIX_JACK`` API, which works on a headless machine running ``jackd``); where
neither exists the instrument says so once and MIDI goes only to the file.

Examples
--------
>>> import mido
>>> rec = MidiRecorder(rate=200)
>>> rec.add(0, mido.Message("note_on", note=60, velocity=90))
>>> rec.add(40, mido.Message("note_off", note=60))
>>> [(m.type, m.time) for m in rec.midi_file().tracks[0] if not m.is_meta]
[('note_on', 0), ('note_off', 40)]
"""

from __future__ import annotations

import contextlib
import os
import sys

from neuromix.io.atomic import replace, temporary_beside

TEMPO = 1_000_000  # microseconds per beat: with ticks_per_beat = rate, one MIDI tick per control tick
CLIENT_NAME = "neuromix"


class MidiRecorder:
    """Collects (tick, message) pairs and writes them as a type-0 Standard MIDI File."""

    def __init__(self, rate: int):
        self.rate = int(rate)
        self.events: list[tuple[int, object]] = []

    def add(self, tick: int, msg) -> None:
        self.events.append((int(tick), msg))

    def midi_file(self):
        import mido

        mid = mido.MidiFile(type=0, ticks_per_beat=self.rate)
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("set_tempo", tempo=TEMPO, time=0))
        last = 0
        for tick, msg in self.events:
            track.append(msg.copy(time=tick - last))
            last = tick
        track.append(mido.MetaMessage("end_of_track", time=0))
        mid.tracks.append(track)
        return mid

    def save(self, path) -> None:
        """Write the file atomically (a temporary file renamed into place)."""
        tmp = temporary_beside(path)
        try:
            self.midi_file().save(tmp)
            replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


@contextlib.contextmanager
def quiet_stderr():
    """Silence C libraries (ALSA, JACK) that print to file descriptor 2 while probing."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            sys.stderr.flush()
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _backends():
    """mido backends to try, in order: the ALSA sequencer where it exists, then JACK."""
    import mido

    os.environ.setdefault("JACK_NO_START_SERVER", "1")  # never spawn a server while probing
    if os.path.exists("/dev/snd/seq"):
        yield "ALSA", mido.Backend("mido.backends.rtmidi/LINUX_ALSA")
    yield "JACK", mido.Backend("mido.backends.rtmidi/UNIX_JACK")


def open_output(port: str | None = None):
    """Open a MIDI output: a virtual port called ``neuromix`` (``port`` None or "virtual"),
    else the first port whose name contains ``port``. Returns (port, None) or (None, reason)."""
    reasons = []
    for name, backend in _backends():
        try:
            with quiet_stderr():
                if port in (None, "virtual"):
                    return backend.open_output(CLIENT_NAME, virtual=True,
                                               client_name=CLIENT_NAME), None
                names = backend.get_output_names()
                match = next((n for n in names if port in n), None)
                if match is None:
                    reasons.append(f"{name} has no port named '{port}' (ports: "
                                   f"{', '.join(names) or 'none'})")
                    continue
                return backend.open_output(match), None
        except Exception as err:  # rtmidi raises SystemError subclasses without a system
            reasons.append(f"{name}: {str(err).strip() or type(err).__name__}")
    if port in (None, "virtual") and not os.path.exists("/dev/snd/seq"):
        return None, ("no MIDI system here (no ALSA sequencer at /dev/snd/seq, no JACK server "
                      "running); MIDI goes only to --midi-file")
    if port in (None, "virtual"):
        return None, "cannot open a virtual MIDI port (" + "; ".join(reasons) + ")"
    return None, f"no MIDI output port '{port}': " + "; ".join(reasons)


def open_input(port: str | None, callback):
    """Open a MIDI input calling ``callback(msg)``: a virtual port by default, or a named one.

    Returns (port, None) or (None, reason), like :func:`open_output`."""
    reasons = []
    for name, backend in _backends():
        try:
            with quiet_stderr():
                if port in (None, "virtual"):
                    return backend.open_input(CLIENT_NAME + "-in", virtual=True,
                                              client_name=CLIENT_NAME, callback=callback), None
                names = backend.get_input_names()
                match = next((n for n in names if port in n), None)
                if match is None:
                    reasons.append(f"{name} has no input named '{port}'")
                    continue
                return backend.open_input(match, callback=callback), None
        except Exception as err:
            reasons.append(f"{name}: {str(err).strip() or type(err).__name__}")
    return None, "no MIDI input: " + "; ".join(reasons or ["no MIDI system here"])


class MidiSink:
    """Where MIDI outputs send: the port (if any) and the recorder, at a control tick.

    A port that fails (device unplugged, JACK server gone) is dropped with one message, and
    the file keeps recording.
    """

    def __init__(self, recorder: MidiRecorder, port=None, say=print):
        self.recorder, self.port, self.say = recorder, port, say

    def send(self, tick: int, msg) -> None:
        self.recorder.add(tick, msg)
        if self.port is None:
            return
        try:
            self.port.send(msg)
        except Exception as err:
            self.say(f"MIDI port lost ({str(err).strip() or type(err).__name__}); MIDI goes on "
                     f"only to the file")
            self.port = None

    def close(self) -> None:
        if self.port is not None:
            with contextlib.suppress(Exception):
                self.port.close()
            self.port = None
