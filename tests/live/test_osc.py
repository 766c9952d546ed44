"""A real OSC client on 127.0.0.1 drives a playing patch; malformed datagrams of every kind
are counted and ignored, and the server and the audio survive them."""

import random
import socket
import struct
import time

import pytest
from live_helpers import DUAL
from pythonosc.osc_bundle_builder import OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient

from neuromix.live import play
from neuromix.live.osc import OscControl


def message(address, *args):
    b = OscMessageBuilder(address)
    for a in args:
        b.add_arg(a)
    return b.build().dgram


def future_bundle(address, value, seconds=3600.0):
    b = OscBundleBuilder(time.time() + seconds)
    b.add_content(OscMessageBuilder(address).build() if value is None else _msg(address, value))
    return b.build().dgram


def _msg(address, value):
    b = OscMessageBuilder(address)
    b.add_arg(value)
    return b.build()


def malformed_datagrams():
    rng = random.Random(7)
    out = []
    for n in (1, 3, 4, 17, 64, 512):  # random bytes (never starting like a message or bundle)
        out.append(bytes([rng.choice(b"abcXYZ\x00\xff")]) + bytes(rng.randrange(256)
                                                                for _ in range(n - 1)))
    good = message("/neuromix/param/a.bias", 0.7)
    out += [good[:k] for k in (1, 5, 20, len(good) - 2, len(good) - 4)]  # truncated
    bad_utf8 = b"/neuromix/param/\xff\xfe\xfd\x00\x00\x00\x00\x00,f\x00\x00" + struct.pack(">f", 0.5)
    out.append(bad_utf8)
    out.append(b"#bundle\x00" + b"\x00" * 4)  # a bundle cut in its time tag
    out.append(message("/neuromix/param/a.bias", "loud"))  # wrong type
    out.append(message("/neuromix/param/a.bias"))  # no value
    out.append(message("/neuromix/param/a.bias", 0.1, 0.2))  # two values
    out.append(message("/neuromix/param/a.bias", float("nan")))  # not finite
    out.append(b"")  # empty datagram
    return out


def test_osc_client_and_garbage(patch_file):
    path = patch_file(DUAL)
    with play(path, audio="null", blocksize=256, log=True) as player:
        osc = OscControl(player, port=0)
        player.controls.append(osc)
        client = SimpleUDPClient("127.0.0.1", osc.port)
        raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        raw.settimeout(5.0)
        bad = malformed_datagrams()
        for dgram in bad:
            raw.sendto(dgram, ("127.0.0.1", osc.port))
        raw.sendto(message("/neuromix/param/nope.bias", 1.0), ("127.0.0.1", osc.port))  # unknown
        raw.sendto(message("/somewhere/else", 1.0), ("127.0.0.1", osc.port))  # unknown
        raw.sendto(future_bundle("/neuromix/param/b.bias", 0.25), ("127.0.0.1", osc.port))
        client.send_message("/neuromix/param/a.bias", 0.3)
        client.send_message("/neuromix/param/a.w.b", 2)  # an int is a number too
        _wait_for(lambda: osc.counts()["osc_applied"] >= 3)
        blocks = player.engine.block
        raw.sendto(message("/neuromix/params"), ("127.0.0.1", osc.port))
        reply = OscMessage(raw.recvfrom(65536)[0])
        client.send_message("/neuromix/reset", [])
        _wait_for(lambda: any(a == "reset" for _, a, _ in player.log or []))
        player.wait(0.1)
        assert player.engine.block > blocks  # the audio went on through all of it
        player.check()
        counts = osc.counts()
    assert counts["osc_malformed"] == len(bad)
    assert counts["osc_unknown"] == 2
    assert counts["osc_applied"] == 5  # three sets, the params query, the reset
    assert player.get("a.bias") == pytest.approx(0.3) and player.get("a.w.b") == 2.0
    assert player.get("b.bias") == 0.25  # the future-stamped bundle applied at once
    values = dict(zip(reply.params[::2], reply.params[1::2]))
    assert reply.address == "/neuromix/params"
    assert values["a.bias"] == pytest.approx(0.3) and set(values) == set(player.params())
    assert [a for _, a, _ in player.log] == ["b.bias", "a.bias", "a.w.b", "reset"]


def test_a_port_in_use_is_one_clear_line():
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    busy.bind(("127.0.0.1", 0))
    from neuromix.live.audio import LiveError
    with pytest.raises(LiveError, match="cannot listen for OSC .* pick another --osc-port"):
        OscControl(object(), port=busy.getsockname()[1])
    busy.close()


def _wait_for(condition, timeout=5.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def test_a_patch_plays_from_its_own_method():
    import neuromix as nm
    p = nm.Patch(sr=48000)
    p.out(p.neuron(act="identity", bias=0.0, name="a"))
    with p.play(audio="null", blocksize=64, smoothing=0) as player:
        player.set("a.bias", 0.5)
        _wait_for(lambda: player.get("a.bias") == 0.5)
        with pytest.raises(KeyError, match="did you mean 'a.bias'"):
            player.set("a.bais", 1.0)
        with pytest.raises(ValueError, match="finite"):
            player.set("a.bias", float("inf"))
