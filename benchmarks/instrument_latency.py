"""Input-to-MIDI latency of an instrument: an OSC message in, through a 32-neuron network at
200 Hz, to the MIDI note leaving through the port.

A sender thread sends ``/wek/inputs`` over UDP at random moments, flipping the input between
−1 and +1; each flip drives the network's gate neuron across its threshold, so a note-on or a
note-off leaves with the next control tick (which a new input value may start up to one
period early, see ``Instrument._wait``). Latency is the time from just before the UDP send to
the moment the port's ``send`` returns. Targets: median < 4 ms, p99 ≤ one control period + 1 ms.

    python benchmarks/instrument_latency.py [--events 300] [--rate 200]
"""

from __future__ import annotations

import argparse
import random
import socket
import sys
import threading
import time

import numpy as np


def network_yaml(port: int, rate: int) -> str:
    """An instrument with two OSC inputs and 32 neurons whose last one gates a note."""
    lines = ["instrument: 1", f"rate: {rate}", "inputs:",
             f"  in1: {{source: osc, address: /wek/inputs, index: 0, port: {port}}}",
             f"  in2: {{source: osc, address: /wek/inputs, index: 1, port: {port}}}",
             "network:", "  nodes:"]
    rng = random.Random(1)
    for i in range(16):  # a first layer fed by the inputs
        lines.append(f"    h{i}: {{type: neuron, act: tanh, bias: {rng.uniform(-.2, .2):.3f}, "
                     f"inputs: {{in1: {rng.uniform(1.5, 3):.3f}, in2: {rng.uniform(-.5, .5):.3f}}}}}")
    for i in range(15):  # a second layer, each neuron fed back from its neighbour
        ins = ", ".join(f"h{j}: {rng.uniform(0.05, 0.2):.3f}" for j in range(16))
        lines.append(f"    r{i}: {{type: neuron, act: tanh, inputs: {{{ins}, "
                     f"r{(i + 1) % 15}: {rng.uniform(-.1, .1):.3f}}}}}")
    ins = ", ".join(f"r{i}: 0.5" for i in range(15))
    lines.append(f"    gate: {{type: neuron, act: tanh, inputs: {{{ins}}}}}")
    lines += ["outputs:", "  note: {type: notes, pitch: gate, trigger: gate, gate: gate, "
              "duration: gate, polyphony: 1}"]
    return "\n".join(lines) + "\n"


class StampingPort:
    """A MIDI output that notes when each message left (where a real port's send returns)."""

    def __init__(self):
        self.sent: list[tuple[float, str]] = []

    def send(self, msg) -> None:
        self.sent.append((time.perf_counter(), msg.type))

    def close(self) -> None:
        pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=int, default=200)
    args = parser.parse_args(argv)

    from pythonosc.udp_client import SimpleUDPClient

    from neuromix.instrument.file import loads
    from neuromix.instrument.loop import Instrument

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = loads(network_yaml(port, args.rate))
    neurons = sum(1 for n in spec.network.nodes.values() if n.type == "neuron")
    inst = Instrument(spec, midi_port=False)
    stamp = StampingPort()
    inst.sink.port = stamp
    sends: list[tuple[float, float]] = []
    done = threading.Event()

    def sender():
        client, rng, value = SimpleUDPClient("127.0.0.1", port), random.Random(7), 1.0
        time.sleep(0.2)
        for _ in range(args.events):
            time.sleep(rng.uniform(0.02, 0.05))  # random phase against the control ticks
            sends.append((time.perf_counter(), value))
            client.send_message("/wek/inputs", [value, 0.0])
            value = -value
        time.sleep(0.1)
        done.set()

    sys.setswitchinterval(0.001)
    steps = []
    thread = threading.Thread(target=sender, daemon=True)
    with inst:
        thread.start()
        while not done.is_set():
            inst.run(ticks=inst.tick + args.rate // 10)
        t = time.perf_counter()
        for _ in range(2000):
            inst.step()
        steps.append((time.perf_counter() - t) / 2000)
    latencies = []
    for when, value in sends:
        kind = "note_on" if value > 0 else "note_off"
        left = next((s for s, k in stamp.sent if s >= when and k == kind), None)
        if left is not None:
            latencies.append(left - when)
    lat = np.array(latencies) * 1000
    period = 1000 / args.rate
    median, p99 = float(np.median(lat)), float(np.percentile(lat, 99))
    ok = median < 4.0 and p99 <= period + 1.0 and len(lat) == len(sends)
    print(f"{neurons} neurons at {args.rate} Hz, {len(lat)}/{len(sends)} events: input-to-MIDI "
          f"latency median {median:.2f} ms, p99 {p99:.2f} ms, max {lat.max():.2f} ms "
          f"(targets: median < 4, p99 <= {period + 1:.1f}); one tick costs "
          f"{steps[0] * 1e6:.1f} us -> {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
