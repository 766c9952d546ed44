"""Render the instrument tones in this folder (run once; the tests read the files, not this).

Sampled instruments from the FluidR3 General MIDI soundfont (Debian: ``apt-get install
fluidsynth fluid-soundfont-gm``), one note each without reverb or chorus, and a sung vowel
from espeak-ng stretched by sox; every tone mono, 22.05 kHz, 16-bit FLAC, peak 0.5, starting
at its onset: sustained tones 4 s, plucked and struck ones 3 s.

Example: python tests/learn/sounds/render_tones.py
"""

import subprocess
import tempfile
from pathlib import Path

import mido
import numpy as np
import soundfile as sf

SR = 22050
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
HERE = Path(__file__).parent
# name: (General MIDI program, 0-based; MIDI note; seconds kept)
TONES = {"flute": (73, 72, 4.0), "clarinet": (71, 58, 4.0), "oboe": (68, 69, 4.0),
         "violin": (40, 67, 4.0), "cello": (42, 48, 4.0), "organ": (19, 60, 4.0),
         "choir": (52, 57, 4.0), "guitar": (24, 52, 3.0), "piano": (0, 60, 3.0)}


def onset(audio: np.ndarray) -> np.ndarray:
    """From the first sample within 40 dB of the peak."""
    return audio[int(np.argmax(np.abs(audio) > 0.01 * np.abs(audio).max())):]


def keep(name: str, audio: np.ndarray, seconds: float) -> None:
    audio = onset(audio)[:int(seconds * SR)]
    assert len(audio) == int(seconds * SR), name
    sf.write(HERE / f"{name}.flac", 0.5 * audio / np.abs(audio).max(), SR, subtype="PCM_16")


def soundfont_tone(tmp: Path, program: int, note: int, seconds: float) -> np.ndarray:
    song = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    song.tracks.append(track)
    ticks = int(mido.second2tick(seconds + 1.0, 480, 500000))
    track += [mido.Message("program_change", program=program, time=0),
              mido.Message("note_on", note=note, velocity=100, time=0),
              mido.Message("note_off", note=note, velocity=0, time=ticks)]
    song.save(tmp / "tone.mid")
    subprocess.run(["fluidsynth", "-ni", "-R", "0", "-C", "0", "-g", "0.5", "-r", str(SR),
                    "-F", str(tmp / "tone.wav"), SOUNDFONT, str(tmp / "tone.mid")],
                   check=True, capture_output=True)
    audio, sr = sf.read(tmp / "tone.wav")
    assert sr == SR
    return audio.mean(axis=1)


def espeak_vowel(tmp: Path, seconds: float) -> np.ndarray:
    """A sung 'a' (espeak-ng, stretched with sox's tempo, pitch kept)."""
    raw, out = tmp / "a.wav", tmp / "a22.wav"
    subprocess.run(["espeak-ng", "-s", "80", "-p", "40", "-w", str(raw), "[[a::::::::::::::::]]"],
                   check=True)
    subprocess.run(["sox", str(raw), "-r", str(SR), str(out), "trim", "0.1", "0.55", "tempo",
                    "-s", "0.2", "tempo", "-s", "0.2"], check=True)
    audio, _ = sf.read(out)
    return audio


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, (program, note, seconds) in TONES.items():
            keep(name, soundfont_tone(tmp, program, note, seconds), seconds)
        keep("voice", espeak_vowel(tmp, 4.0), 4.0)
    for path in sorted(HERE.glob("*.flac")):
        print(f"{path.name}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
