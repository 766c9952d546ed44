"""List every node type with its inputs (default, range, unit), outputs, options and doc."""

from __future__ import annotations

HELP = "the node catalogue"


def add_arguments(parser) -> None:
    parser.add_argument("name", nargs="?", help="show one node type only")
    parser.add_argument("--markdown", action="store_true", help="print docs/nodes.md")


def run(args) -> int:
    from neuromix.nodes import get, registry
    from neuromix.nodes._catalogue import markdown, text

    if args.markdown:
        print(markdown(), end="")
    elif args.name:
        print(text([get(args.name)]), end="")  # UnknownNameError, said by the CLI
    else:
        print(text(registry().values()), end="")
    return 0
