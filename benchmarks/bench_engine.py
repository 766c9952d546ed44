"""Speed of the neuromix engine against the practical limit of scalar code, and its start-up.

For each of the three reference patches (``reference_loops.py``) it renders 60 s at 48 kHz and
prints × real time (median of several rounds; the machines are shared and noisy) for neuromix
(CompiledPatch.process in blocks of 4096, fast mode), the hand-written fused numba loop of the
same patch (libm's sin and tanh), Faust's ``-double`` build of it (``anchors/``, g++ -O3, where
``faust`` and ``g++`` are installed; timed in the same rounds) and the same hand loop run by
plain CPython (timed on a shorter render and scaled). It first proves each hand loop and each
Faust build is the same patch: neuromix's exact mode (libm, no fastmath), the hand loop without
fastmath and Faust agree bit for bit over the whole render.

Then the same patches through the command line, as a user renders them: ``neuromix render P
--seconds 300`` minus ``--seconds 1`` (best of 3 each: the file written included, loading the
patch and kernel cancels; timed around the command inside its process, as the interpreter's
start-up varies by seconds on a busy machine), against the Faust binary's 300 s.

Then whole-process timings of ``python -m neuromix render PATCH -o x.wav --seconds 1``: cold
(fresh process, empty NEUROMIX_CACHE, compile included), warm (second process, cache used) and
the floor (a bare python process that imports numba and loads one cached kernel). Last, the
peak memory (ru_maxrss) of a one-hour render streamed to a file against a ten-second one.

Run from the repository root: ``python benchmarks/bench_engine.py`` (``--quick`` for a short
run, ``--help`` for the options).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path[:0] = [str(HERE), str(SRC)]

from anchors import faust_binary, faust_render  # noqa: E402
from reference_loops import (  # noqa: E402
    REFERENCES, SEED, SR, build_dual, fused, fused_loop, neuromix_render, python_loop,
    strict_neuromix)
from neuromix.compiler.codegen import generate  # noqa: E402
from neuromix.graph.plan import plan_graph  # noqa: E402
from neuromix.nodes.noise import seed_for  # noqa: E402

NOISE_SEED = seed_for(SEED, "z")  # the one noise node of the reference patches (P1)

FLOOR_SCRIPT = """
import importlib.util, sys, time
import numpy as np
import numba
path, params, state, buf, channels, nodes = sys.argv[1], *map(int, sys.argv[2:])
name = path.rsplit("/", 1)[-1][:-3]
spec = importlib.util.spec_from_file_location(name, path)
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
spec.loader.exec_module(module)
values = np.zeros((1, params))  # target and current parameter values, no glide (decay 0)
module.process(64, values, values.copy(), 0.0, np.zeros((1, state)), np.zeros((1, max(buf, 1))),
               np.empty((1, 64, channels)), np.zeros((1, nodes, 2)), np.zeros(1, dtype=np.int64),
               np.zeros(1), np.zeros((0, 1)))  # guard flags, index and float tables, no sound in
"""

CLI_SCRIPT = """
import sys, time
from neuromix.cli import main
t0 = time.perf_counter()
code = main(sys.argv[1:])
print(time.perf_counter() - t0)
sys.exit(code)
"""

MAXRSS_SCRIPT = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def timed(fn, *args) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one call; CPU time ignores neighbours on a shared machine."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - t0, time.process_time() - c0


def speed(frames: int, rounds: int, python_frames: int) -> list[dict]:
    """× real time of neuromix, the fused hand loop and plain Python, per reference patch."""
    seconds = frames / SR
    rows = []
    for ref in REFERENCES.values():
        patch = ref.build()
        # the same patch: bit-identical with IEEE-exact arithmetic on both sides
        strict = strict_neuromix(patch)
        strict_diff = float(np.max(np.abs(neuromix_render(strict, frames)
                                          - fused_loop(ref, frames, strict=True))))
        compiled = patch.compile()
        mine = neuromix_render(compiled, frames)
        hand = fused_loop(ref, frames)
        fast_diff = float(np.max(np.abs(mine - hand)))
        py = python_loop(ref, python_frames)
        py_diff = float(np.max(np.abs(neuromix_render(strict, python_frames) - py)))
        fused(ref)  # compiled above; rounds below time the render only
        faust_diff = None
        with tempfile.TemporaryDirectory() as tmp:
            dump = Path(tmp) / "faust.raw"
            if faust_render(ref.name, NOISE_SEED, frames, dump) is not None:
                faust_diff = float(np.max(np.abs(np.fromfile(dump)
                                                 - neuromix_render(strict, frames))))
        t_nm, t_hand, t_faust = [], [], []
        for _ in range(rounds):  # interleaved, so that a noisy neighbour hits all alike
            t_nm.append(timed(neuromix_render, compiled, frames))
            t_hand.append(timed(fused_loop, ref, frames))
            if faust_diff is not None:
                t_faust.append(faust_render(ref.name, NOISE_SEED, frames))
        t_py = statistics.median(timed(python_loop, ref, python_frames)[0] for _ in range(3))
        wall_nm, cpu_nm = (statistics.median(t) for t in zip(*t_nm))
        wall_hand, cpu_hand = (statistics.median(t) for t in zip(*t_hand))
        walls = [t for t, _ in t_nm]
        faust = seconds / statistics.median(t_faust) if t_faust else None
        rows.append(dict(name=ref.name, title=ref.title, neuromix=seconds / wall_nm,
                         hand=seconds / wall_hand, python=(python_frames / SR) / t_py,
                         faust=faust, faust_diff=faust_diff,
                         ratio=wall_hand / wall_nm, cpu_ratio=cpu_hand / cpu_nm,
                         strict_diff=max(strict_diff, py_diff), fast_diff=fast_diff,
                         spread=(min(walls) / wall_nm, max(walls) / wall_nm)))
    return rows


def _env(cache: Path) -> dict:
    env = dict(os.environ, NEUROMIX_CACHE=str(cache))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return env


def _run_seconds(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def bare_kernel(compiled, frames: int, block: int = 4096) -> None:
    """The kernel alone, in blocks as the command renders them, nothing kept or written."""
    compiled.reset()
    for start in range(0, frames, block):
        compiled.process(min(block, frames - start))


def through_the_cli(work: Path, seconds: float, rounds: int) -> list[dict]:
    """× real time of the ``neuromix render`` command (a file written), of the bare kernel in
    this process over the same span, and of the Faust binary: the best ``seconds`` render
    minus the best one-second one (loading the patch and the kernel cancel), of ``rounds``
    each, interleaved (the kernel's rounds too, so that cli/kernel compares one run). The command's time is taken inside its process,
    around ``neuromix.cli.main``: the interpreter's start-up (imports, ~1 s) varies by seconds
    on a busy machine and would swamp a one-second difference; Faust's is its compute()."""
    env = _env(work / "cache-cli")
    rows = []
    for ref in REFERENCES.values():
        patch_file = work / f"{ref.name}.yaml"
        ref.build().save(patch_file)

        def render(length: float) -> float:
            args = ["render", str(patch_file), "-o", str(work / "cli.wav"), "--seconds",
                    str(length), "--no-progress"]
            out = subprocess.run([sys.executable, "-c", CLI_SCRIPT, *args], env=env, check=True,
                                 capture_output=True, text=True).stdout
            return float(out.split()[-1])

        render(1)  # compile once: the timed runs load the cache
        exe = faust_binary(ref.name, NOISE_SEED)
        compiled = ref.build().compile()
        span_frames = int(round((seconds - 1.0) * SR))
        times: dict[str, list[float]] = {"nm": [], "nm1": [], "kernel": [], "faust": []}
        for _ in range(rounds):
            times["nm"].append(render(seconds))
            times["nm1"].append(render(1))
            times["kernel"].append(timed(bare_kernel, compiled, span_frames)[0])
            if exe:
                times["faust"].append(faust_render(ref.name, NOISE_SEED, int(seconds * SR)))
        span = seconds - 1.0
        rows.append(dict(name=ref.name, neuromix=span / (min(times["nm"]) - min(times["nm1"])),
                         kernel=span / min(times["kernel"]),
                         faust=seconds / min(times["faust"]) if exe else None))
    return rows


def start_up(rounds: int, work: Path) -> dict:
    """Whole-process seconds: cold and warm ``neuromix render`` of a small patch, and the floor."""
    patch_file = work / "dual.yaml"
    build_dual().save(patch_file)
    render = [sys.executable, "-m", "neuromix", "render", str(patch_file), "-o",
              str(work / "x.wav"), "--seconds", "1"]
    cold, warm, floor = [], [], []
    for r in range(rounds):
        cache = work / f"cache{r}"  # empty: nothing compiled yet
        cold.append(_run_seconds(render, _env(cache)))
        warm.append(_run_seconds(render, _env(cache)))
        (kernel,) = (cache / "kernels").glob("nm_kernel_*.py")
        kernel_info = generate(plan_graph(build_dual().graph))
        layout = kernel_info.layout
        sizes = [len(layout.params), len(layout.state), layout.buffer_size, layout.channels,
                 len(kernel_info.guarded)]
        floor.append(_run_seconds([sys.executable, "-c", FLOOR_SCRIPT, str(kernel),
                                   *map(str, sizes)], _env(cache)))
    return dict(cold=statistics.median(cold), warm=statistics.median(warm),
                floor=statistics.median(floor))


def peak_memory(work: Path, long_seconds: float) -> dict:
    """ru_maxrss (MB) of ``neuromix render`` streaming ``long_seconds`` vs ten seconds."""
    patch_file = work / "dual.yaml"
    build_dual().save(patch_file)
    env = _env(work / "cache-mem")
    subprocess.run([sys.executable, "-m", "neuromix", "render", str(patch_file), "-o",
                    str(work / "warm.wav"), "--seconds", "1"], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # compile first: both measured runs load the cache
    result = {}
    for label, seconds in (("short", 10.0), ("long", long_seconds)):
        out = work / f"{label}.wav"
        cmd = [sys.executable, "-m", "neuromix", "render", str(patch_file), "-o", str(out),
               "--seconds", str(seconds)]
        t0 = time.perf_counter()
        text = subprocess.run([sys.executable, "-c", MAXRSS_SCRIPT, *cmd], env=env, check=True,
                              capture_output=True, text=True).stdout
        result[label] = (seconds, int(text.split()[-1]) / 1024, time.perf_counter() - t0)
        out.unlink()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="render length (default 60)")
    parser.add_argument("--rounds", type=int, default=9, help="timing rounds (median; default 9)")
    parser.add_argument("--python-seconds", type=float, default=1.0,
                        help="render length for the plain-Python loop (default 1)")
    parser.add_argument("--start-rounds", type=int, default=5,
                        help="rounds of the start-up timings (default 5)")
    parser.add_argument("--memory-seconds", type=float, default=3600.0,
                        help="length of the long render in the memory test (default 3600)")
    parser.add_argument("--cli-seconds", type=float, default=300.0,
                        help="length of the long command-line render (default 300)")
    parser.add_argument("--cli-rounds", type=int, default=3,
                        help="rounds of the command-line timings (best; default 3)")
    parser.add_argument("--quick", action="store_true", help="a short run (a few seconds)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.rounds, args.python_seconds = 2.0, 3, 0.1
        args.start_rounds, args.memory_seconds = 1, 60.0
        args.cli_seconds, args.cli_rounds = 20.0, 1
    frames = int(round(args.seconds * SR))

    print(f"render {args.seconds:g} s at {SR:g} Hz, × real time, median of {args.rounds} rounds "
          f"(plain Python: {args.python_seconds:g} s, scaled)")
    head = (f"{'patch':<7}{'neuromix':>10}{'hand':>9}{'faust':>8}{'python':>8}{'nm/hand':>9}"
            f"{'(cpu)':>7}{'nm/faust':>9}{'exact diff':>12}{'faust diff':>12}{'fast diff':>11}"
            f"  spread     what")
    print(head)
    for r in speed(frames, args.rounds, int(round(args.python_seconds * SR))):
        faust = f"{r['faust']:>7.0f}×" if r["faust"] else f"{'-':>8}"
        vs_faust = f"{r['neuromix'] / r['faust']:>9.2f}" if r["faust"] else f"{'-':>9}"
        faust_diff = f"{r['faust_diff']:>12.1e}" if r["faust_diff"] is not None else f"{'-':>12}"
        print(f"{r['name']:<7}{r['neuromix']:>9.0f}×{r['hand']:>8.0f}×{faust}{r['python']:>7.1f}×"
              f"{r['ratio']:>9.3f}{r['cpu_ratio']:>7.3f}{vs_faust}{r['strict_diff']:>12.1e}"
              f"{faust_diff}{r['fast_diff']:>11.1e}"
              f"  {r['spread'][0]:.2f}-{r['spread'][1]:.2f}  {r['title']}")
    print("neuromix in its default fast mode (approximated sin and tanh); hand: the fused numba\n"
          "loop with libm; faust: Faust -double, g++ -O3 (- where faust or g++ is missing).\n"
          "nm/hand: speed ratio from wall-clock medians, (cpu) from CPU-time medians (steadier\n"
          "on a shared machine); exact diff: neuromix's exact mode vs the hand loop without\n"
          "fastmath, faust diff: vs Faust (0 = the same patch, sample for sample); fast diff:\n"
          "the fast mode vs the hand loop (the approximations, grown by feedback where a patch\n"
          "is chaotic); spread: fastest and slowest neuromix round / median")

    with tempfile.TemporaryDirectory(prefix="nm-bench-") as tmp:
        work = Path(tmp)
        print(f"\nthrough the command line: `neuromix render P --seconds {args.cli_seconds:g}` "
              f"minus `--seconds 1`, best of {args.cli_rounds}, × real time")
        print(f"{'patch':<7}{'cli':>8}{'kernel':>9}{'cli/kernel':>12}{'faust':>8}{'cli/faust':>11}")
        for r in through_the_cli(work, args.cli_seconds, args.cli_rounds):
            faust = f"{r['faust']:>7.0f}×" if r["faust"] else f"{'-':>8}"
            vs = f"{r['neuromix'] / r['faust']:>11.2f}" if r["faust"] else f"{'-':>11}"
            print(f"{r['name']:<7}{r['neuromix']:>7.0f}×{r['kernel']:>8.0f}×"
                  f"{r['neuromix'] / r['kernel']:>12.2f}{faust}{vs}")
        print("cli/kernel: the whole render to a file against the bare kernel in this process,\n"
              "in blocks of 4096, over the same span, rounds interleaved (target >= 0.9);\ncli/faust: against Faust's compute() over the long render "
              "(targets: P1 and P2 >= 1.5)")
        s = start_up(args.start_rounds, work)
        print(f"\nstart-up, whole processes, median of {args.start_rounds}: "
              f"`python -m neuromix render dual.yaml --seconds 1`")
        print(f"  cold (empty cache, compile included) {s['cold']:.2f} s   (target < 2 s)")
        print(f"  warm (cache used)                    {s['warm']:.2f} s   (target < 0.8 s)")
        print(f"  floor (python + numba + one cached kernel) {s['floor']:.2f} s")
        m = peak_memory(work, args.memory_seconds)
        (s_short, mb_short, _), (s_long, mb_long, t_long) = m["short"], m["long"]
        print("\npeak memory (ru_maxrss) of `neuromix render` streamed to a file:")
        print(f"  {s_short:g} s: {mb_short:.1f} MB   {s_long:g} s: {mb_long:.1f} MB "
              f"(took {t_long:.1f} s)   difference {mb_long - mb_short:+.1f} MB (target <= 50)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
