"""A reservoir resynthesising a sound: an echo state network learns a tone and plays it on.

The target is a 220 Hz tone with six harmonics and a slow vibrato. ``neuromix.learn.reservoir``
trains 40 leaky tanh neurons on its first second (teacher forcing, cross-validated ridge
readout), picks the settings whose free run sounds closest over the next two seconds, and saves
the network as an ordinary patch, ``reservoir_tone.yaml``. The engine then renders that patch,
``reservoir_tone.wav``: the network alone, its output fed back, continuing the tone for 10 s.
Also written: ``reservoir_target.wav``, ``reservoir_curve.png`` (the search) and
``reservoir_spectra.png`` (the target's continuation against the free run). ``--quick`` makes
everything small, for the tests.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.render import render_to_file
from neuromix.graph.patchfile import load_graph
from neuromix.learn.losses import mfcc_nrmse
from neuromix.learn.reservoir import train

SR = 48000


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    phase = 2 * np.pi * np.cumsum(220.0 * (1 + 0.005 * np.sin(2 * np.pi * 5.0 * t))) / SR
    return 0.5 * sum(np.sin(k * phase) / k for k in range(1, 7)) / 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="out", help="output folder")
    parser.add_argument("--quick", action="store_true", help="small and fast")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    neurons, degree, seconds = (12, 4, 1.0) if args.quick else (40, 10, 10.0)
    start = time.perf_counter()
    target = tone(3.0 + seconds)
    sf.write(out / "reservoir_target.wav", target, SR, subtype="FLOAT")
    quick = {"leaks": ((0.05, 0.2, 1.0),), "feedback": (1.0,), "ridge": (1e4, 1e6),
             "innovation": (0.0,)}
    res = train(target[:3 * SR], SR, neurons=neurons, degree=degree, train_seconds=1.0,
                reservoirs=1, grid=quick if args.quick else None, progress=False)
    res.save(out / "reservoir_tone.yaml")
    graph = load_graph(out / "reservoir_tone.yaml")
    render_to_file(CompiledPatch(graph), out / "reservoir_tone.wav", 2.0 + seconds,
                   progress=False)
    audio, _ = sf.read(out / "reservoir_tone.wav")
    score = mfcc_nrmse(audio[2 * SR:], target[3 * SR:], SR)
    try:
        from neuromix.analysis.plots import compare_spectra, learning_curve

        learning_curve(res.report["curve"], out / "reservoir_curve.png", title="reservoir search",
                       ylabel="best MFCC NRMSE", xlabel="candidate")
        compare_spectra(target[3 * SR:], audio[2 * SR:], SR, out / "reservoir_spectra.png",
                        title="the tone's continuation against the network's free run")
    except ImportError:
        pass
    print(f"reservoir of {neurons} neurons: free-run MFCC NRMSE {score:.3f} over "
          f"{seconds:g} s; wrote {out / 'reservoir_tone.wav'} "
          f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
