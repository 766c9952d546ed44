"""Helpers for the browser-view tests: headless Debian chromium driven by Playwright, and a
patch playing with its view (clock-paced, no sound card)."""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.request

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def chromium():
    """A fresh headless Debian chromium (a Playwright Browser); closed, and so ended, on exit.
    A module may share one across its tests: each page gets a context of its own."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


READY = "() => window.neuromixView && window.neuromixView.frames > 2"


@contextlib.contextmanager
def browser_page(url: str, browser=None):
    """A page at ``url`` in a context of its own (of ``browser``, else of a chromium started
    for it), once it has drawn a few frames; yields (page, problems, requests): console errors
    and page errors seen, and every URL the page asked for."""
    if browser is None:
        with chromium() as own, browser_page(url, own) as opened:
            yield opened
        return
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = ctx.new_page()
        problems, requests = [], []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url)
        page.wait_for_function(READY, timeout=30000)
        yield page, problems, requests
    finally:
        ctx.close()


def wait_for(page, script: str, arg=None, timeout: float = 15.0):
    """Wait until ``script`` (a JS function of arg) is truthy on the page; returns its value."""
    handle = page.wait_for_function(script, arg=arg, timeout=timeout * 1000)
    return handle.json_value()


def node_boxes(page) -> dict[str, dict]:
    """The client rectangles of every node's label box, by node id."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '#nodes g.node')].map(g => [g.dataset.node, g.querySelector('rect.box')
        .getBoundingClientRect().toJSON()]))""")


def overlapping(boxes: dict[str, dict]) -> list[tuple[str, str]]:
    """Pairs of boxes whose interiors intersect."""
    items = sorted(boxes.items(), key=lambda kv: kv[1]["left"])
    out = []
    for i, (a, ra) in enumerate(items):
        for b, rb in items[i + 1:]:
            if rb["left"] >= ra["right"]:
                break
            if rb["top"] < ra["bottom"] and ra["top"] < rb["bottom"]:
                out.append((a, b))
    return out


def cell_centre(page, i: int, j: int) -> tuple[float, float]:
    """Where the centre of cell (i, j) of the matrix picture is on the page (CSS pixels)."""
    return tuple(page.evaluate("""([i, j]) => {
        const c = document.querySelector('#matrix'), r = c.getBoundingClientRect();
        const b = window.neuromixView.graph.matrices[0].blocks.find(
            (b) => b.name === window.neuromixMatrix.block);
        return [r.left + (j + 0.5) * r.width / b.cols, r.top + (i + 0.5) * r.height / b.rows];
    }""", [i, j]))


def cell_pixel(page, i: int, j: int) -> list[int]:
    """The colour (r, g, b) the matrix picture shows at the centre of cell (i, j)."""
    return page.evaluate("""([i, j]) => {
        const c = document.querySelector('#matrix');
        const b = window.neuromixView.graph.matrices[0].blocks.find(
            (b) => b.name === window.neuromixMatrix.block);
        const x = Math.floor((j + 0.5) * c.width / b.cols);
        const y = Math.floor((i + 0.5) * c.height / b.rows);
        return Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3));
    }""", [i, j])


def request(view, path: str, method: str = "GET", body=None, headers=None, token=True):
    """(status, body) of a request to the view's server."""
    url = f"http://127.0.0.1:{view.port}{path}"
    if token:
        url += ("&" if "?" in path else "?") + f"token={view.token}"
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if body is not None and "Content-Type" not in (headers or {}):
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def until(check, timeout: float = 10.0, step: float = 0.05):
    """Poll ``check()`` until truthy; returns its value (AssertionError after ``timeout``)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not true after {timeout} s")


def watch_in_child(url: str, seconds: float):
    """Keep the page open and animating for ``seconds`` in a child process (so that the
    player's process holds nothing of the browser's driver); returns the Popen, whose stdout
    is one JSON line: frames drawn and console problems."""
    import subprocess
    import sys

    pytest.importorskip("playwright.sync_api")
    return subprocess.Popen([sys.executable, __file__, url, str(seconds)], stdout=subprocess.PIPE,
                            text=True)


def _watch(url: str, seconds: float) -> None:
    with browser_page(url) as (page, problems, _):
        first = page.evaluate("() => window.neuromixView.frames")
        page.wait_for_timeout(seconds * 1000)
        drawn = page.evaluate("() => window.neuromixView.frames") - first
    print(json.dumps({"frames": drawn, "problems": problems}), flush=True)


if __name__ == "__main__":
    import sys

    _watch(sys.argv[1], float(sys.argv[2]))
