"""neuromix new: every starter file is written, renders at once, and does what it says."""

import mido
import numpy as np
import pytest
import soundfile as sf

from neuromix.engine.lyapunov import lyapunov
from neuromix.cli import main
from neuromix.graph.patchfile import load_graph
from neuromix.templates import names


def test_every_template_is_offered():
    assert names() == ["instrument", "learner", "neuron", "organism"]


@pytest.mark.parametrize("template", ["neuron", "organism", "learner"])
def test_a_starter_patch_renders_at_once(template, tmp_path, capsys):
    patch, wav = tmp_path / f"{template}.yaml", tmp_path / f"{template}.wav"
    assert main(["new", template, str(patch)]) == 0
    text = patch.read_text()
    assert text.startswith("# ") and f"neuromix render {template}.yaml" in text
    assert main(["render", str(patch), "-o", str(wav)]) == 0
    audio, sr = sf.read(wav)
    assert sr == 48000 and np.isfinite(audio).all() and 0.1 < np.abs(audio).max() < 1.0


def test_the_organism_is_chaotic_as_its_comment_says(tmp_path):
    patch = tmp_path / "o.yaml"
    main(["new", "organism", str(patch)])
    assert "positive Lyapunov exponent" in patch.read_text()
    graph = load_graph(patch)
    assert lyapunov(graph, seconds=1.0).per_second > 100
    # "weaken the cross weights ... and it falls back into a loop" (the comment and the tutorial)
    assert lyapunov(graph, seconds=1.0, values={"a.w.b": 0.8, "b.w.a": -0.8}).per_second < 0


def test_the_learner_learns(tmp_path):
    patch, wav = tmp_path / "l.yaml", tmp_path / "l.wav"
    main(["new", "learner", str(patch)])
    main(["render", str(patch), "-o", str(wav)])
    audio, sr = sf.read(wav)
    error = audio[:, 1]
    first, last = np.sqrt(np.mean(error[:sr // 10] ** 2)), np.sqrt(np.mean(error[-sr:] ** 2))
    assert last < 0.01 * first


def test_the_instrument_plays_its_gesture_headless(tmp_path, capsys):
    patch, mid = tmp_path / "play.yaml", tmp_path / "play.mid"
    assert main(["new", "instrument", str(patch)]) == 0
    assert (tmp_path / "play.gesture.csv").exists()
    assert main(["instrument", str(patch), "--offline", "--midi-file", str(mid)]) == 0
    notes = [m for m in mido.MidiFile(mid) if m.type == "note_on" and m.velocity > 0]
    ccs = [m for m in mido.MidiFile(mid) if m.type == "control_change" and m.control == 74]
    assert len(notes) >= 10 and len({m.note for m in notes}) >= 3 and len(ccs) >= 10


def test_an_existing_file_is_never_replaced(tmp_path, capsys):
    patch = tmp_path / "mine.yaml"
    patch.write_text("my own work\n")
    assert main(["new", "neuron", str(patch)]) == 2
    assert patch.read_text() == "my own work\n"
    assert "exists already" in capsys.readouterr().err
    (tmp_path / "x.gesture.csv").write_text("keep\n")  # the instrument's second file counts too
    assert main(["new", "instrument", str(tmp_path / "x.yaml")]) == 2
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.parametrize("args, message", [
    (["neuron", "starter.txt"], "is YAML"),
    (["neuron", "no/such/folder/a.yaml"], "is not a folder"),
])
def test_bad_requests_get_one_line(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_an_unknown_template_is_refused_by_the_parser(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "nueron", "x.yaml"]) == 2
    assert "invalid choice: 'nueron'" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()
