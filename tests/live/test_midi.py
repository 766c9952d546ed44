"""MIDI CC control and MIDI learn: through python-rtmidi's JACK backend with a virtual port,
and with mido messages handed over directly where no MIDI system runs; the midi: section is
validated with line numbers like the rest of the file."""

import time

import mido
import pytest
from live_helpers import DUAL

from neuromix.graph.graph import PatchError
from neuromix.graph.midimap import midi_map, param_ranges
from neuromix.graph.patchfile import loads
from neuromix.live import play
from neuromix.live.midi import MidiControl

MAPPED = DUAL + """midi:
  cc:
    74: {param: a.bias, range: [-1, 1]}
    71: {param: mix.w.a, range: [0.1, 1], curve: exp}
    7:  {param: b.bias, range: [0, 1], channel: 2}
"""


def control(player, graph, port=False, said=None):
    return MidiControl(player, midi_map(graph, player.compiled.addresses), port=port,
                       say=(said.append if said is not None else print),
                       ranges=param_ranges(graph))


def wait_for(condition, timeout=5.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def test_cc_and_learn_through_a_jack_virtual_port(jack, patch_file):
    path = patch_file(MAPPED)
    said = []
    with play(path, audio="null", blocksize=256) as player:
        midi = control(player, player.compiled.graph, port=None, said=said)
        player.controls.append(midi)
        backend = mido.Backend("mido.backends.rtmidi/UNIX_JACK")
        name = next(n for n in backend.get_output_names() if "neuromix-in" in n)
        with backend.open_output(name) as out:
            deadline = time.monotonic() + 10
            while midi.applied == 0:  # JACK connects the ports a moment after they open
                assert time.monotonic() < deadline, "no CC came through JACK in 10 s"
                out.send(mido.Message("control_change", control=74, value=127))
                player.wait(0.1)
            applied = midi.applied
            out.send(mido.Message("control_change", control=71, value=0))
            wait_for(lambda: midi.applied > applied)
            wait_for(lambda: player.get("mix.w.a") == pytest.approx(0.1))
            assert player.get("a.bias") == 1.0
            midi.learn, applied = "t1.freq", midi.applied
            out.send(mido.Message("control_change", control=20, value=127))
            wait_for(lambda: midi.applied > applied)
            wait_for(lambda: player.get("t1.freq") != 165.0)
    line = next(s for s in said if s.startswith("learned")).splitlines()[1]
    assert line.strip().startswith("20: {param: t1.freq, range: [")
    # the printed line pasted into the patch's midi: section is a valid mapping
    learned = loads(MAPPED + line + "\n")
    cc = next(m for m in midi_map(learned, player.compiled.addresses).cc if m.cc == 20)
    assert cc.address == "t1.freq" and player.get("t1.freq") == cc.value(127)


def test_mapping_curves_and_channels_from_mido_messages(patch_file):
    graph = loads(MAPPED)
    with play(graph, audio="null", blocksize=256) as player:
        midi = control(player, graph)
        midi.handle(mido.Message("control_change", control=71, value=127))
        midi.handle(mido.Message("control_change", control=7, value=127, channel=0))  # not ch 2
        midi.handle(mido.Message("control_change", control=7, value=127, channel=1))
        midi.handle(mido.Message("note_on", note=60))  # not a CC: ignored
        player.wait(0.05)
        assert player.get("mix.w.a") == pytest.approx(1.0)
        assert player.get("b.bias") == 1.0 and midi.applied == 2
    exp = next(m for m in midi.maps.cc if m.cc == 71)
    assert exp.value(63.5) == pytest.approx((0.1 * 1.0) ** 0.5)  # geometric middle


@pytest.mark.parametrize("section, words", [
    ("midi:\n  cc:\n    74: {param: a.bais}\n", "line 13: midi: CC 74: the patch has no parameter "
                                               "'a.bais' (did you mean 'a.bias'"),
    ("midi:\n  cc:\n    300: a.bias\n", "line 13: midi: CC number must be 0 to 127"),
    ("midi:\n  cc:\n    7: {param: a.bias, range: [0]}\n", "line 13: midi: CC 7: range must be"),
    ("midi:\n  cc:\n    7: {param: a.bias, curve: log}\n", "unknown curve 'log' (use lin or exp)"),
    ("midi:\n  cc:\n    7: {param: a.bias, range: [-1, 1], curve: exp}\n", "curve exp needs"),
    ("midi:\n  chanel: 2\n", "line 12: midi: unknown key 'chanel' (did you mean 'channel'?)"),
    ("midi:\n  channel: 17\n", "line 12: midi: channel must be 1 to 16"),
    ("midi: [74]\n", "line 11: midi: must be a mapping"),
])
def test_bad_midi_sections_name_the_line(section, words):
    with pytest.raises(PatchError) as err:
        loads(DUAL + section, filename="p.yaml")
    assert f"p.yaml, {words}" in str(err.value) or words in str(err.value)
    assert str(err.value).startswith("p.yaml, line ")
