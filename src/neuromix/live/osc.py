"""OSC control of a playing patch (a strict parser, :mod:`neuromix.io.osc`, on a UDP socket).

=============================  ==================================================
``/neuromix/param/<address> x``  set a parameter (``x`` a number); ``<address>`` as in
                                 ``neuromix info``: ``/neuromix/param/a.w.b 0.8``
``/neuromix/params``             reply to the sender: one ``/neuromix/params`` message
                                 with address, value, address, value, ...
``/neuromix/reset``              every node back to its initial state
=============================  ==================================================

Each datagram is parsed on its own; anything malformed (random bytes, a truncated packet,
a negative or oversized bundle element, invalid UTF-8, bundles nested too deep, a wrong or
missing argument, a non-finite number) is counted and ignored, and said at most once a second,
as is a message for an address the patch does not have; the audio and the recording go on.
A value past the parameter's range is clamped to it (counted as ``osc_clamped``, see
:class:`~neuromix.live.changes.Limits`).
Bundles are applied when they arrive, whatever their time tag (a future-stamped bundle must not
block the server).

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
OSC: ignored a malformed packet (a packet's length is not a positive multiple of 4)
1
"""

from __future__ import annotations

import math

from neuromix.errors import LiveError
from neuromix.io.osc import Listener, Reporter
from neuromix.live.audio import CONTROL_PRIORITY, realtime_priority
from neuromix.live.changes import Limits

PREFIX = "/neuromix/param/"


class OscControl:
    """Listens on ``host:port`` (UDP) and drives ``player`` (``set``, ``params``, ``reset``)."""

    def __init__(self, player, port: int | None, host: str = "127.0.0.1", say=print):
        from pythonosc.osc_message_builder import OscMessageBuilder


        self.player, self.say = player, say
        self._builder = OscMessageBuilder
        self.report = Reporter(say, "OSC")
        self.limits = Limits(player, say, "OSC")
        self.received = self.applied = self.unknown = 0
        self.listener = None
        if port is None:
            return

        try:
            self.listener = Listener(host, port, self.handle,
                                     on_start=lambda: realtime_priority(CONTROL_PRIORITY))
        except OSError as err:
            raise LiveError(f"cannot listen for OSC on {host}:{port} ({err.strerror}): pick "
                            f"another --osc-port") from None
        self.port = self.listener.port

    @property
    def malformed(self) -> int:
        return self.report.count

    def handle(self, data: bytes, sender) -> None:
        """Act on one datagram (never raises)."""
        self.received += 1
        for address, args in self.report.messages(data):
            try:
                self._message(address, args, sender)
            except (OSError, ValueError) as err:  # a reply that cannot be sent, a bad value
                self.report.refused(f"{address[:60]}: {err}")

    def _message(self, address: str, args: list, sender) -> None:
        if address.startswith(PREFIX):
            if len(args) != 1 or isinstance(args[0], bool) or not isinstance(args[0], (int, float)) \
                    or not math.isfinite(args[0]):
                self.report.refused(f"{address[:60]} takes one finite number")
                return
            try:
                target = address[len(PREFIX):]
                self.player.set(target, self.limits.clamp(target, float(args[0])))
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
        if sender is None or self.listener is None:
            return
        builder = self._builder("/neuromix/params")
        for address, value in self.player.params().items():
            builder.add_arg(address)
            builder.add_arg(value, "d")
        self.listener.sock.sendto(builder.build().dgram, sender)

    def counts(self) -> dict:
        return {"osc_received": self.received, "osc_applied": self.applied,
                "osc_malformed": self.malformed, "osc_unknown": self.unknown,
                "osc_clamped": self.limits.clamped}

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
