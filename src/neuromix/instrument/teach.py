"""Teach an instrument by example: record (inputs → desired outputs), train, run.

A :class:`Teacher` lives inside a running instrument with a ``learn`` section. Commands come
from the window (keys and sliders), from Wekinator's OSC control messages, or from Python; they
are queued and carried out by the control loop at the start of a tick, so the network is never
changed in the middle of one. Training runs on its own thread; when it ends, the new weights are
set on the compiled network (no recompiling: the taught neurons exist from the start) and
``/wekinator/status/done-training`` goes to the OSC output host.

Examples are a plain CSV (a header of input and output names, a row per example) that can be
edited, merged (``neuromix train a.csv b.csv``) and re-loaded.

Examples
--------
>>> import numpy as np, pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ex.csv"
>>> write_examples(path, ["x"], ["y"], np.array([[0.0], [1.0]]), np.array([[1.0], [3.0]]))
>>> path.read_text().splitlines()
['x,y', '0.0,1.0', '1.0,3.0']
>>> x, y = read_examples([path], ["x"], ["y"]); y.ravel().tolist()
[1.0, 3.0]
"""

from __future__ import annotations

import csv
import io
import math
import queue
import threading
from pathlib import Path

import numpy as np

from neuromix.graph.graph import PatchError
from neuromix.instrument.file import WEKINATOR, LearnSpec
from neuromix.instrument.mlp import Model, TrainError, fit
from neuromix.io.atomic import temporary_beside, write_text

CONTROL = "/wekinator/control/"
DONE = "/wekinator/status/done-training"
COMMANDS = ("startRecording", "stopRecording", "train", "cancelTrain", "startRunning",
            "stopRunning", "deleteAllExamples", "outputs")


def examples_text(inputs: list[str], outputs: list[str], x, y) -> str:
    """Examples as CSV text: a header of names, one row per example."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*inputs, *outputs])
    for xi, yi in zip(np.asarray(x), np.asarray(y)):
        writer.writerow([repr(float(v)) for v in (*xi, *yi)])
    return buf.getvalue()


def write_examples(path, inputs: list[str], outputs: list[str], x, y) -> None:
    """Write examples as CSV (atomically): a header of names, one row per example."""
    write_text(path, examples_text(inputs, outputs, x, y))


def backup_examples(path, text: str, when: float | None = None) -> Path:
    """Keep ``text`` (examples about to be deleted) in a new file beside ``path``, named with
    the time: ``ex.deleted-20261204-171500.csv``, with ``-2``, ``-3``... if that name is taken.
    An earlier backup is never overwritten (the file appears whole, by a hard link).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ex.csv"
    >>> a = backup_examples(path, "x,y\\n1.0,2.0\\n", when=0.0)
    >>> b = backup_examples(path, "x,y\\n", when=0.0)
    >>> a.name, b.name, a.read_text()
    ('ex.deleted-19700101-000000.csv', 'ex.deleted-19700101-000000-2.csv', 'x,y\\n1.0,2.0\\n')
    """
    import os
    import time


    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if when is None else when))
    tmp = temporary_beside(path)
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        for n in range(1, 10_000):
            backup = path.with_name(f"{path.stem}.deleted-{stamp}{'' if n == 1 else f'-{n}'}"
                                    f"{path.suffix}")
            try:
                os.link(tmp, backup)  # fails if the name exists: nothing is overwritten
                return backup
            except FileExistsError:
                continue
        raise OSError(f"no free backup name beside {path}")
    finally:
        os.unlink(tmp)


def read_examples(paths, inputs: list[str], outputs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Examples from one or more CSV files (merged), columns found by name."""
    xs, ys = [], []
    for path in paths:
        path = Path(path)
        try:
            rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        except FileNotFoundError:
            raise PatchError("no such examples file", file=str(path)) from None
        except (UnicodeDecodeError, csv.Error):  # a binary file, or text in another encoding
            raise PatchError("is not a CSV text file (UTF-8)", file=str(path)) from None
        header = rows[0] if rows else []
        missing = [n for n in [*inputs, *outputs] if n not in header]
        if missing:
            raise PatchError(f"the examples have no column '{missing[0]}' (the header names "
                             f"the inputs and outputs: {', '.join([*inputs, *outputs])})",
                             file=str(path), line=1)
        cols = [header.index(n) for n in [*inputs, *outputs]]
        for line, row in enumerate(rows[1:], start=2):
            if not row:
                continue
            try:
                values = [float(row[c]) for c in cols]
            except (ValueError, IndexError):
                raise PatchError(f"row {row!r} is not all numbers", file=str(path),
                                 line=line) from None
            xs.append(values[:len(inputs)])
            ys.append(values[len(inputs):])
    return (np.array(xs, dtype=float).reshape(-1, len(inputs)),
            np.array(ys, dtype=float).reshape(-1, len(outputs)))


class Teacher:
    """Record, train and run inside a running :class:`~neuromix.instrument.loop.Instrument`."""

    def __init__(self, inst, learn: LearnSpec, say=print):
        self.inst, self.learn, self.say = inst, learn, say
        self.inputs, self.outputs = learn.inputs, list(learn.outputs)
        self._in_index = [inst.bank.index[n] for n in self.inputs]
        self._out_channel = [inst.channels[n] for n in self.outputs]
        self.targets = np.array([(lo + hi) / 2 for lo, hi in learn.outputs.values()])
        self.x: list[list[float]] = []
        self.y: list[list[float]] = []
        if learn.examples is not None and learn.examples.is_file():
            x, y = read_examples([learn.examples], self.inputs, self.outputs)
            self.x, self.y = x.tolist(), y.tolist()
        self.model: Model | None = None
        self.recording = False
        self.running = True
        self.training: threading.Thread | None = None
        self.cancel = threading.Event()
        self.progress: tuple[int, float, float] | None = None  # epoch, train, validation error
        self.commands: queue.Queue = queue.Queue()
        self.every = max(1, int(round(inst.rate / learn.record_rate)))
        self.status = self._status_address()

    def _status_address(self) -> tuple[str, int]:
        """Where ``done-training`` goes: the first OSC output's host and port (Wekinator's)."""
        for out in self.inst.spec.outputs:
            if out.type == "osc":
                return out.settings["host"], out.settings["port"]
        return WEKINATOR["host"], WEKINATOR["port"]

    # -- commands (any thread) -------------------------------------------------------------
    def post(self, command: str, *args) -> None:
        """Queue a command for the next tick: one of :data:`COMMANDS` (Wekinator's names)."""
        self.commands.put((command, args))

    def osc_handlers(self) -> dict:
        """OSC address → handler, for Wekinator's control messages."""
        def handler(command):
            return lambda address, *args: self.post(command, *args)
        return {CONTROL + c: handler(c) for c in COMMANDS}

    # -- the control loop's side ----------------------------------------------------------
    def tick(self, tick: int, values: np.ndarray) -> None:
        """Carry out queued commands, then record an example when recording."""
        while True:
            try:
                command, args = self.commands.get_nowait()
            except queue.Empty:
                break
            self._do(command, args)
        if self.recording and tick % self.every == 0:
            self.x.append([float(values[i]) for i in self._in_index])
            self.y.append(self.targets.tolist())

    def _do(self, command: str, args) -> None:
        if command == "startRecording":
            self.recording = True
        elif command == "stopRecording":
            self.recording = False
            self.save_examples()
        elif command == "outputs":
            values = [float(a) for a in args if isinstance(a, (int, float))
                      and not isinstance(a, bool) and math.isfinite(a)]
            if len(values) != len(self.outputs):
                self.say(f"/wekinator/control/outputs needs {len(self.outputs)} numbers "
                         f"({', '.join(self.outputs)}), not {len(values)}")
                return
            self.targets = np.array(values)
        elif command == "capture":
            self.targets = np.array([float(self.inst.row[c]) for c in self._out_channel])
        elif command == "deleteAllExamples":
            self.delete_examples()
        elif command == "train":
            self.start_training()
        elif command == "cancelTrain":
            self.cancel.set()
        elif command == "startRunning":
            self.running = True
        elif command == "stopRunning":
            self.running = False
        elif command == "trained":
            self.use(args[0])

    def start_training(self) -> None:
        """Train on a copy of the examples on a thread; the previous model plays meanwhile."""
        if self.training is not None and self.training.is_alive():
            self.say("training is running already")
            return
        x, y = np.array(self.x, dtype=float), np.array(self.y, dtype=float)
        self.cancel.clear()
        self.progress = None

        def work():
            try:
                model = fit(x, y, self.inputs, self.outputs, self.learn.settings,
                            progress=self._progress, cancel=self.cancel)
            except TrainError as err:
                self.say(f"not trained: {err}")
                return
            self.post("trained", model)

        self.training = threading.Thread(target=work, name="train", daemon=True)
        self.training.start()

    def _progress(self, epoch: int, train: float, validation: float) -> None:
        self.progress = (epoch, train, validation)

    def use(self, model: Model) -> None:
        """Set a trained model's weights on the running network, save it, and say done."""
        net = self.inst.network
        sources = [self.inputs] + self.learn.node_ids()[:-1]
        for names, srcs, (w, b, _) in zip(self.learn.node_ids(), sources, model.layers()):
            for j, nid in enumerate(names):
                net.set(f"{nid}.bias", float(b[j]))
                for src, wij in zip(srcs, w[j]):
                    net.set(f"{nid}.w.{src}", float(wij))
        self.model = model
        if self.learn.model is not None:
            model.save(self.learn.model)
        self.say(f"done training: {len(model.history)} epochs, validation error "
                 f"{100 * model.error:.2f}% of the output range")
        self._send_done()

    def _send_done(self) -> None:
        from pythonosc.udp_client import SimpleUDPClient

        try:
            SimpleUDPClient(*self.status).send_message(DONE, [])
        except OSError:
            pass

    def delete_examples(self) -> None:
        """Forget every example; the examples file keeps none, and what it would have held
        goes to a timestamped backup beside it first (see :func:`backup_examples`)."""
        if self.learn.examples is not None and self.x:
            text = examples_text(self.inputs, self.outputs,
                                 np.array(self.x).reshape(-1, len(self.inputs)),
                                 np.array(self.y).reshape(-1, len(self.outputs)))
            try:
                backup = backup_examples(self.learn.examples, text)
            except OSError as err:
                self.say(f"examples not deleted: no backup could be written ({err})")
                return
            self.say(f"deleted {len(self.x)} examples; they are kept in {backup}")
        self.x, self.y = [], []
        self.save_examples()

    def save_examples(self) -> None:
        if self.learn.examples is not None:
            write_examples(self.learn.examples, self.inputs, self.outputs,
                           np.array(self.x).reshape(-1, len(self.inputs)),
                           np.array(self.y).reshape(-1, len(self.outputs)))

    def close(self) -> None:
        """Stop training and keep the examples."""
        self.cancel.set()
        if self.training is not None:
            self.training.join(timeout=5)
        if self.x:
            self.save_examples()
