"""Files written whole or not at all: a temporary file beside the target, renamed into place.

``tempfile.mkstemp`` makes files only their owner can read (0600); these get the permissions
any new file of the user would (0666 less the umask), so MIDI files, gestures, examples and
models can be shared like the user's other files.

Examples
--------
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> write_text(path, "hello")
>>> path.read_text(), oct(path.stat().st_mode & 0o777) == oct(0o666 & ~umask())
('hello', True)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def umask() -> int:
    """The process umask, read without changing it (os.umask would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def temporary_beside(path) -> str:
    """A new empty file next to ``path`` (same file system, so ``os.replace`` is atomic)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    os.chmod(tmp, 0o666 & ~umask())
    return tmp


def write_text(path, text: str) -> None:
    """Write a text file atomically."""
    tmp = temporary_beside(path)
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def finish(handle, tmp, path) -> None:
    """Close ``handle`` (an open file written at ``tmp``) and rename it to ``path``; if either
    fails, the temporary file is removed, so nothing half-written stays behind."""
    try:
        handle.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
