"""Files written whole or not at all: a temporary file beside the target, renamed into place.

``tempfile.mkstemp`` makes files only their owner can read (0600); these get the permissions
any new file of the user would (0666 less the umask), so MIDI files, gestures, examples and
models can be shared like the user's other files.

What is at the path decides where the file lands (:func:`destination`): a symbolic link is
followed, and its target (a regular file, or none yet) is replaced atomically, the link kept;
a character device (``/dev/null``, ``/dev/stdout``'s terminal) is written through, never
replaced; a FIFO, a socket, a block device or a folder is refused with one clear line.

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
import stat
import tempfile
from pathlib import Path

from neuromix.errors import UsageError

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"))


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


def destination(path) -> tuple[Path, bool]:
    """(where writing ``path`` lands, whether that is a device written through).

    Symbolic links are followed to their final target. UsageError for a FIFO, a socket, a
    block device or a folder: those are never written over.

    Examples
    --------
    >>> destination("/dev/null")
    (PosixPath('/dev/null'), True)
    >>> destination("/tmp")
    Traceback (most recent call last):
    ...
    neuromix.errors.UsageError: cannot write /tmp: it is a folder (give the name of a file)
    """
    real = Path(os.path.realpath(path))
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return real, False
    if stat.S_ISCHR(mode):
        return real, True
    for test, kind in _KINDS:
        if test(mode):
            raise UsageError(f"cannot write {path}: it is {kind} (give the name of a file)")
    return real, False


def temporary_beside(path) -> str:
    """A new empty file next to where ``path`` lands (same file system, so :func:`replace` is
    atomic); for a device, in the temporary folder."""
    dest, device = destination(path)
    folder = Path(tempfile.gettempdir()) if device else dest.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{dest.name}.", suffix=".part")
    os.close(fd)
    os.chmod(tmp, 0o666 & ~umask())
    return tmp


def replace(tmp, path) -> None:
    """Put the finished temporary file ``tmp`` in place of ``path`` (see :func:`destination`):
    renamed over a regular file or a link's target, copied into a device and removed."""
    dest, device = destination(path)
    if not device:
        os.replace(tmp, dest)
        return
    try:
        with open(tmp, "rb") as src, open(dest, "wb") as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)
    except OSError as err:
        raise UsageError(f"cannot write {path} ({err.strerror})") from None
    finally:
        os.unlink(tmp)


def write_text(path, text: str) -> None:
    """Write a text file atomically."""
    write_with(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_with(path, write) -> None:
    """Write ``path`` atomically with ``write(tmp)``, a function that writes a whole file at
    the name it is given (a figure's ``savefig``, ``soundfile.write``; give them the format,
    as the temporary name ends in ``.part``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "b.bin"
    >>> write_with(path, lambda tmp: pathlib.Path(tmp).write_bytes(b"ok"))
    >>> path.read_bytes()
    b'ok'
    """
    tmp = temporary_beside(path)
    try:
        write(tmp)
        replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def finish(handle, tmp, path) -> None:
    """Close ``handle`` (an open file written at ``tmp``) and put it in place of ``path``; if
    either fails, the temporary file is removed, so nothing half-written stays behind."""
    try:
        handle.close()
        replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
