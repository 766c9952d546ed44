"""Speed of every example patch: × real time of a compiled render, against the 100× floor.

Each ``examples/*.yaml`` patch file is loaded, compiled (the kernel is loaded before timing),
and rendered for ``--seconds`` in blocks of 4096, several rounds; the median round counts
(the machines are shared and noisy). CPU time is printed beside wall time because it is the
steadier of the two when another process shares the core.

    python benchmarks/bench_examples.py             # 20 s per patch, 5 rounds
    python benchmarks/bench_examples.py --seconds 2 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from neuromix.commands.demo import is_patch  # noqa: E402
from neuromix.engine.compiled import CompiledPatch  # noqa: E402
from neuromix.engine.feed import patch_feed  # noqa: E402
from neuromix.engine.render import render  # noqa: E402
from neuromix.graph.patchfile import load_graph  # noqa: E402

FLOOR = 100.0  # every example must render at least this many times faster than real time


def speed(path: Path, seconds: float, rounds: int) -> tuple[float, float]:
    """(× real time by wall clock, × real time by CPU time), medians over ``rounds``."""
    graph = load_graph(path)
    compiled = CompiledPatch(graph)
    compiled.process(0)  # load or compile the kernel outside the timing
    wall, cpu = [], []
    for _ in range(rounds):
        feed = patch_feed(graph, loop=True) if compiled.inputs else None  # its input: file
        t0, c0 = time.perf_counter(), time.process_time()
        render(compiled, seconds=seconds, input=feed)
        if feed is not None:
            feed.close()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return seconds / statistics.median(wall), seconds / statistics.median(cpu)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="render length per round")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (median)")
    args = parser.parse_args(argv)
    patches = [p for p in sorted((ROOT / "examples").glob("*.yaml")) if is_patch(p)]
    print(f"example patches, {args.seconds:g} s renders, median of {args.rounds} rounds")
    print(f"{'patch':<30}{'× real time':>12}{'(cpu)':>9}   floor {FLOOR:.0f}×")
    slow = []
    for path in patches:
        wall, cpu = speed(path, args.seconds, args.rounds)
        ok = "ok" if max(wall, cpu) >= FLOOR else "SLOW"
        if ok == "SLOW":
            slow.append(path.stem)
        print(f"{path.stem:<30}{wall:>11.0f}×{cpu:>8.0f}×   {ok}", flush=True)
    if slow:
        print(f"below {FLOOR:.0f}× real time: {', '.join(slow)}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
