"""Every example patch renders: no NaN, audible, and no clipping unless its header says "may clip";
and every example keeps the word of its header (what `neuromix chaos` measures, what it learns)."""

import re
from pathlib import Path

import numpy as np
import pytest

import neuromix as nm
from neuromix.engine.lyapunov import lyapunov
from neuromix.commands.demo import is_patch
from neuromix.commands.render import patch_seconds

EXAMPLES = sorted(p for p in (Path(__file__).resolve().parents[1] / "examples").iterdir()
                  if p.suffix in (".yaml", ".yml", ".json") and is_patch(p))


VERDICT = re.compile(r"`neuromix chaos`: (chaotic|stable|on the edge), about ([-+][0-9.e]+)")
CHAOTIC = 5.0  # per second: a "chaotic" example must measure clearly above zero


def header(path: Path) -> str:
    lines = path.read_text().splitlines()
    return "\n".join(line for line in lines if line.startswith("#"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_patch_renders_well(path):
    assert header(path), "each example starts with a comment header saying what it shows"
    patch = nm.load(path)
    audio = patch.render(seconds=patch_seconds(patch.graph))
    assert np.isfinite(audio).all()
    rms_db = 20 * np.log10(np.sqrt(np.mean(audio ** 2)) + 1e-12)
    assert rms_db > -40, f"too quiet: {rms_db:.1f} dBFS"
    if "may clip" not in header(path).lower():
        assert np.max(np.abs(audio)) <= 1.0, "clips, and its header does not say so"


def test_learner_example_learns_the_square():
    """learner_square_from_partials keeps its word: the learner (left) follows the square
    (right) to 12 dB over the last two seconds, frozen there, playing what it learned."""
    patch = nm.load(Path(__file__).resolve().parents[1] / "examples"
                    / "learner_square_from_partials.yaml")
    y = patch.render(seconds=8.0)[-int(2 * patch.graph.sr):]
    learned, target = y[:, 0], y[:, 1]
    assert 10 * np.log10(np.sum(target ** 2) / np.sum((target - learned) ** 2)) >= 12.0


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_header_says_what_chaos_measures(path):
    """A header that speaks of chaos states what `neuromix chaos` measures (its verdict and
    about how much); the measure (the command's default run) agrees in kind and sign."""
    text = " ".join(line.lstrip("# ") for line in header(path).splitlines())
    said = VERDICT.search(text)
    if not re.search(r"chao", text, re.IGNORECASE):
        assert not said
        return
    assert said, "a header that speaks of chaos says what `neuromix chaos` measures"
    lam = lyapunov(nm.load(path).graph)
    kind, about = said.group(1), float(said.group(2))
    assert lam.describe().startswith(kind), (kind, lam.per_second)
    assert np.sign(lam.per_second) == np.sign(about)
    assert 0.3 < lam.per_second / about < 3.0, (lam.per_second, about)
    if kind == "chaotic":
        assert lam.per_second > CHAOTIC


def test_organism_is_chaotic_all_minute():
    """The joystick moves dual_neuron_organism through its core's chaotic region only: the
    exponent is positive wherever in the minute it is measured."""
    graph = nm.load(Path(__file__).resolve().parents[1] / "examples"
                    / "dual_neuron_organism.yaml").graph
    for start in (12.0, 27.0, 51.0):
        assert lyapunov(graph, seconds=2.0, transient=start).per_second > CHAOTIC, start


def _heard(name: str) -> np.ndarray:
    """The sound file an example patch names (its input: section), at 48 kHz."""
    p = nm.Patch(sr=48000)
    p.out(p.audio_in())
    p.graph.extra["input"] = str(Path(__file__).resolve().parents[1] / "examples" / "sounds"
                                 / name)
    return p.render()


def test_voice_example_rings_near_220_hz_and_dies_away_in_pauses():
    """voice_through_dual_neuron keeps its word: while the voice speaks the pair's strongest
    partial is near 220 Hz, and in the pause after 'Sound in.' it falls silent."""
    sr = 48000
    y = nm.load(Path(__file__).resolve().parents[1] / "examples"
                / "voice_through_dual_neuron.yaml").render(seconds=1.1)
    voice = _heard("voice.wav")
    pause = slice(int(0.85 * sr), int(1.05 * sr))
    assert np.sqrt(np.mean(voice[pause] ** 2)) < 1e-3  # the recording pauses there
    assert np.std(y[pause], axis=0).max() < 0.01
    speaking = y[int(0.1 * sr):int(0.7 * sr), 1]
    spectrum = np.abs(np.fft.rfft((speaking - speaking.mean()) * np.hanning(len(speaking))))
    strongest = np.fft.rfftfreq(len(speaking), 1 / sr)[np.argmax(spectrum)]
    assert 200 < strongest < 240, strongest


def test_learner_example_imitates_the_recorded_tone():
    """learner_imitates_recording keeps its word: about 24 dB from the recording (at least 20)
    over the last second of the tone."""
    y = nm.load(Path(__file__).resolve().parents[1] / "examples"
                / "learner_imitates_recording.yaml").render(seconds=2.9)[-48000:]
    learned, target = y[:, 0], y[:, 1]
    assert 10 * np.log10(np.sum(target ** 2) / np.sum((target - learned) ** 2)) >= 20.0


def test_reservoir_live_has_the_spectral_radius_its_header_says():
    from neuromix.nodes.network import summary

    path = next(p for p in EXAMPLES if p.stem == "reservoir_live")
    said = re.search(r"spectral radius ([0-9.]+)", header(path)).group(1)
    assert f"spectral radius {said}," in summary(nm.load(path).graph.nodes["res"])
