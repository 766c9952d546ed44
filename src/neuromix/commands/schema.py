"""Print the JSON Schema of patch files (for editors that validate YAML as you type)."""

from __future__ import annotations

from neuromix.commands import _args

HELP = "print the JSON Schema of patch files"


def add_arguments(parser) -> None:
    _args.add_output(parser, "write to this file instead of printing")


def run(args) -> int:
    import json

    from neuromix.io.atomic import write_text
    from neuromix.graph.schema import patch_schema

    text = json.dumps(patch_schema(), indent=2) + "\n"
    if args.output:
        _args.output_path(args.output)
        write_text(args.output, text)
    else:
        print(text, end="")
    return 0
