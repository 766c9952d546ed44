import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from neuromix import features
from neuromix.analysis import sweep as sw
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.lyapunov import lyapunov
from neuromix.engine.render import render

AXES = [sw.Axis("a.w.b", [-2.0, 0.5, 1.2]), sw.Axis("b.w.a", [-1.4, 0.0, 2.0, 3.0])]
SRC = str(Path(__file__).resolve().parents[2] / "src")


def small(tmp_path, patches, **kw):
    kw.setdefault("seconds", 0.05)
    kw.setdefault("transient", 0.02)
    kw.setdefault("lanes", 5)
    kw.setdefault("workers", 1)
    kw.setdefault("maps", False)
    return sw.sweep(patches.dual(sr=8000).graph, AXES, tmp_path, **kw)


def assert_same_table(t1, t2):
    assert list(t1) == list(t2)
    for name in t1:
        np.testing.assert_array_equal(t1[name], t2[name], err_msg=name)


def test_one_row_per_grid_point_with_the_right_values(tmp_path, patches):
    result = small(tmp_path, patches, fmt="csv")
    t = result.table
    assert t["index"].tolist() == list(range(12))
    assert t["a.w.b"].tolist() == [-2.0] * 4 + [0.5] * 4 + [1.2] * 4
    assert t["b.w.a"].tolist() == [-1.4, 0.0, 2.0, 3.0] * 3
    assert list(t) == ["index", "a.w.b", "b.w.a", *features.FEATURES, "lyapunov"]
    assert_same_table(sw.read_table(result.table_path), t)
    assert result.computed == 12


def test_each_row_matches_a_render_of_that_variant_alone(tmp_path, patches):
    t = small(tmp_path, patches).table
    graph = patches.dual(sr=8000).graph
    for row in (0, 7, 11):
        values = {"a.w.b": t["a.w.b"][row], "b.w.a": t["b.w.a"][row]}
        c = CompiledPatch(graph)
        for k, v in values.items():
            c.set(k, v)
        audio = render(c, frames=160 + 400)[160:]
        want = features.features(audio, 8000)
        for name, value in want.items():
            np.testing.assert_equal(t[name][row], value, err_msg=name)
        lam = lyapunov(graph, seconds=0.05, transient=0.02, values=values)
        assert t["lyapunov"][row] == pytest.approx(lam.per_second, rel=1e-9)


def test_parquet_table_and_maps(tmp_path, patches):
    result = small(tmp_path, patches, maps=True, keep_audio=3)
    assert result.table_path.name == "sweep.parquet"
    assert_same_table(sw.read_table(result.table_path), result.table)
    names = {p.name for p in result.pictures}
    assert {"map_rms.png", "map_lyapunov.png", "map_pitch_hz.png"} <= names
    assert len(result.audio) == 3 and all(p.stat().st_size > 100 for p in result.audio)
    assert len({p.name for p in result.audio}) == 3


def test_process_pool_gives_the_same_table(tmp_path, patches):
    inline = small(tmp_path / "inline", patches).table
    pooled = small(tmp_path / "pool", patches, workers=2).table
    assert_same_table(inline, pooled)


def test_dask_local_cluster_gives_the_same_table_as_the_pool(tmp_path, patches):
    pytest.importorskip("dask.distributed")
    pooled = small(tmp_path / "pool", patches, workers=2).table
    with sw.dask_executor("local", workers=1) as executor:
        dasked = small(tmp_path / "dask", patches, executor=executor).table
    assert_same_table(pooled, dasked)


def test_restart_after_a_torn_write_redoes_only_missing_chunks(tmp_path, patches):
    whole = small(tmp_path / "whole", patches).table
    part = tmp_path / "part"
    small(part, patches)
    progress = part / sw.PROGRESS
    lines = progress.read_bytes().splitlines(keepends=True)
    progress.write_bytes(b"".join(lines[:2]) + lines[2][: len(lines[2]) // 2])  # 1 chunk + torn
    again = small(part, patches)
    assert again.computed == 12 - 5
    assert_same_table(whole, again.table)
    chunks = [line for line in progress.read_text().splitlines()[1:]]
    assert len(chunks) == 3


def test_a_killed_sweep_restarted_gives_the_same_table(tmp_path, patches):
    whole = small(tmp_path / "whole", patches, seconds=0.3, lanes=1).table
    out = tmp_path / "killed"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from conftest import dual
        import os, signal
        from neuromix.analysis import sweep as sw
        append, lines = sw._append, []
        def append_then_die(path, entry):  # killed at once when the third chunk is written
            append(path, entry)
            lines.append(entry)
            if len(lines) == 4:
                os.kill(os.getpid(), signal.SIGKILL)
        sw._append = append_then_die
        axes = [sw.Axis("a.w.b", {AXES[0].values.tolist()}), sw.Axis("b.w.a", {AXES[1].values.tolist()})]
        sw.sweep(dual(sr=8000).graph, axes, {str(out)!r}, seconds=0.3, transient=0.02, lanes=1,
                 workers=1, maps=False)
    """)
    env = dict(os.environ, PYTHONPATH=SRC)
    proc = subprocess.run([sys.executable, "-c", script], env=env, timeout=300)
    assert proc.returncode == -signal.SIGKILL
    progress = out / sw.PROGRESS
    finished = len(progress.read_bytes().splitlines()) - 1
    assert finished == 3, "the sweep should have been killed after its third chunk"
    again = small(out, patches, seconds=0.3, lanes=1)
    assert again.computed <= 12 - finished
    assert_same_table(whole, again.table)


def test_a_different_sweep_in_the_same_folder_is_refused(tmp_path, patches):
    small(tmp_path, patches)
    with pytest.raises(sw.SweepError, match="different sweep"):
        small(tmp_path, patches, seconds=0.06)


def test_bad_address_names_the_nearest(tmp_path, patches):
    with pytest.raises(KeyError, match="a.w.b"):
        sw.sweep(patches.dual().graph, [sw.Axis("a.w.bb", [1.0])], tmp_path, workers=1)


def test_interesting_points_are_distinct_and_start_from_the_most_chaotic():
    table = {"rms": np.array([0.1, 0.1, 0.5, 0.9]), "centroid_hz": np.array([100, 100, 200, 3000.]),
             "flatness": np.zeros(4), "pitch_stability": np.ones(4),
             "lyapunov": np.array([-5.0, 3.0, -5.0, -100.0])}
    chosen = sw.interesting(table, 3)
    assert chosen[0] == 1 and len(set(chosen)) == 3


def test_one_axis_draws_curves(tmp_path, patches):
    result = sw.sweep(patches.single(sr=8000).graph, [sw.Axis("a.bias", [0.0, 0.5, 1.0])], tmp_path,
                      seconds=0.05, workers=1)
    assert [p.name for p in result.pictures] == ["features.png"]


def _children(pid: int) -> set[int]:
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            found |= {int(c) for c in fh.read().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs /proc (Linux)")
def test_workers_end_when_the_sweep_is_killed(tmp_path):
    """A sweep killed with SIGKILL (no chance to clean up) leaves no worker behind: each
    worker asked the kernel for SIGKILL when its parent dies, and watches its parent too."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from conftest import dual
        from neuromix.analysis import sweep as sw
        axes = [sw.Axis("a.w.b", [0.5 + i / 100 for i in range(200)])]
        sw.sweep(dual(sr=8000).graph, axes, {str(tmp_path / "s")!r}, seconds=5.0, lanes=1,
                 workers=2, maps=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ, PYTHONPATH=SRC))
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = _children(proc.pid) if proc.poll() is None else set()
        assert len(workers) >= 2, "the sweep never started its workers"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
