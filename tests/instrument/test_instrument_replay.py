"""A replayed gesture gives the same MIDI file every time, in real time and offline.

The reference files in ``reference/`` were rendered from the shipped gestures; regenerate
them (after a deliberate change of an example) with ``python tests/instrument/test_replay.py``.
"""

from __future__ import annotations

import sys

import mido
import pytest

from instrument_helpers import EXAMPLES, REFERENCE, note_pairs
from neuromix.instrument.file import load
from neuromix.instrument.loop import Instrument

NAMES = ["mouse_to_midi", "mouse_to_midi_linear", "joystick_dual_neuron", "wekinator_compatible",
         "taught_mouse"]


def render(name: str, out, ticks: int | None = None, offline: bool = True):
    spec = load(EXAMPLES / f"{name}.yaml")
    with Instrument(spec, offline=offline, midi_file=out, midi_port=False,
                    replay=spec.replay) as inst:
        inst.run(ticks=ticks)  # None: offline to the end of the gesture
    return out


def messages(path) -> list:
    return [(m.type, m.dict()) for m in mido.MidiFile(path).tracks[0]]


@pytest.mark.parametrize("name", NAMES)
def test_gesture_replay_matches_the_stored_reference(name, tmp_path):
    out = render(name, tmp_path / f"{name}.mid")
    reference = REFERENCE / f"{name}.mid"
    assert messages(out) == messages(reference)
    assert out.read_bytes() == reference.read_bytes()
    pairs = note_pairs(mido.MidiFile(out))
    if name.startswith("mouse"):
        assert len(pairs) >= 10  # the gesture plays a melody, every note ended


def test_same_file_every_time(tmp_path):
    a = render("mouse_to_midi", tmp_path / "a.mid")
    b = render("mouse_to_midi", tmp_path / "b.mid")
    assert a.read_bytes() == b.read_bytes()


def test_real_time_gives_the_offline_bytes(tmp_path):
    ticks = 120  # 0.6 s at 200 Hz
    live = render("mouse_to_midi", tmp_path / "live.mid", ticks=ticks, offline=False)
    fast = render("mouse_to_midi", tmp_path / "fast.mid", ticks=ticks)
    assert live.read_bytes() == fast.read_bytes()
    assert any(m.type == "note_on" for m in mido.MidiFile(live).tracks[0])


def test_recorded_gesture_replays_to_the_same_midi(tmp_path):
    spec = load(EXAMPLES / "mouse_to_midi.yaml")
    with Instrument(spec, offline=True, midi_file=tmp_path / "first.mid",
                    record_gesture=tmp_path / "g.csv") as inst:
        inst.run(ticks=600)
    header = (tmp_path / "g.csv").read_text().splitlines()[0]
    assert header == "tick,seconds,x,y"
    with Instrument(spec, offline=True, midi_file=tmp_path / "again.mid",
                    replay=tmp_path / "g.csv") as inst:
        inst.run(ticks=600)
    assert (tmp_path / "first.mid").read_bytes() == (tmp_path / "again.mid").read_bytes()


def test_shipped_gestures_are_what_the_script_makes(tmp_path):
    sys.path.insert(0, str(EXAMPLES.parent))
    try:
        import instruments as script
    finally:
        sys.path.pop(0)
    for name, (names, fn, seconds) in script.GESTURES.items():  # gestures only: models depend on float sums
        script.write_gesture(tmp_path / f"{name}.csv", names, fn, seconds)
        assert (tmp_path / f"{name}.csv").read_bytes() == (EXAMPLES / f"{name}.csv").read_bytes()


def test_examples_script_renders_midi_and_wav(tmp_path):
    import subprocess

    run = subprocess.run([sys.executable, str(EXAMPLES.parent / "instruments.py"), "--out",
                          str(tmp_path), "--quick"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    import soundfile as sf

    info = sf.info(str(tmp_path / "joystick_dual_neuron.wav"))
    assert info.samplerate == 48000 and info.frames == 2 * 48000
    for name in NAMES:
        note_pairs(mido.MidiFile(tmp_path / f"{name}.mid"))


if __name__ == "__main__":
    REFERENCE.mkdir(exist_ok=True)
    for example in NAMES:
        print(render(example, REFERENCE / f"{example}.mid"))


def test_live_input_wins_over_the_replay(tmp_path):
    """An input a live source has set is the player's: the replay keeps writing the others."""
    from neuromix.instrument.inputs import InputBank, Replay

    gesture = tmp_path / "g.csv"
    gesture.write_text("tick,seconds,x,y\n0,0.0,0.1,0.2\n2,0.02,0.3,0.4\n4,0.04,0.5,0.6\n")
    bank = InputBank(["x", "y"], [0.0, 0.0])
    replay = Replay(gesture, bank.names, 100)
    replay.apply(0, bank.values, bank.live)
    assert bank.values.tolist() == [0.1, 0.2]
    bank.set("y", 0.9)  # live, between ticks
    for tick in range(1, 6):
        replay.apply(tick, bank.values, bank.live)
    assert bank.values.tolist() == [0.5, 0.9]
