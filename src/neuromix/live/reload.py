"""Hot reload: watch the patch file and swap each saved version in while it plays.

* A **parameter-only** edit (the kernel's source is unchanged: only numbers moved) is sent as
  parameter changes at once; parameters the edit did not touch keep their live values.
* A **structural** edit is compiled in a child process (compiling in the playing process
  would cause underruns), which leaves the kernel in the disk cache; the player then loads it
  (milliseconds) and swaps it in at a block boundary, keeping the state of every node whose id
  and type are unchanged.
* A **broken** file prints its error (file, line, what is wrong) and the old patch plays on.

Every saved version is read, validated and compiled by one long-lived child process
(:class:`Compiler`), which sends back the graph and kernel layout (a few kB, pickled): even
parsing YAML holds the GIL for milliseconds at a time, enough to make the audio callback
late. The file is polled (every 0.1 s: no extra dependency), and a version is read only once
its size and time stamp have stopped changing.

Examples
--------
>>> classify("a", "a"), classify("a", "b")
('parameters', 'structure')
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

from neuromix.compiler.codegen import compile_graph_source
from neuromix.engine.compiled import CompiledPatch
from neuromix.errors import LiveError, PatchError
from neuromix.graph.midimap import midi_map
from neuromix.graph.patchfile import loads
from neuromix.live.audio import CONTROL_PRIORITY, realtime_priority


def classify(old_source: str, new_source: str) -> str:
    return "parameters" if old_source == new_source else "structure"


class Compiler:
    """A child process that reads, validates and compiles patch files for the playing one.

    ``submit(filename, text)`` returns ``{"kind": "ok", "graph", "kernel"}`` with the kernel
    compiled into the disk cache, or ``{"kind": "broken", "message"}``.
    """

    def __init__(self):
        self.proc = None

    def _start(self) -> None:
        # no preexec_fn: that would make subprocess fork() the playing process (copying its
        # page tables stalls the audio thread) instead of using vfork
        self.proc = subprocess.Popen([sys.executable, "-m", "neuromix.live.reload"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        try:
            os.setpriority(os.PRIO_PROCESS, self.proc.pid, 10)  # the audio comes first
        except OSError:
            pass

    def submit(self, filename: str, text: str) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        data = pickle.dumps((filename, text))
        try:
            self.proc.stdin.write(len(data).to_bytes(8, "big") + data)
            self.proc.stdin.flush()
            size = int.from_bytes(_read(self.proc.stdout, 8), "big")
            return pickle.loads(_read(self.proc.stdout, size))
        except (OSError, EOFError):
            self.close()
            return {"kind": "broken", "message": f"{filename}: the compiler process stopped"}

    def close(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def _read(stream, n: int) -> bytes:
    data = stream.read(n)
    if len(data) < n:
        raise EOFError("the other end closed")
    return data


class Watcher:
    """Polls ``path`` and reloads ``player`` on every saved change (its own thread)."""

    def __init__(self, player, path, say=print, poll: float = 0.1):
        self.player, self.path, self.say, self.poll = player, Path(path), say, poll
        self.text = self.path.read_text(encoding="utf-8")
        self.values = player.compiled.kernel.layout.values()  # as the file last said
        self.stamp = self._stamp()
        self.events: list[dict] = []  # one per reload attempt: kind, seconds, error, block
        self.compiler = Compiler()
        # the child starts (imports numba, ~1 s of CPU) and compiles the current version now,
        # best before the audio starts, so that the first save is answered in milliseconds
        self.compiler.submit(str(self.path), self.text)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="neuromix-watch", daemon=True)
        self._thread.start()

    def _stamp(self):
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _run(self) -> None:
        realtime_priority(CONTROL_PRIORITY)
        while not self._stop.wait(self.poll):
            stamp = self._stamp()
            if stamp is None or stamp == self.stamp:
                continue
            time.sleep(self.poll / 2)  # an editor may still be writing
            if self._stamp() != stamp:
                continue
            self.stamp = stamp
            try:
                text = self.path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                self._event("broken", 0.0, f"{self.path}: cannot read it ({err}); the old patch "
                                           f"plays on")
                continue
            if text != self.text:
                self.text = text
                self.reload(text)

    def _event(self, kind: str, seconds: float, message: str, **extra) -> None:
        self.events.append({"kind": kind, "seconds": seconds, "message": message, **extra})
        self.say(message)

    def reload(self, text: str) -> None:
        start = time.perf_counter()
        done = self.compiler.submit(str(self.path), text)
        if done["kind"] == "broken":
            self._event("broken", time.perf_counter() - start,
                        f"{done['message']}; the old patch plays on")
            return
        graph, kernel = done["graph"], done["kernel"]
        values = kernel.layout.values()
        changed = [a for a, v in values.items() if self.values.get(a) != v]
        if classify(self.player.compiled.kernel.source, kernel.source) == "parameters":
            for address in changed:
                self.player.set(address, values[address])
            self.values = values
            self._event("parameters", time.perf_counter() - start,
                        f"reloaded {self.path.name}: {len(changed)} parameter(s) changed")
            self._midi(graph)
            return
        compiled_at = time.perf_counter()
        keep = [a for a in values if a not in changed]  # untouched by the edit: as played
        try:
            swap = self.player.swap(graph, kernel, keep_targets=keep)
        except LiveError as err:
            self._event("broken", time.perf_counter() - start, f"{err}; the old patch plays on")
            return
        self.values = values
        done = time.perf_counter()
        self._event("structure", done - start,
                    f"reloaded {self.path.name}: new structure swapped in at block "
                    f"{swap.taken_at} ({done - compiled_at:.3f} s after compiling "
                    f"{compiled_at - start:.1f} s in a child process; {len(swap.copies)} state "
                    f"span(s) kept)", block=swap.taken_at, keep=keep,
                    swap_seconds=done - compiled_at)
        self._midi(graph)

    def _midi(self, graph) -> None:
        """A MIDI map edited in the file applies too."""
        for control in self.player.controls:
            if hasattr(control, "maps"):
                control.maps.cc = midi_map(graph, self.player.compiled.addresses).cc

    def counts(self) -> dict:
        return {"reloads": sum(e["kind"] != "broken" for e in self.events),
                "reload_errors": sum(e["kind"] == "broken" for e in self.events)}

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.compiler.close()


def _serve() -> int:
    """The child's loop: (filename, text) in, {"kind", ...} out, length-prefixed pickles."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the pipe
    while True:
        try:
            filename, text = pickle.loads(_read(inp, int.from_bytes(_read(inp, 8), "big")))
        except EOFError:
            return 0
        try:
            graph = loads(text, filename=filename)
            kernel = compile_graph_source(graph)
            CompiledPatch(graph, kernel=kernel).process(1)  # into the disk cache
            reply = {"kind": "ok", "graph": graph, "kernel": kernel}
        except PatchError as err:
            reply = {"kind": "broken", "message": str(err)}
        except Exception as err:  # a compiler bug must not stop the playing process
            reply = {"kind": "broken", "message": f"{filename}: {type(err).__name__}: {err}"}
        data = pickle.dumps(reply)
        out.write(len(data).to_bytes(8, "big") + data)
        out.flush()


if __name__ == "__main__":
    sys.exit(_serve())
