"""YAML (and JSON) from outside, read in bounded time and memory, with line numbers kept.

Patch files and instrument files go through :func:`load_yaml`. It refuses, each with one
line naming the file and line:

- a file larger than :data:`MAX_BYTES`;
- nesting deeper than :data:`MAX_DEPTH` levels (the parser would otherwise recurse until
  Python's own limit);
- aliases (``*name``) that expand the document past :data:`MAX_VALUES` values in all: anchors
  and aliases stay usable for sharing settings, but a "billion laughs" document is refused as
  soon as its expansion passes the limit, before anything is built from it;
- any number that is not finite (``.inf``, ``.nan``): no patch or instrument value may be one.

Examples
--------
>>> load_yaml("a: &x [1, 2]\\nb: *x\\n")["b"]
[1, 2]
>>> load_yaml("a: [.inf, 0, 1]\\n", "p.yaml")
Traceback (most recent call last):
...
neuromix.errors.PatchError: p.yaml, line 1: .inf is not a finite number (numbers in a file \
must be finite)
>>> load_yaml("[" * 100 + "]" * 100)
Traceback (most recent call last):
...
neuromix.errors.PatchError: line 1: nesting deeper than 64 levels
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from neuromix.errors import PatchError

MAX_BYTES = 16 << 20  # 16 MiB of text
MAX_DEPTH = 64  # nested mappings and lists
MAX_VALUES = 100_000  # values (scalars, lists, mappings) with every alias expanded


def _composer():
    # ruamel is imported when a file is read, not when neuromix is: it adds about 0.03 s (4%)
    # to every start of the command line (CPU time, median of 15, 2 cores, December 2026)
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    class BoundedComposer(Composer):
        """ruamel's composer with a depth limit and a count of the expanded document."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.depth = 0
            self.sizes: dict[int, int] = {}  # id(node) -> values with aliases expanded

        def compose_node(self, parent, index):
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    mark = self.parser.peek_event().start_mark
                    raise PatchError(f"nesting deeper than {MAX_DEPTH} levels", line=mark.line + 1)
                node = super().compose_node(parent, index)
            finally:
                self.depth -= 1
            if id(node) not in self.sizes:
                if isinstance(node, MappingNode):
                    children = [x for pair in node.value for x in pair]
                elif isinstance(node, SequenceNode):
                    children = node.value
                else:
                    children = []
                size = 1 + sum(self.sizes.get(id(c), 1) for c in children)
                if size > MAX_VALUES:
                    raise PatchError(f"expands to more than {MAX_VALUES} values (through its "
                                     f"aliases '*name'); a file may hold at most that many",
                                     line=node.start_mark.line + 1)
                self.sizes[id(node)] = size
            return node

    return BoundedComposer


def load_yaml(text: str, filename: str | None = None):
    """Parse YAML or JSON text within the limits above; PatchError (file, line) otherwise."""
    from ruamel.yaml import YAML  # see _composer
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if len(text) > MAX_BYTES:
        raise PatchError(f"is larger than the limit of {MAX_BYTES >> 20} MiB", file=filename)
    yaml = YAML(typ="rt")
    yaml.Composer = _composer()
    try:
        doc = yaml.load(text)
    except PatchError as err:
        raise err.located(filename, None) from None
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        raise PatchError(f"is not valid YAML: {err.problem or err.context}", file=filename,
                         line=mark.line + 1 if mark else None) from None
    except YAMLError as err:
        raise PatchError(f"is not valid YAML: {err}", file=filename) from None
    except RecursionError:  # not reached within MAX_DEPTH; kept as a last line of defence
        raise PatchError(f"nesting deeper than {MAX_DEPTH} levels", file=filename) from None
    _check_finite(doc, None, filename, set())
    return doc


def line_of(mapping, key=None) -> int | None:
    """1-based line of ``key`` in a mapping :func:`load_yaml` returned (or of the mapping
    itself); None for a plain mapping (built in Python, or from JSON without line marks).

    Examples
    --------
    >>> doc = load_yaml("a: 1\\nb:\\n  c: 2\\n")
    >>> line_of(doc, "b"), line_of(doc["b"], "c"), line_of({"a": 1}, "a")
    (2, 3, None)
    """
    lc = getattr(mapping, "lc", None)
    if lc is None:
        return None
    try:
        return (lc.key(key)[0] if key is not None else lc.line) + 1
    except (KeyError, TypeError, AttributeError):
        return lc.line + 1 if lc.line is not None else None


def plain(value) -> Any:
    """The mappings and lists of a loaded document as plain dicts and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def with_lines(mapping, sub: dict):
    """``sub`` (a part of ``mapping``'s entries, or entries derived from them) as a mapping
    that keeps ``mapping``'s line marks, so :func:`line_of` still finds them."""
    from ruamel.yaml.comments import CommentedMap  # see _composer

    result = CommentedMap(sub)
    result.lc.data = {k: v for k, v in mapping.lc.data.items() if k in sub}
    result.lc.line, result.lc.col = mapping.lc.line, mapping.lc.col
    return result


def read_text(path: Path, what: str) -> str:
    """A file's text (UTF-8, at most :data:`MAX_BYTES`), or a PatchError saying what is wrong."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise PatchError(f"is larger than the limit of {MAX_BYTES >> 20} MiB", file=str(path))
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PatchError(f"no such {what}", file=str(path)) from None
    except IsADirectoryError:
        raise PatchError(f"is a folder, not a {what}", file=str(path)) from None
    except UnicodeDecodeError:
        raise PatchError("is not a text file (expected YAML or JSON)", file=str(path)) from None
    except OSError as err:
        raise PatchError(f"cannot be read ({err.strerror})", file=str(path)) from None


def _check_finite(value, line, filename, seen: set) -> None:
    """Refuse a non-finite float anywhere in ``value`` (each shared container visited once)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            text = ".nan" if value != value else (".inf" if value > 0 else "-.inf")
            raise PatchError(f"{text} is not a finite number (numbers in a file must be finite)",
                             file=filename, line=line)
        return
    if not isinstance(value, (dict, list)) or id(value) in seen:
        return
    seen.add(id(value))
    lc = getattr(value, "lc", None)
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        where = line
        if lc is not None:
            try:
                where = (lc.value(key) if isinstance(value, dict) else lc.item(key))[0] + 1
            except (KeyError, TypeError, IndexError):
                where = line
        _check_finite(key, where, filename, seen)
        _check_finite(item, where, filename, seen)
