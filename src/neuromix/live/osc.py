"""OSC control of a playing patch (python-osc's parser, on a UDP socket of our own).

=============================  ==================================================
``/neuromix/param/<address> x``  set a parameter (``x`` a number); ``<address>`` as in
                                 ``neuromix info``: ``/neuromix/param/a.w.b 0.8``
``/neuromix/params``             reply to the sender: one ``/neuromix/params`` message
                                 with address, value, address, value, ...
``/neuromix/reset``              every node back to its initial state
=============================  ==================================================

Each datagram is parsed on its own; anything malformed (random bytes, a truncated packet,
invalid UTF-8, a wrong or missing argument, a non-finite number) is counted and ignored, as is
a message for an address the patch does not have. Bundles are applied when they arrive,
whatever their time tag (a future-stamped bundle must not block the server).

Examples
--------
>>> from pythonosc.osc_message_builder import OscMessageBuilder
>>> class Target:
...     def set(self, address, value): print("set", address, value)
>>> osc = OscControl(Target(), port=None)
>>> b = OscMessageBuilder("/neuromix/param/a.bias"); b.add_arg(0.25)
>>> osc.handle(b.build().dgram, None)
set a.bias 0.25
>>> osc.handle(b"\\xff\\x00garbage", None); osc.counts()["osc_malformed"]
1
"""

from __future__ import annotations

import math
import socket
import threading

PREFIX = "/neuromix/param/"


SIZES = {"i": 4, "f": 4, "r": 4, "c": 4, "m": 4, "d": 8, "h": 8, "t": 8,
         "T": 0, "F": 0, "N": 0, "I": 0, "[": 0, "]": 0}


def _padded(n: int) -> int:
    return (n + 4) & ~3  # a string and its terminating zero, padded to 4 bytes


def whole(dgram: bytes) -> bool:
    """Whether an OSC message is exactly as long as its type tags say (OSC 1.0: no missing
    bytes), which python-osc's lenient parser does not check."""
    end = dgram.index(b"\x00")
    pos = _padded(end)
    if pos >= len(dgram) or dgram[pos:pos + 1] != b",":
        return pos == len(dgram)  # no type tags: no arguments
    tend = dgram.index(b"\x00", pos)
    tags = dgram[pos + 1:tend].decode("ascii")
    pos += _padded(tend - pos)
    for tag in tags:
        if tag in SIZES:
            pos += SIZES[tag]
        elif tag in "sS":
            pos += _padded(dgram.index(b"\x00", pos) - pos)
        elif tag == "b":
            pos += 4 + ((int.from_bytes(dgram[pos:pos + 4], "big") + 3) & ~3)
        else:
            return False
        if pos > len(dgram):
            return False
    return pos == len(dgram)


class OscControl:
    """Listens on ``host:port`` (UDP) and drives ``player`` (``set``, ``params``, ``reset``)."""

    def __init__(self, player, port: int | None, host: str = "127.0.0.1", say=print):
        from pythonosc.osc_message_builder import OscMessageBuilder
        from pythonosc.osc_packet import OscPacket

        self.player, self.say = player, say
        self._packet, self._builder = OscPacket, OscMessageBuilder
        self.received = self.applied = self.malformed = self.unknown = 0
        self.sock = None
        self._thread = None
        if port is None:
            return
        from neuromix.live.audio import LiveError

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((host, int(port)))
        except OSError as err:
            sock.close()
            raise LiveError(f"cannot listen for OSC on {host}:{port} ({err.strerror}): pick "
                            f"another --osc-port") from None
        sock.settimeout(0.05)
        self.sock = sock
        self.port = sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="neuromix-osc", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        from neuromix.live.audio import CONTROL_PRIORITY, realtime_priority

        realtime_priority(CONTROL_PRIORITY)
        while not self._stop.is_set():
            try:
                data, sender = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            self.handle(data, sender)

    def handle(self, data: bytes, sender) -> None:
        """Act on one datagram (never raises)."""
        self.received += 1
        try:
            messages = [m.message for m in self._packet(data).messages]
            if len(data) % 4 or not all(whole(m.dgram) for m in messages):
                raise ValueError("truncated")  # python-osc pads a cut-off number with zeros
        except Exception:  # ParseError, UnicodeDecodeError, struct errors: all malformed
            self.malformed += 1
            return
        for msg in messages:
            try:
                self._message(msg.address, list(msg.params), sender)
            except Exception:
                self.malformed += 1

    def _message(self, address: str, args: list, sender) -> None:
        if address.startswith(PREFIX):
            if len(args) != 1 or isinstance(args[0], bool) or not isinstance(args[0], (int, float)) \
                    or not math.isfinite(args[0]):
                self.malformed += 1
                return
            try:
                self.player.set(address[len(PREFIX):], float(args[0]))
            except KeyError:
                self.unknown += 1
                return
            self.applied += 1
        elif address == "/neuromix/params":
            self._reply(sender)
            self.applied += 1
        elif address == "/neuromix/reset":
            self.player.reset()
            self.applied += 1
        else:
            self.unknown += 1

    def _reply(self, sender) -> None:
        if sender is None or self.sock is None:
            return
        builder = self._builder("/neuromix/params")
        for address, value in self.player.params().items():
            builder.add_arg(address)
            builder.add_arg(value, "d")
        self.sock.sendto(builder.build().dgram, sender)

    def counts(self) -> dict:
        return {"osc_received": self.received, "osc_applied": self.applied,
                "osc_malformed": self.malformed, "osc_unknown": self.unknown}

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None
