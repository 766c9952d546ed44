"""Starter files for ``neuromix new``: commented patches and an instrument that work at once.

The instrument replays a gesture when it runs headless, so :func:`write_template` writes one
beside it (a slow circle of the mouse, made by a formula).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> [p.name for p in write_template("instrument", folder / "play.yaml")]
['play.yaml', 'play.gesture.csv']
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

from neuromix.errors import UsageError
from neuromix.io.atomic import write_text

GESTURE_SECONDS = 8.0
GESTURE_RATE = 200  # rows per second, the instrument template's control rate


def names() -> list[str]:
    """The templates there are."""
    return sorted(p.name[:-5] for p in resources.files(__package__).iterdir()
                  if p.name.endswith(".yaml"))


def gesture_csv(seconds: float = GESTURE_SECONDS, rate: int = GESTURE_RATE) -> str:
    """A mouse gesture as CSV: a slow circle round the pad's centre, twice, then a sweep up."""
    rows = ["tick,seconds,x,y"]
    for tick in range(int(seconds * rate)):
        t = tick / rate
        angle = 2 * math.pi * t / (seconds / 2)
        x = 0.5 + 0.4 * math.cos(angle)
        y = 0.5 + 0.4 * math.sin(angle) * (0.5 + 0.5 * t / seconds)
        rows.append(f"{tick},{t!r},{x!r},{y!r}")
    return "\n".join(rows) + "\n"


def write_template(name: str, path: Path) -> list[Path]:
    """Write template ``name`` to ``path`` (and the instrument's gesture beside it); never
    replaces an existing file. Returns the files written."""
    if name not in names():
        raise UsageError(f"no template {name!r} (there are: {', '.join(names())})")
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(f"{path}: a starter file is YAML; name it {path.stem}.yaml")
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    files = {path: text}
    if name == "instrument":
        gesture = path.with_name(f"{path.stem}.gesture.csv")
        files[path] = text.replace("GESTURE", gesture.name)
        files[gesture] = gesture_csv()
    for target in files:
        if target.exists() or target.is_symlink():
            raise UsageError(f"{target} exists already; neuromix new never replaces a file")
        if not target.parent.is_dir():
            raise UsageError(f"{target.parent} is not a folder")
    for target, content in files.items():
        write_text(target, content)
    return list(files)
