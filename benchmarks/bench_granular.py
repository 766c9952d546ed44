"""Speed of a granular cloud of about 100 overlapping grains, against a plain numba loop.

The patch: a 220 Hz sine recorded by a ``granular`` node, 1000 grains per second of 0.1 s each
(so about 100 sound at once), pitch 1.5, spread 0.05 s, jitter 0.3, stereo 1, hann window.
The same grain work is written out by hand as one plain numba function (:func:`hand_loop`:
the node's onset rule, xorshift draws, clamps, window table and equal-power pan, the grains in
separate arrays), compiled with the kernel's fastmath flag set. Before timing, the two are
shown to compute the same cloud (to 1e-9 over 0.5 s). Both render the same seconds in the same
rounds; printed: × real time (median of the rounds, by the wall clock and by the process's
CPU time, which a loaded machine disturbs less) of each and their ratio, and the mean number
of grains sounding.

Run from the repository root: ``python benchmarks/bench_granular.py`` (``--seconds``,
``--rounds``).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import neuromix as nm  # noqa: E402
from neuromix.compiler.codegen import FASTMATH  # noqa: E402
from neuromix.engine.render import render  # noqa: E402
from neuromix.nodes.delays import ring_size  # noqa: E402
from neuromix.nodes.granular import WINDOW_POINTS, window_table  # noqa: E402
from neuromix.nodes.noise import seed_for  # noqa: E402

SR = 48000.0
FREQ, DENSITY, SIZE, POSITION, SPREAD, PITCH, JITTER, STEREO = (
    220.0, 1000.0, 0.1, 0.2, 0.05, 1.5, 0.3, 1.0)
MAX_GRAINS, MAX_DELAY = 128, 2.0
SEED = 1
TWO_PI = 6.283185307179586


def build() -> nm.Patch:
    p = nm.Patch(sr=SR, seed=SEED)
    g = p.granular(p.sine(FREQ), density=DENSITY, size=SIZE, position=POSITION, spread=SPREAD,
                   pitch=PITCH, jitter=JITTER, stereo=STEREO, max_grains=MAX_GRAINS,
                   max_delay=MAX_DELAY, name="g")
    p.out([g, g.port("right"), g.port("grains")])
    return p


def _loop(frames, rng, ring, table, out):
    size = ring.shape[0]
    mask = size - 1
    rd = np.zeros(MAX_GRAINS)
    step = np.zeros(MAX_GRAINS)
    age = np.zeros(MAX_GRAINS)
    length = np.zeros(MAX_GRAINS)
    wstep = np.zeros(MAX_GRAINS)
    gl = np.zeros(MAX_GRAINS)
    gr = np.zeros(MAX_GRAINS)
    cnt, w, ph, thr, phase = 0, 0, 1.0, 1.0, 0.0
    for i in range(frames):
        x = math.sin(TWO_PI * phase)
        phase += FREQ / SR
        phase -= math.floor(phase)
        if ph >= thr:
            ph -= thr
            rng ^= (rng << 13) & 0xFFFFFFFF
            rng ^= rng >> 17
            rng ^= (rng << 5) & 0xFFFFFFFF
            thr = 1.0 + JITTER * (rng * (2.0 / 2**32) - 1.0)
            if cnt < MAX_GRAINS:
                n = float(int(min(max(SIZE * SR, 1.0), size - 8.0) + 0.5))
                if abs(PITCH - 1.0) * n > size - 8.0:
                    n = max(math.floor((size - 8.0) / abs(PITCH - 1.0)), 1.0)
                rng ^= (rng << 13) & 0xFFFFFFFF
                rng ^= rng >> 17
                rng ^= (rng << 5) & 0xFFFFFFFF
                u = rng * (2.0 / 2**32) - 1.0
                back = (POSITION + SPREAD * 0.5 * (u + 1.0)) * SR
                back = min(max(back, 2.0 + max(0.0, (PITCH - 1.0) * n)),
                           size - 2.0 + min(0.0, (PITCH - 1.0) * n))
                r = w - back
                if r < 0.0:
                    r += size
                rng ^= (rng << 13) & 0xFFFFFFFF
                rng ^= rng >> 17
                rng ^= (rng << 5) & 0xFFFFFFFF
                theta = (STEREO * (rng * (2.0 / 2**32) - 1.0) + 1.0) * (math.pi / 4)
                rd[cnt], step[cnt], age[cnt], length[cnt] = r, PITCH, 0.0, n
                wstep[cnt], gl[cnt], gr[cnt] = WINDOW_POINTS / n, math.cos(theta), math.sin(theta)
                cnt += 1
        ph = min(ph + DENSITY * (1.0 / SR), 4.0)
        out[i, 2] = cnt
        left = right = 0.0
        j = 0
        while j < cnt:
            k = int(rd[j])
            f = rd[j] - k
            s = ring[k & mask]
            s += f * (ring[(k + 1) & mask] - s)
            t = age[j] * wstep[j]
            q = min(int(t), WINDOW_POINTS - 1)
            s *= table[q] + (t - q) * (table[q + 1] - table[q])
            left += s * gl[j]
            right += s * gr[j]
            r = rd[j] + step[j]
            if r >= size:
                r -= size
            elif r < 0.0:
                r += size
            if age[j] + 1.0 < length[j]:
                rd[j] = r
                age[j] += 1.0
                j += 1
            else:
                cnt -= 1
                rd[j], step[j], age[j], length[j] = rd[cnt], step[cnt], age[cnt], length[cnt]
                wstep[j], gl[j], gr[j] = wstep[cnt], gl[cnt], gr[cnt]
        out[i, 0] = left
        out[i, 1] = right
        ring[w] = x
        w = (w + 1) & mask
    return out


hand_loop = numba.njit(fastmath=FASTMATH, cache=False)(_loop)


def hand_render(frames: int) -> np.ndarray:
    ring = np.zeros(ring_size(MAX_DELAY, SR))
    table = np.array(window_table("hann"))
    return hand_loop(frames, seed_for(SEED, "g"), ring, table, np.zeros((frames, 3)))


def main(argv=None) -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--seconds", type=float, default=10.0)
    args.add_argument("--rounds", type=int, default=5)
    opts = args.parse_args(argv)
    compiled = build().compile()
    check = int(0.5 * SR)
    mine, hand = render(compiled, frames=check), hand_render(check)
    gap = float(np.max(np.abs(mine - hand)))
    assert gap < 1e-9, f"the hand loop is not the same cloud (differs by {gap:.3g})"
    frames = int(opts.seconds * SR)
    wall = {"neuromix": [], "numba loop": []}
    cpu = {"neuromix": [], "numba loop": []}
    grains = 0.0
    for _ in range(opts.rounds):
        for name, run in (("neuromix", lambda: render(compiled, frames=frames, block=4096)),
                          ("numba loop", lambda: hand_render(frames))):
            compiled.reset()
            t0, c0 = time.perf_counter(), time.process_time()
            y = run()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
            if name == "neuromix":
                grains = float(y[int(SIZE * SR):, 2].mean())
    print(f"granular cloud, {grains:.1f} grains sounding on average, {opts.seconds:g} s at "
          f"{SR:g} Hz, median of {opts.rounds} rounds (same run; hand loop = neuromix to {gap:.1e})")
    print(f"  {'':<12} {'wall clock':>12} {'CPU time':>12}")
    speed = {}
    for name in wall:
        speed[name] = [opts.seconds / statistics.median(t) for t in (wall[name], cpu[name])]
        print(f"  {name:<12} {speed[name][0]:10.1f}x {speed[name][1]:10.1f}x  real time")
    ratio = [a / b for a, b in zip(speed["neuromix"], speed["numba loop"])]
    print(f"  {'neuromix / numba loop':<12} {ratio[0]:.2f} {ratio[1]:12.2f}")


if __name__ == "__main__":
    main()
