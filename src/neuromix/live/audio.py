"""Where the blocks go: a sound card through sounddevice (PortAudio, any host API including
JACK), or ``null``, a thread paced by the clock for machines without a sound card.

A patch that listens to the sound card (``audio_in`` and no other input) opens the card in
full duplex: one stream, whose callback gets the input block and fills the output block of the
same period, so playing adds no latency of its own to the device's buffering.

Both call :meth:`LiveEngine.render` once per block and count underruns: PortAudio's output
underflow flags (JACK reports its xruns through them), or for ``null`` a block that started
later than real time allowed.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=48000)
>>> p.out(p.sine(110))
>>> from neuromix.live.engine import LiveEngine
>>> out = NullOutput(LiveEngine(p.compile(), blocksize=256))
>>> out.start(); import time; time.sleep(0.05); out.stop()
>>> out.engine.block > 0
True
"""

from __future__ import annotations

import threading
import time

import numpy as np
from neuromix.errors import LiveError  # noqa: F401  (raised here, caught by the CLI)

AUDIO = ("portaudio", "jack", "null")  # --audio choices
JACK_API = "JACK Audio Connection Kit"
NO_CARD = ("no sound card found: PortAudio lists no output device. Install the system "
           "library libportaudio2 with your sound system's host (ALSA, PulseAudio or JACK), pick "
           "a device with --device (see --list-devices), start JACK and use --audio jack, or "
           "play without a sound card with --audio null")
NO_INPUT = ("the patch listens to audio_in, but PortAudio lists no input device: connect one "
            "(see --list-devices), or give a sound file in its place with --input FILE")


CALLBACK_PRIORITY = 20  # SCHED_FIFO priority of the audio callback's thread
CONTROL_PRIORITY = 5   # of neuromix's own control threads (OSC, recorder, watcher, ...)


def realtime_priority(priority: int = CALLBACK_PRIORITY) -> bool:
    """Ask for real-time scheduling (SCHED_FIFO) for the calling thread, as JACK gives its
    clients' threads when it runs real-time; True if granted (root, or an rtprio limit).

    The control threads ask for it too, at a lower priority: the callback needs Python's GIL,
    and a thread holding it must not be preempted by other programs on a busy machine (the
    callback would wait for it). They do little and sleep, so they take no time from others.
    """
    import os

    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except (AttributeError, OSError):
        return False
    return True



def import_sounddevice():
    """sounddevice, or a LiveError saying how to get it."""
    import os

    os.environ.setdefault("JACK_NO_START_SERVER", "1")  # never spawn a JACK server by probing
    try:
        import sounddevice
    except OSError:
        raise LiveError("PortAudio is not installed: sounddevice needs the system library "
                        "libportaudio2 (sudo apt-get install libportaudio2), or play without a "
                        "sound card with --audio null") from None
    except ImportError:
        raise LiveError("sounddevice is not installed: pip install 'neuromix[live]', or play "
                        "without a sound card with --audio null") from None
    return sounddevice


def list_devices() -> str:
    """The devices PortAudio sees, one a line (the text of ``--list-devices``)."""
    sd = import_sounddevice()
    apis = sd.query_hostapis()
    lines = []
    for i, dev in enumerate(sd.query_devices()):
        if dev["max_output_channels"] > 0 or dev["max_input_channels"] > 0:
            lines.append(f"{i:3d}  {dev['name']}  ({apis[dev['hostapi']]['name']}, "
                         f"{dev['max_input_channels']} in, {dev['max_output_channels']} out, "
                         f"{dev['default_samplerate']:g} Hz)")
    return "\n".join(lines) if lines else NO_CARD


def pick_device(sd, device=None, audio: str = "portaudio", kind: str = "output") -> int:
    """The ``kind`` ("output" or "input") device index for ``--device`` / ``--input-device``
    (an index or part of a name) and ``--audio``."""
    outputs = [i for i, d in enumerate(sd.query_devices()) if d[f"max_{kind}_channels"] > 0]
    if audio == "jack":
        api = next((a for a in sd.query_hostapis() if a["name"] == JACK_API), None)
        if api is None:
            raise LiveError("no JACK server is running (PortAudio found no JACK host API): "
                            "start one, e.g. 'jackd -d dummy' without a sound card, or use "
                            "--audio null")
        outputs = [i for i in api["devices"] if i in outputs]
    if not outputs:
        raise LiveError(NO_CARD if kind == "output" else NO_INPUT)
    if device is None:
        default = sd.default.device[0 if kind == "input" else 1]
        return default if default in outputs else outputs[0]
    if isinstance(device, str) and device.strip().lstrip("-").isdigit():
        device = int(device)
    if isinstance(device, int):
        if device not in outputs:
            raise LiveError(f"no {kind} device {device} (see --list-devices)")
        return device
    names = {i: sd.query_devices(i)["name"] for i in outputs}
    match = [i for i, n in names.items() if device.lower() in n.lower()]
    if not match:
        raise LiveError(f"no {kind} device matching '{device}' (devices: "
                        f"{', '.join(names.values())}; see --list-devices)")
    return match[0]


class PortAudioOutput:
    """A sounddevice output stream whose callback renders one block of the engine; a duplex
    stream when the engine listens to the device's input (``input_device``)."""

    def __init__(self, engine, device=None, latency="low", audio: str = "portaudio",
                 input_device=None):
        self.engine = engine
        self.sd = import_sounddevice()
        self.device = pick_device(self.sd, device, audio)
        self.name = self.sd.query_devices(self.device)["name"]
        self.duplex = bool(engine.inputs) and engine.source is None
        self.input_device = None
        if self.duplex:
            self.input_device = pick_device(self.sd, input_device, audio, kind="input")
            heard = self.sd.query_devices(self.input_device)
            if heard["max_input_channels"] < engine.inputs:
                raise LiveError(f"the patch listens to {engine.inputs} input channel(s), "
                                f"'{heard['name']}' has {heard['max_input_channels']} (pick "
                                "another --input-device, or give --input FILE)")
            self.name += f", listening to {heard['name']}"
        self.latency = latency
        self.error: BaseException | None = None
        self.stream = None
        self.realtime = None  # whether the callback's thread got real-time scheduling
        self.overflows = 0  # input blocks the device dropped (full duplex)

    def _callback(self, outdata, frames, time_info, status) -> None:
        self._duplex_callback(None, outdata, frames, time_info, status)

    def _duplex_callback(self, indata, outdata, frames, time_info, status) -> None:
        if self.realtime is None:
            self.realtime = realtime_priority()
        if status.output_underflow:
            self.engine.underrun()
        if status.input_overflow:
            self.overflows += 1
        try:
            self.engine.render(outdata, indata)
        except BaseException as err:  # never let the stream die silently
            self.error = err
            outdata.fill(0.0)
            raise self.sd.CallbackAbort from None

    def start(self) -> None:
        eng = self.engine
        common = dict(samplerate=eng.compiled.sr, blocksize=eng.blocksize, dtype="float32",
                      latency=self.latency)
        try:
            if self.duplex:
                self.stream = self.sd.Stream(device=(self.input_device, self.device),
                                             channels=(eng.inputs, eng.channels),
                                             callback=self._duplex_callback, **common)
            else:
                self.stream = self.sd.OutputStream(device=self.device, channels=eng.channels,
                                                   callback=self._callback, **common)
            self.stream.start()
        except self.sd.PortAudioError as err:
            heard = f" and {eng.inputs} input channel(s)" if self.duplex else ""
            raise LiveError(f"cannot play on '{self.name}' at {eng.compiled.sr:g} Hz with "
                            f"{eng.channels} channel(s){heard}: "
                            f"{err.args[0] if err.args else err} "
                            f"(try another --device, --channels or the patch's sr)") from None

    @property
    def cpu_load(self) -> float:
        return float(self.stream.cpu_load) if self.stream is not None else 0.0

    @property
    def latency_seconds(self) -> float:
        """The device's output latency (its input latency too in full duplex: the sum is the
        time from a sound coming in to it going out)."""
        if self.stream is None:
            return 0.0
        latency = self.stream.latency
        return float(sum(latency)) if isinstance(latency, tuple) else float(latency)

    def stop(self) -> None:
        if self.stream is not None:
            self.stream.stop()
            self.stream.close()
            self.stream = None


class NullOutput:
    """No sound card: a thread renders blocks paced by the clock, as a device would ask for
    them. A block that starts more than one block late counts as an underrun (and the clock
    starts again from now, as a device's would)."""

    name = "null (paced by the clock)"
    latency_seconds = 0.0

    def __init__(self, engine):
        self.engine = engine
        self.out = np.zeros((engine.blocksize, engine.channels), dtype=np.float32)
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = None
        self._busy = 0.0
        self._started = 0.0
        self.realtime = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="neuromix-null-audio", daemon=True)
        self._started = time.monotonic()
        self._thread.start()

    def _run(self) -> None:
        eng, period = self.engine, self.engine.budget
        self.realtime = realtime_priority()
        deadline = time.monotonic()
        try:
            while not self._stop.is_set():
                t0 = time.monotonic()
                if t0 > deadline + period:
                    eng.underrun()
                    deadline = t0
                eng.render(self.out)
                self._busy += time.monotonic() - t0
                deadline += period
                pause = deadline - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
        except BaseException as err:
            self.error = err

    @property
    def cpu_load(self) -> float:
        elapsed = time.monotonic() - self._started
        return self._busy / elapsed if elapsed > 0 else 0.0

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def open_output(engine, audio: str = "portaudio", device=None, latency="low",
                input_device=None):
    """The output for ``--audio``: PortAudio (default host API or JACK's) or null."""
    if audio not in AUDIO:
        raise LiveError(f"unknown audio output '{audio}': use one of {', '.join(AUDIO)}")
    if audio == "null":
        if engine.inputs and engine.source is None:
            raise LiveError("the patch listens to audio_in, and --audio null has no sound card "
                            "to listen to: give a sound file with --input FILE")
        return NullOutput(engine)
    return PortAudioOutput(engine, device, latency, audio, input_device)
