"""Playing a patch that listens: a sound file in place of the card (``play --input FILE``),
the card in full duplex through a JACK server with a dummy driver (a JACK client plays a known
signal into neuromix's input port, another listens to its output), and the takes recorded
with ``--record`` / ``--record-input`` equal to offline renders."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

import neuromix as nm
from neuromix.io.audiofile import SoundIn
from neuromix.live.player import LiveError, play

LISTENER = """\
# a tanh neuron listening
neuromix: 1
sr: 48000
nodes:
  x: {type: audio_in}
  a: {type: neuron, act: tanh, bias: 0.1, inputs: {x: 1.5, a: 0.3}}
out: a
"""


def neuromix(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "neuromix", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def tone(tmp_path):
    """0.3 s of a chirp at 22.05 kHz: played at 48 kHz only through the resampler."""
    t = np.arange(int(0.3 * 22050)) / 22050
    path = tmp_path / "tone.wav"
    sf.write(path, 0.6 * np.sin(2 * np.pi * (200 + 600 * t) * t), 22050, subtype="PCM_16")
    return path


def test_play_input_file_record_equals_the_offline_render(patch_file, tone, tmp_path):
    take, heard = tmp_path / "take.wav", tmp_path / "heard.wav"
    done = neuromix("play", patch_file(LISTENER), "--audio", "null", "--seconds", "0.7",
                    "--input", tone, "--record", take, "--record-input", heard, "-q")
    assert done.returncode == 0, done.stderr
    assert f"wrote {heard}" in done.stdout
    played, sr = sf.read(take, dtype="float32")
    came_in, _ = sf.read(heard, dtype="float64")
    assert sf.info(str(heard)).subtype == "DOUBLE" and len(came_in) == len(played) > 0.7 * sr
    with SoundIn(tone, 48000, loop=True) as looped:  # the file, looping, at the patch's rate
        np.testing.assert_array_equal(came_in, looped.block(len(came_in))[:, 0])
    patch = nm.load(patch_file(LISTENER))
    np.testing.assert_array_equal(patch.render(input=came_in)[:, 0].astype(np.float32), played)
    again = tmp_path / "again.wav"  # the CLI's own offline render of the kept input
    assert neuromix("render", patch_file(LISTENER), "--input", heard, "-o", again).returncode == 0
    np.testing.assert_array_equal(sf.read(again, dtype="float32")[0], played)


def test_play_without_anything_to_hear_is_one_line(patch_file, tmp_path):
    done = neuromix("play", patch_file(LISTENER), "--audio", "null", "--seconds", "0.1")
    assert done.returncode == 2 and "--audio null has no sound card to listen to" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    done = neuromix("play", patch_file(LISTENER), "--input", tmp_path / "none.wav")
    assert done.returncode == 2 and "no such sound file" in done.stderr


def test_the_player_takes_an_array_or_a_callback_and_keeps_what_came_in(tmp_path):
    p = nm.Patch(sr=48000)
    p.out(p.neuron(act="identity", inputs={p.audio_in(): 2.0}))
    ramp = np.linspace(-0.25, 0.25, 1000)
    with play(p, audio="null", blocksize=256, input=ramp, record=tmp_path / "a.wav",
              record_input=tmp_path / "in.wav") as player:
        player.wait(0.05)
    came_in = sf.read(tmp_path / "in.wav")[0]
    np.testing.assert_array_equal(came_in, np.resize(ramp, len(came_in)))  # looping
    np.testing.assert_array_equal(sf.read(tmp_path / "a.wav", dtype="float32")[0],
                                  (2 * came_in).astype(np.float32))
    calls = []
    with play(p, audio="null", blocksize=128,
              input=lambda n: calls.append(n) or np.full(n, 0.125)) as player:
        player.wait(0.03)
    assert calls and set(calls) == {128} and player.status()["input_starved"] == 0
    with pytest.raises(LiveError, match="no sound card to listen to"):
        play(p, audio="null")


def test_non_finite_samples_of_a_played_file_are_heard_as_zero_and_counted(tmp_path):
    p = nm.Patch(sr=48000)
    p.out(p.neuron(act="tanh", inputs={p.audio_in(): 1.0}, name="a"))
    bad = np.tile([0.5, np.nan, np.inf, -np.inf, -0.5], 2000)
    sf.write(tmp_path / "bad.wav", bad, 48000, subtype="FLOAT")
    with play(p, audio="null", blocksize=256, input=tmp_path / "bad.wav",
              record=tmp_path / "take.wav", record_input=tmp_path / "in.wav") as player:
        player.wait(0.05)
    status = player.status()
    assert status["input_scrubbed"] > 0 and status["input_scrubbed"] % 6000 == 0  # per pass
    came_in = sf.read(tmp_path / "in.wav")[0]
    np.testing.assert_array_equal(came_in, np.resize(np.nan_to_num(bad, posinf=0, neginf=0),
                                                     len(came_in)))
    assert not player.compiled.blowups  # no node was muted: the kernel heard only zeros
    assert np.isfinite(sf.read(tmp_path / "take.wav")[0]).all()


# -- full duplex through JACK ---------------------------------------------------------------
N = 1 << 18  # longer than a take: a frame time modulo N names one sample of it
SIGNAL = (0.5 * np.random.default_rng(5).uniform(-1, 1, N)).astype(np.float32)


class JackPeers:
    """Two JACK clients beside the player: one plays SIGNAL by JACK's frame clock (frame time
    t: SIGNAL[t % N]), one keeps what arrives at its port with the frame time of each cycle."""

    def __init__(self, server: str):
        import jack

        self.player = jack.Client("nm-test-feed", servername=server)
        self.listener = jack.Client("nm-test-listen", servername=server)
        self.out = self.player.outports.register("out")
        self.inp = self.listener.inports.register("in")
        self.cycles: list[tuple[int, np.ndarray]] = []
        self.player.set_process_callback(self._play)
        self.listener.set_process_callback(self._listen)
        self.player.activate()
        self.listener.activate()

    def _play(self, frames):
        t = self.player.last_frame_time
        self.out.get_array()[:] = SIGNAL[np.arange(t, t + frames) % N]

    def _listen(self, frames):
        self.cycles.append((self.listener.last_frame_time, self.inp.get_array().copy()))

    def wire(self) -> None:
        """SIGNAL into neuromix's input port (in place of system:capture), its output here."""
        client = self.player
        pa_in = client.get_ports("PortAudio", is_audio=True, is_input=True)[0]
        pa_out = client.get_ports("PortAudio", is_audio=True, is_output=True)[0]
        for port in client.get_all_connections(pa_in):
            client.disconnect(port, pa_in)
        client.connect(self.out, pa_in)
        client.connect(pa_out, self.inp)

    def close(self) -> None:
        for client in (self.player, self.listener):
            client.deactivate()
            client.close()


def test_full_duplex_through_jack(jack, patch_file, tmp_path):
    pytest.importorskip("jack")
    peers = JackPeers(jack)
    take, heard = tmp_path / "take.wav", tmp_path / "heard.wav"
    try:
        with play(patch_file(LISTENER), audio="jack", blocksize=256, record=take,
                  record_input=heard) as player:
            assert "listening to" in player.output.name
            peers.wire()
            start = len(peers.cycles)
            deadline = time.monotonic() + 20
            while len(peers.cycles) < start + 300 and time.monotonic() < deadline:
                player.wait(0.05)
            end = len(peers.cycles)  # cycles heard while it played
        status = player.status()
    finally:
        peers.close()
    print(f"underruns {status['underruns']}, input overflows {status['input_overflows']}")
    came_in = sf.read(heard, dtype="float64")[0]
    played = sf.read(take, dtype="float32")[0]
    assert len(played) == len(came_in) < N
    # the take is the offline render of what came in, sample for sample: no latency of its own
    offline = nm.load(patch_file(LISTENER)).render(input=came_in)[:, 0].astype(np.float32)
    np.testing.assert_array_equal(offline, played)
    # what came in is SIGNAL, and the take arrives at the far end: each block the listener
    # got is found in the take, the input it was made from in SIGNAL, and the difference of
    # their frame times is the round trip (a cycle JACK dropped moves the take, not that)
    delays = [_round_trip(t, block, played, came_in) for t, block in peers.cycles[start:end]]
    found = [d for d in delays if d is not None]
    assert len(found) > 0.5 * len(delays), "the known signal did not come back"
    latency = int(np.median(found))
    print(f"round trip through neuromix over JACK: {latency} frames (period 256); "
          f"{len(found)} of {len(delays)} cycles: {sorted(set(found))}")
    assert latency <= 256


def _round_trip(t: int, block: np.ndarray, played: np.ndarray, came_in: np.ndarray):
    """Frames from SIGNAL going out of the feeding client to the output made of it arriving at
    the listening one, for one cycle of the listener (None if the block is not in the take)."""
    for i in np.flatnonzero(played == block[0]):
        if not np.array_equal(played[i:i + len(block)], block):
            continue
        heard = came_in[i:i + 64].astype(np.float32)
        for k in np.flatnonzero(SIGNAL == heard[0]):
            if np.array_equal(SIGNAL[k:k + len(heard)], heard):
                return int((t - k) % N)
    return None


def test_an_input_device_that_is_not_there_is_one_line(jack, patch_file):
    with pytest.raises(LiveError, match="no input device matching 'no-such-mic'"):
        play(patch_file(LISTENER), audio="jack", input_device="no-such-mic")
    with pytest.raises(LiveError, match="no input device 999"):
        play(patch_file(LISTENER), audio="jack", input_device="999")


def test_a_player_that_cannot_start_stops_reading_its_input_file(patch_file, tone):
    import threading

    with pytest.raises(LiveError):
        play(patch_file(LISTENER), audio="portaudio", device="no-such-card", input=tone)
    assert not [t for t in threading.enumerate() if t.name == "neuromix-input"]
