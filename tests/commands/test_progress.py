"""Long commands say what they are doing: renders of 2 s or more in seconds of audio, the
bifurcation diagram per value, other long steps by their elapsed time; on a terminal by
default, everywhere with --progress, never with -q or --no-progress."""

import argparse
import time
from pathlib import Path

import pytest

from neuromix.cli import main
from neuromix.commands._args import Working
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.lyapunov import RENORM
from neuromix.engine.render import PROGRESS_FROM, render_to_file
from neuromix.graph.patchfile import load_graph

ROOT = Path(__file__).resolve().parents[2]
DUAL = str(ROOT / "examples" / "dual_neuron.yaml")


def test_render_progress_counts_seconds_of_audio_from_two_seconds(tmp_path, capsys):
    assert PROGRESS_FROM == 2.0
    compiled = CompiledPatch(load_graph(DUAL))
    render_to_file(compiled, tmp_path / "a.wav", 2.0, progress=True)
    err = capsys.readouterr().err
    assert "/2.0 s of audio" in err and "frame" not in err
    render_to_file(compiled, tmp_path / "b.wav", 1.9, progress=True)  # asked for: shown
    assert "/1.9 s of audio" in capsys.readouterr().err
    render_to_file(compiled, tmp_path / "c.wav", 1.9, progress=None)  # short: never a bar
    render_to_file(compiled, tmp_path / "d.wav", 3.0, progress=None)  # not a terminal here
    render_to_file(compiled, tmp_path / "e.wav", 3.0, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("flags, shown", [(["--progress"], True), ([], False),
                                          (["--no-progress"], False),
                                          (["--progress", "-q"], False)])
def test_render_command_progress_switch(tmp_path, capsys, flags, shown):
    assert main(["render", DUAL, "-o", str(tmp_path / "x.wav"), "--seconds", "2", *flags]) == 0
    assert ("s of audio" in capsys.readouterr().err) == shown


def test_bifurcation_shows_progress_per_value(tmp_path, capsys):
    out = tmp_path / "b.png"
    assert main(["chaos", DUAL, "--bifurcation", "a.w.b=0:1:40", "--seconds", "0.05",
                 "--sr", "8000", "-o", str(out), "--progress"]) == 0
    err = capsys.readouterr().err
    assert "bifurcation" in err and "/40 [" in err and "value/s" in err and out.exists()


def test_bifurcation_in_chunks_equals_one_run(tmp_path):
    """The command runs the values in chunks of lanes (bounded memory); the diagram is the
    library's one-call diagram."""
    import numpy as np

    from neuromix.analysis import chaos
    from neuromix.commands import chaos as command

    graph = load_graph(DUAL)
    args = argparse.Namespace(bifurcation=("a.w.b", 0.0, 2.0, 5), seconds=0.02, progress=False,
                              quiet=True)
    saved = command.CHUNK_SAMPLES
    command.CHUNK_SAMPLES = 2 * int((0.02 + command.TRANSIENT) * graph.sr)  # two values a chunk
    try:
        chunked = command._bifurcation(graph, args, RENORM)
    finally:
        command.CHUNK_SAMPLES = saved
    whole = chaos.bifurcation(graph, "a.w.b", np.linspace(0, 2, 5), seconds=0.02,
                              transient=command.TRANSIENT)
    np.testing.assert_array_equal(chunked.values, whole.values)
    np.testing.assert_allclose(chunked.lyapunov, whole.lyapunov, rtol=1e-9)
    for a, b in zip(chunked.points, whole.points):
        np.testing.assert_array_equal(a, b)


def _args(progress, quiet=False):
    return argparse.Namespace(progress=progress, quiet=quiet)


def test_a_long_step_says_what_it_is_doing(capsys):
    with Working(_args(True), "explain: analysing 2 s", after=0.0, every=0.01):
        time.sleep(0.1)
    err = capsys.readouterr().err
    assert err.startswith("explain: analysing 2 s... 0 s") and err.count("\n") == 1  # once
    for args in (_args(None), _args(False), _args(True, quiet=True)):  # no terminal here
        with Working(args, "quiet", after=0.0, every=0.01):
            time.sleep(0.05)
    with Working(_args(True), "short", after=5.0):
        pass
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("flags, shown", [(["--progress"], True), ([], False),
                                          (["--no-progress"], False),
                                          (["--progress", "-q"], False)])
def test_learn_fit_shows_its_stages_and_restarts(tmp_path, capsys, flags, shown):
    pytest.importorskip("cma")
    wav = tmp_path / "t.wav"
    assert main(["render", DUAL, "-o", str(wav), "--seconds", "0.02", "-q"]) == 0
    assert main(["learn", "fit", DUAL, str(wav), "--param", "a.bias", "-o",
                 str(tmp_path / "f.yaml"), "--samples", "16", "--restarts", "2",
                 "--generations", "3", *flags]) == 0
    err = capsys.readouterr().err
    assert ("sample:" in err and "/17 [" in err and "restart 1/2" in err
            and "restart 2/2" in err and "gen/s" in err) == shown
