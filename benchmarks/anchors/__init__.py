"""C++ anchors the benchmarks measure neuromix against, built here when the tools are there.

- Faust: the reference patches P1-P3 (``p1_mixer.dsp``, ``p2_dual.dsp``, ``p3_loop.dsp``)
  compiled with ``faust -double`` and ``g++ -O3`` into a bare timing harness
  (``faust_arch.cpp``). They compute what neuromix's exact mode computes, sample for sample.
- Eigen: an N-neuron dense recurrent tanh net, ``x = tanh(W·x + b + w_in·input)``, per sample,
  as an audio plug-in runs RTNeural's Dense and Tanh layers (``eigen_rnn.cpp``, built with
  ``g++ -O3 -march=native``), in double and float.

Every function returns None when a tool is missing (``faust``, ``g++``, Eigen's headers), so
a benchmark prints its other rows. Binaries are built once per source version, in a folder
under the system's temporary directory.

Examples
--------
>>> speed = eigen_speed(8, "double", seconds=0.1)
>>> speed is None or speed > 1.0
True
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SR = 48000
FAUST_PATCHES = {"mixer": "p1_mixer.dsp", "dual": "p2_dual.dsp", "loop": "p3_loop.dsp"}
EIGEN_INCLUDE = Path("/usr/include/eigen3")


def _build_dir(*sources: str) -> Path:
    digest = hashlib.sha256("\n".join(sources).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"neuromix-anchors-{digest}"
    path.mkdir(exist_ok=True)
    return path


def _run(cmd: list) -> str:
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True,
                          text=True).stdout


def faust_binary(name: str, seed: int) -> Path | None:
    """The timing binary of reference patch ``name`` (its noise node seeded ``seed``)."""
    if not (shutil.which("faust") and shutil.which("g++")):
        return None
    files = ["faust_common.lib", "faust_arch.cpp", FAUST_PATCHES[name]]
    texts = [(HERE / f).read_text() for f in files]
    dsp_text = texts[2] + f"SEED = {seed - 2**32 if seed >= 2**31 else seed};\n"
    work = _build_dir(*texts, dsp_text)
    binary = work / name
    if not binary.exists():
        (work / "patch.dsp").write_text(dsp_text)
        _run(["faust", "-double", "-a", HERE / "faust_arch.cpp", "-I", HERE, work / "patch.dsp",
              "-o", work / f"{name}.cpp"])
        _run(["g++", "-O3", "-std=c++17", work / f"{name}.cpp", "-o", work / f"{name}.part"])
        (work / f"{name}.part").rename(binary)
    return binary


def faust_render(name: str, seed: int, frames: int, dump: Path | None = None) -> float | None:
    """Seconds Faust's compute() takes for ``frames`` frames (in blocks of 4096); ``dump``
    receives the output as raw float64."""
    binary = faust_binary(name, seed)
    if binary is None:
        return None
    return float(_run([binary, frames, *([dump] if dump else [])]).split()[0])


def eigen_binary() -> Path | None:
    """The Eigen recurrent-net binary, built with -march=native (None without g++/Eigen)."""
    if not (shutil.which("g++") and (EIGEN_INCLUDE / "Eigen" / "Dense").exists()):
        return None
    source = HERE / "eigen_rnn.cpp"
    binary = _build_dir(source.read_text()) / "eigen_rnn"
    if not binary.exists():
        part = binary.with_suffix(".part")
        _run(["g++", "-O3", "-march=native", "-std=c++17", "-DNDEBUG", f"-I{EIGEN_INCLUDE}",
              source, "-o", part])
        part.rename(binary)
    return binary


def eigen_speed(n: int, dtype: str = "double", seconds: float = 2.0) -> float | None:
    """× real time at 48 kHz of an ``n``-neuron dense recurrent tanh net in Eigen (``dtype``
    "double" or "float"), or None when g++ or Eigen is missing."""
    if dtype not in ("double", "float"):
        raise ValueError(f"dtype must be 'double' or 'float', not {dtype!r}")
    binary = eigen_binary()
    if binary is None:
        return None
    frames = max(int(seconds * SR), 1)
    took = float(_run([binary, n, dtype, frames]).split()[0])
    return frames / SR / took
