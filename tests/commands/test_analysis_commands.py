"""neuromix plot / explain / chaos / sweep, in process through the real argument parser."""

from pathlib import Path

import numpy as np
import pytest

from neuromix.cli import main

ROOT = Path(__file__).resolve().parents[2]
DUAL = ROOT / "examples" / "dual_neuron.yaml"
LOGISTIC = """\
# the logistic map x <- r x (1 - x), one sample per step; kick starts it at 0.3
neuromix: 1
sr: 1
nodes:
  x:    {type: mix, inputs: {prod: 1.0, kick: 0.15, one: 0.15}}
  f:    {type: scale, in: x, gain: 4.0}
  negx: {type: scale, in: x, gain: -1.0}
  g:    {type: offset, in: negx, amount: 1.0}
  prod: {type: mul, inputs: [f, g]}
  kick: {type: square, freq: 1.0e-9, width: 1.0e-10}
  one:  {type: const, value: 1.0}
out: x
"""


def test_plot_writes_a_png(tmp_path, capsys):
    out = tmp_path / "fig.png"
    assert main(["plot", str(DUAL), "-o", str(out), "--seconds", "0.3"]) == 0
    assert out.stat().st_size > 10000 and "wrote" in capsys.readouterr().out
    assert main(["plot", str(DUAL), "-o", str(tmp_path / "o.png"), "--seconds", "0.3",
                 "--overview"]) == 0


def test_explain_writes_the_report_and_prints_summaries(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["explain", str(DUAL), "-o", str(out), "--seconds", "0.3"]) == 0
    text = capsys.readouterr().out
    assert "a: " in text and "b: " in text and "stable" in text
    html = out.read_text()
    assert html.count("data:image/png;base64,") == 5  # network, a, b, portraits, output


def test_chaos_prints_the_exponent_of_the_logistic_map(tmp_path, capsys):
    patch = tmp_path / "logistic.yaml"
    patch.write_text(LOGISTIC)
    assert main(["chaos", str(patch), "--seconds", "20000"]) == 0
    text = capsys.readouterr().out
    value = float(text.split("exponent: ")[1].split()[0])
    assert value == pytest.approx(np.log(2), rel=0.05) and "chaotic" in text
    assert main(["chaos", str(patch), "--seconds", "2000", "--set", "f.gain=3.2"]) == 0
    assert "stable" in capsys.readouterr().out


def test_chaos_bifurcation_diagram(tmp_path, capsys):
    patch = tmp_path / "logistic.yaml"
    patch.write_text(LOGISTIC)
    out = tmp_path / "bif.png"
    assert main(["chaos", str(patch), "--bifurcation", "f.gain=2.5:4:60", "--seconds", "300",
                 "-o", str(out)]) == 0
    assert out.stat().st_size > 10000 and "60 values of f.gain" in capsys.readouterr().out


@pytest.mark.parametrize("args, words", [
    (["--set", "a.w.bb=1"], "did you mean 'a.w.b'"),
    (["--bifurcation", "a.w.b=1:2"], "ADDRESS=LO:HI:N"),
    (["--seconds", "0"], "--seconds: '0' is not a length in seconds: give a finite number above 0"),
])
def test_chaos_errors_are_one_clear_line(args, words, capsys):
    assert main(["chaos", str(DUAL), *args]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_sweep_writes_table_maps_and_audio_and_resumes(tmp_path, capsys):
    out = tmp_path / "sw"
    args = ["sweep", str(DUAL), "--param", "a.w.b=-2:2:3", "--param", "b.w.a=-1:1:2",
            "--seconds", "0.05", "--lanes", "2", "--workers", "1", "-o", str(out),
            "--format", "csv", "--keep-audio", "2", "--no-progress"]
    assert main(args) == 0
    assert "6 points (6 rendered now, 0 found done)" in capsys.readouterr().out
    from neuromix.analysis.sweep import read_table

    table = read_table(out / "sweep.csv")
    assert table["a.w.b"].tolist() == [-2, -2, 0, 0, 2, 2]
    assert (out / "map_lyapunov.png").exists() and len(list((out / "audio").iterdir())) == 2
    assert main(args) == 0
    assert "(0 rendered now, 6 found done)" in capsys.readouterr().out
    assert main(args[:-1] + ["--seconds", "0.06"]) == 2  # a different sweep in the same folder
    assert "different sweep" in capsys.readouterr().err


def test_sweep_bad_param_is_one_clear_line(tmp_path, capsys):
    assert main(["sweep", str(DUAL), "--param", "a.w.zz=0:1:2", "-o", str(tmp_path)]) == 2
    assert "no parameter 'a.w.zz'" in capsys.readouterr().err
