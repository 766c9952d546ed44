"""Fit a patch to a target sound offline: ``learn fit`` and ``learn reservoir``.

``learn fit PATCH TARGET.wav --param a.w.s1 --param a.bias ... -o fitted.yaml`` fits the
chosen parameters of any patch by CMA-ES (candidates rendered as lanes of one kernel, over
threads). ``learn reservoir TARGET.wav -o fitted.yaml`` trains an echo state network that plays
the target by itself (``learn reservoir A.wav B.wav -o morph.yaml``: one network for several
sounds, with a ``res.morph`` parameter moving between them). Both show progress, can draw the
learning curve (--curve) and write a JSON report (--report), print the report and end with a
line starting "done:" (on stdout), and write the result as a patch file that ``neuromix
render`` plays.

Example: neuromix learn fit examples/dual_neuron.yaml target.wav --param a.bias -o fitted.yaml
"""

from __future__ import annotations

import argparse
from pathlib import Path

from neuromix.commands import _args
from neuromix.errors import PatchError

MAX_SAMPLES = 1 << 16  # points of the global stage: more is a typo, not a wish
NEURONS, RESERVOIRS = 200, 2

HELP = "fit a patch's parameters to a target sound, or resynthesise it with a reservoir"
FIT = """Fit chosen parameters of a patch to a target sound.

Each --param is searched within a range (ADDRESS=LO:HI, or by default its current value
plus or minus 3 times its size): first a Sobol sample of the whole box (--samples), then
CMA-ES restarts from the best points that stand apart (--restarts). Candidates render as
lanes of one kernel, over threads; --train-seconds limits the part of the target they are
compared with. The fitted patch is written to -o; the confidence line sets the best loss
against a silent and a constant output, and a warning says when restarts disagree.

Example: neuromix learn fit examples/dual_neuron.yaml target.wav --param a.w.s1=-3:3 -o fitted.yaml
"""
RESERVOIR = """Train an echo state network (a reservoir of random neurons) to play a target sound.

It learns from the first --train-seconds of the target, then runs free; the free runs are
compared with what follows. The network is written as a patch file to -o. Given several
sounds, one network learns them all (one readout each) and its parameter res.morph moves
from the first sound (0) to the second (1) and on.

Example: neuromix learn reservoir flute.wav -o flute_esn.yaml --compare flute.png
         neuromix learn reservoir flute.wav violin.wav -o morph.yaml
"""


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="learn_command", metavar="{fit,reservoir}")
    fit = sub.add_parser("fit", help="fit chosen parameters of a patch to a target WAV (CMA-ES)",
                         description=FIT, formatter_class=argparse.RawDescriptionHelpFormatter)
    fit.add_argument("patch", help="patch file (YAML or JSON)")
    fit.add_argument("target", help="the target sound (WAV/FLAC at the patch's sample rate)")
    fit.add_argument("--param", action="append", default=[], metavar="ADDRESS[=LO:HI]",
                     required=True, type=param_range,
                     help="a parameter to fit (a.bias, a.w.s1, lp.cutoff), optionally with the "
                          "range to search (a.w.s1=-3:3); repeat for more")
    fit.add_argument("--train-seconds", type=_args.seconds,
                     help="use only the first SECONDS of the target (default: all of it)")
    fit.add_argument("--seconds", action=_Refused, help=argparse.SUPPRESS,
                     hint="--train-seconds")
    fit.add_argument("--samples", type=_args.whole(0, MAX_SAMPLES), metavar="N",
                     help="points of the global first stage (default 64 per parameter, as a "
                          "power of two; 0: start from the patch's values only)")
    fit.add_argument("--restarts", type=_args.whole(1, 64), default=4, metavar="N",
                     help="CMA-ES runs from distinct starting points (default 4)")
    fit.add_argument("--generations", type=_args.whole(1, 1_000_000), default=200,
                     help="most generations per restart (default 200)")
    fit.add_argument("--popsize", type=_args.whole(2, 4096), default=16,
                     help="candidates per generation (lanes)")
    fit.add_argument("--sigma", type=_args.fraction(0.3), default=0.1,  # fit.MAX_SIGMA
                     help="first CMA-ES step, times each search range (default 0.1, at "
                          "most 0.3)")
    fit.add_argument("--time-weight", type=_args.non_negative, default=1.0,
                     help="weight of the time-domain term (0 where phase is not meaningful)")
    fit.add_argument("--threads", type=_args.whole(1, 256), default=2,
                     help="threads rendering lanes (default 2)")
    fit.add_argument("--goal", type=_args.finite, default=0.0,
                     help="a restart ends once its loss is this low (default 0)")
    _common(fit)
    res = sub.add_parser("reservoir", help="train an echo state network to play a target WAV",
                         description=RESERVOIR,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    res.add_argument("target", nargs="+",
                     help="the target sound (WAV/FLAC); several for one network that morphs "
                          "between them (all at one sample rate)")
    res.add_argument("--neurons", type=_args.whole(1, 1000), default=NEURONS,
                     help=f"reservoir size (default {NEURONS})")
    res.add_argument("--degree", type=_args.whole(1, 4096), default=10,
                     help="inputs per neuron (default 10)")
    res.add_argument("--train-seconds", type=_args.seconds, default=1.0,
                     help="seconds of the target used for training (default 1); the free runs "
                          "are compared with what follows")
    res.add_argument("--reservoirs", type=_args.whole(1, 1000), default=RESERVOIRS,
                     help=f"random reservoirs drawn per setting (default {RESERVOIRS})")
    res.add_argument("--threads", type=_args.whole(1, 256), default=2,
                     help="threads training candidates (default 2)")
    res.add_argument("--compare", metavar="PNG",
                     help="draw the target's continuation against the free run here "
                          "(spectrograms and average spectra)")
    _common(res)


def param_range(text: str) -> tuple[str, tuple[float, float] | None]:
    """``ADDRESS`` or ``ADDRESS=LO:HI`` as (address, (lo, hi) or None), LO below HI."""
    address, sep, spec = text.partition("=")
    address = address.strip()
    if not address:
        raise argparse.ArgumentTypeError(f"{text!r} is not ADDRESS or ADDRESS=LO:HI "
                                         f"(e.g. a.w.s1=-3:3)")
    if not sep:
        return address, None
    parts = spec.split(":")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"{text!r}: give the range as LO:HI "
                                         f"(e.g. {address}=-3:3)")
    lo, hi = (_args.finite(v) for v in parts)
    if not lo < hi:
        raise argparse.ArgumentTypeError(f"{text!r}: the range's low end must be below its "
                                         f"high end")
    return address, (lo, hi)


class _Refused(argparse.Action):
    """A spelling that changed meaning: refused while parsing, with the one to use now."""

    def __init__(self, option_strings, dest, hint: str, **kw):
        self.hint = hint
        super().__init__(option_strings, dest, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(f"{option_string} is the length of audio in other commands; "
                     f"a fit's part of the target is {self.hint}")


def _common(parser) -> None:
    _args.add_output(parser, "the fitted patch file to write", required=True)
    parser.add_argument("--seed", type=_args.seed, default=0, help="random seed (default 0)")
    parser.add_argument("--curve", metavar="PNG", help="draw the learning curve here")
    parser.add_argument("--report", metavar="JSON", help="write the final report here")
    _args.add_progress(parser)


def read_target(path: str):
    """(mono samples, sample rate) of an audio file; PatchError with the file name if bad."""
    import soundfile as sf

    if not Path(path).is_file():
        raise PatchError("no such audio file", file=path)
    try:
        audio, sr = sf.read(path, dtype="float64", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as err:
        raise PatchError(f"is not an audio file soundfile can read ({err})", file=path) from None
    return audio.mean(axis=1), float(sr)


def run(args) -> int:
    from neuromix.errors import UsageError

    if args.learn_command is None:
        raise UsageError("learn needs a command: fit or reservoir (see neuromix learn --help)")
    _args.output_path(args.output, (".yaml", ".yml", ".json"))
    compare = getattr(args, "compare", None)
    for path, suffixes in ((args.curve, (".png",)), (args.report, (".json",)),
                           (compare, (".png",))):
        if path is not None:
            _args.output_path(path, suffixes)
    if args.curve or compare:
        try:
            from neuromix.analysis.plots import learning_curve
        except ImportError:
            raise UsageError("--curve and --compare need matplotlib: pip install "
                             "'neuromix[explain]'") from None
    if args.learn_command == "fit":
        report, curve, ylabel, lines = _fit(args)
    else:
        report, curve, ylabel = _reservoir(args)
        lines = []
    if args.curve:
        learning_curve(curve, args.curve, title=f"learn {args.learn_command}", ylabel=ylabel,
                       xlabel="generation" if args.learn_command == "fit" else "candidate")
    if args.report:
        import json

        from neuromix.io.atomic import write_text

        write_text(args.report, json.dumps(report, indent=2) + "\n")
    for key, value in report.items():
        if key not in ("curve", "values", "ranges", "confidence"):
            print(f"  {key}: {value:.4g}" if isinstance(value, float) else f"  {key}: {value}")
    for line in lines:
        print(line)
    print(f"done: wrote {args.output} (SNR {report['snr_db']:.1f} dB, log-spectral distance "
          f"{report['log_spectral_distance_db']:.2f} dB)", flush=True)
    return 0


def _fit(args):
    from neuromix.graph.patchfile import load_graph, save
    from neuromix.learn.fit import check_rate, fit

    graph = load_graph(args.patch)
    target, sr = read_target(args.target)
    check_rate(graph, sr, args.target)
    addresses = [address for address, _ in args.param]
    ranges = {address: span for address, span in args.param if span is not None}
    result = fit(graph, target, addresses, ranges=ranges, seconds=args.train_seconds,
                 samples=args.samples, restarts=args.restarts, sigma=args.sigma,
                 popsize=args.popsize, generations=args.generations, goal=args.goal,
                 time_weight=args.time_weight, seed=args.seed, threads=args.threads,
                 progress=_args.progress(args))
    values = ", ".join(f"{k} {v:.6g}" for k, v in result.values.items())
    save(result.graph, args.output, comment=f"fitted by neuromix learn fit to {args.target} "
                                            f"(seed {args.seed}): {values}")
    report = {**result.report, "values": result.values, "curve": result.curve}
    for key, value in result.values.items():
        print(f"  {key} = {value:.6g}")
    return report, result.curve, "loss", result.confidence.lines()


def _reservoir(args):
    from neuromix.errors import UsageError
    from neuromix.learn.losses import continuation
    from neuromix.learn.reservoir import train

    if len(args.target) > 16:
        raise UsageError("learn reservoir morphs between at most 16 sounds")
    targets, rates = zip(*(read_target(path) for path in args.target))
    if len(set(rates)) > 1:
        raise UsageError("the sounds have different sample rates (" + ", ".join(
            f"{path}: {sr:g} Hz" for path, sr in zip(args.target, rates)) + "); convert them "
                         "to one first (sox in.wav -r 48000 out.wav)")
    sr = rates[0]
    try:
        res = train(list(targets) if len(targets) > 1 else targets[0], sr,
                    neurons=args.neurons, degree=args.degree, train_seconds=args.train_seconds,
                    seed=args.seed, reservoirs=args.reservoirs, threads=args.threads,
                    progress=_args.progress(args) is not False)
    except ValueError as err:
        raise UsageError(str(err)) from None
    res.save(args.output)
    if args.compare:
        from neuromix.analysis.plots import compare_spectra

        train_n = int(round(res.report["train_seconds"] * sr))
        frames = int(round(res.report["validate_seconds"] * sr))
        compare_spectra(continuation(targets[0], train_n, frames), res.run(frames), sr,
                        args.compare, title=f"{args.target[0]}: what follows the training span "
                                            f"against the network's free run")
    report = {**res.report, **{f"setting_{k}": v for k, v in res.settings.items()}}
    return report, res.report["curve"], "best MFCC NRMSE"
