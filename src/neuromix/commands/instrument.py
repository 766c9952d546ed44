"""Play an instrument file: controllers through a neuron network to MIDI, OSC and a synth.

The window shows the mouse pad and the live network; --no-window runs headless (mouse inputs
then come from a gesture replay or OSC). MIDI goes to a virtual port named 'neuromix' (or
--midi-port NAME) and, with -o, to a Standard MIDI File as well. --offline replays the
gesture as fast as the machine can and writes the same MIDI file a real-time run would.
Ctrl-C (or SIGTERM, SIGHUP) stops, ends every sounding note and keeps the files written so far.

Example: neuromix instrument examples/instruments/mouse_to_midi.yaml --offline -o out.mid
"""

from __future__ import annotations

import sys

from neuromix.commands import _args
from neuromix.live.ui.cli import add_arguments as ui_arguments

HELP = "play an instrument file (inputs -> neuron network -> MIDI, OSC, synth parameters)"


def add_arguments(parser) -> None:
    parser.add_argument("file", help="instrument file (YAML)")
    parser.add_argument("--seconds", type=_args.seconds, default=None,
                        help="stop after this many seconds (offline default: the replayed "
                             "gesture's length plus one second)")
    parser.add_argument("--no-window", action="store_true", help="run headless")
    parser.add_argument("--offline", action="store_true",
                        help="replay the gesture as fast as possible (no window, ports or live "
                             "inputs); MIDI to -o, audio to --wav")
    parser.add_argument("-o", "--output", "--midi-file", dest="midi_file", metavar="OUT.mid",
                        help="also record MIDI to this Standard MIDI File")
    parser.add_argument("--midi-port", metavar="NAME",
                        help="send MIDI to the port whose name contains NAME (default: a "
                             "virtual port), or 'none' for no port")
    parser.add_argument("--record-gesture", metavar="G.csv",
                        help="record every input with its time to this CSV")
    parser.add_argument("--replay", metavar="G.csv",
                        help="replay this gesture (instead of the file's 'replay')")
    parser.add_argument("--osc-host", default="127.0.0.1",
                        help="address the OSC inputs listen on (default 127.0.0.1: this "
                             "machine only; 0.0.0.0: any)")
    parser.add_argument("--wav", metavar="OUT.wav",
                        help="write the played patch ('play:') to this WAV file")
    parser.add_argument("-q", dest="quiet", action="store_true",
                        help="quiet: no 'playing' line")
    ui_arguments(parser)


def run(args) -> int:
    from neuromix.instrument.file import load
    from neuromix.instrument.loop import Instrument

    for path, suffixes in ((args.midi_file, (".mid", ".midi")), (args.wav, (".wav",)),
                           (args.record_gesture, (".csv",))):
        if path is not None:
            _args.output_path(path, suffixes)
    spec = load(args.file)
    spec.osc_host = args.osc_host
    port = False if (args.midi_port or "").lower() == "none" else args.midi_port
    inst = Instrument(spec, offline=args.offline, window=not (args.no_window or args.offline),
                      midi_file=args.midi_file, record_gesture=args.record_gesture,
                      replay=args.replay, wav=args.wav, midi_port=port)
    if not args.offline and not args.quiet:
        print(f"neuromix: playing {args.file} at {spec.rate} Hz (Ctrl-C stops)", file=sys.stderr,
              flush=True)
    stopped = False
    with inst:  # closing ends the notes and writes the files, however the run ends
        view = None
        if args.ui and not args.offline:
            from neuromix.live.ui.cli import start
            from neuromix.live.ui.instrument import InstrumentSource

            view = start(InstrumentSource(inst), args, lambda line: print(line, flush=True))
        try:
            ticks = inst.run(seconds=args.seconds)
        except KeyboardInterrupt:  # a signal the loop does not catch itself (SIGHUP)
            ticks, stopped = inst.tick, True
        finally:
            if view is not None:
                view.close()
    notes = len([1 for _, m in inst.sink.recorder.events if m.type == "note_on"])
    written = [p for p in (args.midi_file, args.wav, args.record_gesture) if p]
    print(f"{ticks} ticks ({ticks / spec.rate:.2f} s) at {spec.rate} Hz, {notes} notes"
          + (f"; wrote {', '.join(written)}" if written else ""), file=sys.stderr)
    return 130 if stopped or inst.signalled is not None else 0
