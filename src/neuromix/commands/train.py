"""Train an instrument's taught network offline from recorded examples.

The examples are CSV files with a header naming the instrument's learn inputs and outputs
(several files are merged). The trained model is written where the instrument's
'learn: {model: ...}' says (or to --out), and the instrument plays it the next time it starts.

Example: neuromix train examples/instruments/taught_mouse_examples.csv --instrument examples/instruments/taught_mouse.yaml
"""

from __future__ import annotations

import sys

HELP = "train an instrument's taught network from recorded examples (CSV)"


def add_arguments(parser) -> None:
    parser.add_argument("examples", nargs="+", help="examples CSV file(s), merged")
    parser.add_argument("--instrument", required=True, metavar="FILE",
                        help="the instrument file with the 'learn' section")
    parser.add_argument("--out", metavar="MODEL.json",
                        help="where to write the model (default: the file's learn: model)")
    parser.add_argument("--epochs", type=int, help="override the file's epochs")
    parser.add_argument("--seed", type=int, help="override the file's seed")
    parser.add_argument("--learning-rate", type=float, help="override the file's learning rate")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args) -> int:
    import dataclasses

    from neuromix.instrument.file import load
    from neuromix.instrument.mlp import TrainError, fit
    from neuromix.instrument.teach import read_examples

    spec = load(args.instrument)
    if spec.learn is None:
        print(f"neuromix: {args.instrument} has no 'learn:' section to train", file=sys.stderr)
        return 2
    out = args.out or spec.learn.model
    if out is None:
        print("neuromix: say where the model goes: --out MODEL.json (or learn: {model: ...})",
              file=sys.stderr)
        return 2
    overrides = {k: v for k, v in (("epochs", args.epochs), ("seed", args.seed),
                                   ("learning_rate", args.learning_rate)) if v is not None}
    try:
        settings = dataclasses.replace(spec.learn.settings, **overrides)
    except ValueError as err:
        print(f"neuromix: {err}", file=sys.stderr)
        return 2
    x, y = read_examples(args.examples, spec.learn.inputs, list(spec.learn.outputs))
    every = max(1, settings.epochs // 10)

    def progress(epoch, train, validation):
        if not args.quiet and (epoch % every == 0 or epoch == 1):
            print(f"epoch {epoch}: train error {train / 2:.4%}, validation {validation / 2:.4%}",
                  file=sys.stderr, flush=True)

    try:
        model = fit(x, y, spec.learn.inputs, list(spec.learn.outputs), settings, progress)
    except TrainError as err:
        print(f"neuromix: not trained: {err}", file=sys.stderr)
        return 2
    model.save(out)
    print(f"done: {len(x)} examples, {len(model.history)} epochs, validation error "
          f"{model.error:.3%} of the output range; wrote {out}")
    return 0
