"""The command line's one vocabulary: shared flags, defined once, and typed validators.

Every command that renders takes ``--seconds`` (audio length), ``--sr``, ``--seed`` and
``--set ADDRESS=VALUE`` (:func:`add_render`); every command that writes takes ``-o``
(:func:`add_output`); every command that can take a while takes ``--progress/--no-progress``
and ``-q`` (:func:`add_progress`). The validators are ``type=`` functions for argparse: a bad
value is refused while parsing, before any work, with one line naming the flag.

Limits (documented in docs/cli.md): seconds of audio are finite, positive and at most
:data:`MAX_SECONDS` (a day); sample rates 1 Hz to :data:`MAX_SR`; ports 1 to 65535.

Examples
--------
>>> seconds("2.5")
2.5
>>> seconds("nan")
Traceback (most recent call last):
argparse.ArgumentTypeError: 'nan' is not a length in seconds: give a finite number above 0 (at most 86400, a day)
>>> port("70000")
Traceback (most recent call last):
argparse.ArgumentTypeError: '70000' is not a port: give a whole number from 1 to 65535
>>> assignment("a.w.b=1.3")
('a.w.b', 1.3)
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import threading
import time
from pathlib import Path

from neuromix.errors import UsageError

MAX_SECONDS = 86400.0  # a day of audio: longer is a typo (1e300), never a wish
MAX_SR = 1_000_000.0  # as the patch-file validator
MAX_BLOCK = 1 << 20  # frames per kernel call when rendering
MAX_SEED = 2 ** 63 - 1


# -- validators (argparse ``type=`` functions) ---------------------------------------------
def _number(text: str, what: str, rule: str, ok, cast=float):
    try:
        value = cast(text)
    except (TypeError, ValueError, OverflowError):
        value = None
    if value is None or (cast is float and not math.isfinite(value)) or not ok(value):
        raise argparse.ArgumentTypeError(f"{str(text)!r} is not {what}: give {rule}")
    return value


def seconds(text: str) -> float:
    """A length of audio in seconds: finite, above 0, at most :data:`MAX_SECONDS`."""
    return _number(text, "a length in seconds",
                   f"a finite number above 0 (at most {MAX_SECONDS:g}, a day)",
                   lambda v: 0 < v <= MAX_SECONDS)


def duration(text: str) -> float:
    """A time in seconds that may be 0 (a transient, a glide), at most :data:`MAX_SECONDS`."""
    return _number(text, "a time in seconds", f"a finite number from 0 to {MAX_SECONDS:g}",
                   lambda v: 0 <= v <= MAX_SECONDS)


def sample_rate(text: str) -> float:
    """A sample rate in Hz, 1 to :data:`MAX_SR`."""
    return _number(text, "a sample rate", f"a number of Hz from 1 to {MAX_SR:,.0f}",
                   lambda v: 1 <= v <= MAX_SR)


def seed(text: str) -> int:
    """A random seed: a whole number (below 2**63 in size)."""
    return _number(text, "a seed", "a whole number", lambda v: abs(v) <= MAX_SEED, int)


def port(text: str) -> int:
    """A UDP or TCP port, 1 to 65535."""
    return _number(text, "a port", "a whole number from 1 to 65535", lambda v: 1 <= v <= 65535,
                   int)


def finite(text: str) -> float:
    """Any finite number."""
    return _number(text, "a number", "a finite number", lambda v: True)


def positive(text: str) -> float:
    """A finite number above 0."""
    return _number(text, "a positive number", "a finite number above 0", lambda v: v > 0)


def fraction(most: float = 1.0):
    """A validator for a share of a whole: a finite number above 0, at most ``most``."""
    def check(text: str) -> float:
        return _number(text, "a fraction", f"a finite number above 0, at most {most:g}",
                       lambda v: 0 < v <= most)

    check.__name__ = f"fraction up to {most:g}"
    return check


def non_negative(text: str) -> float:
    """A finite number of 0 or more."""
    return _number(text, "a number of 0 or more", "a finite number of 0 or more",
                   lambda v: v >= 0)


def sound_file(text: str) -> str:
    """A sound file neuromix can read: it exists and its header is one of a sound file."""
    from neuromix.errors import AudioFileError
    from neuromix.io.audiofile import info

    try:
        info(text)
    except AudioFileError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def whole(lo: int, hi: int | None = None):
    """A validator for a whole number from ``lo`` (to ``hi``)."""
    rule = f"a whole number from {lo}" + (f" to {hi}" if hi is not None else " up")

    def check(text: str) -> int:
        return _number(text, "a count", rule, lambda v: v >= lo and (hi is None or v <= hi), int)

    check.__name__ = f"whole from {lo}"
    return check


def assignment(text: str) -> tuple[str, float]:
    """``ADDRESS=VALUE`` as (address, finite value)."""
    address, sep, value = text.partition("=")
    if not sep or not address.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not ADDRESS=VALUE (e.g. a.w.b=1.3)")
    return address.strip(), _number(value, f"a value for {address.strip()}", "a finite number",
                                    lambda v: True)


def value_range(most: int):
    """A validator for ``ADDRESS=LO:HI:N`` (N values from LO to HI, N from 1 to ``most``):
    (address, lo, hi, n)."""
    def check(text: str) -> tuple[str, float, float, int]:
        address, sep, spec = text.partition("=")
        parts = spec.split(":")
        if not sep or not address.strip() or len(parts) != 3:
            raise argparse.ArgumentTypeError(f"{text!r} is not ADDRESS=LO:HI:N (e.g. a.w.b=-3:3:64)")
        lo, hi = (_number(v, f"a bound of {address}", "a finite number", lambda v: True)
                  for v in parts[:2])
        n = _number(parts[2], "a number of values", f"a whole number from 1 to {most:,}",
                    lambda v: 1 <= v <= most, int)
        return address.strip(), lo, hi, n

    check.__name__ = "ADDRESS=LO:HI:N"
    return check


# -- shared flags --------------------------------------------------------------------------
def add_render(parser, seconds_help: str, default: float | None = None) -> None:
    """``--seconds``, ``--sr``, ``--seed`` and ``--set`` for a command that renders a patch."""
    parser.add_argument("--seconds", type=seconds, default=default, metavar="S", help=seconds_help)
    parser.add_argument("--sr", type=sample_rate, metavar="HZ",
                        help="sample rate in Hz (default: the patch's)")
    parser.add_argument("--seed", type=seed, metavar="N", help="random seed (default: the patch's)")
    parser.add_argument("--set", action="append", default=[], type=assignment,
                        metavar="ADDRESS=VALUE", help="set a parameter first (repeatable)")


def add_input(parser) -> None:
    """``--input FILE`` and ``--loop-input``: the sound a patch's audio_in nodes hear."""
    parser.add_argument("--input", type=sound_file, metavar="FILE",
                        help="sound file the patch's audio_in nodes hear (default: the one its "
                             "input: section names), resampled to the patch's rate")
    parser.add_argument("--loop-input", action="store_true",
                        help="play the input file again and again (with a longer --seconds)")


def apply_input(graph, args) -> None:
    """Make ``--input``/``--loop-input`` the patch's own input (its ``input:`` section), which
    every run of its kernel then hears; a warning when the patch has no audio_in node."""
    import sys
    from pathlib import Path

    from neuromix.nodes.io_nodes import input_channels

    if args.input is not None and not input_channels(graph):
        print(f"warning: the patch has no audio_in node: {args.input} is not heard",
              file=sys.stderr)
        return
    section = graph.extra.get("input")
    if args.input is not None:
        graph.extra["input"] = {"file": str(Path(args.input).resolve()), "loop": args.loop_input}
    elif args.loop_input and section is not None:
        file = section["file"] if isinstance(section, dict) else section
        graph.extra["input"] = {"file": file, "loop": True}


def add_output(parser, help: str, required: bool = False, old: str | None = None,
               metavar: str = "FILE") -> None:
    """``-o/--output``; ``old`` names an earlier spelling kept for a release with a warning."""
    parser.add_argument("-o", "--output", required=required, metavar=metavar, help=help)
    if old:
        parser.add_argument(old, dest="output", action=Deprecated, new="-o",
                            help=argparse.SUPPRESS)


def add_progress(parser) -> None:
    """``--progress/--no-progress`` (bars on a terminal by default) and ``-q``."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show progress bars (default: when stderr is a terminal)")
    parser.add_argument("-q", dest="quiet", action="store_true",
                        help="quiet: no progress or status lines, only results and errors")
    parser.add_argument("--quiet", dest="quiet", action=Deprecated, nargs=0, const=True,
                        new="-q", help=argparse.SUPPRESS)


def progress(args) -> bool | None:
    """Whether to draw progress: None (on a terminal), True (always) or False (-q, --no-progress)."""
    return False if getattr(args, "quiet", False) else args.progress


class Deprecated(argparse.Action):
    """An old spelling that still works for a release, with one line on stderr saying the new."""

    def __init__(self, option_strings, dest, new: str, const=None, nargs=None, **kw):
        self.new = new
        super().__init__(option_strings, dest, nargs=nargs, const=const, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"neuromix: {option_string} is deprecated and goes in the next release; "
              f"use {self.new}", file=sys.stderr)
        setattr(namespace, self.dest, self.const if self.nargs == 0 else values)


# -- applying them -------------------------------------------------------------------------
def apply_render(graph, args) -> None:
    """Put ``--sr``, ``--seed`` and every ``--set`` into ``graph`` (UsageError if one fails)."""
    # imported here, as commands import the library in run() (see neuromix.commands: 0.17 s)
    from neuromix.errors import FitError, nearest
    from neuromix.graph.addresses import parameters

    if args.sr is not None:
        graph.sr = args.sr
    if args.seed is not None:
        graph.seed = args.seed
    if not args.set:
        return
    # only with --set: learn.fit imports the feature and loss modules (~0.05 s of every render)
    from neuromix.learn.fit import address_bounds, set_address
    addresses = [address for address, _ in parameters(graph)]
    for address, value in args.set:
        if address not in addresses:
            hint = nearest(address, addresses)
            raise UsageError(f"--set: no parameter '{address}'" + (f" ({hint})" if hint else "")
                             + "; 'neuromix info PATCH' lists them")
        try:
            _, lo, hi = address_bounds(graph, address)
        except FitError as err:
            raise UsageError(f"--set {address}: {err}") from None
        if not lo <= value <= hi:
            raise UsageError(f"--set {address}={value:g}: outside its range {lo:g} to {hi:g}")
        set_address(graph, address, value)


def output_path(path, suffixes: tuple[str, ...] = (), folder: bool = False) -> Path:
    """``path`` checked before any work: a UTF-8 name, its folder writable, not itself a
    folder (unless ``folder``; then not a file), its suffix one of ``suffixes`` (when given).

    Missing folders count as writable when the nearest existing one is (they are made).

    Examples
    --------
    >>> output_path("take.wav", (".wav", ".flac")).name
    'take.wav'
    >>> output_path("take.mp3", (".wav", ".flac"))
    Traceback (most recent call last):
    neuromix.errors.UsageError: take.mp3: cannot write '.mp3' files: name it .wav or .flac
    """
    path = Path(path)
    name = os.fsdecode(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8: audio and picture libraries refuse
        raise UsageError(f"{name.encode('utf-8', 'backslashreplace').decode()}: the name is "
                         f"not valid UTF-8; choose one that is") from None
    if not folder and path.is_dir():
        raise UsageError(f"{name}: is a folder; give a file name")
    if folder and path.exists() and not path.is_dir():
        raise UsageError(f"{name}: is a file; give a folder (new or one this command made)")
    if not folder and suffixes and path.suffix.lower() not in suffixes:
        what = f"'{path.suffix}' files" if path.suffix else "files without a suffix"
        raise UsageError(f"{name}: cannot write {what}: name it "
                         + " or ".join(suffixes))
    parent = path if folder else path.parent
    parent = parent if str(parent) else Path(".")
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{name}: {os.fsdecode(parent)} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{name}: cannot write in {os.fsdecode(parent)} (permission denied)")
    return path


class Working:
    """``with Working(args, "measuring 2 s"):`` says on stderr what a long step is doing and
    for how long (rewritten in place about twice a second), once it has lasted half a second;
    shown on a terminal, or everywhere with ``--progress``, never with ``-q``/``--no-progress``.
    For steps with no count to show as a bar.

    Examples
    --------
    >>> with Working(argparse.Namespace(progress=True, quiet=False), "counting", after=5):
    ...     total = sum(range(10))  # done before half a second: nothing said
    >>> total
    45
    """

    def __init__(self, args, label: str, after: float = 0.5, every: float = 0.5):
        show = progress(args)
        self.enabled = sys.stderr.isatty() if show is None else show
        self.tty = sys.stderr.isatty()
        self.label, self.after, self.every = label, after, every
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="neuromix-working")
        self.shown = False

    def __enter__(self) -> "Working":
        self.start = time.monotonic()
        if self.enabled:
            self._thread.start()
        return self

    def _run(self) -> None:
        if self._done.wait(self.after):
            return
        while True:
            line = f"{self.label}... {time.monotonic() - self.start:.0f} s"
            if self.tty:
                sys.stderr.write(f"\r{line}\x1b[K")
                sys.stderr.flush()
            elif not self.shown:  # off a terminal: said once, not rewritten
                print(line, file=sys.stderr, flush=True)
            self.shown = True
            if self._done.wait(self.every):
                return

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        if self.shown and self.tty:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
