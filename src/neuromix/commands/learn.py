"""Fit a patch to a target sound offline: ``learn fit`` and ``learn reservoir``.

``learn fit PATCH TARGET.wav --param a.w.s1 --param a.bias ... -o fitted.yaml`` fits the
chosen parameters of any patch by CMA-ES (candidates rendered as lanes of one kernel, over
threads). ``learn reservoir TARGET.wav -o fitted.yaml`` trains an echo state network that plays
the target by itself. Both show progress, can draw the learning curve (--curve) and write a
JSON report (--report), print the report and end with a line starting "done:" (on stdout), and
write the result as a patch file that ``neuromix render`` plays.

Example: neuromix learn fit examples/dual_neuron.yaml target.wav --param a.bias -o fitted.yaml
"""

from __future__ import annotations

import sys

HELP = "fit a patch's parameters to a target sound, or resynthesise it with a reservoir"


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="learn_command", metavar="{fit,reservoir}")
    fit = sub.add_parser("fit", help="fit chosen parameters of a patch to a target WAV (CMA-ES)")
    fit.add_argument("patch", help="patch file (YAML or JSON)")
    fit.add_argument("target", help="the target sound (WAV/FLAC at the patch's sample rate)")
    fit.add_argument("--param", action="append", default=[], metavar="ADDRESS", required=True,
                     help="a parameter to fit (a.bias, a.w.s1, lp.cutoff); repeat for more")
    fit.add_argument("--seconds", type=float, help="use only the first SECONDS of the target")
    fit.add_argument("--generations", type=int, default=200, help="budget (default 200)")
    fit.add_argument("--popsize", type=int, default=16, help="candidates per generation (lanes)")
    fit.add_argument("--sigma", type=float, default=0.5,
                     help="first step, times each value's size (at least 1) (default 0.5)")
    fit.add_argument("--time-weight", type=float, default=1.0,
                     help="weight of the time-domain term (0 where phase is not meaningful)")
    fit.add_argument("--threads", type=int, default=2, help="threads rendering lanes (default 2)")
    fit.add_argument("--goal", type=float, default=0.0, help="stop once the loss is this low")
    _common(fit)
    res = sub.add_parser("reservoir", help="train an echo state network to play a target WAV")
    res.add_argument("target", help="the target sound (WAV/FLAC)")
    res.add_argument("--neurons", type=int, default=40, help="reservoir size (default 40)")
    res.add_argument("--degree", type=int, default=10, help="inputs per neuron (default 10)")
    res.add_argument("--train-seconds", type=float, default=1.0,
                     help="seconds of the target used for training (default 1); the free runs "
                          "are compared with what follows")
    res.add_argument("--reservoirs", type=int, default=3,
                     help="random reservoirs drawn per setting (default 3)")
    _common(res)


def _common(parser) -> None:
    parser.add_argument("-o", "--output", required=True, help="the fitted patch file to write")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--curve", metavar="PNG", help="draw the learning curve here")
    parser.add_argument("--report", metavar="JSON", help="write the final report here")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def read_target(path: str):
    """(mono samples, sample rate) of an audio file; PatchError with the file name if bad."""
    import soundfile as sf

    from neuromix.graph.graph import PatchError

    from pathlib import Path

    if not Path(path).is_file():
        raise PatchError("no such audio file", file=path)
    try:
        audio, sr = sf.read(path, dtype="float64", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as err:
        raise PatchError(f"is not an audio file soundfile can read ({err})", file=path) from None
    return audio.mean(axis=1), float(sr)


def run(args) -> int:
    if args.learn_command is None:
        print("neuromix: learn needs a command: fit or reservoir (see neuromix learn --help)",
              file=sys.stderr)
        return 2
    try:
        if args.learn_command == "fit":
            report, curve, ylabel = _fit(args)
        else:
            report, curve, ylabel = _reservoir(args)
    except ValueError as err:  # FitError and bad settings; PatchError is reported by the CLI
        from neuromix.graph.graph import PatchError

        if isinstance(err, PatchError):
            raise
        print(f"neuromix: {err}", file=sys.stderr)
        return 2
    if args.curve:
        try:
            from neuromix.analysis.plots import learning_curve
        except ImportError:
            print("neuromix: --curve needs matplotlib: pip install 'neuromix[explain]'",
                  file=sys.stderr)
            return 2
        learning_curve(curve, args.curve, title=f"learn {args.learn_command}", ylabel=ylabel,
                       xlabel="generation" if args.learn_command == "fit" else "candidate")
    if args.report:
        import json

        from neuromix.io.atomic import write_text

        write_text(args.report, json.dumps(report, indent=2) + "\n")
    for key, value in report.items():
        if key not in ("curve", "values"):
            print(f"  {key}: {value:.4g}" if isinstance(value, float) else f"  {key}: {value}")
    print(f"done: wrote {args.output} (SNR {report['snr_db']:.1f} dB, log-spectral distance "
          f"{report['log_spectral_distance_db']:.2f} dB)", flush=True)
    return 0


def _fit(args):
    from neuromix.graph.patchfile import load_graph, save
    from neuromix.learn.fit import check_rate, fit

    graph = load_graph(args.patch)
    target, sr = read_target(args.target)
    check_rate(graph, sr, args.target)
    result = fit(graph, target, args.param, seconds=args.seconds, sigma=args.sigma,
                 popsize=args.popsize, generations=args.generations, goal=args.goal,
                 time_weight=args.time_weight, seed=args.seed, threads=args.threads,
                 progress=not args.quiet)
    values = ", ".join(f"{k} {v:.6g}" for k, v in result.values.items())
    save(result.graph, args.output, comment=f"fitted by neuromix learn fit to {args.target} "
                                            f"(seed {args.seed}): {values}")
    report = {**result.report, "values": result.values, "curve": result.curve}
    for key, value in result.values.items():
        print(f"  {key} = {value:.6g}")
    return report, result.curve, "loss"


def _reservoir(args):
    from neuromix.learn.reservoir import train

    target, sr = read_target(args.target)
    res = train(target, sr, neurons=args.neurons, degree=args.degree,
                train_seconds=args.train_seconds, seed=args.seed, reservoirs=args.reservoirs,
                progress=not args.quiet)
    res.save(args.output)
    report = {**res.report, **{f"setting_{k}": v for k, v in res.settings.items()}}
    return report, res.report["curve"], "best MFCC NRMSE"
