"""Render every example instrument offline: its shipped gesture replayed to a MIDI file (and a
WAV where the instrument plays a synth voice), exactly as a real-time run would play it.

    python examples/instruments.py --out out/instruments          # full gestures
    python examples/instruments.py --out out/instruments --quick  # the first 2 seconds
    python examples/instruments.py --write-data    # regenerate the shipped gestures, examples
                                                   # and taught models

The gestures and the examples are made by formulas (no randomness), so regenerating them gives
the same files. ``taught_mouse`` is taught the way a player would: the instrument replays its
gesture, records (inputs -> desired outputs) while the mouse holds each of six poses, and
trains on those examples.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent / "instruments"
RATE = 200
INSTRUMENTS = ["mouse_to_midi", "mouse_to_midi_linear", "joystick_dual_neuron",
               "wekinator_compatible", "taught_mouse"]
# taught_mouse: six mouse poses and the synth parameters (bright, shape, detune, level) each
# should give; each pose is reached in MOVE seconds, then held for HOLD seconds
POSES = [((0.15, 0.2), [0.1, 0.0, 0.0, 0.5]), ((0.85, 0.2), [0.9, 0.0, 0.2, 0.6]),
         ((0.5, 0.5), [0.5, 0.5, 0.5, 0.4]), ((0.15, 0.85), [0.2, 1.0, 0.9, 0.3]),
         ((0.85, 0.85), [1.0, 1.0, 0.0, 0.6]), ((0.5, 0.1), [0.3, 0.3, 1.0, 0.2])]
MOVE, HOLD = 0.5, 1.0
TEACHING = len(POSES) * (MOVE + HOLD)  # seconds of posing before the free wander


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


def _taught_mouse(t):
    """Six poses (moved to, then held with a slight tremor), then a free wander."""
    if t < TEACHING:
        i, into = int(t // (MOVE + HOLD)), t % (MOVE + HOLD)
        start = POSES[i - 1][0] if i else (0.5, 0.5)
        end = POSES[i][0]
        k = 0.5 - 0.5 * math.cos(math.pi * min(into / MOVE, 1.0))
        tremor = 0.006 * math.sin(2 * math.pi * 1.3 * t)
        x, y = (a + (b - a) * k + tremor for a, b in zip(start, end))
    else:
        u = t - TEACHING
        x = 0.5 + 0.4 * math.sin(2 * math.pi * 0.17 * u)
        y = 0.5 - 0.4 * math.cos(2 * math.pi * 0.23 * u)
    return [round(x * 559) / 559, round(y * 559) / 559]


def _wekinator_target(in1, in2):
    """What the Wekinator example is taught: a smooth bump over the two inputs."""
    return 0.5 + 0.45 * math.sin(math.pi * in1) * (2 * in2 - 1)


GESTURES = {"mouse_to_midi": (["x", "y"], _mouse, 8.0),
            "joystick_dual_neuron": (["jx", "jy", "jz"], _joystick, 8.0),
            "wekinator_compatible": (["in1", "in2"], _wekinator, 6.0),
            "taught_mouse": (["x", "y"], _taught_mouse, TEACHING + 8.0)}


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


def teach_taught_mouse() -> None:
    """Record the six held poses of the gesture with their parameters, then train."""
    from neuromix.instrument.file import load
    from neuromix.instrument.loop import Instrument

    spec = load(HERE / "taught_mouse.yaml")
    spec.learn.examples.unlink(missing_ok=True)
    with Instrument(spec, offline=True) as inst:
        teacher = inst.teacher
        for i, (_, target) in enumerate(POSES):
            hold = i * (MOVE + HOLD) + MOVE
            inst.run(ticks=int(round((hold + 0.1) * RATE)))
            teacher.post("outputs", *target)
            teacher.post("startRecording")
            inst.run(ticks=int(round((hold + HOLD - 0.1) * RATE)))
            teacher.post("stopRecording")
        teacher.post("train")
        inst.step()
        teacher.training.join()
        inst.step()  # the trained model is used, and saved beside the instrument


def teach_wekinator() -> None:
    """Examples on a 6 x 6 grid of the two inputs, and the model trained on them."""
    import numpy as np

    from neuromix.instrument.file import load
    from neuromix.instrument.mlp import fit
    from neuromix.instrument.teach import write_examples

    spec = load(HERE / "wekinator_compatible.yaml")
    grid = [(a / 5, b / 5) for a in range(6) for b in range(6)]
    x = np.array(grid)
    y = np.array([[_wekinator_target(a, b)] for a, b in grid])
    write_examples(spec.learn.examples, spec.learn.inputs, list(spec.learn.outputs), x, y)
    fit(x, y, spec.learn.inputs, list(spec.learn.outputs), spec.learn.settings).save(
        spec.learn.model)


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
    parser.add_argument("--write-data", action="store_true",
                        help="regenerate the gestures, examples and models shipped beside the "
                             "instruments")
    args = parser.parse_args(argv)
    if args.write_data:
        for name, (names, fn, seconds) in GESTURES.items():
            write_gesture(HERE / f"{name}.csv", names, fn, seconds)
        teach_taught_mouse()
        teach_wekinator()
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name in INSTRUMENTS:
        for path in render(name, args.out, 2.0 if args.quick else None):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
