"""Print the JSON Schema of patch files, or of instrument files with ``--instrument`` (for
editors that validate YAML as you type)."""

from __future__ import annotations

from neuromix.commands import _args

HELP = "print the JSON Schema of patch files (or of instrument files)"


def add_arguments(parser) -> None:
    parser.add_argument("--instrument", action="store_true",
                        help="the schema of instrument files instead of patch files")
    _args.add_output(parser, "write to this file instead of printing")


def run(args) -> int:
    import json

    from neuromix.graph.schema import patch_schema
    from neuromix.instrument.schema import instrument_schema
    from neuromix.io.atomic import write_text

    schema = instrument_schema() if args.instrument else patch_schema()
    text = json.dumps(schema, indent=2) + "\n"
    if args.output:
        _args.output_path(args.output)
        write_text(args.output, text)
    else:
        print(text, end="")
    return 0
