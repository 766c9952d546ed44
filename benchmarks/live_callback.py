"""Live playing: time spent in the audio callback against the block budget, for every example
patch at block sizes 64 and 256, and the hot-reload swap.

Each patch plays for ``--seconds`` through JACK's dummy driver (started here under a name of
its own, real-time paced, as in the tests) or ``--audio null``. The callback time is what
``LiveEngine.render`` takes per block (apply queued changes, run the kernel, copy out); the
first half second is left out (warm-up). The budget is one block of audio (1.33 ms at 64
frames, 5.33 ms at 256, 48 kHz). Hot reload: ``--reloads`` structural edits of the dual neuron
while it plays; for each, the time from save to swap, the time to load the kernel the child
compiled and swap it in, and the callback time of the block where it was swapped.

    python benchmarks/live_callback.py [--seconds 4] [--audio jack|null] [--reloads 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = (64, 256)


def start_jack():
    name = f"nm-bench-{os.getpid()}"
    os.environ.update({"JACK_DEFAULT_SERVER": name, "JACK_NO_START_SERVER": "1",
                       "JACK_NO_AUDIO_RESERVATION": "1"})
    proc = subprocess.Popen(["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", "48000",
                             "-p", "256"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["jack_wait", "-w", "-t", "10"], capture_output=True, timeout=20)
    for tid in os.listdir(f"/proc/{proc.pid}/task"):  # as the tests do (tests/live/conftest.py)
        try:
            os.setpriority(os.PRIO_PROCESS, int(tid), -15)
        except OSError:
            break
    return proc


def patches() -> list[Path]:
    from neuromix.commands.demo import is_patch

    return sorted(p for p in (ROOT / "examples").glob("*.yaml") if is_patch(p))


def callback_row(path: Path, block: int, seconds: float, audio: str) -> dict:
    from neuromix.live import play

    with play(path, audio=audio, blocksize=block) as player:
        player.wait(seconds)
        skip = int(0.5 * player.engine.compiled.sr / block)
        times = player.engine.timings()[skip:]
        under = player.status()["underruns"]
        late = sum(1 for b in player.engine.underrun_at if b >= skip)
    budget = block / player.engine.compiled.sr
    return {"patch": path.stem, "block": block, "budget": budget, "median": np.median(times),
            "p99": np.percentile(times, 99), "max": times.max(), "underruns": under,
            "late": late}


def reload_rows(reloads: int, audio: str) -> list[dict]:
    from neuromix.live import Player
    from neuromix.live.reload import Watcher

    folder = Path(tempfile.mkdtemp())
    path = folder / "dual.yaml"
    base = (ROOT / "examples" / "dual_neuron.yaml").read_text()
    path.write_text(base)
    player = Player(path, audio=audio, blocksize=256, say=lambda m: None)
    watch = Watcher(player, path, say=lambda m: None)
    player.controls.append(watch)
    rows = []
    with player:
        player.wait(1.0)
        for k in range(reloads):
            extra = f"  x{k}: {{type: sine, freq: {220 + 20 * k}}}\n"
            text = base.replace("out: mix", f"{extra}out: mix").replace(
                "inputs: {a: 0.5, b: 0.5}", f"inputs: {{a: 0.5, b: 0.5, x{k}: 0.1}}")
            before = player.status()["underruns"]
            count = len(watch.events)
            path.write_text(text)
            while len(watch.events) == count:
                player.wait(0.02)
            ev = watch.events[-1]
            player.wait(0.5)
            t = player.engine.timings()
            at = ev["block"] - (player.engine.block - len(t))
            rows.append({"seconds": ev["seconds"], "swap": ev["swap_seconds"],
                         "callback": t[at] if 0 <= at < len(t) else float("nan"),
                         "underruns": player.status()["underruns"] - before})
    shutil.rmtree(folder)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--audio", choices=("jack", "null"),
                        default="jack" if shutil.which("jackd") else "null")
    parser.add_argument("--reloads", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("NEUROMIX_CACHE", str(Path(tempfile.gettempdir()) / "nmcache-bench"))
    jack = start_jack() if args.audio == "jack" else None
    try:
        print(f"callback time per block, {args.audio} audio, {args.seconds:g} s each "
              f"(ms; budget = one block of audio)")
        print(f"{'patch':<22} {'block':>5} {'budget':>7} {'median':>7} {'p99':>7} {'max':>7} "
              f"{'max/budget':>10} {'underruns (after 0.5 s)':>24}")
        for path in patches():
            for block in BLOCKS:
                r = callback_row(path, block, args.seconds, args.audio)
                print(f"{r['patch']:<22} {block:>5} {r['budget'] * 1e3:7.2f} "
                      f"{r['median'] * 1e3:7.3f} {r['p99'] * 1e3:7.3f} {r['max'] * 1e3:7.3f} "
                      f"{r['max'] / r['budget']:9.0%} {r['underruns']:>14} ({r['late']})", flush=True)
        if args.reloads:
            print("\nhot reload (structural edits of dual_neuron, blocks of 256):")
            rows = reload_rows(args.reloads, args.audio)
            for k, r in enumerate(rows):
                print(f"  edit {k + 1}: saved -> swapped {r['seconds']:.3f} s (load + swap "
                      f"{r['swap'] * 1e3:.1f} ms), callback of the swap block "
                      f"{r['callback'] * 1e3:.3f} ms of 5.33 ms, underruns {r['underruns']}")
            worst = max(rows, key=lambda r: r["callback"])
            print(f"  longest: swap-block callback {worst['callback'] * 1e3:.3f} ms, "
                  f"longest save-to-swap {max(r['seconds'] for r in rows):.3f} s")
    finally:
        if jack is not None:
            import sounddevice

            sounddevice._terminate()  # PortAudio lets go of the server before it stops
            jack.terminate()
            jack.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
