"""Hot reload: watch the patch file and swap each saved version in while it plays.

* A **parameter-only** edit (the kernel's source is unchanged: only numbers moved) is sent as
  parameter changes at once; parameters the edit did not touch keep their live values.
* A **structural** edit is compiled in a child process (compiling in the playing process
  would cause underruns), which leaves the kernel in the disk cache; the player then loads it
  (milliseconds) and swaps it in at a block boundary, keeping the state of every node whose id
  and type are unchanged.
* A **broken** file prints its error (file, line, what is wrong) and the old patch plays on.

The file is polled (every 0.1 s: no extra dependency), and a version is read only once its
size and time stamp have stopped changing.

Examples
--------
>>> classify("a", "a"), classify("a", "b")
('parameters', 'structure')
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path


def classify(old_source: str, new_source: str) -> str:
    return "parameters" if old_source == new_source else "structure"


def compile_in_child(text: str, filename: str, timeout: float = 300.0) -> str | None:
    """Compile a patch's kernel into the disk cache in a child process; None or the error."""
    cmd = [sys.executable, "-m", "neuromix.live.reload", filename]
    try:
        done = subprocess.run(cmd, input=text, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=lambda: os.nice(5))
    except subprocess.TimeoutExpired:
        return f"{filename}: compiling took longer than {timeout:g} s"
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return lines[-1] if lines else f"{filename}: the compiler stopped (exit {done.returncode})"
    return None


class Watcher:
    """Polls ``path`` and reloads ``player`` on every saved change (its own thread)."""

    def __init__(self, player, path, say=print, poll: float = 0.1):
        self.player, self.path, self.say, self.poll = player, Path(path), say, poll
        self.text = self.path.read_text(encoding="utf-8")
        self.values = dict(player.compiled.kernel.layout.params)  # as the file last said
        self.stamp = self._stamp()
        self.events: list[dict] = []  # one per reload attempt: kind, seconds, error, block
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
        from neuromix.compiler.codegen import compile_graph_source
        from neuromix.graph.graph import PatchError
        from neuromix.graph.patchfile import loads
        from neuromix.live.audio import LiveError

        start = time.perf_counter()
        try:
            graph = loads(text, filename=str(self.path))
            kernel = compile_graph_source(graph)
        except PatchError as err:
            self._event("broken", time.perf_counter() - start, f"{err}; the old patch plays on")
            return
        values = dict(kernel.layout.params)
        changed = [a for a, v in values.items() if self.values.get(a) != v]
        if classify(self.player.compiled.kernel.source, kernel.source) == "parameters":
            for address in changed:
                self.player.set(address, values[address])
            self.values = values
            self._event("parameters", time.perf_counter() - start,
                        f"reloaded {self.path.name}: {len(changed)} parameter(s) changed")
            self._midi(graph)
            return
        error = compile_in_child(text, str(self.path))
        if error is not None:
            self._event("broken", time.perf_counter() - start, f"{error}; the old patch plays on")
            return
        compiled_at = time.perf_counter()
        keep = [a for a in values if a not in changed]  # untouched by the edit: as played
        try:
            swap = self.player.swap(graph, keep_targets=keep)
        except LiveError as err:
            self._event("broken", time.perf_counter() - start, f"{err}; the old patch plays on")
            return
        self.values = values
        done = time.perf_counter()
        kept = len(swap.copies)
        self._event("structure", done - start,
                    f"reloaded {self.path.name}: new structure swapped in at block "
                    f"{swap.taken_at + 1} ({done - compiled_at:.3f} s after compiling "
                    f"{compiled_at - start:.1f} s in a child process; {kept} state span(s) kept)",
                    block=swap.taken_at + 1, swap_seconds=done - compiled_at)
        self._midi(graph)

    def _midi(self, graph) -> None:
        """A MIDI map edited in the file applies too."""
        from neuromix.graph.midimap import midi_map

        for control in self.player.controls:
            if hasattr(control, "maps"):
                control.maps.cc = midi_map(graph, self.player.compiled.addresses).cc

    def counts(self) -> dict:
        return {"reloads": sum(e["kind"] != "broken" for e in self.events),
                "reload_errors": sum(e["kind"] == "broken" for e in self.events)}

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _child(filename: str) -> int:
    """In the child: compile the patch read from stdin so that its kernel lands in the cache."""
    from neuromix.engine.compiled import CompiledPatch
    from neuromix.graph.graph import PatchError
    from neuromix.graph.patchfile import loads

    try:
        CompiledPatch(loads(sys.stdin.read(), filename=filename)).process(1)
    except PatchError as err:
        print(err, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
