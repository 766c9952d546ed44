"""Careless and hostile command lines: each class gets one clear line and exit 2, before any
work, never a traceback; outputs are checked before playing or rendering starts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from neuromix.cli import main
from neuromix.engine.compiled import CompiledPatch
from neuromix.errors import NeuromixError
from neuromix.graph.patchfile import load_graph

ROOT = Path(__file__).resolve().parents[2]
DUAL = str(ROOT / "examples" / "dual_neuron.yaml")
TAUGHT = str(ROOT / "examples" / "instruments" / "taught_mouse.yaml")
SWEEP = ["sweep", DUAL, "--param", "a.w.b=0:1:2"]
FIT = ["learn", "fit", DUAL, "t.wav", "--param", "a.bias", "-o", "x.yaml"]


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300", "-1", "0", "ten"])
@pytest.mark.parametrize("command", [["render"], ["plot"], ["explain"], ["chaos"],
                                     ["sweep", "--param", "a.w.b=0:1:2"],
                                     ["play", "--audio", "null"]])
def test_seconds_must_be_a_finite_positive_length(tmp_path, command, value, capsys):
    patch = tmp_path / "dual.yaml"  # outputs by default beside it, should a refusal fail
    patch.write_text(Path(DUAL).read_text())
    assert main([command[0], str(patch), *command[1:], "--seconds", value]) == 2
    assert "--seconds" in one_line(capsys)
    assert main(["instrument", TAUGHT, "--offline", "--seconds", value]) == 2
    assert "--seconds" in one_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dual.yaml"]


@pytest.mark.parametrize("args, flag", [
    (SWEEP + ["--transient", "nan"], "--transient"),
    (SWEEP + ["--workers", "-1"], "--workers"),
    (SWEEP + ["--lanes", "0"], "--lanes"),
    (SWEEP + ["--param", "a.w.b=0:nan:3"], "--param"),
    (["play", DUAL, "--smooth", "nan"], "--smooth"),
    (["play", DUAL, "--osc-port", "70000"], "--osc-port"),
    (["play", DUAL, "--osc-port", "0"], "--osc-port"),
    (["play", DUAL, "--latency", "inf"], "--latency"),
    (["play", DUAL, "--blocksize", "99999999"], "--blocksize"),
    (["render", DUAL, "--sr", "nan"], "--sr"),
    (["render", DUAL, "--sr", "1e12"], "--sr"),
    (["render", DUAL, "--seed", "1.5"], "--seed"),
    (["render", DUAL, "--block", "0"], "--block"),
    (["render", DUAL, "--input", "/dev/null"], "--input"),
    (["render", DUAL, "--input", "nan"], "--input"),
    (["play", DUAL, "--input", str(ROOT / "examples")], "--input"),
    (["render", DUAL, "--set", "a.bias=nan"], "--set"),
    (["render", DUAL, "--set", "a.bias"], "--set"),
    (["chaos", DUAL, "--renorm", "0"], "--renorm"),
    (["chaos", DUAL, "--bifurcation", "a.w.b=0:1:10000000"], "--bifurcation"),
    (FIT + ["--sigma", "nan"], "--sigma"),
    (FIT + ["--popsize", "1"], "--popsize"),
    (FIT + ["--goal", "inf"], "--goal"),
    (FIT + ["--sigma", "0.5"], "--sigma"),
    (FIT + ["--sigma", "0"], "--sigma"),
    (FIT + ["--restarts", "0"], "--restarts"),
    (FIT + ["--restarts", "1e9"], "--restarts"),
    (FIT + ["--samples", "-1"], "--samples"),
    (FIT + ["--samples", "99999999999"], "--samples"),
    (FIT + ["--param", "a.w.b=3:-3"], "--param"),
    (FIT + ["--param", "a.w.b=1:1"], "--param"),
    (FIT + ["--param", "a.w.b=nan:1"], "--param"),
    (FIT + ["--param", "a.w.b=-inf:1"], "--param"),
    (FIT + ["--param", "a.w.b=1"], "--param"),
    (FIT + ["--param", "a.w.b=0:1:2"], "--param"),
    (FIT + ["--param", "a.w.b=zero:one"], "--param"),
    (FIT + ["--param", "=0:1"], "--param"),
    (["learn", "reservoir", "t.wav", "-o", "x.yaml", "--train-seconds", "inf"],
     "--train-seconds"),
    (["train", "x.csv", "--instrument", TAUGHT, "--learning-rate", "nan"], "--learning-rate"),
    (["train", "x.csv", "--instrument", TAUGHT, "--epochs", "0"], "--epochs"),
])
def test_a_bad_number_is_refused_while_parsing(args, flag, capsys):
    assert main(args) == 2
    err = one_line(capsys)
    assert f"argument {flag}" in err and "--help" in err


def test_play_refuses_a_sample_rate_a_reload_would_drop(capsys):
    assert main(["play", DUAL, "--audio", "null", "--watch", "--sr", "44100"]) == 2
    assert "--sr and --watch" in one_line(capsys)


def test_a_bifurcation_too_long_to_hold_is_refused_with_its_limit(capsys):
    assert main(["chaos", DUAL, "--bifurcation", "a.w.b=0:1:2", "--seconds", "86400"]) == 2
    assert "at most 25,000,000" in one_line(capsys)


def test_render_section_of_a_patch_must_give_a_length(tmp_path, capsys):
    for section in ("{seconds: .nan}", "{seconds: long}", "5", "{seconds: 1.0e300}"):
        patch = tmp_path / "p.yaml"
        patch.write_text(f"nodes:\n  s: {{type: sine}}\nout: s\nrender: {section}\n")
        assert main(["render", str(patch), "-o", str(tmp_path / "p.wav")]) == 2
        line = one_line(capsys)  # said by the file's reader (NaN) or by render (the others)
        assert "p.yaml" in line and ("render:" in line or "line 4" in line), line
    assert not (tmp_path / "p.wav").exists()


@pytest.mark.parametrize("command, name", [
    (["render", DUAL, "--seconds", "0.1", "-o"], "d"),
    (["plot", DUAL, "--seconds", "0.1", "-o"], "d"),
    (["explain", DUAL, "--seconds", "0.1", "-o"], "d"),
    (["chaos", DUAL, "--bifurcation", "a.w.b=0:1:2", "-o"], "d"),
    (["play", DUAL, "--audio", "null", "--seconds", "0.3", "-o"], "d"),
    (["play", DUAL, "--audio", "null", "--seconds", "0.3", "--record"], "d"),
    (["instrument", TAUGHT, "--offline", "--seconds", "0.2", "--wav"], "d"),
    (["instrument", TAUGHT, "--offline", "--seconds", "0.2", "-o"], "d"),
    (["schema", "-o"], "d"),
    (["train", str(ROOT / "examples" / "instruments" / "taught_mouse_examples.csv"),
      "--instrument", TAUGHT, "-o"], "d"),
    (["render", DUAL, "--seconds", "0.1", "-o"], "x.mp3"),
    (["render", DUAL, "--seconds", "0.1", "-o"], "f/x.wav"),
    (["play", DUAL, "--audio", "null", "--seconds", "0.3", "-o"], "take.flac"),
    (SWEEP + ["-o"], "f"),
    (["demo", str(ROOT / "examples"), "-o"], "f"),
])
def test_outputs_are_checked_before_any_work(tmp_path, capsys, command, name):
    (tmp_path / "d").mkdir()
    (tmp_path / "f").write_text("a file, kept")
    assert main([*command, str(tmp_path / name)]) == 2
    err = one_line(capsys)
    assert str(tmp_path) in err
    assert capsys.readouterr().out == ""  # nothing played, rendered or trained first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "f"]
    assert list((tmp_path / "d").iterdir()) == [] and (tmp_path / "f").read_text() == "a file, kept"


def test_a_name_that_is_not_utf8_is_one_clear_line(tmp_path):
    out = os.fsencode(tmp_path) + b"/\xff.wav"
    done = subprocess.run([sys.executable, "-m", "neuromix", "render", DUAL, "--seconds", "0.1",
                           "-o", out], capture_output=True)
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert b"not valid UTF-8" in done.stderr and len(done.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_message_naming_a_file_that_is_not_utf8_prints_its_bytes(tmp_path):
    done = subprocess.run([sys.executable, "-m", "neuromix", "info",
                           os.fsencode(tmp_path) + b"/\xff.yaml"], capture_output=True)
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert b"\xff.yaml: no such patch file" in done.stderr


@pytest.mark.parametrize("command", [["nodes"], ["info", DUAL], ["schema"]])
def test_a_closed_pipe_ends_quietly(command):
    """``neuromix nodes | head -1``: the reader has gone before the writer writes."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "neuromix", *command], stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert done.stderr == "" and done.returncode == 141  # 128 + SIGPIPE, as a shell reports


def test_train_refuses_binary_and_non_utf8_examples(tmp_path, capsys):
    binary, latin = tmp_path / "bin.csv", tmp_path / "latin.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    latin.write_bytes("x,y,bright,shape,detune,level\n0.1,0.2,0.3,0.4,0.5,0.6 # \xe9t\xe9\n"
                      .encode("latin-1"))
    for path in (binary, latin):
        assert main(["train", str(path), "--instrument", TAUGHT, "-o",
                     str(tmp_path / "m.json")]) == 2
        assert f"{path}: is not a CSV text file (UTF-8)" in one_line(capsys)
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize("column", [
    ["1.7e308", "-1.7e308"],   # a range past the largest float
    ["0", "1e-320"],           # a range so small that its inverse is infinite
    ["1e308", "-1e308"],       # (as outputs) a range past the largest float
])
def test_train_refuses_a_model_that_is_not_finite(tmp_path, capsys, column):
    examples = tmp_path / "ex.csv"
    rows = ["x,y,bright,shape,detune,level"]
    rows += [f"{column[i % 2]},{i / 20},0.1,0.2,0.3,{i / 7}" for i in range(8)]
    if column[0] == "1e308":
        rows = [rows[0]] + [f"{i / 10},{i / 20},{column[i % 2]},0.2,0.3,0.4" for i in range(8)]
    examples.write_text("\n".join(rows) + "\n")
    model = tmp_path / "m.json"
    model.write_text("the previous model")
    assert main(["train", str(examples), "--instrument", TAUGHT, "-o", str(model), "-q",
                 "--epochs", "30"]) == 2
    err = one_line(capsys)
    assert "not trained" in err and ("not finite" in err or "too large" in err)
    assert model.read_text() == "the previous model"


def test_unknown_names_are_said_without_keyerror_quotes(capsys):
    compiled = CompiledPatch(load_graph(DUAL))
    with pytest.raises(KeyError) as err:  # still a KeyError for code that looks names up
        compiled.index("a.w.bb")
    assert isinstance(err.value, NeuromixError)
    assert str(err.value).startswith("no parameter 'a.w.bb' (did you mean 'a.w.b'")
    assert main(["nodes", "sinee"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "neuromix: unknown node type 'sinee' (did you mean sine, snare?)\n"
    for args in (["render", DUAL, "--set", "a.w.bb=1"], ["play", DUAL, "--midi-learn", "a.w.bb"],
                 SWEEP[:2] + ["--param", "a.w.bb=0:1:2"]):
        assert main(args) == 2
        err = one_line(capsys)
        assert err.startswith("neuromix: ") and "'a.w.bb'" in err and "did you mean 'a.w.b'" in err
        assert not err.startswith('neuromix: "')


def test_no_command_prints_its_errors_by_hand():
    """Commands raise a NeuromixError kind; the CLI says it once (neuromix.cli)."""
    for path in (ROOT / "src" / "neuromix" / "commands").glob("*.py"):
        text = path.read_text()
        said = [line for line in text.splitlines() if 'print(f"neuromix: ' in line
                and "playing" not in line and "deprecated" not in line]  # news, not errors
        assert said == [], path
        assert "return 2" not in text, path
        assert "except KeyError" not in text, path
