"""Compile time and speed of neuron networks as they grow.

For dense recurrent nets of 8, 32, 128 and 512 plain ``neuron`` nodes (tanh, every neuron
hears every neuron: earlier ones at once, itself and later ones a sample late), a sparse net of
1,000 neurons (4 inputs each) and a chain of 10,000 neurons, it prints:

- the cold compile: a child process with an empty kernel cache builds the patch, compiles it
  and renders one block (CPU seconds of the child, so a busy neighbour does not count, and its
  wall time and peak memory);
- × real time of the compiled patch and of a plain numba loop with the same in-place semantics
  (``x[i] = tanh(b[i] + Σ W[i, j] x[j])`` in declaration order), in the same process;
- the C++ anchor (Eigen, float64 and float32) where :func:`eigen_anchor` finds one, else ``-``.

``--plot FILE`` draws both against N to a PNG. Run from the repository root:
``python benchmarks/bench_scale.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path[:0] = [str(SRC)]

import numba  # noqa: E402

SR = 48000


def dense(n: int, seed: int = 0):
    """n plain tanh neurons, each hearing an outside sine and every neuron; (patch, W, b, w_in)."""
    import neuromix as nm

    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, 1.0 / np.sqrt(n), (n, n))
    b = rng.uniform(-0.1, 0.1, n)
    w_in = rng.uniform(-1.0, 1.0, n)
    p = nm.Patch(sr=SR)
    s = p.sine(110.0, name="s")
    net = [p.neuron(act="tanh", bias=float(b[i]), name=f"n{i}") for i in range(n)]
    for i, h in enumerate(net):
        h.input(s, float(w_in[i]))
        for j, src in enumerate(net):
            h.input(src, float(W[i, j]))
    p.out(net[0])
    return p, W, b, w_in


def sparse(n: int, fan_in: int = 4, seed: int = 0):
    import neuromix as nm

    rng = np.random.default_rng(seed)
    p = nm.Patch(sr=SR)
    s = p.sine(110.0, name="s")
    net = [p.neuron(act="tanh", bias=float(rng.uniform(-0.1, 0.1)), name=f"n{i}") for i in range(n)]
    W = np.zeros((n, n))
    for i, h in enumerate(net):
        h.input(s, 0.5)
        for j in rng.choice(n, fan_in, replace=False):
            W[i, j] = rng.normal(0.0, 0.5)
            h.input(net[j], float(W[i, j]))
    p.out(net[0])
    return p, W, None, None


def chain(n: int):
    import neuromix as nm

    p = nm.Patch(sr=SR)
    prev = p.sine(110.0, name="s")
    for i in range(n):
        h = p.neuron(act="tanh", bias=0.0, name=f"n{i}")
        h.input(prev, 0.99)
        prev = h
    p.out(prev)
    return p, None, None, None


CASES = {f"dense {n}": (dense, n) for n in (8, 32, 128, 512)}
CASES["sparse 1000"] = (sparse, 1000)
CASES["chain 10000"] = (chain, 10000)


@numba.njit(cache=False, nogil=True)
def plain_loop(frames, W, b, w_in, x, phase, inc, out):  # pragma: no cover (jitted)
    """The same net as a plain numba loop: in-place update in declaration order."""
    n = x.shape[0]
    for t in range(frames):
        s = np.sin(6.283185307179586 * phase)
        phase += inc
        phase -= np.floor(phase)
        for i in range(n):
            u = b[i] + w_in[i] * s
            for j in range(n):
                u += W[i, j] * x[j]
            x[i] = np.tanh(u)
        out[t] = x[0]
    return phase


def cold_compile(name: str) -> dict:
    """Build, compile and run one block of case ``name`` in a child with an empty cache: CPU
    seconds of the whole child (start-up included), of building the graph, and of compiling."""
    code = ("import resource, sys, time; sys.path[:0] = [%r, %r]; import bench_scale as b; "
            "t0 = time.process_time(); f, n = b.CASES[%r]; p = f(n)[0]; t1 = time.process_time(); "
            "c = p.compile(); c.process(256); t2 = time.process_time(); "
            "r = resource.getrusage(resource.RUSAGE_SELF); "
            "print(r.ru_utime + r.ru_stime, t1 - t0, t2 - t1, r.ru_maxrss)"
            % (str(HERE), str(SRC), name))
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NEUROMIX_CACHE=cache)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True).stdout.split()
    return {"cpu": float(out[0]), "build": float(out[1]), "compile": float(out[2]),
            "mb": int(out[3]) / 1024}


def speeds(name: str, seconds: float) -> dict:
    """× real time of neuromix and of the plain loop for case ``name`` (same process)."""
    fn, n = CASES[name]
    patch, W, b, w_in = fn(n)
    frames = int(seconds * SR)
    compiled = patch.compile()
    compiled.process(256)
    t0 = time.process_time()
    for _ in range(0, frames, 4096):
        compiled.process(4096)
    nm_speed = seconds / (time.process_time() - t0)
    loop_speed = None
    if W is not None and b is not None:
        x, out = np.zeros(n), np.empty(frames)
        plain_loop(256, W, b, w_in, x, 0.0, 110.0 / SR, out)
        t0 = time.process_time()
        plain_loop(frames, W, b, w_in, np.zeros(n), 0.0, 110.0 / SR, out)
        loop_speed = seconds / (time.process_time() - t0)
    return {"neuromix": nm_speed, "loop": loop_speed}


def eigen_anchor(n: int, dtype: str = "float64") -> float | None:
    """× real time of the C++ Eigen build of a dense net of ``n`` neurons (every connection one
    sample late, as RTNeural runs it: ``benchmarks/anchors``), or None without g++ and Eigen."""
    from anchors import eigen_speed

    return eigen_speed(n, {"float64": "double", "float32": "float"}[dtype])


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dense_rows = [r for r in rows if r["name"].startswith("dense")]
    ns = [r["n"] for r in dense_rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.loglog(ns, [r["compile"] for r in dense_rows], "o-", label="dense nets")
    for r in rows:
        if not r["name"].startswith("dense"):
            a.loglog([r["n"]], [r["compile"]], "s", label=r["name"])
    a.set_xlabel("neurons N")
    a.set_ylabel("cold compile + first block (CPU s)")
    a.legend()
    b.loglog(ns, [r["neuromix"] for r in dense_rows], "o-", label="neuromix")
    b.loglog(ns, [r["loop"] for r in dense_rows], "x--", label="plain numba loop")
    for key, label in (("eigen", "C++ Eigen, double"), ("eigen32", "C++ Eigen, float")):
        if all(r.get(key) for r in dense_rows):  # one sample late: the network node's form
            b.loglog(ns, [r[key] for r in dense_rows], ":", label=label)
    b.set_xlabel("neurons N")
    b.set_ylabel("× real time")
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="render length for speed")
    parser.add_argument("--cases", nargs="*", default=list(CASES), help="which cases")
    parser.add_argument("--plot", type=Path, help="draw a PNG here")
    parser.add_argument("--json", type=Path, help="write the rows as JSON here")
    parser.add_argument("--quick", action="store_true", help="small cases, short renders")
    args = parser.parse_args(argv)
    cases = ["dense 8", "dense 32"] if args.quick else args.cases
    seconds = 0.5 if args.quick else args.seconds
    rows = []
    print(f"{'case':>12} {'cold CPU s':>10} {'build s':>7} {'compile s':>9} {'MB':>6} "
          f"{'neuromix x':>10} "
          f"{'loop x':>7} {'ratio':>6} {'eigen x':>7} {'eigen32':>7}")
    for name in cases:
        row = {"name": name, "n": CASES[name][1], **cold_compile(name), **speeds(name, seconds)}
        dense_net = name.startswith("dense")
        row["eigen"] = eigen_anchor(row["n"]) if dense_net else None
        row["eigen32"] = eigen_anchor(row["n"], "float32") if dense_net else None
        rows.append(row)
        loop = f"{row['loop']:7.1f}" if row["loop"] else f"{'-':>7}"
        ratio = f"{row['neuromix'] / row['loop']:6.2f}" if row["loop"] else f"{'-':>6}"
        eigen = " ".join(f"{row[k]:7.1f}" if row[k] else f"{'-':>7}" for k in ("eigen", "eigen32"))
        print(f"{name:>12} {row['cpu']:10.2f} {row['build']:7.2f} {row['compile']:9.2f} "
              f"{row['mb']:6.0f} "
              f"{row['neuromix']:10.1f} {loop} {ratio} {eigen}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if args.plot:
        plot(rows, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
