"""Values arriving live past a parameter's range are clamped to it and counted: over real OSC
(UDP on 127.0.0.1) and from MIDI CC maps whose range overshoots; weights and other
parameters without a declared range get the patch-file limits (±1e6 for a weight)."""

import time

import mido
from live_helpers import DUAL
from pythonosc.udp_client import SimpleUDPClient

from neuromix.graph.graph import WEIGHT_LIMIT
from neuromix.graph.midimap import CcMap, MidiMap
from neuromix.live import play
from neuromix.live.midi import MidiControl
from neuromix.live.osc import OscControl


def _wait_for(check, timeout=10.0):
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def test_osc_values_past_the_range_are_clamped_and_counted(patch_file):
    said = []
    with play(patch_file(DUAL), audio="null", blocksize=256, log=True, say=said.append) as player:
        osc = OscControl(player, port=0, say=said.append)
        player.controls.append(osc)
        client = SimpleUDPClient("127.0.0.1", osc.port)
        client.send_message("/neuromix/param/a.bias", 1e9)       # declared -100..100
        client.send_message("/neuromix/param/s1.freq", -1e30)    # declared ±24000
        client.send_message("/neuromix/param/a.w.b", 3e12)       # a weight: ±1e6
        client.send_message("/neuromix/param/b.bias", 0.5)       # inside: as sent
        _wait_for(lambda: osc.counts()["osc_applied"] >= 4)
        status = player.status()
    assert player.get("a.bias") == 100.0 and player.get("s1.freq") == -24000.0
    assert player.get("a.w.b") == WEIGHT_LIMIT and player.get("b.bias") == 0.5
    assert status["osc_clamped"] == 3
    clamps = [line for line in said if "clamped" in line]
    assert clamps and "a.bias 1e+09 to 100, its range -100..100" in clamps[0]
    assert [v for _, a, v in player.log if a == "a.bias"] == [100.0]  # the log has what played


def test_midi_values_past_the_range_are_clamped_and_counted(patch_file):
    said = []
    with play(patch_file(DUAL), audio="null", blocksize=256, say=said.append) as player:
        maps = MidiMap(cc=[CcMap(74, "s1.freq", 0.0, 1e8), CcMap(7, "a.w.b", -5e6, 5e6)])
        midi = MidiControl(player, maps, port=False, say=said.append)
        midi.handle(mido.Message("control_change", control=74, value=127))
        midi.handle(mido.Message("control_change", control=7, value=0))
        midi.handle(mido.Message("control_change", control=74, value=0))
        assert player.get("s1.freq") == 0.0
        midi.handle(mido.Message("control_change", control=74, value=127))
        assert player.get("s1.freq") == 24000.0 and player.get("a.w.b") == -WEIGHT_LIMIT
        assert midi.counts()["midi_clamped"] == 3
    assert any(line.startswith("MIDI: clamped") for line in said)
