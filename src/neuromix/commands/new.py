"""Write a commented starter file to edit: a neuron, a dual neuron organism, a learner or an
instrument. Each one renders (or plays headless) at once, and its comments say how.
Example: neuromix new organism my_organism.yaml && neuromix render my_organism.yaml -o my.wav
"""

from __future__ import annotations

HELP = "write a commented starter patch or instrument file (neuron, organism, learner, instrument)"

TEMPLATES = {
    "neuron": "one tanh neuron mixing a sine and a triangle",
    "organism": "two neurons feeding each other: a chaotic dual neuron organism",
    "learner": "a neuron that learns to sound like a hidden teacher neuron",
    "instrument": "mouse X/Y through two neurons with feedback to MIDI notes and a CC",
}


def add_arguments(parser) -> None:
    parser.add_argument("template", choices=sorted(TEMPLATES), metavar="TEMPLATE",
                        help="; ".join(f"{name}: {doc}" for name, doc in TEMPLATES.items()))
    parser.add_argument("file", help="the file to write (YAML); an existing file is never replaced")


def run(args) -> int:
    from pathlib import Path

    from neuromix.templates import write_template

    for path in write_template(args.template, Path(args.file)):
        print(f"wrote {path}")
    return 0
