"""neuromix learn fit / learn reservoir, in process through the real argument parser."""

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import neuromix as nm
from neuromix.cli import main

pytest.importorskip("cma")
ROOT = Path(__file__).resolve().parents[2]
DUAL = ROOT / "examples" / "dual_neuron.yaml"


@pytest.fixture()
def dual_target(tmp_path):
    """The dual neuron's first 0.1 s as a WAV, and the patch with both biases set to 0."""
    wav = tmp_path / "target.wav"
    sf.write(wav, nm.load(DUAL).render(seconds=0.1), 48000, subtype="DOUBLE")
    hidden = tmp_path / "hidden.yaml"
    hidden.write_text(DUAL.read_text().replace("bias: 0.1,", "bias: 0.0,")
                      .replace("bias: -0.05,", "bias: 0.0,"))
    return wav, hidden


def test_learn_fit_writes_a_patch_curve_and_report_then_says_done(tmp_path, capsys, dual_target):
    wav, hidden = dual_target
    out, png, rep = tmp_path / "fitted.yaml", tmp_path / "curve.png", tmp_path / "report.json"
    args = ["learn", "fit", str(hidden), str(wav), "--param", "a.bias=-1:1", "--param",
            "b.bias", "-o", str(out), "--seed", "1", "--curve", str(png), "--report", str(rep),
            "-q", "--generations", "60", "--restarts", "2", "--samples", "32"]
    assert main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("done: wrote") and "log-spectral distance" in lines[-1]
    assert any(line.startswith("confidence: a close match: best loss ") for line in lines)
    assert any(line.startswith("restarts: 2 (losses ") for line in lines)
    assert not any(line.startswith("warning:") for line in lines)
    report = json.loads(rep.read_text())
    assert report["ranges"] == {"a.bias": [-1.0, 1.0], "b.bias": [-3.0, 3.0]}  # 0 ± 3
    assert report["confidence"]["ratio"] == report["loss_ratio"] < 1e-3
    assert len(report["confidence"]["restarts"]) == 2 and report["samples"] == 32
    assert report["log_spectral_distance_db"] < 1.0 and report["snr_db"] > 30
    assert abs(report["values"]["a.bias"] - 0.1) < 1e-2
    assert png.stat().st_size > 5000
    fitted = nm.load(out)
    assert abs(fitted.graph.nodes["b"].params["bias"] + 0.05) < 1e-2
    assert main(["render", str(out), "-o", str(tmp_path / "f.wav"), "--seconds", "0.1"]) == 0
    first = out.read_text()
    assert main(args) == 0 and out.read_text() == first  # the same seed, the same patch


@pytest.mark.parametrize("change, message", [
    (lambda a: a.__setitem__(3, "missing.wav"), "missing.wav: no such audio file"),
    (lambda a: a.__setitem__(5, "a.bais"), "no fittable parameter 'bais' (did you mean 'bias'?)"),
    (lambda a: a.__setitem__(2, "nope.yaml"), "nope.yaml: no such patch file"),
])
def test_learn_fit_errors_are_one_line(tmp_path, capsys, dual_target, change, message):
    wav, hidden = dual_target
    args = ["learn", "fit", str(hidden), str(wav), "--param", "a.bias", "-o",
            str(tmp_path / "x.yaml"), "-q"]
    change(args)
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_learn_fit_refuses_a_target_at_another_rate(tmp_path, capsys, dual_target):
    wav, hidden = dual_target
    other = tmp_path / "t44.wav"
    sf.write(other, sf.read(wav)[0], 44100)
    assert main(["learn", "fit", str(hidden), str(other), "--param", "a.bias", "-o",
                 str(tmp_path / "x.yaml"), "-q"]) == 2
    assert "is at 44100 Hz but the patch runs at 48000 Hz" in capsys.readouterr().err


def test_learn_reservoir_writes_a_patch_that_render_plays(tmp_path, capsys):
    sr = 16000
    t = np.arange(2 * sr) / sr
    wav = tmp_path / "tone.wav"
    sf.write(wav, 0.4 * np.sin(2 * np.pi * 300 * t) + 0.1 * np.sin(2 * np.pi * 900 * t), sr)
    out, rep = tmp_path / "res.yaml", tmp_path / "res.json"
    assert main(["learn", "reservoir", str(wav), "-o", str(out), "--neurons", "8", "--degree",
                 "3", "--reservoirs", "1", "--seed", "2", "--report", str(rep), "-q"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("done: wrote")
    report = json.loads(rep.read_text())
    assert report["setting_neurons"] == 8 and np.isfinite(report["mfcc_nrmse"])
    assert nm.load(out).sr == sr
    assert main(["render", str(out), "-o", str(tmp_path / "r.wav"), "--seconds", "0.2"]) == 0
    assert main(["learn", "reservoir", str(tmp_path / "none.wav"), "-o", str(out)]) == 2
    assert main(["learn"]) == 2


def test_learn_fit_prints_the_disagreement_warning(tmp_path, capsys):
    """tanh(w2·tanh(w1·sine)) sounds the same with both weights negated: restarts find both."""
    patch = tmp_path / "mirror.yaml"
    patch.write_text("neuromix: 1\nsr: 8000\nnodes:\n  s: {type: sine, freq: 200}\n"
                     "  a: {type: neuron, act: tanh, inputs: {s: 1.2}}\n"
                     "  b: {type: neuron, act: tanh, inputs: {a: 0.8}}\nout: b\n")
    wav = tmp_path / "mirror.wav"
    sf.write(wav, nm.load(patch).render(frames=2000), 8000, subtype="DOUBLE")
    rep = tmp_path / "r.json"
    assert main(["learn", "fit", str(patch), str(wav), "--param", "a.w.s=-2:2", "--param",
                 "b.w.a=-2:2", "-o", str(tmp_path / "f.yaml"), "--report", str(rep), "-q",
                 "--generations", "60"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("warning: restarts disagree: restart") for line in lines)
    assert "restarts disagree" in json.loads(rep.read_text())["confidence"]["warnings"][0]


def test_learn_fit_refuses_a_range_beyond_a_limit_in_one_line(tmp_path, capsys, dual_target):
    wav, hidden = dual_target
    assert main(["learn", "fit", str(hidden), str(wav), "--param", "a.bias=-1000:0", "-o",
                 str(tmp_path / "x.yaml"), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert "the search range of a.bias (-1000 to 0) leaves its limits (-100 to 100)" in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "x.yaml").exists()


def test_learn_reservoir_morphs_between_two_sounds_and_draws_the_spectra(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    sr = 16000
    t = np.arange(2 * sr) / sr
    low, high = tmp_path / "low.wav", tmp_path / "high.wav"
    sf.write(low, 0.4 * np.sin(2 * np.pi * 200 * t), sr)
    sf.write(high, 0.4 * np.sin(2 * np.pi * 600 * t) + 0.1 * np.sin(2 * np.pi * 1800 * t), sr)
    out, png = tmp_path / "morph.yaml", tmp_path / "spectra.png"
    assert main(["learn", "reservoir", str(low), str(high), "-o", str(out), "--neurons", "20",
                 "--reservoirs", "1", "--compare", str(png), "-q"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("done: wrote")
    assert png.stat().st_size > 1000
    compiled = nm.load(out).compile()
    assert "res.morph" in compiled.addresses
    sf.write(tmp_path / "other.wav", np.zeros(100), 8000)
    assert main(["learn", "reservoir", str(low), str(tmp_path / "other.wav"), "-o",
                 str(out)]) == 2
    assert "different sample rates" in capsys.readouterr().err
