"""Render every example instrument offline: its shipped gesture replayed to a MIDI file (and a
WAV where the instrument plays a synth voice), exactly as a real-time run would play it.

    python examples/instruments.py --out out/instruments          # full gestures
    python examples/instruments.py --out out/instruments --quick  # the first 2 seconds
    python examples/instruments.py --write-gestures               # regenerate the shipped CSVs

The gestures are made by formulas (no randomness), so regenerating them gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent / "instruments"
RATE = 200
INSTRUMENTS = ["mouse_to_midi", "mouse_to_midi_linear", "joystick_dual_neuron",
               "wekinator_compatible"]


def _mouse(t):
    """A mouse drawing slow loops over the pad, on a 560-pixel grid (as a real pad gives)."""
    x = 0.5 + 0.45 * math.sin(2 * math.pi * 0.21 * t) * math.cos(2 * math.pi * 0.05 * t)
    y = 0.5 + 0.45 * math.sin(2 * math.pi * 0.33 * t + 0.6)
    return [round(x * 559) / 559, round(y * 559) / 559]


def _joystick(t):
    """Three axes: two slow sweeps and a ramp, at SDL's 16-bit axis resolution."""
    axes = [0.95 * math.sin(2 * math.pi * 0.2 * t), 0.85 * math.sin(2 * math.pi * 0.31 * t + 1.0),
            -1.0 + 2.0 * t / 8.0]
    return [round(v * 32767) / 32767 for v in axes]


def _wekinator(t):
    """Two inputs as a Wekinator input helper sends them: 0..1, 50 messages a second."""
    t = math.floor(t * 50) / 50
    return [round(0.5 + 0.5 * math.sin(2 * math.pi * 0.25 * t), 4),
            round(0.5 + 0.5 * math.cos(2 * math.pi * 0.4 * t), 4)]


GESTURES = {"mouse_to_midi": (["x", "y"], _mouse, 8.0),
            "joystick_dual_neuron": (["jx", "jy", "jz"], _joystick, 8.0),
            "wekinator_compatible": (["in1", "in2"], _wekinator, 6.0)}


def write_gesture(path: Path, names, fn, seconds: float) -> None:
    """The same CSV layout ``--record-gesture`` writes: a row whenever an input changed."""
    last = None
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["tick", "seconds", *names])
        for tick in range(int(seconds * RATE) + 1):
            values = fn(tick / RATE)
            if values != last:
                writer.writerow([tick, repr(tick / RATE), *(repr(float(v)) for v in values)])
                last = values


def render(name: str, out: Path, seconds: float | None) -> list[Path]:
    """Render one instrument offline; returns the files written."""
    from neuromix.instrument.file import load
    from neuromix.instrument.loop import Instrument

    spec = load(HERE / f"{name}.yaml")
    files = [out / f"{name}.mid"] + ([out / f"{name}.wav"] if spec.play is not None else [])
    with Instrument(spec, offline=True, midi_file=files[0],
                    wav=files[1] if len(files) > 1 else None) as inst:
        inst.run(seconds=seconds)
    return files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/instruments"))
    parser.add_argument("--quick", action="store_true", help="render the first 2 seconds only")
    parser.add_argument("--write-gestures", action="store_true",
                        help="regenerate the gesture CSVs shipped beside the instruments")
    args = parser.parse_args(argv)
    if args.write_gestures:
        for name, (names, fn, seconds) in GESTURES.items():
            write_gesture(HERE / f"{name}.csv", names, fn, seconds)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name in INSTRUMENTS:
        for path in render(name, args.out, 2.0 if args.quick else None):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
