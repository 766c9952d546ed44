"""Play the live dual neuron in real time without a sound card and move it from a script.

The patch (examples/live_dual_neuron.yaml) plays on the null output, paced by the clock as a
sound card would pace it, while this script sweeps the cross weight ``a.w.b`` and the cutoff
with ``player.set`` (as a notebook would), and records what was played (the take, and beside
it every change it made, in ``live_dual_neuron-take.changes.csv``). The same script with
``audio="portaudio"`` plays on the sound card.

    python examples/live_dual_neuron.py --out out [--quick]
"""

import argparse
from pathlib import Path

import numpy as np

from neuromix.live import play

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out")
    parser.add_argument("--quick", action="store_true", help="a short take (for tests)")
    args = parser.parse_args()
    seconds = 1.0 if args.quick else 6.0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    take = out / "live_dual_neuron-take.wav"  # live_dual_neuron.wav is the offline render
    with play(HERE / "live_dual_neuron.yaml", audio="null", blocksize=256, record=take) as player:
        steps = 60
        for k in range(steps):  # a slow sweep, one change every seconds/steps
            x = k / (steps - 1)
            player.set("a.w.b", 1.2 + 1.6 * np.sin(np.pi * x))
            player.set("lp.cutoff", 600.0 * 20.0 ** x)
            player.wait(seconds / steps)
        status = player.status()
    print(f"wrote {take}: {status['blocks']} blocks of 256 in real time, "
          f"{status['underruns']} underruns, callback median "
          f"{status['callback_median'] * 1e3:.3f} ms of {status['budget'] * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
