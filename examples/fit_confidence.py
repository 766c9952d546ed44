"""Fitting a patch to a sound, and knowing whether to trust the answer.

The dual neuron's four weights are forgotten (set to 0.5) and fitted to its own audio, searched
within -3..3, twice with seed 0. One CMA-ES run from the starting values (``samples=0,
restarts=1``) stops in a local minimum, ``a.w.s1`` near -1.6 against a true 1.5, and its
confidence line says "a poor match". The fit as it runs by default (a Sobol sample of the box,
then four restarts from distinct good points) finds all four within 1% and says "a close
match". Then ``tanh(w2·tanh(w1·sine))``, where ``w1, w2`` and ``-w1, -w2`` sound exactly
alike: the restarts find both, and the fit warns that they disagree. The script checks each of
these and exits with an error if one does not hold. Writes ``fit_target.wav``,
``fit_trapped.wav``, ``fit_found.wav`` and ``fit_found.yaml``. ``--quick`` fits 0.05 s of
audio instead of 0.1 s.
"""

import argparse
import copy
from pathlib import Path

import soundfile as sf

import neuromix as nm
from neuromix.graph.patchfile import load_graph, save
from neuromix.learn.fit import fit, set_address

HERE = Path(__file__).resolve().parent
TRUTH = {"a.w.s1": 1.5, "a.w.b": 1.2, "b.w.t1": 1.3, "b.w.a": -1.4}


def show(title: str, result) -> None:
    values = ", ".join(f"{k} {v:.4g}" for k, v in result.values.items())
    print(f"{title}: {values}")
    for line in result.confidence.lines():
        print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="out", help="output folder")
    parser.add_argument("--quick", action="store_true", help="fit 0.05 s instead of 0.1 s")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    truth = load_graph(HERE / "dual_neuron.yaml")
    target = nm.Patch(graph=truth).render(seconds=0.05 if args.quick else 0.1)
    start = copy.deepcopy(truth)
    for address in TRUTH:
        set_address(start, address, 0.5)
    ranges = {address: (-3.0, 3.0) for address in TRUTH}
    trapped = fit(start, target, list(TRUTH), ranges=ranges, seed=0, samples=0, restarts=1,
                  progress=False)
    found = fit(start, target, list(TRUTH), ranges=ranges, seed=0, progress=False)
    show("one run from the start", trapped)
    show("the fit (sample + restarts)", found)
    sr = int(truth.sr)
    sf.write(out / "fit_target.wav", target, sr)
    sf.write(out / "fit_trapped.wav", nm.Patch(graph=trapped.graph).render(frames=len(target)), sr)
    sf.write(out / "fit_found.wav", nm.Patch(graph=found.graph).render(frames=len(target)), sr)
    save(found.graph, out / "fit_found.yaml", comment="the dual neuron's weights, fitted")

    p = nm.Patch(sr=8000)
    a = p.neuron(act="tanh", inputs={p.sine(200, name="s"): 1.2}, name="a")
    p.out(p.neuron(act="tanh", inputs={a: 0.8}, name="b"))
    mirror = fit(p.graph, p.render(frames=2000), ["a.w.s", "b.w.a"],
                 ranges={"a.w.s": (-2.0, 2.0), "b.w.a": (-2.0, 2.0)}, generations=60,
                 progress=False)
    show("the mirrored pair", mirror)

    recovered = all(abs(found.values[k] - v) < 0.01 * abs(v) for k, v in TRUTH.items())
    checks = {"the single run is trapped and says so": trapped.confidence.verdict == "a poor match"
              and abs(trapped.values["a.w.s1"] - 1.5) > 1.0,
              "the fit recovers all four within 1%": recovered
              and found.confidence.verdict == "a close match",
              "the mirrored pair's restarts disagree": any(
                  "restarts disagree" in w for w in mirror.confidence.warnings)}
    broken = [what for what, held in checks.items() if not held]
    if broken:
        raise SystemExit("fit_confidence: did not hold: " + "; ".join(broken))
    print(f"wrote fit_target.wav, fit_trapped.wav, fit_found.wav, fit_found.yaml in {out}/")


if __name__ == "__main__":
    main()
