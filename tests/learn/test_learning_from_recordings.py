"""A learner whose target is a recording (audio_in): it imitates a recorded tone from its own
oscillators, fails audibly (measured) when its oscillators cannot make the recording, and
learns the same live as offline."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import neuromix as nm
from neuromix.graph.patchfile import loads
from neuromix.io.audiofile import SoundIn
from neuromix.live.player import play

SR = 16000
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "learner_imitates_recording.yaml"
IMITATOR = f"""\
sr: {SR}
nodes:
  rec: {{type: audio_in}}
  s:   {{type: sine, freq: 440}}
  c:   {{type: sine, freq: 440}}
  o:   {{type: sine, freq: 880}}
  p:   {{type: sine, freq: 880}}
  l:   {{type: learner, act: tanh, target: rec, rate: 0.05, inputs: {{s: 0, c: {{weight: 0, delay: 9}}, o: 0, p: {{weight: 0, delay: 5}}}}}}
out: [l, rec]
"""


def snr_db(y: np.ndarray) -> float:
    """How close the learner (column 0) is to the recording (column 1), in dB."""
    learned, target = y[:, 0], y[:, 1]
    return 10 * np.log10(np.sum(target ** 2) / np.sum((target - learned) ** 2))


def recorded(tmp_path, freq: float) -> Path:
    """A 'recording' of a tone at ``freq`` and its octave, 16-bit, 1.5 s, with its own phases."""
    t = np.arange(int(1.5 * SR)) / SR
    tone = 0.4 * np.sin(2 * np.pi * freq * t + 1.0) + 0.15 * np.sin(2 * np.pi * 2 * freq * t - 2.0)
    path = tmp_path / f"tone{freq:g}.wav"
    sf.write(path, tone, SR, subtype="PCM_16")
    return path


@pytest.fixture(scope="module")
def imitator():
    return nm.Patch(graph=loads(IMITATOR)).compile()


def learn(compiled, path) -> np.ndarray:
    from neuromix.engine.render import render

    with SoundIn(path, SR) as sound:
        return render(compiled, input=sound)


def test_a_learner_imitates_a_recorded_tone_from_its_own_oscillators(imitator, tmp_path):
    y = learn(imitator, recorded(tmp_path, 440))
    assert snr_db(y[-SR // 2:]) > 30  # its partials are the recording's: it gets them (33 dB)


def test_it_fails_audibly_when_its_oscillators_cannot_make_the_recording(imitator, tmp_path):
    """A whole tone higher, nothing it has can follow the tone for long: the error is about as
    loud as the recording (an SNR near 0 dB, 0.7 here, against 33 when it can)."""
    y = learn(imitator, recorded(tmp_path, 493.88))
    assert snr_db(y[-SR // 2:]) < 2
    assert np.sqrt(np.mean(y[-SR // 2:, 0] ** 2)) > 0.05  # it is heard trying, not silent


def test_the_example_cannot_imitate_a_voice(tmp_path):
    """learner_imitates_recording's header: with a voice in place of the tone, it fails."""
    patch = nm.load(EXAMPLE)
    voice = EXAMPLE.parent / "sounds" / "voice.wav"
    with SoundIn(voice, patch.sr) as sound:
        y = patch.render(seconds=2.5, input=sound.block(int(2.5 * patch.sr)))
    assert snr_db(y) < 2  # 0.5 dB


def test_it_learns_the_same_live_as_offline(tmp_path):
    graph = loads(IMITATOR)
    with SoundIn(recorded(tmp_path, 440), SR) as sound:
        tone = sound.rest()[:, 0]
    with play(graph, audio="null", blocksize=256, input=tone, record=tmp_path / "take.wav") as p:
        p.wait(0.3)
    take = sf.read(tmp_path / "take.wav", dtype="float32")[0]
    offline = nm.Patch(graph=graph).render(frames=len(take), input=tone, loop=True)
    np.testing.assert_array_equal(offline.astype(np.float32), take)


def test_a_learner_net_takes_a_recording_as_its_target_too(tmp_path):
    graph = loads(f"""\
sr: {SR}
nodes:
  rec: {{type: audio_in}}
  s:   {{type: sine, freq: 440}}
  c:   {{type: sine, freq: 440}}
  o:   {{type: sine, freq: 880}}
  p:   {{type: sine, freq: 880}}
  net: {{type: learner_net, layers: [3, 1], acts: [tanh, identity], seed: 1, rate: 0.5, target: rec, inputs: [s, {{from: c, delay: 9}}, o, {{from: p, delay: 5}}]}}
out: [net, rec]
""")
    y = learn(nm.Patch(graph=graph).compile(), recorded(tmp_path, 440))
    early, late = snr_db(y[:SR // 10]), snr_db(y[-SR // 2:])
    assert late > early + 6 and late > 30, (early, late)  # 15 dB in its first 0.1 s, then 39
