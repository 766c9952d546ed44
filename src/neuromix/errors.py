"""Every error neuromix reports to a person, under one base class.

This module sits at the bottom of the package and imports nothing of neuromix, so every layer
can raise these. The command line catches :class:`NeuromixError` once and prints its message
as one line (``neuromix: ...``); a traceback means a bug, never a bad input.

Examples
--------
>>> from neuromix.errors import NeuromixError, PatchError
>>> err = PatchError("unknown node type 'sin'", node="osc", file="p.yaml", line=3,
...                  hint="did you mean 'sine'?")
>>> print(err)
p.yaml, line 3: node 'osc': unknown node type 'sin' (did you mean 'sine'?)
>>> isinstance(err, NeuromixError)
True
"""

from __future__ import annotations

import difflib


def nearest(name, choices) -> str | None:
    """A 'did you mean' hint naming the closest valid choices, or None.

    Examples
    --------
    >>> nearest("sin", ["sine", "saw", "noise"])
    "did you mean 'sine'?"
    """
    near = difflib.get_close_matches(str(name), [str(c) for c in choices], n=3, cutoff=0.5)
    return f"did you mean {' or '.join(repr(n) for n in near)}?" if near else None


class NeuromixError(Exception):
    """A problem said in one line for a musician: what, where, and a hint where there is one."""


class UsageError(NeuromixError, ValueError):
    """A value given on the command line or to a function that cannot be used as it is."""


class PatchError(NeuromixError, ValueError):
    """A problem with a patch, said in one paragraph: where, which node, what, and a hint."""

    def __init__(self, message: str, *, node: str | None = None, file: str | None = None,
                 line: int | None = None, hint: str | None = None, field: str | None = None):
        self.message, self.node, self.file, self.line, self.hint = message, node, file, line, hint
        self.field = field  # the parameter, option or input the problem is in, where known
        super().__init__(str(self))

    def located(self, file: str | None, line: int | None) -> "PatchError":
        """The same error with a file and line filled in where it had none."""
        return PatchError(self.message, node=self.node, file=self.file or file,
                          line=self.line or line, hint=self.hint, field=self.field)

    def __str__(self) -> str:
        where = ", ".join(x for x in (self.file, f"line {self.line}" if self.line else None) if x)
        parts = [f"{where}: " if where else ""]
        if self.node:
            parts.append(f"node {self.node!r}: ")
        parts.append(self.message)
        if self.hint:
            parts.append(f" ({self.hint})")
        return "".join(parts)


class LiveError(NeuromixError):
    """Something the player cannot do (no sound card, a port in use), said in one line."""


class TrainError(NeuromixError, ValueError):
    """Examples that cannot be trained on (none, one, not numbers); the old model stays."""


class FitError(NeuromixError, ValueError):
    """A fit that cannot start: a bad address, a missing package, a target that does not fit."""


class SweepError(NeuromixError, ValueError):
    """A sweep cannot start as asked (for example the folder holds a different sweep)."""


class AudioFileError(NeuromixError):
    """A sound file that cannot be read or written: missing, corrupt, or of an unknown kind."""


class UnknownNameError(NeuromixError, KeyError):
    """A name that is not there (a parameter address, a node type), with the nearest ones.

    Still a ``KeyError`` for code that looks names up, but said as plain words: ``str()`` of
    a ``KeyError`` would quote the whole message.

    Examples
    --------
    >>> str(UnknownNameError("no parameter 'a.w.bb' (did you mean 'a.w.b'?)"))
    "no parameter 'a.w.bb' (did you mean 'a.w.b'?)"
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
