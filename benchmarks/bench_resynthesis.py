"""Reservoir resynthesis of real instrument tones: MFCC NRMSE of a 10 s free run, per tone.

For each tone in ``tests/learn/sounds`` (sampled instruments from a General MIDI soundfont and
an espeak-ng vowel, 22.05 kHz), ``learn reservoir``'s training (its defaults, or the settings
given here) learns the first second, then the chosen network runs free for 10 s from where
teacher forcing ended. Printed per tone: the MFCC NRMSE against the tone's continuation (the
recording after the first second, looped to 10 s: the recordings are 3-4 s long), whether the
run is stable (finite, peak below 2x the target's, every second's RMS within -10..+6 dB of the
continuation's), for plucked and struck tones the largest RMS-envelope difference over the
first 2 s (0.1 s frames), the settings chosen and the training time (wall clock, and CPU
time summed over threads: the machine may be shared); then the median over the sustained
tones.

Run from the repository root: ``python benchmarks/bench_resynthesis.py`` (``--tones flute
violin`` for some, ``--neurons 100`` and the like to override the defaults).
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from neuromix.learn.losses import continuation, envelope_db, mfcc_nrmse  # noqa: E402
from neuromix.learn.reservoir import train  # noqa: E402

SOUNDS = HERE.parent / "tests" / "learn" / "sounds"
DECAYING = ("guitar", "piano")
FREE_SECONDS = 10.0


def stable(out: np.ndarray, reference: np.ndarray, sr: float) -> bool:
    """Finite, bounded, and neither blown up nor faded: every second's RMS near the target's."""
    if not np.isfinite(out).all() or np.abs(out).max() > 2 * np.abs(reference).max():
        return False
    level = envelope_db(reference, sr, 1.0).mean()
    return bool(np.all(np.abs(envelope_db(out, sr, 1.0) - level + 2) <= 8))


def measure(name: str, settings: dict) -> dict:
    target, sr = sf.read(SOUNDS / f"{name}.flac")
    start, cpu = time.perf_counter(), time.process_time()
    res = train(target, sr, progress=False, **settings)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    train_n = int(round(res.report["train_seconds"] * sr))
    frames = int(FREE_SECONDS * sr)
    out = res.run(frames)
    reference = continuation(target, train_n, frames)
    row = {"tone": name, "nrmse": mfcc_nrmse(out, reference, sr), "seconds": seconds,
           "cpu": cpu, "settings": res.settings}
    if name in DECAYING:
        two = int(2 * sr)
        row["envelope_db"] = float(np.max(np.abs(envelope_db(out[:two], sr)
                                                 - envelope_db(target[train_n:train_n + two], sr))))
        row["stable"] = bool(np.isfinite(out).all() and np.abs(out).max() < 2)
    else:
        row["stable"] = stable(out, reference, sr)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tones", nargs="*", help="tone names (default: every file)")
    for name, p in inspect.signature(train).parameters.items():
        if p.kind == p.KEYWORD_ONLY and isinstance(p.default, (int, float)) and name != "progress":
            parser.add_argument(f"--{name.replace('_', '-')}", type=type(p.default))
    args = parser.parse_args()
    settings = {k: v for k, v in vars(args).items() if k != "tones" and v is not None}
    names = args.tones or sorted(p.stem for p in SOUNDS.glob("*.flac"))
    rows = []
    for name in names:
        row = measure(name, settings)
        rows.append(row)
        extra = f", envelope within {row['envelope_db']:.1f} dB" if "envelope_db" in row else ""
        chosen = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                           for k, v in row["settings"].items())
        print(f"{name:9s} MFCC NRMSE {row['nrmse']:.3f}  {'stable' if row['stable'] else 'UNSTABLE'}"
              f"{extra}  trained in {row['seconds']:.1f} s ({row['cpu']:.1f} s of CPU)  ({chosen})",
              flush=True)
    sustained = [r["nrmse"] for r in rows if r["tone"] not in DECAYING]
    if sustained:
        print(f"median MFCC NRMSE over {len(sustained)} sustained tones: "
              f"{np.median(sustained):.3f}")


if __name__ == "__main__":
    main()
