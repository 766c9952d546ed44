"""OSC in and out over real UDP on 127.0.0.1, received by a real python-osc server."""

from __future__ import annotations

import threading

import pytest

from instrument_helpers import free_udp_port
from neuromix.instrument.file import loads
from neuromix.instrument.loop import Instrument


@pytest.fixture
def osc_server():
    """A python-osc server on a free port; yields (port, received messages, event)."""
    from pythonosc.dispatcher import Dispatcher
    from pythonosc.osc_server import BlockingOSCUDPServer

    got, arrived = [], threading.Event()

    def handle(address, *args):
        got.append((address, args))
        arrived.set()

    dispatcher = Dispatcher(strict_timing=False)
    dispatcher.set_default_handler(handle)
    server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield server.server_address[1], got, arrived
    server.shutdown()
    server.server_close()


def test_osc_output_reaches_a_real_server(osc_server):
    port, got, arrived = osc_server
    spec = loads(f"rate: 100\ninputs: {{x: {{source: replay, value: 0.25}}}}\nnetwork:\n"
                 f"  nodes:\n    a: {{type: neuron, act: identity, inputs: {{x: 2.0}}}}\n"
                 f"outputs:\n  o: {{type: osc, host: 127.0.0.1, port: {port}, address: /out,"
                 f" values: [a, {{from: x, range: [0, 1], to: [0, 100]}}], rate: 20}}\n")
    with Instrument(spec) as inst:
        inst.run(ticks=20)  # 0.2 s in real time: messages at ticks 0, 5, 10, 15
    assert arrived.wait(5)
    addresses = {a for a, _ in got}
    assert addresses == {"/out"}
    assert got[0][1] == pytest.approx((0.5, 25.0))


def test_wekinator_round_trip_osc_in_to_osc_out(osc_server):
    from pythonosc.udp_client import SimpleUDPClient

    out_port, got, arrived = osc_server
    in_port = free_udp_port()
    spec = loads(f"rate: 100\ninputs:\n"
                 f"  in1: {{source: osc, address: /wek/inputs, index: 0, port: {in_port}}}\n"
                 f"  in2: {{source: osc, address: /wek/inputs, index: 1, port: {in_port}}}\n"
                 f"network:\n  nodes:\n"
                 f"    o: {{type: neuron, act: identity, inputs: {{in1: 1.0, in2: -1.0}}}}\n"
                 f"outputs:\n  wek: {{type: osc, preset: wekinator, port: {out_port},"
                 f" values: [o]}}\n")
    assert spec.outputs[0].settings["address"] == "/wek/outputs"
    with Instrument(spec) as inst:
        inst.bank.changed.clear()
        SimpleUDPClient("127.0.0.1", in_port).send_message("/wek/inputs", [0.75, 0.25])
        assert inst.bank.changed.wait(5)
        assert inst.bank.values.tolist() == [0.75, 0.25]
        arrived.clear()
        got.clear()
        inst.run(ticks=1)
        assert arrived.wait(5)
    assert got[0] == ("/wek/outputs", (0.5,))


def test_osc_input_range_normalises_and_bad_packets_are_ignored():
    import socket

    from pythonosc.udp_client import SimpleUDPClient

    port = free_udp_port()
    spec = loads(f"inputs:\n  v: {{source: osc, address: /v, port: {port}, range: [0, 10]}}\n"
                 f"outputs: {{}}\n")
    with Instrument(spec) as inst:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"/v\x00\x00,s\x00\x00\xff\xfe\x00\x00", ("127.0.0.1", port))  # bad UTF-8
        inst.bank.changed.clear()
        SimpleUDPClient("127.0.0.1", port).send_message("/v", 2.5)
        assert inst.bank.changed.wait(5)
        assert inst.bank.values[0] == 0.25
