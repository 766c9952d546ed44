"""Every subcommand speaks the one vocabulary: a walk over the real parsers, so a new command
(or a new flag) cannot drift from it."""

import argparse

import pytest

from neuromix.cli import build_parser, main
from neuromix.commands import _args

RENDERS = {"render", "plot", "explain", "chaos", "sweep", "play"}
WRITES = {"render", "plot", "explain", "chaos", "sweep", "play", "schema", "train", "demo",
          "instrument", "learn fit", "learn reservoir"}
PROGRESS = {"render", "plot", "explain", "chaos", "sweep", "play", "train", "demo",
            "learn fit", "learn reservoir"}
INSTANT = {"info", "nodes", "schema", "new"}  # nothing to wait for: no progress switch
# (`new TEMPLATE FILE` names its file as the issue spells it: a starter is written, not rendered)
GROUPS = {"learn"}  # only holds subcommands
SHARED_TYPES = {"--seconds": _args.seconds, "--sr": _args.sample_rate, "--seed": _args.seed,
                "--set": _args.assignment}


def subcommands():
    """(name, parser) of every subcommand, nested ones as 'learn fit'."""
    def walk(parser, prefix):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    full = f"{prefix} {name}".strip()
                    yield full, sub
                    yield from walk(sub, full)
    return list(walk(build_parser(), ""))


def options(parser) -> dict[str, argparse.Action]:
    return {o: a for a in parser._actions for o in a.option_strings}


ALL = subcommands()


def test_every_command_is_classified():
    """A new command must say here whether it renders, writes and shows progress."""
    names = {name for name, _ in ALL}
    assert names == RENDERS | WRITES | PROGRESS | INSTANT | GROUPS | {"info", "nodes"}


@pytest.mark.parametrize("name, parser", ALL, ids=[n for n, _ in ALL])
def test_every_subcommand_has_a_description(name, parser):
    assert parser.description and len(parser.description.strip()) > 30, name


@pytest.mark.parametrize("name, parser", ALL, ids=[n for n, _ in ALL])
def test_the_vocabulary(name, parser):
    opts = options(parser)
    if name in RENDERS:
        for flag, kind in SHARED_TYPES.items():
            assert flag in opts and opts[flag].type is kind, (name, flag)
        assert opts["--set"].default == [] and isinstance(opts["--set"], argparse._AppendAction)
    if "--seconds" in opts and name != "learn fit":
        assert opts["--seconds"].type is _args.seconds, name  # the length of audio, everywhere
    if name in WRITES:
        assert "-o" in opts, name
    if name in PROGRESS:
        assert {"--progress", "--no-progress", "-q"} <= set(opts), name
        assert opts["--progress"].default is None, name  # bars on a terminal by default
    if name in PROGRESS | {"instrument"}:
        assert "-q" in opts, name


@pytest.mark.parametrize("name, parser", ALL, ids=[n for n, _ in ALL])
def test_numbers_are_read_by_typed_validators(name, parser):
    """A plain float() lets NaN and inf through, a plain int() any size: every number goes
    through a validator of the shared module."""
    for action in parser._actions:
        assert action.type not in (float, int), (name, action.option_strings)


@pytest.mark.parametrize("name, parser", ALL, ids=[n for n, _ in ALL])
def test_old_spellings_are_hidden_from_help(name, parser):
    shown = {o for a in parser._actions if a.help != argparse.SUPPRESS for o in a.option_strings}
    assert not shown & {"--quiet", "--out"}, name
    assert "--quiet" not in parser.format_usage() and "--out " not in parser.format_usage()


def test_old_spellings_still_work_with_a_deprecation_line(tmp_path, capsys):
    out = tmp_path / "made"
    assert main(["demo", str(tmp_path / "none"), "--out", str(out)]) == 2  # parsed, then refused
    err = capsys.readouterr().err
    assert "--out is deprecated" in err and "use -o" in err and "no examples folder" in err
    ns = build_parser().parse_args(["train", "x.csv", "--instrument", "i.yaml", "--out", "m.json",
                                    "--quiet"])
    assert ns.output == "m.json" and ns.quiet is True
    err = capsys.readouterr().err
    assert "--out is deprecated" in err and "--quiet is deprecated" in err and "use -q" in err


def test_learn_fit_seconds_is_refused_with_a_hint(capsys):
    assert main(["learn", "fit", "p.yaml", "t.wav", "--param", "a.bias", "-o", "x.yaml",
                 "--seconds", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--train-seconds" in err and len(err.splitlines()) == 1
    ns = build_parser().parse_args(["learn", "fit", "p.yaml", "t.wav", "--param", "a.bias",
                                    "-o", "x.yaml", "--train-seconds", "0.5"])
    assert ns.train_seconds == 0.5
