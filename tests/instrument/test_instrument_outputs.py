"""MIDI outputs decided by tick counts: quantisation, triggers, polyphony, rate limits."""

from __future__ import annotations

import numpy as np
import pytest

from neuromix.instrument.file import loads
from neuromix.instrument.loop import Instrument


def run_rows(text: str, values: list[float], tmp_path) -> list:
    """Drive input 'x' through ``values`` (one per tick) offline; the messages sent."""
    spec = loads("rate: 100\ninputs: {x: {source: replay}}\nnetwork: linear\n" + text)
    with Instrument(spec, offline=True, midi_file=tmp_path / "o.mid") as inst:
        for v in values:
            inst.bank.set("x", v)
            inst.step()
    return [(t, m) for t, m in inst.sink.recorder.events]


def test_pitch_is_quantised_to_the_scale_in_equal_bins(tmp_path):
    text = ("outputs:\n  m: {type: notes, pitch: {from: x, range: [0, 1]}, notes: [60, 72],"
            " scale: major, trigger: change, duration: 0.01}\n")
    events = run_rows(text, [0.0, 0.999, 0.5, 0.12, 0.13, 0.131, 0.26], tmp_path)
    ons = [m.note for _, m in events if m.type == "note_on"]
    # C major from 60 to 72: 8 notes, 1/8 of the range each; no new note inside a bin
    assert ons == [60, 72, 67, 60, 62, 64]


def test_change_trigger_plays_only_when_the_note_moves(tmp_path):
    text = ("outputs:\n  m: {type: notes, pitch: {from: x, range: [0, 1]}, notes: [60, 72],"
            " scale: chromatic, duration: gate}\n")
    events = run_rows(text, [0.1, 0.1, 0.1, 0.9, 0.9], tmp_path)
    kinds = [(t, m.type, m.note) for t, m in events]
    assert kinds == [(0, "note_on", 61), (3, "note_off", 61), (3, "note_on", 71),
                     (5, "note_off", 71)]


def test_gate_trigger_and_threshold(tmp_path):
    text = ("outputs:\n  m: {type: notes, pitch: 60, trigger: gate,"
            " gate: {from: x, threshold: 0.5}, duration: gate}\n").replace("pitch: 60", "pitch: x")
    events = run_rows(text, [0.0, 0.6, 0.7, 0.4, 0.9, 0.2], tmp_path)
    assert [(t, m.type) for t, m in events] == [(1, "note_on"), (3, "note_off"), (4, "note_on"),
                                                (5, "note_off")]


def test_clock_trigger_duration_and_polyphony(tmp_path):
    text = ("outputs:\n  m: {type: notes, pitch: {from: x, range: [0, 1]}, notes: [60, 72],"
            " scale: chromatic, trigger: clock, clock: 50, duration: 0.1, polyphony: 2}\n")
    values = [i / 20 for i in range(20)]
    events = run_rows(text, values, tmp_path)
    ons = [t for t, m in events if m.type == "note_on"]
    assert ons == list(range(0, 20, 2))  # 50 Hz clock at 100 Hz ticks
    sounding, most = set(), 0
    for _, m in events:
        if m.type == "note_on":
            sounding.add(m.note)
        else:
            sounding.discard(m.note)
        most = max(most, len(sounding))
    assert most == 2  # the polyphony limit steals the oldest note
    offs = [t for t, m in events if m.type == "note_off"]
    assert len(offs) == len(ons)


def test_velocity_and_duration_from_signals(tmp_path):
    text = ("outputs:\n  m: {type: notes, pitch: {from: x, range: [0, 1]}, notes: [60, 60],"
            " scale: chromatic, trigger: clock, clock: 10,"
            " velocity: {from: x, range: [0, 1], to: [20, 120]},"
            " duration: {from: x, range: [0, 1], to: [0.01, 0.05]}}\n")
    events = run_rows(text, [0.5] * 10, tmp_path)
    (t_on, on), (t_off, off) = events[:2]
    assert on.velocity == 70 and (t_on, t_off) == (0, 3)


def test_cc_is_sent_on_change_and_rate_limited(tmp_path):
    text = "outputs:\n  c: {type: cc, from: x, range: [0, 1], number: 74, rate: 25}\n"
    values = [0.0, 0.0, 0.5, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    events = run_rows(text, values, tmp_path)
    assert [(t, m.value) for t, m in events] == [(0, 0), (4, 89)]


def test_cc_14_bit_sends_msb_and_lsb(tmp_path):
    text = "outputs:\n  c: {type: cc, from: x, range: [0, 1], number: 7, bits: 14}\n"
    events = run_rows(text, [0.5], tmp_path)
    (_, msb), (_, lsb) = events
    assert (msb.control, lsb.control) == (7, 39)
    assert (msb.value << 7) | lsb.value == round(0.5 * 16383)


def test_pitch_bend_range_and_release_to_centre(tmp_path):
    text = "outputs:\n  b: {type: bend, from: x}\n"
    events = run_rows(text, [1.0, -1.0, 0.25], tmp_path)
    assert [m.pitch for _, m in events] == [8191, -8192, 2048, 0]


def test_lost_port_is_said_once_and_the_file_goes_on(tmp_path):
    import mido

    class Broken:
        def send(self, msg):
            raise OSError("device unplugged")

        def close(self):
            pass

    said = []
    spec = loads("rate: 100\ninputs: {x: {source: replay}}\nnetwork: linear\noutputs:\n"
                 "  m: {type: notes, pitch: x, trigger: clock, clock: 50, duration: 0.5}\n")
    inst = Instrument(spec, offline=True, midi_file=tmp_path / "o.mid", say=said.append)
    inst.sink.port = Broken()
    inst.run(ticks=10)
    inst.close()
    assert len(said) == 1 and "MIDI port lost" in said[0]
    from instrument_helpers import note_pairs

    assert len(note_pairs(mido.MidiFile(tmp_path / "o.mid"))) == 5


def test_close_after_a_crash_still_ends_every_note(tmp_path):
    import mido

    spec = loads("rate: 100\ninputs: {x: {source: replay}}\nnetwork: linear\noutputs:\n"
                 "  m: {type: notes, pitch: x, trigger: clock, clock: 50, duration: gate,"
                 " polyphony: 8}\n")
    with pytest.raises(RuntimeError):
        with Instrument(spec, offline=True, midi_file=tmp_path / "o.mid") as inst:
            inst.run(ticks=3)
            raise RuntimeError("boom")
    from instrument_helpers import note_pairs

    pairs = note_pairs(mido.MidiFile(tmp_path / "o.mid"))
    assert pairs and pairs[-1][2] == 3


def test_network_runs_at_control_rate_with_feedback(tmp_path):
    spec = loads("rate: 100\ninputs: {x: {source: replay}}\nnetwork:\n  nodes:\n"
                 "    acc: {type: neuron, act: identity, inputs: {x: 1.0, acc: 1.0}}\n"
                 "outputs:\n  c: {type: cc, from: acc, number: 1}\n")
    with Instrument(spec, offline=True) as inst:
        inst.bank.set("x", 0.1)
        rows = [inst.step()[inst.channels["acc"]] for _ in range(5)]
    assert np.allclose(rows, [0.1, 0.2, 0.3, 0.4, 0.5])
