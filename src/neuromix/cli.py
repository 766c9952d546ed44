"""The command line: thin. Parses, calls the library, prints.

Each subcommand is a module in ``neuromix.commands`` with ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int``. Modules are found by name, so adding a
command touches no other file. Command modules import heavy libraries inside ``run`` only, to
keep start-up fast.

Examples
--------
>>> main(["--version"])  # doctest: +ELLIPSIS
neuromix ...
0
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from neuromix import __version__
from neuromix.errors import NeuromixError


def _commands():
    import neuromix.commands as pkg

    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not mod.name.startswith("_"):
            yield mod.name.replace("_", "-"), importlib.import_module(f"neuromix.commands.{mod.name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuromix", description="Music and sound with artificial "
                                     "neurons: patch, render, play, learn, explain.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in _commands():
        cmd = sub.add_parser(name, help=module.HELP, description=module.__doc__)
        module.add_arguments(cmd)
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
    except KeyboardInterrupt:
        print("neuromix: interrupted", file=sys.stderr)
        return 130
