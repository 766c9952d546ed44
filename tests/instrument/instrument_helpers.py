"""Helpers shared by the instrument tests (a unique name: test folders share sys.path)."""

from __future__ import annotations

import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "instruments"
REFERENCE = Path(__file__).resolve().parent / "reference"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def note_pairs(midi_file) -> list[tuple[int, int, int]]:
    """(note, on tick, off tick) for every note; asserts each note-on has its note-off."""
    open_notes, pairs, now = {}, [], 0
    for msg in midi_file.tracks[0]:
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            assert (msg.channel, msg.note) not in open_notes, f"note {msg.note} doubled at {now}"
            open_notes[(msg.channel, msg.note)] = now
        elif msg.type in ("note_off", "note_on"):
            start = open_notes.pop((msg.channel, msg.note))
            pairs.append((msg.note, start, now))
    assert not open_notes, f"notes left hanging: {sorted(open_notes)}"
    return pairs
