"""Train an instrument's taught network offline from recorded examples.

The examples are CSV files with a header naming the instrument's learn inputs and outputs
(several files are merged). The trained model is written where the instrument's
'learn: {model: ...}' says (or to -o), and the instrument plays it the next time it starts.
Training that gives numbers that are not finite is refused; the previous model stays.

Example: neuromix train examples/instruments/taught_mouse_examples.csv --instrument examples/instruments/taught_mouse.yaml
"""

from __future__ import annotations

import sys

from neuromix.commands import _args

HELP = "train an instrument's taught network from recorded examples (CSV)"


def add_arguments(parser) -> None:
    parser.add_argument("examples", nargs="+", help="examples CSV file(s), merged")
    parser.add_argument("--instrument", required=True, metavar="FILE",
                        help="the instrument file with the 'learn' section")
    _args.add_output(parser, "where to write the model, MODEL.json (default: the file's "
                             "learn: model)", old="--out")
    parser.add_argument("--epochs", type=_args.whole(1, 10_000_000),
                        help="override the file's epochs")
    parser.add_argument("--seed", type=_args.seed, help="override the file's seed")
    parser.add_argument("--learning-rate", type=_args.positive,
                        help="override the file's learning rate")
    _args.add_progress(parser)


def run(args) -> int:
    import dataclasses

    from neuromix.errors import TrainError, UsageError
    from neuromix.instrument.file import load
    from neuromix.instrument.mlp import fit
    from neuromix.instrument.teach import read_examples

    spec = load(args.instrument)
    if spec.learn is None:
        raise UsageError(f"{args.instrument} has no 'learn:' section to train")
    out = args.output or spec.learn.model
    if out is None:
        raise UsageError("say where the model goes: -o MODEL.json (or learn: {model: ...})")
    _args.output_path(out)
    overrides = {k: v for k, v in (("epochs", args.epochs), ("seed", args.seed),
                                   ("learning_rate", args.learning_rate)) if v is not None}
    try:
        settings = dataclasses.replace(spec.learn.settings, **overrides)
    except ValueError as err:  # a setting the instrument's rules refuse
        raise UsageError(str(err)) from None
    x, y = read_examples(args.examples, spec.learn.inputs, list(spec.learn.outputs))
    every = max(1, settings.epochs // 10)
    show = _args.progress(args) is not False

    def progress(epoch, train, validation):
        if show and (epoch % every == 0 or epoch == 1):
            print(f"epoch {epoch}: train error {train / 2:.4%}, validation {validation / 2:.4%}",
                  file=sys.stderr, flush=True)

    try:
        model = fit(x, y, spec.learn.inputs, list(spec.learn.outputs), settings, progress)
    except TrainError as err:
        raise TrainError(f"not trained: {err}") from None
    model.save(out)
    print(f"done: {len(x)} examples, {len(model.history)} epochs, validation error "
          f"{model.error:.3%} of the output range; wrote {out}")
    return 0
