"""Hot reload while it plays through JACK: a parameter edit, a structural edit, a broken file."""

import time

import numpy as np
import pytest
import soundfile as sf
from live_helpers import DUAL, offline_with_swaps, underruns_are_fair

from neuromix.graph.patchfile import loads
from neuromix.live import Player
from neuromix.live.reload import Watcher

EDIT_PARAMS = DUAL.replace("mix: {type: mix, inputs: {a: 0.5, b: 0.5}}",
                           "mix: {type: mix, inputs: {a: 0.1, b: 0.1}}")
EDIT_STRUCTURE = EDIT_PARAMS.replace(
    "mix: {type: mix, inputs: {a: 0.1, b: 0.1}}",
    "s2:  {type: sine, freq: 880}\n  mix: {type: mix, inputs: {a: 0.1, b: 0.1, s2: 0.3}}")
BROKEN = EDIT_STRUCTURE.replace("freq: 880", "freq: 880, fre: 3")


def rms(x):
    return float(np.sqrt(np.mean(x ** 2)))


def level_at(x, hz, sr=48000):
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return spec[int(round(hz * len(x) / sr))] / len(x)


@pytest.mark.realtime
def test_three_edits_while_playing(jack, patch_file, tmp_path):
    path = patch_file(DUAL)
    take = tmp_path / "take.wav"
    said = []
    player = Player(path, audio="jack", blocksize=256, record=take, log=True, say=said.append)
    watch = Watcher(player, path, say=said.append)  # starts its compiler process first
    player.controls.append(watch)
    with player:
        player.wait(1.0)
        settled = player.status()["underruns"]
        marks = [player.engine.block]
        for text, kind in ((EDIT_PARAMS, "parameters"), (EDIT_STRUCTURE, "structure"),
                           (BROKEN, "broken")):
            count = len(watch.events)
            path.write_text(text)
            end = time.monotonic() + 60
            while len(watch.events) == count:
                assert time.monotonic() < end, f"no reload after the {kind} edit"
                player.wait(0.05)
            assert watch.events[-1]["kind"] == kind, watch.events[-1]["message"]
            player.wait(0.5)
            marks.append(player.engine.block)
        late = player.status()["underruns"] - settled
    params, structure, broken = watch.events
    at = [int(b) for b in player.engine.underrun_at if b >= marks[0]]
    near_swap = [b for b in at if abs(b - structure["block"]) <= 50]
    print(f"{late} underruns after the first second, at blocks {at}; edits at {marks}")
    if underruns_are_fair(player):
        assert not near_swap, f"underruns at the swap (block {structure['block']}): {near_swap}"
        # elsewhere a loaded 2-core machine may make one block late, never a burst
        assert late <= 1, f"{late} underruns after the first second, at blocks {at}"
    # 1. parameters: applied at once, no new kernel
    assert "2 parameter(s) changed" in params["message"]
    # 2. structure: compiled in a child, swapped at a block boundary, state of s1 t1 a b mix kept
    assert "s2.freq" in player.compiled.addresses
    assert "state span(s) kept" in structure["message"]
    # 3. broken: one line naming the file and line, and the structural patch plays on
    assert f"{path}, line 9: node 's2': sine has no parameter 'fre'" in broken["message"]
    assert "the old patch plays on" in broken["message"]
    assert marks[3] > marks[2] and "s2.freq" in player.compiled.addresses
    # the sound changed with each good edit and stayed with the broken one
    audio = sf.read(str(take), dtype="float32")[0]
    blocks = player.engine.block
    seg = [audio[(m - 90) * 256:m * 256] for m in marks]  # ~0.5 s before each mark
    assert rms(seg[1]) < 0.5 * rms(seg[0])  # mix weights 0.5 -> 0.1
    assert level_at(seg[2], 880) > 10 * level_at(seg[1], 880)  # the new sine is heard
    assert level_at(seg[3], 880) > 0.5 * level_at(seg[2], 880)  # still the same patch
    # what was played equals an offline replay with the swap at the same block
    swaps = {structure["block"]: (loads(EDIT_STRUCTURE), structure["keep"])}
    expected = offline_with_swaps(loads(DUAL), player.log, blocks, 256, player.smoothing, swaps)
    np.testing.assert_array_equal(audio[:, None], expected)
    print(f"swap {structure['swap_seconds'] * 1000:.1f} ms after a "
          f"{structure['seconds']:.2f} s reload; callback max "
          f"{player.engine.timings().max() * 1000:.2f} ms")
