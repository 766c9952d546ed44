"""What a patch hears when it is explained, measured, swept or plotted: the file its ``input:``
section names, or ``--input FILE``; one clear line when it has neither."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from neuromix.cli import main
from neuromix.engine.compiled import CompiledPatch
from neuromix.errors import UsageError
from neuromix.graph.patchfile import load_graph

DUAL = Path(__file__).resolve().parents[2] / "examples" / "dual_neuron.yaml"
SR = 2000
PATCH = f"""\
neuromix: 1
sr: {SR}
nodes:
  x: {{type: audio_in}}
  a: {{type: neuron, act: identity, inputs: {{x: 0.5, a: 0.25}}}}
out: a
"""


@pytest.fixture
def tone(tmp_path):
    """A second of 100 Hz at the patch's rate (so nothing is resampled)."""
    x = 0.8 * np.sin(2 * np.pi * 100 * np.arange(SR) / SR)
    sf.write(tmp_path / "tone.wav", x, SR, subtype="DOUBLE")
    return x


def patch_file(tmp_path, section: str = "") -> str:
    path = tmp_path / "p.yaml"
    path.write_text(PATCH + section)
    return str(path)


def expected(x: np.ndarray) -> np.ndarray:
    """a[t] = 0.5 x[t] + 0.25 a[t-1]: the patch's output, in plain Python."""
    out, last = np.empty(len(x)), 0.0
    for t, v in enumerate(x):
        last = out[t] = 0.5 * v + 0.25 * last
    return out


def test_a_kernel_given_no_input_hears_the_file_its_patch_names(tmp_path, tone):
    compiled = CompiledPatch(load_graph(patch_file(tmp_path, "input: tone.wav\n")))
    first = np.concatenate([compiled.process(300)[:, 0], compiled.process(200)[:, 0]])
    np.testing.assert_allclose(first, expected(tone[:500]), atol=1e-12)
    compiled.reset()  # heard again from its start
    np.testing.assert_allclose(compiled.process(500)[:, 0], first, atol=0)
    after = compiled.process(SR)[:, 0]  # past the end of the file: silence in, the echo decays
    assert abs(after[-1]) < 1e-12


def test_a_patch_that_names_no_input_says_how_to_give_one(tmp_path, capsys):
    with pytest.raises(UsageError, match="input: FILE"):
        CompiledPatch(load_graph(patch_file(tmp_path))).process(10)
    assert main(["chaos", patch_file(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--input FILE" in err and "Traceback" not in err


def test_chaos_explain_and_plot_hear_input(tmp_path, tone, capsys):
    path, wav = patch_file(tmp_path), str(tmp_path / "tone.wav")
    assert main(["chaos", path, "--input", wav, "--seconds", "0.5"]) == 0
    assert "stable" in capsys.readouterr().out  # the echo dies out by 0.25 a sample
    assert main(["explain", path, "--input", wav, "--seconds", "0.5",
                 "-o", str(tmp_path / "r.html")]) == 0
    assert "a: " in capsys.readouterr().out
    assert main(["plot", path, "--input", wav, "--seconds", "0.5",
                 "-o", str(tmp_path / "p.png")]) == 0


def test_a_sweep_hears_input_in_every_point(tmp_path, tone, capsys):
    from neuromix.analysis.sweep import read_table

    out = tmp_path / "sw"
    assert main(["sweep", patch_file(tmp_path), "--param", "a.w.x=0:1:3", "--input",
                 str(tmp_path / "tone.wav"), "--seconds", "0.3", "--workers", "1",
                 "--format", "csv", "--no-progress", "-o", str(out)]) == 0
    rms = read_table(out / "sweep.csv")["rms"]
    assert rms[0] == 0.0 and rms[2] == pytest.approx(2 * rms[1], rel=1e-6) and rms[1] > 0.1


def test_loop_input_repeats_the_patch_own_file(tmp_path, tone, capsys):
    graph = load_graph(patch_file(tmp_path, "input: {file: tone.wav, loop: true}\n"))
    y = CompiledPatch(graph).process(2 * SR)[:, 0]
    np.testing.assert_allclose(y[SR + 100:SR + 200], y[100:200], atol=1e-9)


def test_input_for_a_patch_that_does_not_listen_is_a_warning(tmp_path, tone, capsys):
    assert main(["chaos", str(DUAL), "--input", str(tmp_path / "tone.wav"),
                 "--seconds", "0.2"]) == 0
    assert "no audio_in node" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["missing.wav", "notes.txt"])
def test_an_unusable_input_file_is_one_line(tmp_path, bad, capsys):
    (tmp_path / "notes.txt").write_text("not a sound")
    assert main(["chaos", patch_file(tmp_path), "--input", str(tmp_path / bad)]) == 2
    err = capsys.readouterr().err
    assert "--input" in err and "Traceback" not in err and bad in err
