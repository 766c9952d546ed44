"""The command line: thin. Parses, calls the library, prints.

Each subcommand is a module in ``neuromix.commands`` with ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int``; its docstring is its description. Modules
are found by name, so adding a command touches no other file; the flags they share come from
``neuromix.commands._args``. Command modules import heavy libraries inside ``run`` only, to
keep start-up fast.

Errors meant for a person (:class:`~neuromix.errors.NeuromixError`) are caught once, here,
and printed as one line. SIGTERM and SIGHUP stop a command as Ctrl-C does (a render removes
its temporary file, a take or a performance keeps what was played), unless the process was
started with them ignored (``nohup``). A closed pipe (``neuromix info P | head -1``) ends the
command quietly, as it does other Unix tools.

Examples
--------
>>> main(["--version"])  # doctest: +ELLIPSIS
neuromix ...
0
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import signal
import sys
import threading

import neuromix.commands
from neuromix import __version__
from neuromix.errors import NeuromixError

STOP_SIGNALS = ("SIGTERM", "SIGHUP")  # treated as Ctrl-C


class Stopped(KeyboardInterrupt):
    """A stop signal other than SIGINT, raised in the main thread as Ctrl-C would be."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _commands():
    for mod in sorted(pkgutil.iter_modules(neuromix.commands.__path__), key=lambda m: m.name):
        if not mod.name.startswith("_"):
            yield mod.name.replace("_", "-"), importlib.import_module(f"neuromix.commands.{mod.name}")


class Parser(argparse.ArgumentParser):
    """argparse, with a refused flag said in one line (and where to read more)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="neuromix", description="Music and sound with artificial "
                                     "neurons: patch, render, play, learn, explain.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in _commands():
        cmd = sub.add_parser(name, help=module.HELP, description=module.__doc__,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(cmd)
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    with _stop_signals(), _printable_names():
        try:
            code = _main(argv)
            sys.stdout.flush()  # a closed pipe shows here, not at exit
            return code
        except BrokenPipeError:
            _silence_stdout()
            return 128 + signal.SIGPIPE


def _main(argv) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, or a flag refused (argparse said why): a code to return
        return 0 if done.code is None else int(done.code)
    if args.version:
        print(f"neuromix {__version__}")
        return 0
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except NeuromixError as err:  # every error meant for a person: one line, no traceback
        print(f"neuromix: {err}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as err:
        print(f"neuromix: {err.strerror}: {err.filename}", file=sys.stderr)
        return 2
    except Stopped as stop:
        print(f"neuromix: stopped by {signal.Signals(stop.signum).name}", file=sys.stderr)
        return 128 + stop.signum
    except KeyboardInterrupt:
        print("neuromix: interrupted", file=sys.stderr)
        return 130


def _stop(signum, frame):
    raise Stopped(signum)


@contextlib.contextmanager
def _stop_signals():
    """SIGTERM and SIGHUP raise :class:`Stopped` (a KeyboardInterrupt) in the main thread
    while the command runs; the previous handlers come back after. A signal the process was
    started ignoring (``nohup`` ignores SIGHUP) stays ignored."""
    saved = {}
    if threading.current_thread() is threading.main_thread():
        for name in STOP_SIGNALS:
            sig = getattr(signal, name, None)
            if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
                saved[sig] = signal.signal(sig, _stop)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _printable_names():
    """File names that are not valid UTF-8 reach the terminal as the bytes they are."""
    streams = [s for s in (sys.stdout, sys.stderr) if hasattr(s, "reconfigure")]
    saved = [s.errors for s in streams]
    for stream in streams:
        utf8 = stream.encoding.lower().replace("-", "") == "utf8"
        stream.reconfigure(errors="surrogateescape" if utf8 else "backslashreplace")
    try:
        yield
    finally:
        for stream, errors in zip(streams, saved):
            with contextlib.suppress(ValueError):  # a stream closed meanwhile
                stream.reconfigure(errors=errors)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush finds no closed pipe."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
