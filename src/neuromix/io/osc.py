"""OSC datagrams from the network, parsed strictly (OSC 1.0) before anything acts on them.

A datagram from outside may be anything. :func:`parse` reads a message or a bundle within
the datagram's own bytes and returns its messages as (address, arguments); it raises
:class:`Malformed` for every fault (a size that is negative, odd or past the end, a string
without its terminating zero, text that is not UTF-8, an unknown type tag, trailing bytes,
bundles nested deeper than :data:`MAX_NESTING`). It never loops: every step moves forward.
python-osc's own parser is not used on datagrams from outside (a bundle element with a
negative size sends it into an endless loop). :class:`Reporter` says what was refused at
most once a second.

Examples
--------
>>> from pythonosc.osc_message_builder import OscMessageBuilder
>>> b = OscMessageBuilder("/a"); b.add_arg(0.5); b.add_arg("hi"); b.add_arg(3)
>>> parse(b.build().dgram)
[('/a', [0.5, 'hi', 3])]
>>> parse(b"#bundle\\x00" + bytes(8) + (-16).to_bytes(4, "big", signed=True) + b"/a\\x00\\x00")
Traceback (most recent call last):
...
neuromix.io.osc.Malformed: bundle element size -16 is not a positive multiple of 4
"""

from __future__ import annotations

import struct
import threading
import time

MAX_NESTING = 8  # bundles inside bundles
BUNDLE = b"#bundle\x00"
_FIXED = {"i": (4, ">i"), "f": (4, ">f"), "d": (8, ">d"), "h": (8, ">q"), "t": (8, ">Q"),
          "c": (4, ">I"), "r": (4, ">I"), "m": (4, ">I")}
_CONSTANT = {"T": True, "F": False, "N": None, "I": float("inf")}


class Malformed(ValueError):
    """A datagram that is not a well-formed OSC packet (said in a few words)."""


def _string(data: bytes, pos: int, end: int) -> tuple[str, int]:
    zero = data.find(b"\x00", pos, end)
    if zero < 0:
        raise Malformed("a string has no terminating zero")
    nxt = (zero + 4) & ~3
    if nxt > end:
        raise Malformed("a string's padding runs past the end")
    try:
        return data[pos:zero].decode("utf-8"), nxt
    except UnicodeDecodeError:
        raise Malformed("a string is not UTF-8") from None


def _message(data: bytes, pos: int, end: int) -> tuple[str, list]:
    address, pos = _string(data, pos, end)
    if not address.startswith("/"):
        raise Malformed(f"the address {address[:40]!r} does not start with '/'")
    if pos == end:
        return address, []  # OSC 1.0 allows a message without type tags
    if data[pos:pos + 1] != b",":
        raise Malformed("the type tags do not start with ','")
    tags, pos = _string(data, pos, end)
    args: list = []
    stack = [args]
    for tag in tags[1:]:
        if tag in _FIXED:
            size, fmt = _FIXED[tag]
            if pos + size > end:
                raise Malformed(f"argument '{tag}' runs past the end")
            value = struct.unpack_from(fmt, data, pos)[0]
            stack[-1].append(chr(value) if tag == "c" and value < 0x110000 else value)
            pos += size
        elif tag in "sS":
            value, pos = _string(data, pos, end)
            stack[-1].append(value)
        elif tag == "b":
            if pos + 4 > end:
                raise Malformed("a blob's size runs past the end")
            size = struct.unpack_from(">i", data, pos)[0]
            if size < 0 or pos + 4 + size > end:
                raise Malformed(f"blob size {size} does not fit the packet")
            stack[-1].append(bytes(data[pos + 4:pos + 4 + size]))
            pos += 4 + ((size + 3) & ~3)
        elif tag in _CONSTANT:
            stack[-1].append(_CONSTANT[tag])
        elif tag == "[" and len(stack) <= MAX_NESTING:
            stack[-1].append([])
            stack.append(stack[-1][-1])
        elif tag == "]" and len(stack) > 1:
            stack.pop()
        else:
            raise Malformed(f"type tag {tag!r} is unknown or unbalanced")
    if len(stack) != 1:
        raise Malformed("an array '[' is not closed")
    if pos != end:
        raise Malformed(f"{end - pos} bytes follow the last argument")
    return address, args


def _packet(data: bytes, pos: int, end: int, depth: int, out: list) -> None:
    if (end - pos) % 4 or end == pos:
        raise Malformed("a packet's length is not a positive multiple of 4")
    if data[pos:pos + 8] != BUNDLE:
        out.append(_message(data, pos, end))
        return
    if depth >= MAX_NESTING:
        raise Malformed(f"bundles nested deeper than {MAX_NESTING}")
    pos += 16  # "#bundle\0" and the time tag (applied at once: see the players)
    if pos > end:
        raise Malformed("a bundle's time tag runs past the end")
    while pos < end:
        if pos + 4 > end:
            raise Malformed("a bundle element's size runs past the end")
        size = struct.unpack_from(">i", data, pos)[0]
        if size <= 0 or size % 4:
            raise Malformed(f"bundle element size {size} is not a positive multiple of 4")
        if pos + 4 + size > end:
            raise Malformed(f"bundle element size {size} runs past the end")
        _packet(data, pos + 4, pos + 4 + size, depth + 1, out)
        pos += 4 + size


def parse(data: bytes) -> list[tuple[str, list]]:
    """Every message of an OSC datagram, in order, as (address, arguments); Malformed if any
    part of it is not well-formed (then nothing of it is used)."""
    out: list = []
    _packet(bytes(data), 0, len(data), 0, out)
    return out


class Reporter:
    """Counts refused datagrams (or other events) and says so through ``say`` at most once per
    ``every`` seconds, however many arrive.

    Examples
    --------
    >>> lines = []
    >>> r = Reporter(lines.append, "OSC")
    >>> for _ in range(1000): r.refused("garbage")
    >>> lines, r.count
    (['OSC: ignored a malformed packet (garbage)'], 1000)
    """

    def __init__(self, say, what: str, every: float = 1.0, done: str = "ignored",
                 noun: str = "malformed packet"):
        self.say, self.what, self.every, self.done, self.noun = say, what, every, done, noun
        self.count = 0
        self._told = 0  # the count at the last line said
        self._last = -float("inf")
        self._lock = threading.Lock()

    def refused(self, reason: str) -> None:
        with self._lock:
            self.count += 1
            now = time.monotonic()
            if now - self._last < self.every:
                return
            n, self._told, self._last = self.count - self._told, self.count, now
        many = f"a {self.noun}" if n == 1 else f"{n} {self.noun}s"
        self.say(f"{self.what}: {self.done} {many} ({reason})")

    def messages(self, data: bytes) -> list:
        """The (address, args) messages of one datagram; none, counted and said, if it is
        malformed (the one way every listener reads a datagram)."""
        try:
            return parse(data)
        except Malformed as err:
            self.refused(str(err))
            return []


class Listener:
    """A UDP socket on ``host:port`` and a thread handing each datagram to ``handle(data,
    sender)``; ``OSError`` if the port cannot be had. ``port`` 0 takes a free one.

    ``handle`` must not raise (it gets bytes from anyone); ``on_start`` runs first on the
    thread (to raise its priority). ``close`` stops the thread and frees the port.

    Examples
    --------
    >>> import socket
    >>> got = []
    >>> with Listener("127.0.0.1", 0, lambda data, sender: got.append(parse(data))) as ear:
    ...     s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ...     s.sendto(b"/hi\\x00,i\\x00\\x00\\x00\\x00\\x00\\x07", ("127.0.0.1", ear.port))
    ...     ear.wait_for(lambda: got)
    ...     s.close()
    12
    True
    >>> got
    [[('/hi', [7])]]
    """

    def __init__(self, host: str, port: int, handle, name: str = "neuromix-osc", on_start=None):
        import socket

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((host, int(port)))
        except OSError:
            sock.close()
            raise
        sock.settimeout(0.05)
        self.sock, self.port = sock, sock.getsockname()[1]
        self.handle, self.on_start = handle, on_start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        import socket

        if self.on_start is not None:
            self.on_start()
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

    def wait_for(self, condition, timeout: float = 5.0) -> bool:
        """Wait until ``condition()`` is true (for tests and examples); whether it became so."""
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                return False
            time.sleep(0.005)
        return True

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
            self.sock.close()

    def __enter__(self) -> "Listener":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
