"""Speed of the ``network`` node at N = 8, 32, 128 and 512 neurons, float64 and float32.

A dense recurrent tanh network (spectral radius 0.9, one sine input, one readout), every
recurrent connection one sample late. For each size and precision it prints, in one run:

- × real time of the network node (CompiledPatch.process in blocks of 4096, best of rounds);
- × real time of a plain numba loop of the same math (nested loops over a weight matrix,
  ``math.tanh``, in the same precision), the shape the issue measured;
- × real time of the C++ Eigen/RTNeural-style anchor, if ``benchmarks/anchors`` provides
  ``eigen_speed(n, dtype)`` (skipped otherwise);
- the cold compile time: a child process with an empty NEUROMIX_CACHE that loads the patch
  (a YAML file, its weights in an .npz beside it), compiles it and runs 16 frames (the node's
  library step is compiled once per install and cached by numba, as it would be for a user).

Before timing, the network's render is checked against the plain loop (1e-5: the node's
rational tanh differs from ``math.tanh`` by 2e-8 per step).

Run from the repository root: ``python benchmarks/bench_network.py`` (``--quick``: N = 8 and
32, short renders; ``--sizes 128`` for one size).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path[:0] = [str(HERE), str(SRC)]

import neuromix as nm  # noqa: E402
from neuromix.engine.render import render  # noqa: E402
from neuromix.nodes.network import FASTMATH  # noqa: E402

SR = 48000
FREQ = 110.0


def weights(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """A dense random net at spectral radius 0.9, one input, biases in ±0.2."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((n, n))
    w *= 0.9 / np.max(np.abs(np.linalg.eigvals(w)))
    return {"w": w, "in": rng.standard_normal((n, 1)), "bias": rng.uniform(-0.2, 0.2, n),
            "readout": rng.standard_normal((1, n)) / math.sqrt(n)}


def build(n: int, dtype: str, folder: Path) -> nm.Patch:
    """The net as a user keeps it: a patch file, its weights in an .npz beside it."""
    np.savez(folder / f"net{n}.npz", **weights(n))
    path = folder / f"net{n}_{dtype}.yaml"
    path.write_text(f"neuromix: 1\nsr: {SR}\nnodes:\n  s: {{type: sine, freq: {FREQ}}}\n"
                    f"  net: {{type: network, dtype: {dtype}, weights: net{n}.npz, "
                    f"inputs: [s]}}\nout: net\n")
    return nm.load(path)


@numba.njit(cache=True, nogil=True, fastmath=FASTMATH, error_model="numpy")
def plain_loop(frames, w, win, bias, readout, x):
    """The same net as nested loops over the weight matrix (x: the state, in the net's dtype)."""
    n = len(bias)
    out = np.empty(frames)
    u = np.empty_like(x)
    phase = 0.0
    for t in range(frames):
        drive = math.sin(6.283185307179586 * phase)
        phase += FREQ / SR
        phase -= math.floor(phase)
        for i in range(n):
            acc = bias[i] + win[i] * drive
            for j in range(n):
                acc += w[i, j] * x[j]
            u[i] = acc
        y = 0.0
        for i in range(n):
            x[i] = math.tanh(u[i])
            y += readout[i] * x[i]
        out[t] = y
    return out


def plain(n: int, dtype: str, frames: int) -> np.ndarray:
    a = weights(n)
    dt = np.dtype(dtype)
    return plain_loop(frames, a["w"].astype(dt), a["in"][:, 0].astype(dt), a["bias"].astype(dt),
                      a["readout"][0].astype(dt), np.zeros(n, dt))


def best_speed(fn, frames: int, rounds: int) -> float:
    """× real time of ``fn()`` rendering ``frames``: the best of ``rounds`` (shared machine)."""
    fn()
    best = math.inf
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return frames / SR / best


def cold_compile(n: int, dtype: str, folder: Path) -> float:
    """Seconds for a child with an empty kernel cache to load, compile and run 16 frames."""
    code = ("import sys; sys.path[:0] = [%r]\n"
            "import time; t = time.perf_counter()\n"
            "import neuromix as nm\n"
            "nm.load(%r).compile().process(16)\n"
            "print(time.perf_counter() - t)") % (str(SRC), str(folder / f"net{n}_{dtype}.yaml"))
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NEUROMIX_CACHE": cache}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True)
    return float(done.stdout.split()[-1])


def anchor():
    """``eigen_speed(n, dtype)`` from benchmarks/anchors, or None when it is not there."""
    try:
        from anchors import eigen_speed
    except ImportError:
        return None
    return eigen_speed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 32, 128, 512])
    parser.add_argument("--seconds", type=float, default=None,
                        help="audio rendered per timing (default: about 2e9 multiply-adds)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="N = 8 and 32, short renders")
    args = parser.parse_args(argv)
    sizes = [8, 32] if args.quick else args.sizes
    eigen = anchor()
    print(f"network node vs a plain numba loop{' and the C++ Eigen anchor' if eigen else ''} "
          f"(× real time at {SR} Hz, best of {args.rounds}; cold = compile in a fresh process)")
    if eigen is None:
        print("(benchmarks/anchors.eigen_speed not available: no C++ anchor in this run)")
    print(f"{'N':>5} {'dtype':>8} {'network':>9} {'plain':>9} {'ratio':>6} {'C++':>9} "
          f"{'vs C++':>7} {'cold s':>7}")
    with tempfile.TemporaryDirectory() as folder:
        run(sizes, args, eigen, Path(folder))
    return 0


def run(sizes, args, eigen, folder: Path) -> None:
    for n in sizes:
        for dtype in ("float64", "float32"):
            seconds = args.seconds or (0.2 if args.quick else min(10.0, 2e9 / (n * n) / SR))
            frames = int(seconds * SR)
            compiled = build(n, dtype, folder).compile()
            check = min(frames, 4800)
            gap = np.abs(render(compiled, frames=check)[:, 0] - plain(n, dtype, check)).max()
            if not gap < (1e-5 if dtype == "float64" else 1e-3):
                raise SystemExit(f"N={n} {dtype}: the network and the plain loop differ by {gap}")

            def node():
                compiled.reset()
                render(compiled, frames=frames)

            mine = best_speed(node, frames, args.rounds)
            theirs = best_speed(lambda: plain(n, dtype, frames), frames, args.rounds)
            cpp = eigen(n, {"float64": "double", "float32": "float"}[dtype]) if eigen else None
            cold = cold_compile(n, dtype, folder)
            cpp_text = f"{cpp:8.1f}x {mine / cpp:6.2f}" if cpp else f"{'-':>9} {'-':>7}"
            print(f"{n:>5} {dtype:>8} {mine:8.1f}x {theirs:8.1f}x {mine / theirs:6.2f} "
                  f"{cpp_text} {cold:7.2f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
