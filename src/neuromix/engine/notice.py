"""A one-line notice on stderr for work that turns out slow (a first-time kernel compile).

Nothing is printed when the work ends within ``after`` seconds. Past that, one line
``TEXT...`` appears; on a terminal a spinner turns at its end until the work is done, and the
line ends with the time taken. Off a terminal (a log, a pipe) that one line is all.

Examples
--------
>>> with notice("compiling x", after=60.0):
...     total = sum(range(10))
>>> total
45
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time

SPINNER = "|/-\\"


@contextlib.contextmanager
def notice(text: str, after: float = 0.5, stream=None):
    """Say ``text...`` on ``stream`` (stderr) if the block runs longer than ``after`` seconds."""
    stream = stream or sys.stderr
    done = threading.Event()
    start = time.monotonic()
    tty = hasattr(stream, "isatty") and stream.isatty()

    def watch():
        if done.wait(after):
            return
        stream.write(f"{text}...")
        stream.flush()
        turn = 0
        while tty and not done.wait(0.1):
            stream.write(SPINNER[turn % len(SPINNER)] + "\b")
            stream.flush()
            turn += 1
        if tty:
            done.wait()
            stream.write(f" done in {time.monotonic() - start:.1f} s\n")
        else:
            stream.write("\n")
        stream.flush()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
