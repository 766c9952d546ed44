"""The Lyapunov estimate of a playing patch, in a child process (never on the audio thread).

:class:`Estimator` runs :func:`neuromix.engine.lyapunov.lyapunov` in a child process with the
parameter values as they are now played: the child loads the kernel from the disk cache (the
player compiled it already), so the playing process only waits on a pipe, without the GIL.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=1000)
>>> a = p.neuron(act="tanh", name="a")
>>> a.input(p.sine(5), 1.0); a.input(a, 0.5)
>>> p.out(a)
>>> result = estimate(p.graph, {}, seconds=0.5)
>>> result["per_second"] < 0, result["describe"].split(":")[0]
(True, 'stable')
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
import time

from neuromix.engine.lyapunov import lyapunov

SECONDS = 2.0  # length of the run the estimate averages


def estimate(graph, values: dict, seconds: float = SECONDS) -> dict:
    """The estimate as plain data (in this process)."""
    lam = lyapunov(graph, seconds=seconds, values=values)
    per_second = lam.per_second
    return {"per_second": per_second if per_second == per_second and abs(per_second) < 1e300
            else None, "describe": lam.describe()}


class Estimator:
    """Runs estimates one at a time in a child process; ``result`` holds the latest."""

    def __init__(self):
        self.result: dict | None = None
        self.running = False
        self._lock = threading.Lock()

    def start(self, graph, values: dict, generation: int) -> bool:
        """Begin an estimate in the background; False if one is running already."""
        with self._lock:
            if self.running:
                return False
            self.running = True
        threading.Thread(target=self._run, args=(graph, values, generation),
                         name="neuromix-lyapunov", daemon=True).start()
        return True

    def _run(self, graph, values, generation) -> None:
        started = time.monotonic()
        try:
            proc = subprocess.Popen([sys.executable, "-m", "neuromix.live.ui.lyapunov"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL)
            try:
                os.setpriority(os.PRIO_PROCESS, proc.pid, 10)  # the audio comes first
            except OSError:
                pass
            out, _ = proc.communicate(pickle.dumps((graph, values)), timeout=300)
            result = json.loads(out.decode() or "{}")
        except (OSError, subprocess.TimeoutExpired, ValueError) as err:
            result = {"error": f"the estimate failed: {err}"}
        result.update(generation=generation, took=round(time.monotonic() - started, 2))
        self.result = result
        self.running = False


def _main() -> int:
    graph, values = pickle.loads(sys.stdin.buffer.read())
    try:
        result = estimate(graph, values)
    except Exception as err:  # reported on the page, never a traceback
        result = {"error": f"{type(err).__name__}: {err}"}
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
