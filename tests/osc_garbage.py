"""Hostile OSC datagrams for the tests of every OSC input (a unique name: test folders share
sys.path): each is malformed in its own way, and none may hang, crash or flood a listener."""

from __future__ import annotations

import contextlib
import os
import random
import struct
import subprocess
import sys

from helpers import spawn


def message(address: bytes, tags: bytes = b",", payload: bytes = b"") -> bytes:
    def pad(s: bytes) -> bytes:
        return s + b"\x00" * (4 - len(s) % 4)
    return pad(address) + pad(tags) + payload


def bundle(*elements: bytes, sizes=None) -> bytes:
    body = b"".join(struct.pack(">i", len(e) if sizes is None else sizes[i]) + e
                    for i, e in enumerate(elements))
    return b"#bundle\x00" + bytes(8) + body


NEGATIVE_ELEMENT = b"#bundle\x00" + bytes(8) + struct.pack(">i", -4)  # 20 bytes: hung python-osc


def hostile() -> list[bytes]:
    """Named hostile datagrams (every one malformed), then seeded random garbage."""
    good = message(b"/neuromix/param/a.bias", b",f", struct.pack(">f", 0.5))
    deep = good
    for _ in range(100):
        deep = bundle(deep)
    out = [
        NEGATIVE_ELEMENT,
        bundle(good, sizes=[-len(good)]),
        bundle(good, sizes=[-1]),
        bundle(good, sizes=[0x7FFFFFFF]),
        bundle(good, sizes=[len(good) + 4]),
        bundle(good, sizes=[len(good) - 2]),
        bundle(good, sizes=[0]),
        bundle(bundle(good, sizes=[-8])),
        deep,
        message(b"/neuromix/param/\xff\xfe", b",f", struct.pack(">f", 0.5)),
        message(b"/a", b",s", b"\xc3\x28\x00\x00"),
        message(b"/a", b",b", struct.pack(">i", -5) + b"abcd"),
        message(b"/a", b",b", struct.pack(">i", 0x7FFFFFF0)),
        message(b"/a", b",[[[[[[[[[[[[[[[[[[[[f", struct.pack(">f", 1.0)),
        message(b"/a", b",]f", struct.pack(">f", 1.0)),
        message(b"/a", b",fff", struct.pack(">f", 1.0)),
        message(b"/a", b",q", b"\x00" * 4),
        message(b"/a", b",f", struct.pack(">f", 1.0) + b"\x00" * 4),
        b"/a\x00",
        b"/a\x00\x00,f\x00\x00\x00\x00",
        b"#bundle\x00\x00\x00",
        b"",
        b"\x00" * 64,
        b"\xff" * 65000,
    ]
    rng = random.Random(11)
    for _ in range(200):
        n = rng.choice((4, 8, 20, 64, 512))
        out.append(bytes(rng.randrange(256) for _ in range(n)))
    for _ in range(200):  # valid packets with one byte changed or cut short
        data = bytearray(bundle(good, good))
        data[rng.randrange(len(data))] = rng.randrange(256)
        out.append(bytes(data[:rng.randrange(1, len(data) + 1)]))
    return out


@contextlib.contextmanager
def neuromix_process(*args: str):
    """``python -m neuromix ARGS`` with SIGINT at its default and unbuffered output, killed
    when the test leaves it running (a failing test leaves no process behind)."""
    proc = spawn([sys.executable, "-m", "neuromix", *args], stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
