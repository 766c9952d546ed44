"""What listening costs: the same patch with its source an ``audio_in`` node, a ``const`` node
(a number read from a register: the least any source can cost) and a ``sine`` oscillator, in
the same run, as × real time and as ratios.

The patch is the dual neuron (two tanh neurons with one-sample cross-feedback, each hearing the
source). It renders 60 s at 48 kHz in blocks of 4096, median of several rounds (the machines
are shared and noisy): first the kernel alone (``CompiledPatch.process(n, input=view)`` over
one preallocated array: what audio_in adds to the sample loop), then through ``render`` with
the input as an array feed (what an offline render adds: one copy per block), then
``neuromix render --input FILE`` of a 16-bit 60 s file at 44.1 kHz as a user runs it
(decoding and soxr resampling included), against the same command of the const patch.

Run from the repository root: ``python benchmarks/bench_soundin.py`` (``--quick``: 10 s, 3 rounds).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import neuromix as nm  # noqa: E402
from neuromix.engine.render import blocks, render  # noqa: E402

SR = 48000
BLOCK = 4096
SOURCES = ("audio_in", "const", "sine")


def dual(source: str) -> nm.Patch:
    """The dual neuron, hearing ``source`` where dual_neuron.yaml hears its oscillators."""
    p = nm.Patch(sr=SR)
    x = {"audio_in": p.audio_in, "const": lambda: p.const(0.3),
         "sine": lambda: p.sine(110)}[source]()
    a = p.neuron(act="tanh", bias=0.1, name="a")
    b = p.neuron(act="tanh", bias=-0.05, name="b")
    a.input(x, 1.5)
    a.input(b, 1.2)
    b.input(x, 1.3)
    b.input(a, -1.4)
    p.out(p.mix(inputs={a: 0.5, b: 0.5}))
    return p


def kernel_speed(compiled, sound: np.ndarray, rounds: int) -> float:
    """× real time of the kernel alone, the input handed over as views of one array."""
    n, times = len(sound), []
    out = np.empty((1, BLOCK, compiled.channels))
    for _ in range(rounds):
        compiled.reset()
        t0 = time.perf_counter()
        pos = 0
        for size in blocks(n, BLOCK):
            compiled.process(size, out[:, :size], sound[pos:pos + size] if compiled.inputs
                             else None)
            pos += size
        times.append(time.perf_counter() - t0)
    return n / SR / statistics.median(times)


def render_speed(compiled, sound: np.ndarray, rounds: int) -> float:
    """× real time of ``render`` (the input copied block by block from an array feed)."""
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        render(compiled, frames=len(sound), block=BLOCK,
               input=sound if compiled.inputs else None)
        times.append(time.perf_counter() - t0)
    return len(sound) / SR / statistics.median(times)


def cli_seconds(patch: Path, seconds: float, extra: list[str], out: Path) -> float:
    """Best of three wall times of ``neuromix render`` (start-up included)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "neuromix", "render", str(patch), "-o", str(out),
                        "--seconds", f"{seconds:g}", "-q", *extra], check=True,
                       capture_output=True, env={"PYTHONPATH": str(ROOT / "src"),
                                                 **__import__("os").environ})
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s renders, 3 rounds")
    args = parser.parse_args(argv)
    seconds, rounds = (10.0, 3) if args.quick else (60.0, 9)
    n = int(seconds * SR)
    sound = np.ascontiguousarray(0.5 * np.sin(2 * np.pi * 110 * np.arange(n) / SR)[:, None])
    compiled = {}
    for source in SOURCES:
        compiled[source] = dual(source).compile()
        compiled[source].process(BLOCK, input=sound[:BLOCK] if source == "audio_in" else None)
    print(f"dual neuron hearing each source, {seconds:g} s at {SR} Hz, blocks of {BLOCK}, "
          f"median of {rounds} rounds")
    kernel = {s: kernel_speed(compiled[s], sound, rounds) for s in SOURCES}
    whole = {s: render_speed(compiled[s], sound, rounds) for s in SOURCES}
    for s in SOURCES:
        print(f"  {s:<9} kernel {kernel[s]:7.0f}× real time   render() {whole[s]:7.0f}×")
    print(f"audio_in / const: kernel {kernel['audio_in'] / kernel['const']:.2f}, "
          f"render() {whole['audio_in'] / whole['const']:.2f}  (1.00: a listening patch is as "
          "fast as one reading a constant)")
    print(f"audio_in / sine:  kernel {kernel['audio_in'] / kernel['sine']:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        import soundfile as sf

        folder = Path(tmp)
        wav = folder / "in.wav"
        t = np.arange(int(seconds * 44100)) / 44100
        sf.write(wav, 0.5 * np.sin(2 * np.pi * 110 * t), 44100, subtype="PCM_16")
        for source in ("audio_in", "const"):
            dual(source).save(folder / f"{source}.yaml")
        extra = ["--input", str(wav)]
        listening = cli_seconds(folder / "audio_in.yaml", seconds, extra, folder / "a.wav")
        constant = cli_seconds(folder / "const.yaml", seconds, [], folder / "c.wav")
        print(f"neuromix render, {seconds:g} s: with --input (16-bit, 44.1 kHz, resampled) "
              f"{listening:.2f} s, the const patch {constant:.2f} s: "
              f"{seconds / listening:.0f}× and {seconds / constant:.0f}× real time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
