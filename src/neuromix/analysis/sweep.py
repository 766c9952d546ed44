"""Parameter sweeps: render every point of a grid of parameter values and measure it.

Variants of one patch that differ only in parameter values run as lanes of one compiled
kernel (``CompiledPatch(graph, lanes=K)``, one ``set(address, value, lane=k)`` each), with a
nudged twin per variant for the Lyapunov exponent. Chunks of ``lanes`` grid points fan out to
a ``concurrent.futures`` executor: a local process pool by default, or a Dask cluster
(:func:`dask_executor`). The kernel is compiled once in the parent first, so workers only
load it from the disk cache.

A sweep is resumable: each finished chunk is appended to ``sweep.progress.jsonl`` in the
output folder at once, and a restarted sweep skips the chunks found there. The table (one
row per grid point: the parameter values, the features of :mod:`neuromix.features`
and the Lyapunov exponent per second) is written as Parquet or CSV, with a map picture per
column.

Examples
--------
>>> import neuromix as nm, tempfile
>>> p = nm.Patch(sr=8000)
>>> a = p.neuron(act="tanh", name="a")
>>> a.input(p.sine(200, name="s"), 1.0)
>>> p.out(a)
>>> with tempfile.TemporaryDirectory() as folder:
...     result = sweep(p.graph, [Axis("a.w.s", [0.5, 2.0]), Axis("a.bias", [0.0, 0.1, 0.2])],
...                    folder, seconds=0.1, workers=1, fmt="csv", maps=False)
>>> len(result.table["index"]), result.table["a.bias"][:3].tolist()
(6, [0.0, 0.1, 0.2])
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import csv
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuromix.analysis.chaos import parse_range
from neuromix.engine.compiled import CompiledPatch
from neuromix.engine.lyapunov import RENORM, twin_run
from neuromix.engine.render import render_lanes
from neuromix.features import FEATURES, features
from neuromix.graph.graph import Graph
from neuromix.errors import SweepError  # noqa: F401  (raised here, caught by the CLI)
from neuromix.analysis.plots import pyplot, save_figure
from neuromix.io.atomic import replace, temporary_beside, write_with

PROGRESS = "sweep.progress.jsonl"
LANES = 32  # grid points per chunk (one compiled call runs them all)
TRANSIENT = 0.1  # seconds rendered before measuring


@dataclass
class Axis:
    """One swept parameter: its address and the values it takes."""

    address: str
    values: np.ndarray

    def __post_init__(self):
        self.values = np.asarray(self.values, dtype=np.float64).reshape(-1)

    @classmethod
    def parse(cls, text: str) -> "Axis":
        """``"a.w.b=-3:3:64"`` (64 values from -3 to 3) or ``"a.w.b=1.5"``."""
        return cls(*parse_range(text))


def grid(axes: list[Axis]) -> np.ndarray:
    """Every combination of the axes' values, (points, axes); the last axis varies fastest."""
    mesh = np.meshgrid(*[a.values for a in axes], indexing="ij")
    return np.stack([m.reshape(-1) for m in mesh], axis=1)


def columns(axes: list[Axis], lyapunov: bool) -> list[str]:
    """The table's columns in order."""
    return ["index"] + [a.address for a in axes] + list(FEATURES) + (["lyapunov"] if lyapunov else [])


@dataclass
class Task:
    """One chunk of grid points for a worker: plain data, cheap to send to another process."""

    graph: Graph
    addresses: list[str]
    start: int
    values: np.ndarray  # (points, axes)
    seconds: float
    transient: float
    lyapunov: bool
    renorm: int


def run_task(task: Task) -> list[dict]:
    """Render one chunk as lanes of one kernel and measure every point; returns table rows."""
    k = len(task.values)
    compiled = CompiledPatch(task.graph, lanes=2 * k if task.lyapunov else k)
    for lane in range(compiled.lanes):
        for address, value in zip(task.addresses, task.values[lane % k]):
            compiled.set(address, float(value), lane=lane)
    sr = compiled.sr
    skip = int(round(task.transient * sr))
    frames = skip + max(int(round(task.seconds * sr)), 1)
    if task.lyapunov:
        audio, lam = twin_run(compiled, frames, task.renorm, transient=skip)
    else:
        audio = render_lanes(compiled, frames)
    rows = []
    for i in range(k):
        row = {"index": task.start + i}
        row.update({a: float(v) for a, v in zip(task.addresses, task.values[i])})
        row.update(features(audio[i, skip:], sr))
        if task.lyapunov:
            row["lyapunov"] = float(lam[i] * sr)
        rows.append(row)
    return rows


@dataclass
class SweepResult:
    table: dict[str, np.ndarray]
    table_path: Path
    pictures: list[Path] = field(default_factory=list)
    audio: list[Path] = field(default_factory=list)
    computed: int = 0  # grid points rendered by this run (the rest were found done)



def fingerprint(graph: Graph, axes: list[Axis], seconds: float, transient: float,
                lyapunov: bool, lanes: int, renorm: int) -> str:
    """A hash of everything that decides a sweep's results, kept in its progress file."""
    compiled = CompiledPatch(graph)  # also compiles the kernel once, before any fan-out
    spec = {"kernel": compiled.kernel.source, "params": compiled.kernel.layout.params,
            "sr": graph.sr, "seed": graph.seed,
            "axes": [[a.address, a.values.tolist()] for a in axes], "seconds": seconds,
            "transient": transient, "lyapunov": lyapunov, "lanes": lanes, "renorm": renorm}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def read_progress(path: Path, header: dict) -> dict[int, list[dict]]:
    """Finished chunks recorded in ``path``; starts the file if absent.

    A torn last line (the process was killed while writing it) is cut off. A file made by a
    different sweep raises :class:`SweepError`.
    """
    if not path.exists():
        _append(path, {"sweep": header})
        return {}
    raw = path.read_bytes()
    done: dict[int, list[dict]] = {}
    good = 0
    for i, line in enumerate(raw.splitlines(keepends=True)):
        try:
            if not line.endswith(b"\n"):
                raise ValueError("torn line")
            entry = json.loads(line)
        except ValueError:
            break
        if i == 0:
            if entry.get("sweep") != header:
                raise SweepError(f"{path.parent} holds the results of a different sweep; use "
                                 f"another folder or delete {path}")
        else:
            done[int(entry["chunk"])] = entry["rows"]
        good += len(line)
    if good == 0:
        path.unlink()
        return read_progress(path, header)
    if good < len(raw):
        with open(path, "r+b") as fh:
            fh.truncate(good)
    return done


def _append(path: Path, entry: dict) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def sweep(graph: Graph, axes: list[Axis], out_dir, seconds: float = 2.0,
          transient: float = TRANSIENT, lyapunov: bool = True, lanes: int = LANES,
          executor: cf.Executor | None = None, workers: int | None = None,
          fmt: str = "parquet", maps: bool = True, keep_audio: int = 0,
          renorm: int = RENORM, progress: bool | None = False) -> SweepResult:
    """Render and measure every grid point; write the table, maps and kept renders to ``out_dir``.

    Parameters
    ----------
    graph : Graph
        The patch (``patch.graph``).
    axes : list of Axis
        The swept parameters (addresses as in ``CompiledPatch.addresses``).
    out_dir : path
        Output folder: ``sweep.parquet`` or ``sweep.csv``, ``map_<column>.png``, ``audio/``,
        and the progress file that makes the sweep resumable.
    seconds, transient : float
        Length measured per point, after ``transient`` seconds that are not measured.
    lyapunov : bool
        Also estimate the Lyapunov exponent (runs a twin per point: twice the work).
    lanes : int
        Grid points per chunk, run as lanes of one kernel call.
    executor : concurrent.futures.Executor, optional
        Where chunks run (a Dask cluster's ``client.get_executor()``, ...). By default a local
        process pool of ``workers`` processes (all cores), or this process when ``workers=1``.
    fmt : {"parquet", "csv"}
        Table format.
    keep_audio : int
        Write WAV renders of this many of the most varied points into ``out_dir/audio``.
    """
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown table format '{fmt}': use parquet or csv")
    if not axes:
        raise ValueError("give at least one parameter to sweep")
    if seconds <= 0 or lanes < 1:
        raise ValueError("seconds and lanes must be positive")
    probe = CompiledPatch(graph, lanes=2)
    for axis in axes:
        probe.index(axis.address)  # KeyError naming the nearest address, before any work
    if lyapunov:
        twin_run(probe, renorm, renorm)  # compiles the helpers here, not in every worker
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    points = grid(axes)
    header = {"fingerprint": fingerprint(graph, axes, seconds, transient, lyapunov, lanes,
                                         renorm), "points": len(points), "lanes": lanes}
    progress_path = out / PROGRESS
    done = read_progress(progress_path, header)
    addresses = [a.address for a in axes]
    tasks = {c: Task(graph, addresses, start, points[start:start + lanes], seconds, transient,
                     lyapunov, renorm)
             for c, start in enumerate(range(0, len(points), lanes)) if c not in done}
    bar = _bar(len(points), sum(len(r) for r in done.values()), progress)
    try:
        for chunk, rows in _run(tasks, executor, workers):
            _append(progress_path, {"chunk": chunk, "rows": rows})
            done[chunk] = rows
            if bar is not None:
                bar.update(len(rows))
    finally:
        if bar is not None:
            bar.close()
    rows = [row for c in sorted(done) for row in done[c]]
    table = {name: np.array([row[name] for row in rows]) for name in columns(axes, lyapunov)}
    table_path = write_table(table, out / f"sweep.{fmt}")
    result = SweepResult(table, table_path, computed=sum(len(t.values) for t in tasks.values()))
    if maps:
        result.pictures = draw_maps(table, axes, out)
    if keep_audio:
        result.audio = keep_renders(graph, axes, table, out / "audio", keep_audio,
                                    transient + seconds)
    return result


def _run(tasks: dict[int, Task], executor, workers):
    """Yield (chunk, rows) as chunks finish, in this process or on an executor."""
    if not tasks:
        return
    if executor is None and (workers == 1 or len(tasks) == 1):
        for chunk, task in tasks.items():
            yield chunk, run_task(task)
        return
    with contextlib.ExitStack() as stack:
        if executor is None:
            import multiprocessing

            executor = stack.enter_context(cf.ProcessPoolExecutor(
                max_workers=workers or os.cpu_count(),
                mp_context=multiprocessing.get_context("fork"),
                initializer=die_with_parent, initargs=(os.getpid(),)))
        futures = {executor.submit(run_task, task): chunk for chunk, task in tasks.items()}
        try:
            for future in cf.as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()


PR_SET_PDEATHSIG = 1  # prctl(2): a signal for this process when its parent dies (Linux)


def die_with_parent(parent: int, every: float = 0.5) -> None:
    """Make this (worker) process end when process ``parent`` dies, even by SIGKILL: the
    kernel sends it SIGKILL then (Linux, ``prctl(PR_SET_PDEATHSIG)``), and a watchdog thread
    checks every ``every`` seconds wherever that is not available. Without it, a sweep killed
    with SIGKILL leaves its pool's workers blocked for ever on their task queue.

    Examples
    --------
    >>> import multiprocessing, os, signal, time
    >>> def child(q):
    ...     pid = os.fork()
    ...     if pid == 0:  # a worker of this child
    ...         die_with_parent(os.getppid(), every=0.05)
    ...         q.put(os.getpid()); time.sleep(60); os._exit(0)
    ...     time.sleep(60)
    >>> q = multiprocessing.get_context("fork").Queue()
    >>> p = multiprocessing.get_context("fork").Process(target=child, args=(q,)); p.start()
    >>> worker = q.get(timeout=30); os.kill(p.pid, signal.SIGKILL); p.join()
    >>> end = time.monotonic() + 10
    >>> while os.path.exists(f"/proc/{worker}") and time.monotonic() < end:
    ...     time.sleep(0.05)
    >>> os.path.exists(f"/proc/{worker}") and open(f"/proc/{worker}/stat").read().split()[2] != "Z"
    False
    """
    import sys
    import threading
    import time

    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still works

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)
    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _bar(total: int, initial: int, enabled: bool | None):
    if enabled is False:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="point", desc="sweep", leave=False,
                disable=None if enabled is None else not enabled)


@contextlib.contextmanager
def dask_executor(address: str, workers: int | None = None):
    """A ``concurrent.futures`` executor on a Dask cluster: ``"local"`` starts a local one.

    The local cluster has ``workers`` single-threaded worker processes (default: all cores).
    """
    from dask.distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if address == "local":
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers or os.cpu_count(), threads_per_worker=1, processes=True,
                dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(address))
        yield client.get_executor()


# -- the table ---------------------------------------------------------------------------
def write_table(table: dict[str, np.ndarray], path: Path) -> Path:
    """Write the columns as Parquet or CSV (by suffix), atomically."""
    tmp = temporary_beside(path)
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({k: pa.array(v) for k, v in table.items()}), tmp)
    else:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(list(table))
            for i in range(len(table["index"])):
                writer.writerow([_csv_value(table[k][i]) for k in table])
    replace(tmp, path)
    return path


def _csv_value(v) -> str:
    if isinstance(v, (np.integer, int)):
        return str(int(v))
    return "" if math.isnan(v) else repr(float(v))


def read_table(path) -> dict[str, np.ndarray]:
    """A sweep table (Parquet or CSV) as columns; empty CSV cells read as NaN."""
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        t = pq.read_table(path)
        return {name: t.column(name).to_numpy() for name in t.column_names}
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    head, body = rows[0], rows[1:]
    out = {}
    for j, name in enumerate(head):
        if name == "index":
            out[name] = np.array([int(r[j]) for r in body], dtype=np.int64)
        else:
            out[name] = np.array([float(r[j]) if r[j] else np.nan for r in body])
    return out


# -- pictures and renders ----------------------------------------------------------------
MEASURES = tuple(FEATURES) + ("lyapunov",)


def draw_maps(table: dict[str, np.ndarray], axes: list[Axis], out: Path) -> list[Path]:
    """One picture per measure: a coloured map over two axes, or curves over one."""
    plt = pyplot()
    measures = [m for m in MEASURES if m in table]
    if len(axes) == 1:
        fig, panels = plt.subplots(len(measures), 1, figsize=(7, 1.8 * len(measures)),
                                   sharex=True, constrained_layout=True)
        for ax, m in zip(np.atleast_1d(panels), measures):
            ax.plot(table[axes[0].address], table[m], ".-", ms=3)
            ax.set_ylabel(m)
            ax.grid(alpha=0.3)
        np.atleast_1d(panels)[-1].set_xlabel(axes[0].address)
        path = out / "features.png"
        save_figure(fig, path)
        return [path]
    if len(axes) != 2:
        return []
    shape = (len(axes[0].values), len(axes[1].values))
    paths = []
    for m in measures:
        path = out / f"map_{m}.png"
        draw_map(table[m].reshape(shape), axes[0], axes[1], m, path)
        paths.append(path)
    return paths


def draw_map(values: np.ndarray, x: Axis, y: Axis, label: str, path) -> None:
    """A map over two axes (``values`` shaped (len(x), len(y))); the exponent diverges at 0."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 5), constrained_layout=True)
    finite = values[np.isfinite(values)]
    kwargs = {"cmap": "viridis"}
    if label == "lyapunov" and len(finite):
        # from a floor of strong contraction to chaos: a symmetric log scale keeps both the
        # orders of magnitude and the band near zero (limit cycles) readable
        from matplotlib.colors import SymLogNorm

        span = max(float(np.abs(finite).max()), 10.0)
        kwargs = {"cmap": "RdBu_r", "norm": SymLogNorm(linthresh=1.0, vmin=-span, vmax=span)}
    extent = _extent(x.values) + _extent(y.values)
    image = ax.imshow(values.T, origin="lower", aspect="auto", extent=extent,
                      interpolation="nearest", **kwargs)
    fig.colorbar(image, ax=ax, label=label + (" (per second)" if label == "lyapunov" else ""))
    ax.set_xlabel(x.address)
    ax.set_ylabel(y.address)
    ax.set_title(label)
    save_figure(fig, path)


def _extent(v: np.ndarray) -> list[float]:
    if len(v) == 1:
        return [v[0] - 0.5, v[0] + 0.5]
    step = (v[-1] - v[0]) / (len(v) - 1)
    return [v[0] - step / 2, v[-1] + step / 2]


def interesting(table: dict[str, np.ndarray], count: int) -> list[int]:
    """Row numbers of ``count`` points that differ most from each other in their measures.

    Farthest-point sampling over the standardised measures, starting from the most chaotic
    point (or the loudest, without an exponent).
    """
    measures = [m for m in ("rms", "centroid_hz", "flatness", "pitch_stability", "lyapunov")
                if m in table]
    data = np.stack([np.nan_to_num(np.asarray(table[m], dtype=float)) for m in measures], axis=1)
    if "lyapunov" in table:  # its floor is far below the rest: compare on a log-like scale
        j = measures.index("lyapunov")
        data[:, j] = np.sign(data[:, j]) * np.log1p(np.abs(data[:, j]))
    spread = data.std(axis=0)
    data = (data - data.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    first = int(np.argmax(data[:, measures.index("lyapunov" if "lyapunov" in table else "rms")]))
    chosen = [first]
    dist = np.linalg.norm(data - data[first], axis=1)
    while len(chosen) < min(count, len(data)):
        nxt = int(np.argmax(dist))
        if dist[nxt] <= 0:
            break
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(data - data[nxt], axis=1))
    return chosen


def keep_renders(graph: Graph, axes: list[Axis], table, folder: Path, count: int,
                 seconds: float) -> list[Path]:
    """Render the ``count`` most varied points again and write them as WAV files."""
    import soundfile as sf


    rows = interesting(table, count)
    compiled = CompiledPatch(graph, lanes=len(rows))
    for lane, row in enumerate(rows):
        for axis in axes:
            compiled.set(axis.address, float(table[axis.address][row]), lane=lane)
    audio = render_lanes(compiled, int(round(seconds * compiled.sr)))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for lane, row in enumerate(rows):
        name = "_".join(f"{a.address}={table[a.address][row]:.4g}" for a in axes)
        safe = re.sub(r"[^\w.=+-]", "_", name)
        path = folder / f"{int(table['index'][row]):05d}_{safe}.wav"
        write_with(path, lambda tmp: sf.write(tmp, audio[lane], int(round(compiled.sr)),
                                              subtype="FLOAT", format="WAV"))
        paths.append(path)
    return paths
