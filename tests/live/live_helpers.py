"""Helpers for the live tests: the offline replay of a played take."""

from __future__ import annotations

import numpy as np

from neuromix.engine.compiled import CompiledPatch

DUAL = """\
# dual neuron for the live tests
neuromix: 1
sr: 48000
nodes:
  s1:  {type: sine, freq: 110}
  t1:  {type: tri,  freq: 165}
  a:   {type: neuron, act: tanh, bias: 0.1,   inputs: {s1: 1.5, b: 1.2}}
  b:   {type: neuron, act: tanh, bias: -0.05, inputs: {t1: 1.3, a: -1.4}}
  mix: {type: mix, inputs: {a: 0.5, b: 0.5}}
out: mix
"""



def network_patch(n: int = 12, seed: int = 1) -> str:
    """A patch file with a small reservoir (a ``network`` node of ``n`` tanh neurons driven by
    a sine, one readout): its matrices are drawn as pictures by the browser view."""
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((n, n)) * 1.1 / np.sqrt(n)).round(4).tolist()
    win = rng.standard_normal((n, 1)).round(4).tolist()
    readout = (rng.standard_normal((1, n)) / np.sqrt(n)).round(4).tolist()
    return f"""# a reservoir for the live tests
neuromix: 1
sr: 48000
nodes:
  s:   {{type: sine, freq: 110}}
  res: {{type: network, inputs: [s], w: {w}, in: {win}, readout: {readout}}}
out: res
"""


NET = network_patch()


def offline(graph, log, blocks: int, blocksize: int, smoothing: float, channels: int = 1):
    """Render ``graph`` offline with the logged (block, address, value) changes applied at the
    start of their blocks, as float32 with ``channels`` device channels: what should have been
    played. Uses only CompiledPatch (set, reset, process), not the live engine."""
    c = CompiledPatch(graph)
    c.smoothing = smoothing
    by_block: dict[int, list] = {}
    for block, address, value in log:
        by_block.setdefault(block, []).append((address, value))
    out = np.empty((blocks * blocksize, c.channels))
    for k in range(blocks):
        for address, value in by_block.get(k, ()):
            if address == "reset":
                c.reset()
            else:
                c.set(address, value)
        out[k * blocksize:(k + 1) * blocksize] = c.process(blocksize)
    out = out.astype(np.float32)
    if c.channels == 1 and channels > 1:
        out = np.repeat(out, channels, axis=1)
    return out


def offline_with_swaps(graph, log, blocks: int, blocksize: int, smoothing: float, swaps):
    """Like :func:`offline`, with hot-reload swaps: ``swaps`` maps a block index to (graph,
    keep_targets); at that block the logged changes apply to the old patch, then the new one
    takes over with the state carried as :func:`neuromix.live.player.transfer` plans it."""
    from neuromix.live.player import transfer

    c = CompiledPatch(graph)
    c.smoothing = smoothing
    by_block: dict[int, list] = {}
    for block, address, value in log:
        by_block.setdefault(block, []).append((address, value))
    out = np.empty((blocks * blocksize, 1))
    for k in range(blocks):
        for address, value in by_block.get(k, ()):
            c.reset() if address == "reset" else c.set(address, value)
        if k in swaps:
            new_graph, keep = swaps[k]
            new = CompiledPatch(new_graph)
            new.smoothing = smoothing
            transfer(c, new, keep).apply(c)
            c = new
        out[k * blocksize:(k + 1) * blocksize] = c.process(blocksize)[:, :1]
    return out.astype(np.float32)


def underruns_are_fair(player) -> bool:
    """Whether counting underruns tests neuromix here: its callback's thread got real-time
    scheduling (root, CAP_SYS_NICE or an rtprio limit; the same right lets the test JACK server
    be favoured, see conftest.favour). Without it any busy process on the machine can delay the
    callback or JACK's own thread, which no client can prevent; the tests then print the count
    and check everything else."""
    realtime = bool(player.output is not None and player.output.realtime)
    if not realtime:
        print("no real-time scheduling here: underruns counted, not asserted")
    return realtime


def settle(player, osc, quiet: float = 0.3, limit: float = 10.0) -> None:
    """Play on until ``osc`` has received nothing for ``quiet`` seconds and every change it
    queued has reached the engine, so the counts and the change log can be compared."""
    import time

    end = time.monotonic() + limit
    while time.monotonic() < end:
        before = osc.received
        player.wait(quiet)
        if osc.received == before and player.changes.applied == player.changes.written:
            return
    raise AssertionError(f"OSC still arriving or changes not applied after {limit} s")
