"""The demo's gallery: one offline HTML page with every example, its words, pictures and sound.

``neuromix demo`` collects what each example made (:class:`Example`) and writes
``index.html`` beside the files with :func:`write_gallery`: the example's description (the
patch file's opening comment, or the script's docstring), its pictures, an ``<audio>`` player
per sound file, and links to everything else (reports, MIDI files, tables). Paths are relative,
so the folder can be moved or zipped; nothing is fetched from the internet.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> (out / "a.wav").write_bytes(b"")
0
>>> page = write_gallery(out, [Example("a", "a.yaml", "A <b>loud</b> neuron.", [out / "a.wav"])])
>>> text = page.read_text()
>>> '<audio controls preload="metadata" src="a.wav">' in text, "&lt;b&gt;loud" in text
(True, True)
"""

from __future__ import annotations

import ast
import html
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from neuromix.io.atomic import write_text

PICTURES = {".png", ".jpg", ".jpeg", ".svg"}
SOUNDS = {".wav", ".flac", ".ogg"}


@dataclass
class Example:
    """One example and the files it made."""

    name: str
    source: str  # the example's file name
    description: str
    files: list[Path] = field(default_factory=list)
    failed: str | None = None  # why it made nothing, when it failed


def describe(path: Path) -> str:
    """An example's own words: a patch file's opening comment, or a script's docstring."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".py":
        try:
            doc = ast.get_docstring(ast.parse(text)) or ""
        except SyntaxError:
            return ""
        return doc.split("\n\n")[0].strip()
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        words = line[1:].strip()
        if words.startswith("neuromix ") or words.startswith("python "):
            continue  # command lines belong in the file, not in the gallery's prose
        lines.append(words)
    return " ".join(lines).strip()


def _link(out: Path, path: Path) -> str:
    return quote(path.relative_to(out).as_posix())


def _card(out: Path, example: Example) -> str:
    esc = html.escape
    parts = [f'<section class="example" id="{esc(example.source)}">',
             f"<h2>{esc(example.name)}</h2>",
             f'<p class="source">{esc(example.source)}</p>',
             f"<p>{esc(example.description)}</p>"]
    if example.failed:
        parts.append(f'<p class="failed">failed: {esc(example.failed)}</p>')
    files = sorted(example.files)
    for path in files:
        if path.suffix.lower() in PICTURES:
            parts.append(f'<figure><img src="{_link(out, path)}" alt="{esc(path.name)}" '
                         f'loading="lazy"><figcaption>{esc(path.name)}</figcaption></figure>')
    for path in files:
        if path.suffix.lower() in SOUNDS:
            parts.append(f'<p class="sound">{esc(path.name)}<br>'
                         f'<audio controls preload="metadata" src="{_link(out, path)}"></audio></p>')
    others = [p for p in files if p.suffix.lower() not in PICTURES | SOUNDS]
    if others:
        links = ", ".join(f'<a href="{_link(out, p)}">{esc(p.relative_to(out).as_posix())}</a>'
                          for p in others)
        parts.append(f'<p class="links">also: {links}</p>')
    parts.append("</section>")
    return "\n".join(parts)


_STYLE = """
body { font: 16px/1.45 system-ui, sans-serif; max-width: 72em; margin: 2em auto; padding: 0 1em;
       color: #222; background: #fcfcfa; }
h1 { margin-bottom: 0.2em; } .source { color: #777; margin-top: -0.6em; font-family: monospace; }
.example { border-top: 1px solid #ddd; padding: 0.5em 0 1em; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; max-width: 100%; }
img { max-width: 100%; max-height: 28em; border: 1px solid #eee; }
figcaption, .sound { color: #555; font-size: 0.9em; } audio { width: 32em; max-width: 100%; }
.failed { color: #a00; } nav a { margin-right: 0.8em; }
"""

# counts pictures and sounds that loaded, so a person (and a test in a real browser) can see
# at a glance that nothing is missing: body[data-pictures-loaded] and body[data-sounds-loaded]
_CHECK = """
function count() {
  const imgs = [...document.images], sounds = [...document.querySelectorAll('audio')];
  document.body.dataset.picturesLoaded = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.soundsLoaded = sounds.filter(a => a.readyState >= 1 && a.duration > 0).length;
}
window.addEventListener('load', count);
document.querySelectorAll('audio').forEach(a => a.addEventListener('loadedmetadata', count));
document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; i.addEventListener('load', count); });
"""


def write_gallery(out: Path, examples: list[Example], title: str = "neuromix examples") -> Path:
    """Write ``out/index.html`` for ``examples`` (atomically) and return its path."""
    out = Path(out)
    pictures = sum(p.suffix.lower() in PICTURES for e in examples for p in e.files)
    sounds = sum(p.suffix.lower() in SOUNDS for e in examples for p in e.files)
    nav = " ".join(f'<a href="#{html.escape(e.source)}">{html.escape(e.source)}</a>' for e in examples)
    page = "\n".join([
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>",
        f'<body data-pictures="{pictures}" data-sounds="{sounds}">',
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{len(examples)} examples made by <code>neuromix demo</code>: listen, look, and open "
        "the patch files in <code>examples/</code> to see how each is made.</p>",
        f"<nav>{nav}</nav>",
        *(_card(out, e) for e in examples),
        f"<script>{_CHECK}</script>", "</body></html>", ""])
    path = out / "index.html"
    write_text(path, page)
    return path
