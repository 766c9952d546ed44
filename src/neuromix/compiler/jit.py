"""Turn generated kernel source into a numba function, cached on disk across processes.

numba's ``cache=True`` does not work for functions made with ``exec``, so each kernel is
written to a real file named by the hash of its source (which inlines every node's code), the
neuromix version and the source of ``approx.py`` (the library the kernels call: numba keeps a
cached kernel with the library's old code linked in unless its name changes), and imported
as a module that is placed in ``sys.modules`` before it runs, so that a second process loads
numba's cache instead of compiling again.

Examples
--------
>>> fn = load_kernel('import numba\\n@numba.njit(cache=True)\\ndef process(n):\\n    return n + 1\\n')
>>> fn(1)
2
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

from neuromix import _config
from neuromix._config import __version__

_LOADED: dict[str, object] = {}
LIBRARY_HASH = hashlib.sha256(Path(__file__).with_name("approx.py").read_bytes()).hexdigest()


SOUNDS_LINE = "# sounds "  # the hash of a kernel's sound data: in its source, not its code


def kernel_code(source: str) -> str:
    """The source as compiled and cached: without the sounds line (sounds are an argument, so
    a patch playing another file runs the same code)."""
    return "".join(line for line in source.splitlines(keepends=True)
                   if not line.startswith(SOUNDS_LINE))


def kernel_name(source: str) -> str:
    code = kernel_code(source)
    digest = hashlib.sha256(f"{__version__}\n{LIBRARY_HASH}\n{code}".encode()).hexdigest()[:20]
    return f"nm_kernel_{digest}"


def kernel_path(source: str):
    return _config.cache_dir() / "kernels" / f"{kernel_name(source)}.py"


def _write_once(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically unless it is there already (keeps numba's stamp)."""
    if path.exists() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".py")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _numba_set_up_without_probes() -> None:
    """Set up numba's typing and lowering without two probes that cost every process loading a
    kernel ~0.3 s of a ~0.5 s start-up (measured): its BLAS probe imports SciPy (when installed)
    and only chooses how ``np.correlate``/``np.convolve`` compile (``np.dot`` and ``np.linalg``
    look for BLAS again when used); its cffi support imports cffi's C parser, for calling cffi
    functions from jitted code. No kernel uses either; a process that imported them first
    keeps numba's full set-up."""
    hidden = [name for name in ("scipy.linalg.cython_blas", "cffi") if name not in sys.modules]
    if "numba.np.arraymath" in sys.modules or not hidden:
        return
    for name in hidden:
        sys.modules[name] = None  # an import of it fails at once
    try:
        from numba.core.registry import cpu_target

        cpu_target.target_context.refresh()
    finally:
        for name in hidden:
            del sys.modules[name]


def load_kernel(source: str, entry: str = "process"):
    """The jitted function ``entry`` of ``source`` (compiled on first call, cached on disk)."""
    name = kernel_name(source)
    if name not in _LOADED:
        _numba_set_up_without_probes()
        path = kernel_path(source)
        _write_once(path, kernel_code(source))
        module = sys.modules.get(name)
        if module is None:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
        _LOADED[name] = getattr(module, entry)
    return _LOADED[name]
