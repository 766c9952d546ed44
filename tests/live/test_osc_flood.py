"""Real time through JACK: 10 s of a patch with OSC arriving at 1000 messages a second.

No underruns after the first second, every applied change is logged with its block, and the
recording equals an offline render with the same changes at the same block boundaries.
"""

import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
from live_helpers import DUAL, offline, settle, underruns_are_fair

from neuromix.graph.patchfile import load_graph
from neuromix.live import play
from neuromix.live.osc import OscControl

SENDER = """
import random, sys, time
from pythonosc.udp_client import SimpleUDPClient
client = SimpleUDPClient("127.0.0.1", int(sys.argv[1]))
rate, seconds, start = 1000, float(sys.argv[2]), float(sys.argv[3])
random.seed(1)
# CLOCK_MONOTONIC is the same in both processes; a Python slower to start than planned
# starts late rather than sending its first messages in one burst
start = max(start, time.monotonic())
time.sleep(start - time.monotonic())
sent = 0
while sent < rate * seconds:
    if sent % 2:
        client.send_message("/neuromix/param/a.bias", random.uniform(-0.5, 0.5))
    else:
        client.send_message("/neuromix/param/a.w.b", random.uniform(0.0, 2.0))
    sent += 1
    pause = start + sent / rate - time.monotonic()
    if pause > 0:
        time.sleep(pause)
print(sent, time.monotonic() - start)
"""


ATTEMPTS = 2  # a second take only when the first had underruns (see the docstring)


def _take(path, take):
    """Play ``path`` through JACK for the flood; returns what the checks need."""
    with play(path, audio="jack", blocksize=256, record=take, log=True) as player:
        osc = OscControl(player, port=0)
        player.controls.append(osc)
        # the sender starts now (a Python starting up), and sends from the first second on
        begin = time.monotonic() + 1.0
        sender = subprocess.Popen([sys.executable, "-c", SENDER, str(osc.port), "10", repr(begin)],
                                  stdout=subprocess.PIPE, text=True)
        player.wait(begin - time.monotonic())
        settled = player.status()["underruns"]
        output = sender.communicate(timeout=60)[0]
        settle(player, osc)  # the last datagrams land and reach the engine
        late = player.status()["underruns"] - settled
    at = sorted(int(b) for b in player.engine.underrun_at if b >= 0)
    return player, osc.counts(), output, late, at


@pytest.mark.realtime
def test_osc_flood_no_underruns_and_the_take_replays_exactly(jack, patch_file, tmp_path):
    """A take with an underrun after the first second is played once more before the test
    fails: on a 2-core machine another process can starve JACK's own (non-real-time) server
    thread for a period, which no client can prevent; two takes in a row with underruns fail.
    Every other check holds for every take; underruns are asserted only where the callback
    got real-time scheduling (see live_helpers.underruns_are_fair)."""
    path = patch_file(DUAL)
    missed = []
    for attempt in range(ATTEMPTS):
        take = tmp_path / f"take{attempt}.wav"
        player, counts, output, late, at = _take(path, take)
        sent, took = output.split()
        sent = int(sent)
        assert float(took) > 9.0  # paced: it did last 10 s
        assert counts["osc_malformed"] == counts["osc_unknown"] == 0
        assert counts["osc_applied"] >= 0.95 * sent  # UDP on localhost: nearly all arrive
        assert len(player.log) == counts["osc_applied"]  # every applied change is logged
        rows = [line.split(",") for line in
                (tmp_path / f"take{attempt}.changes.csv").read_text().splitlines()[1:]]
        assert [(int(b), a, float(v)) for b, _, a, v in rows] == player.log  # and written
        assert abs(float(rows[-1][1]) - int(rows[-1][0]) * 256 / 48000) < 1e-6
        blocks = player.engine.block
        recorded, sr = sf.read(str(take), dtype="float32", always_2d=True)
        assert sr == 48000 and recorded.shape == (blocks * 256, 1)
        assert blocks * 256 >= 10 * 48000  # real time: it played for (at least) the whole flood
        graph = load_graph(path)
        expected = offline(graph, player.log, blocks, 256, player.smoothing)
        np.testing.assert_array_equal(recorded, expected)
        untouched = offline(graph, [], blocks, 256, player.smoothing)
        assert np.abs(recorded - untouched).max() > 0.1  # the changes were heard
        if late == 0 or not underruns_are_fair(player):
            print(f"take {attempt + 1}: {late} underruns after the first second")
            return
        missed.append(f"take {attempt + 1}: {late} underruns after the first second "
                      f"(at blocks {at})")
    raise AssertionError("; ".join(missed))
