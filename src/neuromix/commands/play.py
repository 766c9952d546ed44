"""Play a patch live on the sound card (or without one: --audio null), and move its
parameters while it plays: over OSC (--osc-port), from a MIDI controller (the patch's midi:
section, --midi-learn), or by editing and saving the file (--watch). Ctrl-C (or SIGTERM, SIGHUP)
stops, and a recording (-o take.wav) keeps everything played until then.

A patch with audio_in nodes hears the sound card's input (full duplex; --input-device), or a
sound file in its place (--input FILE, looping; with --audio null, the file the patch's input:
section names). --record-input keeps what it heard, so the take renders again offline exactly.

Example: neuromix play examples/dual_neuron.yaml --audio null --seconds 10 -o take.wav
"""

from __future__ import annotations

import sys

from neuromix.commands import _args
from neuromix.live.ui.cli import add_arguments as ui_arguments

HELP = "play a patch live, with OSC, MIDI and hot reload"


def add_arguments(parser) -> None:
    parser.add_argument("patch", nargs="?", help="patch file (YAML or JSON)")
    parser.add_argument("--audio", choices=("portaudio", "jack", "null"), default="portaudio",
                        help="portaudio: the sound card (default); jack: PortAudio's JACK host; "
                             "null: no sound card, paced by the clock")
    parser.add_argument("--device", help="output device (number or part of its name)")
    parser.add_argument("--list-devices", action="store_true", help="list the devices and exit")
    parser.add_argument("--input-device",
                        help="input device audio_in listens to (number or part of its name)")
    parser.add_argument("--input", type=_args.sound_file, metavar="FILE",
                        help="sound file audio_in hears in place of the sound card, looping")
    parser.add_argument("--record-input", metavar="FILE.wav",
                        help="record what audio_in heard to a WAV file (64-bit float: "
                             "'neuromix render PATCH --input FILE' gives the take again)")
    parser.add_argument("--blocksize", type=_args.whole(1, 65536), default=256,
                        help="frames per block (default 256)")
    parser.add_argument("--latency", default="low", type=latency,
                        help="output latency in seconds, or low / high (default low)")
    parser.add_argument("--channels", type=_args.whole(1, 64),
                        help="device channels (default: the patch's)")
    parser.add_argument("-o", "--output", "--record", dest="record", metavar="FILE.wav",
                        help="record what is played to a WAV file, and the parameter changes "
                             "to FILE's name with .changes.csv (checked before playing)")
    _args.add_render(parser, "stop after this many seconds of audio (default: Ctrl-C)")
    parser.add_argument("--osc-port", type=_args.port, help="listen for OSC on this UDP port")
    parser.add_argument("--osc-host", default="127.0.0.1",
                        help="address to listen on for OSC (default 127.0.0.1; 0.0.0.0: any)")
    parser.add_argument("--midi", nargs="?", const="", metavar="PORT",
                        help="take MIDI in (a port name, default a virtual port neuromix-in); "
                             "on by itself when the patch has a midi: section")
    parser.add_argument("--midi-learn", metavar="ADDRESS",
                        help="bind the next moved CC to this parameter and print the line")
    parser.add_argument("--watch", action="store_true",
                        help="reload the patch whenever the file is saved (a reload takes the "
                             "file's values, --set and --seed hold for the first version only)")
    parser.add_argument("--smooth", type=_args.duration, default=None, metavar="SECONDS",
                        help="glide time of parameter changes (default 0.01; 0 jumps)")
    _args.add_progress(parser)
    ui_arguments(parser)


def latency(text: str):
    """``low``, ``high`` or a positive number of seconds (at most 10)."""
    if text in ("low", "high"):
        return text
    return _args._number(text, "a latency", "seconds above 0 (at most 10), low or high",
                         lambda v: 0 < v <= 10)


def run(args) -> int:
    from neuromix import _config
    from neuromix.errors import UsageError
    from neuromix.graph.patchfile import load_graph
    from neuromix.live.audio import list_devices

    if args.list_devices:
        print(list_devices())
        return 0
    if not args.patch:
        raise UsageError("play needs a patch file (or --list-devices)")
    if args.watch and args.sr is not None:
        raise UsageError("--sr and --watch do not go together: a reload plays at the file's "
                         "sample rate; set sr: in the file instead")
    for path in (args.record, args.record_input):
        if path is not None:
            _args.output_path(path, (".wav",))
    graph = load_graph(args.patch)
    _args.apply_render(graph, args)
    smooth = _config.LIVE_SMOOTHING if args.smooth is None else args.smooth
    return _play(args, graph, smooth)


def _play(args, graph, smooth: float) -> int:
    import time

    from neuromix.graph.midimap import midi_map, param_ranges
    from neuromix.live.audio import CONTROL_PRIORITY, LiveError, realtime_priority
    from neuromix.live.player import Player

    say = _Say(quiet=_args.progress(args) is False)
    player = Player(graph, audio=args.audio, device=args.device, blocksize=args.blocksize,
                    latency=args.latency, channels=args.channels, record=args.record,
                    smoothing=smooth, say=say, input=_input(args, graph),
                    input_device=args.input_device, record_input=args.record_input)
    if args.input is not None and not player.engine.inputs:
        say(f"the patch has no audio_in node: {args.input} is not heard")
    if args.midi_learn is not None:
        player.compiled.index(args.midi_learn)  # UnknownNameError with the nearest addresses
    try:  # the controls first: their start-up (a compiler process, ports) is not heard
        if args.osc_port is not None:
            from neuromix.live.osc import OscControl

            player.controls.append(OscControl(player, args.osc_port, args.osc_host, say=say))
        wants_midi = args.midi is not None or args.midi_learn is not None
        if wants_midi or "midi" in graph.extra:
            from neuromix.live.midi import MidiControl

            try:
                player.controls.append(MidiControl(
                    player, midi_map(graph, player.compiled.addresses), port=args.midi or None,
                    learn=args.midi_learn, say=say, ranges=param_ranges(graph)))
            except LiveError as err:
                if wants_midi:
                    raise
                say(f"{err}; playing without MIDI")
        if args.watch:
            from neuromix.live.reload import Watcher

            player.controls.append(Watcher(player, args.patch, say=say))
        if args.ui:
            from neuromix.live.ui.cli import start

            player.controls.append(start(player, args, say))
        player.start()
        realtime_priority(CONTROL_PRIORITY)  # this thread too may hold the GIL the callback needs
        say(_started(player, args))
        eng = player.engine
        frames = None if args.seconds is None else args.seconds * eng.compiled.sr
        give_up = None if args.seconds is None else time.monotonic() + 2 * args.seconds + 5
        while frames is None or eng.block * eng.blocksize < frames:  # seconds of audio played
            player.check()
            if give_up is not None and time.monotonic() > give_up:
                raise LiveError("the audio device stopped asking for blocks")
            if say.due():  # the status costs a median over 4096 timings: only when shown
                say.status(_status_line(player.status()))
            time.sleep(0.005 if frames is not None else 0.05)
    except KeyboardInterrupt:
        pass
    finally:
        player.stop()  # the controls too
        say.status(None)
    st = player.status()
    print(_summary(player, st, args), flush=True)
    return 0


def _input(args, graph):
    """What audio_in hears in place of the card: --input FILE, else with --audio null the
    file the patch's input: section names (there is no card to listen to), else None."""
    from neuromix.engine.feed import input_section

    if args.input is not None:
        return args.input
    named = input_section(graph) if args.audio == "null" else None
    return None if named is None else named[0]


class _Say:
    """Messages on stdout; the status line on stderr, rewritten in place on a terminal."""

    def __init__(self, quiet: bool = False):
        self.tty = sys.stderr.isatty() and not quiet
        self.shown = False
        self.last = 0.0

    def __call__(self, message: str) -> None:
        self.status(None)
        print(message, flush=True)

    def due(self) -> bool:
        """Whether a status line would be shown now (on a terminal, 4 times a second)."""
        import time

        return self.tty and time.monotonic() - self.last >= 0.25

    def status(self, line: str | None) -> None:
        """Show ``line`` in place of the last one, or clear it (None)."""
        import time

        if not self.tty:
            return
        if line is None:
            if self.shown:
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()
                self.shown = False
            return
        sys.stderr.write("\r\033[K" + line)
        sys.stderr.flush()
        self.shown, self.last = True, time.monotonic()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _started(player, args) -> str:
    c, out = player.engine.compiled, player.output
    parts = [f"playing {args.patch} on {out.name}: {c.sr:g} Hz, {player.engine.channels} ch, "
             f"blocks of {player.engine.blocksize} ({_ms(player.engine.budget)})"
             + (f", output latency {_ms(out.latency_seconds)}" if out.latency_seconds else "")]
    if args.osc_port is not None:
        parts.append(f"OSC on {args.osc_host}:{args.osc_port}")
    for control in player.controls:
        if hasattr(control, "maps") and control.port is not None:
            parts.append(f"MIDI in '{control.name}' ({len(control.maps.cc)} CC)")
    if args.midi_learn:
        parts.append(f"move a MIDI controller to bind it to {args.midi_learn}")
    if args.watch:
        parts.append("watching the file")
    if player.engine.inputs:
        feed = player.feed
        parts.append(f"hearing {feed.name}" if feed is not None else
                     f"listening to {player.engine.inputs} input channel(s)")
    if args.record:
        parts.append(f"recording to {args.record}")
    if args.record_input and player.engine.inputs:
        parts.append(f"recording the input to {args.record_input}")
    return "; ".join(parts) + ("" if args.seconds else "; Ctrl-C stops")


def _status_line(st: dict) -> str:
    line = (f"cpu {st['cpu_load'] * 100:4.1f}%  callback {_ms(st['callback_median'])} "
            f"(max {_ms(st['callback_max'])}) of {_ms(st['budget'])}  underruns {st['underruns']}")
    if "osc_received" in st:
        line += f"  osc {st['osc_applied']} (bad {st['osc_malformed'] + st['osc_unknown']})"
    if "midi_received" in st:
        line += f"  midi {st['midi_applied']}"
    return line


def _summary(player, st: dict, args) -> str:
    from neuromix.live.record import changes_path

    seconds = st["blocks"] * player.engine.blocksize / player.engine.compiled.sr
    text = (f"played {seconds:.1f} s: {st['blocks']} blocks, {st['underruns']} underruns, "
            f"callback median {_ms(st['callback_median'])}, p99 {_ms(st['callback_p99'])}, "
            f"max {_ms(st['callback_max'])} of {_ms(st['budget'])}")
    if "osc_received" in st:
        text += (f"; OSC {st['osc_received']} packets, {st['osc_applied']} applied, "
                 f"{st['osc_malformed']} malformed, {st['osc_unknown']} unknown")
    if args.record:
        lost = f" ({st['record_lost']} frames lost)" if st["record_lost"] else ""
        text += f"; wrote {args.record}{lost} and {changes_path(args.record)}"
    if st.get("input_starved") or st.get("input_overflows"):
        text += (f"; input: {st['input_starved']} frames late, {st['input_overflows']} "
                 "blocks dropped by the device")
    if st.get("input_scrubbed"):
        text += (f"; {st['input_scrubbed']} input samples were NaN or infinite and were played "
                 "as 0")
    if args.record_input and player.input_recorder is not None:
        text += f"; wrote {args.record_input}"
    return text
