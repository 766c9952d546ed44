"""``neuromix play --ui`` end to end: the printed URL serves the page, the port is checked,
and a browser is opened only where there is a display and never with --no-browser."""

import json
import re
import shlex
import signal
import sys
import time
import urllib.request

import pytest
from live_helpers import DUAL
from test_play_cli import neuromix, start, wait_for_line
from ui_browser import until

from neuromix.live.ui import server


def _browser(marker):
    """A $BROWSER command that writes the URL it is given to ``marker``."""
    code = f"import sys; open({str(marker)!r}, 'w').write(sys.argv[1])"
    return f"{sys.executable} -c {shlex.quote(code)} %s"


def test_play_ui_prints_a_url_that_serves_the_page(patch_file, tmp_path):
    marker = tmp_path / "opened"
    proc = start("play", patch_file(DUAL), "--audio", "null", "--ui", "--ui-port", "0",
                 "--no-browser", env={"DISPLAY": ":0", "BROWSER": _browser(marker)})
    try:
        line = wait_for_line(proc, "UI on")
        url = re.search(r"UI on (http://127\.0\.0\.1:(\d+)/\?token=([\w-]+))$", line.strip())
        assert url, line
        with urllib.request.urlopen(url.group(1), timeout=10) as r:
            assert b"view.js" in r.read()
        port, token = url.group(2), url.group(3)
        req = urllib.request.Request(f"http://127.0.0.1:{port}/set?token={token}", method="POST",
                                     data=json.dumps({"address": "a.bias", "value": 0.3}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert json.loads(r.read()) == {"ok": True}
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
        assert refused.value.code == 403
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Traceback" not in err
    assert not marker.exists()  # --no-browser


def test_play_ui_opens_the_browser_where_there_is_a_display(patch_file, tmp_path):
    marker = tmp_path / "opened"
    proc = start("play", patch_file(DUAL), "--audio", "null", "--ui", "--ui-port", "0",
                 env={"DISPLAY": ":0", "BROWSER": _browser(marker)})
    try:
        line = wait_for_line(proc, "UI on")
        until(marker.exists, timeout=20)
        assert marker.read_text() == line.split("UI on ")[1].strip()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


@pytest.mark.parametrize("port", ["-1", "65536"])
def test_a_bad_ui_port_is_one_line(patch_file, port):
    done = neuromix("play", patch_file(DUAL), "--audio", "null", "--ui", "--ui-port", port)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"neuromix play: argument --ui-port: '{port}' is not a port: "
                                   "give a whole number from 0 (any free port) to 65535 "
                                   "(see 'neuromix play --help')")


def test_a_browser_opens_only_where_there_is_a_display(monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    monkeypatch.setattr(server.sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert server.open_browser("http://127.0.0.1:1/") is False
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert server.open_browser("http://127.0.0.1:2/") is True
    for thread in [t for t in server.threading.enumerate() if t.name == "neuromix-browser"]:
        thread.join(5)
    assert opened == ["http://127.0.0.1:2/"]


def test_instrument_ui_prints_a_url_that_serves_the_page():
    proc = start("instrument", "examples/instruments/mouse_to_midi.yaml", "--no-window",
                 "--midi-port", "none", "--seconds", "30", "--ui", "--ui-port", "0",
                 "--no-browser")
    try:
        line = wait_for_line(proc, "UI on")
        url = re.search(r"UI on (http://127\.0\.0\.1:\d+/\?token=[\w-]+)$", line.strip())
        with urllib.request.urlopen(url.group(1), timeout=10) as r:
            assert b"view.js" in r.read()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert "Traceback" not in err and proc.returncode == 130
