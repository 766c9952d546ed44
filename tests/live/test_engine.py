"""The real-time pieces on their own: change queue, engine block, state transfer, recorder."""

import numpy as np
import pytest
import soundfile as sf
from live_helpers import DUAL

import neuromix as nm
from neuromix.engine.compiled import CompiledPatch
from neuromix.graph.patchfile import loads
from neuromix.live.changes import RESET, ChangeQueue
from neuromix.live.engine import LiveEngine
from neuromix.live.player import transfer
from neuromix.live.record import Recorder


def test_a_full_queue_refuses_and_counts_until_drained():
    q = ChangeQueue(size=4)
    assert all(q.push(i, float(i)) for i in range(4))
    assert not q.push(0, 9.0) and q.dropped == 1
    params = np.zeros((2, 4))
    assert q.apply(params, block=3, reset=lambda: None) == 4
    assert not q.push(0, 9.0)  # applied but not yet drained: the log still needs the slots
    assert q.drain() == [(3, i, float(i)) for i in range(4)]
    assert q.push(0, 9.0) and params[1].tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(ValueError):
        ChangeQueue(size=6)


def test_changes_apply_in_order_and_reset_runs_in_the_block():
    q = ChangeQueue()
    calls = []
    q.push(0, 1.0), q.push(RESET, 0.0), q.push(0, 2.0)
    params = np.zeros((1, 1))
    q.apply(params, 0, reset=lambda: calls.append(params[0, 0]))
    assert calls == [1.0] and params[0, 0] == 2.0


def test_mono_goes_to_every_channel_and_extra_patch_channels_are_dropped():
    p = nm.Patch(sr=8000)
    p.out(p.neuron(act="identity", bias=0.25, name="a"))
    out = np.ones((16, 3), dtype=np.float32)
    LiveEngine(p.compile(), 16, channels=3).render(out)
    assert (out == 0.25).all()
    q = nm.Patch(sr=8000)
    q.out([q.const(0.5), q.const(-0.5), q.const(0.75)])
    out = np.ones((16, 2), dtype=np.float32)
    eng = LiveEngine(q.compile(), 16, channels=2)
    eng.render(out)
    assert out[0].tolist() == [0.5, -0.5] and eng.block == 1 and eng.timings().size == 1


def test_transfer_keeps_nodes_with_the_same_id_and_type_only():
    old = CompiledPatch(loads(DUAL))
    old.process(1000)
    changed = DUAL.replace("b:   {type: neuron, act: tanh, bias: -0.05, inputs: {t1: 1.3, a: -1.4}}",
                           "b:   {type: onepole, cutoff: 300, in: t1}")
    new = CompiledPatch(loads(changed))
    swap = transfer(old, new, keep_targets=["a.bias"])
    swap.apply(old)
    before, after = old.kernel.layout, new.kernel.layout
    for nid in ("s1", "t1", "a", "mix"):
        np.testing.assert_array_equal(new.state[:, list(after.state_of(nid))],
                                      old.state[:, list(before.state_of(nid))])
    b = list(after.state_of("b"))
    np.testing.assert_array_equal(new.state[:, b], new._init[b][None])  # b started afresh
    assert new.state[0, after.state_index("s1.phase")] != 0.0  # the sine's phase went on


def test_the_recorder_streams_a_long_take_through_its_ring(tmp_path):
    path = tmp_path / "take.wav"
    # a ring of 16384 frames (0.34 s: a writer held up by a loaded machine for a tenth of a
    # second loses nothing), wrapped three times
    rec = Recorder(path, sr=48000, channels=2, seconds=0.2)
    assert rec.size == 16384
    blocks = [np.full((512, 2), k, dtype=np.float32) for k in range(100)]
    import time
    for b in blocks:
        rec.write(b)
        time.sleep(512 / 48000)  # in real time
    rec.close()
    rec.close()  # twice is harmless
    data, _ = sf.read(str(path), dtype="float32")
    assert rec.lost == 0
    np.testing.assert_array_equal(data, np.concatenate(blocks))


def test_two_players_share_the_process_settings_and_restore_them():
    import sys

    from neuromix.live import play
    p = nm.Patch(sr=48000)
    p.out(p.sine(110))
    before = sys.getswitchinterval()
    with play(p, audio="null") as one:
        with play(p, audio="null") as two:
            two.wait(0.02)
        assert sys.getswitchinterval() < before  # the first still plays
        one.wait(0.02)
    assert sys.getswitchinterval() == before
