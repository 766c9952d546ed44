"""The strict OSC parser: well-formed packets as python-osc reads them, every malformed one
refused quickly with Malformed (never another exception, never a loop)."""

import random
import struct
import time

import pytest
from osc_garbage import NEGATIVE_ELEMENT, bundle, hostile, message
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket

from neuromix.io.osc import MAX_NESTING, Malformed, Reporter, parse


def _built(address, *args):
    b = OscMessageBuilder(address)
    for a in args:
        b.add_arg(a)
    return b.build()


def test_well_formed_packets_read_as_python_osc_reads_them():
    rng = random.Random(3)
    for _ in range(200):
        args = [rng.choice([rng.randint(-2**31, 2**31 - 1), rng.random(), "tëxt",
                            b"\x01\x02\x03", True, False, None])
                for _ in range(rng.randrange(6))]
        msg = _built("/x/y", *args)
        builder = OscBundleBuilder(IMMEDIATELY)
        builder.add_content(msg)
        builder.add_content(_built("/z", 1.5))
        for dgram in (msg.dgram, builder.build().dgram):
            theirs = [(m.message.address, list(m.message.params))
                      for m in OscPacket(dgram).messages]
            assert parse(dgram) == theirs


def test_arrays_and_nesting_limits():
    assert parse(message(b"/a", b",[i[f]]", struct.pack(">if", 2, 0.5))) == [("/a", [[2, [0.5]]])]
    deep_ok, deep_bad = message(b"/a", b",i", struct.pack(">i", 1)), None
    for _ in range(MAX_NESTING):
        deep_ok = bundle(deep_ok)
    assert parse(deep_ok) == [("/a", [1])]
    deep_bad = bundle(deep_ok)
    with pytest.raises(Malformed, match="nested deeper"):
        parse(deep_bad)


def test_the_negative_bundle_element_is_refused():
    assert len(NEGATIVE_ELEMENT) == 20
    with pytest.raises(Malformed, match="size -4"):
        parse(NEGATIVE_ELEMENT)


def test_every_hostile_datagram_is_malformed_and_quick():
    garbage = hostile()
    reference = time.perf_counter()
    for _ in range(len(garbage)):
        parse(_built("/a", 1.0, "b").dgram)
    reference = time.perf_counter() - reference
    start = time.perf_counter()
    for dgram in garbage:
        try:
            parse(dgram)
        except Malformed:
            continue
        # a mutation that left a well-formed packet is fine: it parsed within its bytes
    took = time.perf_counter() - start
    assert took < 200 * reference + 0.5  # linear in the bytes: no loop, no blow-up
    refused = 0
    for dgram in garbage[:24]:  # the named ones are all malformed
        with pytest.raises(Malformed):
            parse(dgram)
        refused += 1
    assert refused == 24


def test_the_reporter_says_at_most_once_a_second():
    lines = []
    r = Reporter(lines.append, "OSC", every=0.2)
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        r.refused("garbage")
    assert 2 <= len(lines) <= 4 and r.count > 100
    assert "malformed packets" in lines[-1]
