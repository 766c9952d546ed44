"""The browser view's HTTP server: one page, its static files, a stream of frames, controls.

Listens on 127.0.0.1 only. Every request must name this server in its ``Host`` header
(``127.0.0.1:PORT`` or ``localhost:PORT``: a DNS-rebinding page cannot reach it) and, when it
has an ``Origin``, come from this server's own; the page, the stream and the controls need the
per-run token of the printed URL, so no other web page in the user's browser can read or move
a patch. Controls go through :meth:`Player.set` (the path OSC and MIDI take: glides, the
take's ``changes.csv``).

=====================  =====================================================================
``GET /?token=T``       the page
``GET /static/NAME``    its script, style sheet and vendored files (no data: no token)
``GET /events?token=T`` Server-Sent Events: ``graph`` (at start and after each structural
                        reload), then ``frame`` about 30 times a second
``POST /set?token=T``   ``{"address": "a.w.b", "value": 0.8}`` moves a parameter
``POST /row?token=T``   ``{"node": "net", "block": "w", "row": 3, "scale": 0.5}`` (or
                        ``"value": 0``) scales or sets one row of a network's matrix: every
                        entry moves at the same block
``POST /lyapunov?token=T``  starts a Lyapunov estimate (also done after each reload)
=====================  =====================================================================

The stream also carries ``matrix`` events: a network's entries (float32, packed) whenever they
moved, so a page draws its matrix pictures without thousands of numbers in every frame.

Examples
--------
>>> allowed_host("127.0.0.1:8765", 8765), allowed_host("evil.example:8765", 8765)
(True, False)
>>> allowed_origin(None, 8765), allowed_origin("http://localhost:8765", 8765)
(True, True)
>>> allowed_origin("http://evil.example", 8765)
False
"""

from __future__ import annotations

import json
import math
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

import numpy as np

from neuromix import _config
from neuromix.errors import LiveError
from neuromix.graph.graph import WEIGHT_LIMIT
from neuromix.live.ui.lyapunov import Estimator
from neuromix.live.ui.model import FFT_FRAMES, Frames, describe, row_addresses
from neuromix.live.ui.snapshot import Snapshots
from neuromix.errors import LiveError
from neuromix.live.audio import CONTROL_PRIORITY, realtime_priority

HOSTS = ("127.0.0.1", "localhost")
MAX_BODY = 4096  # bytes a control request may carry
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8",
         ".svg": "image/svg+xml"}
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def allowed_host(host: str | None, port: int) -> bool:
    return host is not None and host in {f"{h}:{port}" for h in HOSTS}


def allowed_origin(origin: str | None, port: int) -> bool:
    return origin is None or origin in {f"http://{h}:{port}" for h in HOSTS}


def static_files() -> dict[str, bytes]:
    """The page's files, by name (read once: a request can name nothing else)."""
    root = resources.files("neuromix.live.ui") / "static"
    return {f.name: f.read_bytes() for f in root.iterdir() if f.is_file()}


def open_browser(url: str) -> bool:
    """Open ``url`` in a browser where there is a display (in the background); False if none."""
    import webbrowser

    if sys.platform not in ("darwin", "win32") and not (os.environ.get("DISPLAY") or
                                                         os.environ.get("WAYLAND_DISPLAY")):
        return False
    threading.Thread(target=webbrowser.open, args=(url,), name="neuromix-browser",
                     daemon=True).start()
    return True


class LiveView:
    """Serves the browser view of ``player`` (a control: ``close()``, ``counts()``)."""

    def __init__(self, player, port: int = 8765, rate: float = _config.UI_RATE):
        self.player, self.rate = player, float(rate)
        self.token = secrets.token_urlsafe(18)
        self.files = static_files()
        self.snaps = Snapshots(player.engine.compiled, player.engine.channels)
        self._model_lock = threading.Lock()
        self._model: tuple | None = None  # (generation, described, Frames)
        self._frame: tuple[float, str] | None = None
        self._frame_lock = threading.Lock()  # one thread computes a frame (and matrix) at once
        self.matrix: tuple[int, int, str] | None = None  # (generation, version, JSON)
        self._edit_lock = threading.Lock()  # a row edit reads and writes the row as one
        self.lyapunov = Estimator()
        self._lyapunov_for = -1
        self.served = {"ui_requests": 0, "ui_refused": 0, "ui_changes": 0}
        self._stop = threading.Event()
        try:
            self.httpd = _Server(("127.0.0.1", int(port)), _Handler)
        except OSError as err:
            raise LiveError(f"the browser view cannot listen on 127.0.0.1:{port} ({err.strerror}); "
                            f"pick another with --ui-port") from None
        self.httpd.view = self
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/?token={self.token}"
        player.engine.snap = self.snaps
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="neuromix-ui",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()

    # -- what the page sees ---------------------------------------------------------------
    def model(self) -> tuple[int, dict, Frames]:
        """The described patch now playing (rebuilt after a structural reload)."""
        generation, compiled = self.player.engine.playing()
        with self._model_lock:
            if self._model is None or self._model[0] != generation:
                described = describe(compiled, generation)
                options = getattr(self.player, "frame_options", {})  # an instrument's
                self._model = (generation, described, Frames(compiled, described, **options))
            if self._lyapunov_for != generation:
                values = {a: float(compiled.params[0, i]) for a, i in compiled.addresses.items()}
                if self.lyapunov.start(compiled.graph, values, generation):
                    self._lyapunov_for = generation
            return self._model

    def frame(self) -> str | None:
        """The latest frame as JSON (computed once per tick, whoever asks)."""
        with self._frame_lock:
            now = time.monotonic()
            cached = self._frame
            if cached is not None and now - cached[0] < 0.5 / self.rate:
                return cached[1]
            return self._compute(now)

    def _compute(self, now: float) -> str | None:
        generation, _, frames = self.model()
        rows = self.snaps.rows(generation)
        frame = frames.frame(rows, self.snaps.audio(FFT_FRAMES))
        if frame is None:
            return None
        message = frames.matrix(rows.params)
        if message is not None:
            self.matrix = (generation, message["version"], json.dumps(message))
        eng = self.player.engine
        times = eng.timings(last=256)  # the last 1.4 s at 256 frames: a cheap median
        frame["status"] = {"blocks": eng.block, "underruns": eng.underruns, "budget": eng.budget,
                           "callback_median": float(np.median(times)) if times.size else 0.0,
                           "callback_max": float(times.max()) if times.size else 0.0}
        frame["lyapunov"] = dict(self.lyapunov.result or {}, running=self.lyapunov.running)
        extra = getattr(self.player, "extra", None)  # an instrument's MIDI
        if extra is not None:
            frame.update(extra())
        try:
            text = json.dumps(frame, allow_nan=False, default=_not_json)
        except ValueError:  # a value went infinite between the guard's checks: skip a frame
            return None
        self._frame = (now, text)
        return text

    def set(self, address: str, value: float) -> None:
        self.player.set(address, value)
        self.served["ui_changes"] += 1

    def edit_row(self, node: str, block: str, row: int, scale: float | None = None,
                 value: float | None = None) -> int:
        """Scale one row of a network's matrix by ``scale``, or set every entry to ``value``,
        through the player (the path of OSC and MIDI: all at the same block, glides, one line
        per entry in the take's changes.csv); returns how many entries moved."""
        with self._edit_lock:
            addresses = row_addresses(self.player.compiled.graph, node, block, row)
            old = np.asarray(self.player.values(addresses), dtype=np.float64)
            new = old * scale if scale is not None else np.full(old.shape, value)
            if not np.abs(new).max(initial=0.0) <= WEIGHT_LIMIT:
                raise ValueError(f"that puts weights of {node}.{block} row {row} beyond "
                                 f"±{WEIGHT_LIMIT:g}")
            self.player.set_many(zip(addresses, new.tolist()))
        self.served["ui_changes"] += 1
        return len(addresses)

    def estimate(self) -> bool:
        generation, compiled = self.player.engine.playing()
        values = self.player.params()
        return self.lyapunov.start(compiled.graph, values, generation)

    def counts(self) -> dict:
        return dict(self.served)

    def close(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()
        self.player.engine.snap = None


USAGE = {"/set": 'send {"address": "node.param", "value": a finite number}',
         "/row": 'send {"node": "net", "block": "w", "in" or "out", "row": a whole number, '
                 'and "scale" or "value": a finite number}'}


def _finite(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and \
        math.isfinite(value)


def _set(view: LiveView, change):
    """The change a /set request asks for, as a call; TypeError if it is malformed."""
    address, value = change["address"], change["value"]
    if not isinstance(address, str) or not _finite(value):
        raise TypeError
    return lambda: view.set(address, float(value))


def _row_edit(view: LiveView, change):
    """The row edit a /row request asks for, as a call; TypeError if it is malformed."""
    if not isinstance(change, dict) or set(change) not in ({"node", "block", "row", "scale"},
                                                           {"node", "block", "row", "value"}):
        raise TypeError
    node, block, row = change["node"], change["block"], change["row"]
    amount = change.get("scale", change.get("value"))
    if not (isinstance(node, str) and isinstance(block, str) and _finite(amount)):
        raise TypeError
    if "scale" in change:
        return lambda: view.edit_row(node, block, row, scale=float(amount))
    return lambda: view.edit_row(node, block, row, value=float(amount))


def _not_json(value):
    raise TypeError(f"not JSON: {value!r}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    view: LiveView

    def handle_error(self, request, client_address) -> None:
        """A client that went away is no error worth a traceback on the player's terminal."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_version = "neuromix"
    protocol_version = "HTTP/1.1"
    timeout = 10  # seconds a client may take to send a request (or to read an event)

    def log_message(self, *args) -> None:  # the terminal belongs to the status line
        pass

    # -- gate -----------------------------------------------------------------------------
    def _gate(self, needs_token: bool) -> dict | None:
        """The query, or None after refusing the request (wrong Host, Origin or token)."""
        view = self.server.view
        view.served["ui_requests"] += 1
        port = view.port
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if not allowed_host(self.headers.get("Host"), port):
            return self._refuse(421, "this server answers only for 127.0.0.1 and localhost")
        if not allowed_origin(self.headers.get("Origin"), port):
            return self._refuse(403, "requests from other origins are refused")
        if needs_token:
            given = (query.get("token") or [""])[0] or self.headers.get("X-Neuromix-Token", "")
            if not secrets.compare_digest(given.encode(), view.token.encode()):
                return self._refuse(403, "this needs the token of the URL neuromix printed")
        return query

    def _refuse(self, code: int, why: str) -> None:
        self.server.view.served["ui_refused"] += 1
        self._send(code, why.encode() + b"\n", "text/plain; charset=utf-8")
        return None

    def _send(self, code: int, body: bytes, kind: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self._common()
        self.end_headers()
        self.wfile.write(body)

    def _common(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")

    # -- routes ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/static/"):
            if self._gate(needs_token=False) is None:
                return
            name = path[len("/static/"):]
            body = self.server.view.files.get(name)
            if body is None:
                return self._send(404, b"no such file\n", "text/plain; charset=utf-8")
            kind = TYPES.get(name[name.rfind("."):], "application/octet-stream")
            return self._send(200, body, kind)
        if self._gate(needs_token=True) is None:
            return
        if path == "/":
            return self._send(200, self.server.view.files["index.html"], TYPES[".html"])
        if path == "/events":
            return self._events()
        self._send(404, b"no such page\n", "text/plain; charset=utf-8")

    def do_POST(self) -> None:
        query = self._gate(needs_token=True)
        if query is None:
            return
        path = urlsplit(self.path).path
        try:
            size = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            size = -1
        if not 0 <= size <= MAX_BODY:
            return self._error(413, f"a control request carries at most {MAX_BODY} bytes")
        body = self.rfile.read(size)
        if path in ("/set", "/row"):
            if (self.headers.get("Content-Type") or "").split(";")[0] != "application/json":
                return self._error(415, "send the change as application/json")
            try:
                change = json.loads(body.decode("utf-8"))
                act = (_set if path == "/set" else _row_edit)(self.server.view, change)
            except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
                return self._error(400, USAGE[path])
            try:
                moved = act()
            except KeyError as err:
                return self._error(404, err.args[0])
            except (ValueError, LiveError) as err:
                return self._error(400, str(err))
            return self._json({"ok": True} if moved is None else {"ok": True, "moved": moved})
        if path == "/lyapunov":
            return self._json({"started": self.server.view.estimate()})
        self._error(404, "no such control")

    def _error(self, code: int, message: str) -> None:
        self._send(code, json.dumps({"error": message}).encode(), "application/json")

    def _json(self, data: dict) -> None:
        self._send(200, json.dumps(data).encode(), "application/json")

    def _events(self) -> None:
        view = self.server.view
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self._common()
        self.end_headers()
        self.close_connection = True

        # like the other control threads: while it holds the GIL it must not be preempted
        # by other programs (the callback would wait for it)
        realtime_priority(CONTROL_PRIORITY)
        sent = matrix_sent = None
        period = 1.0 / view.rate
        try:
            while not view._stop.is_set() and view.player.running:
                tick = time.monotonic()
                generation, described, _ = view.model()
                if generation != sent:
                    self._event("graph", json.dumps(described))
                    sent = generation
                frame = view.frame()
                if frame is not None:
                    self._event("frame", frame)
                matrix = view.matrix
                if matrix is not None and matrix[0] == sent and matrix[:2] != matrix_sent:
                    self._event("matrix", matrix[2])
                    matrix_sent = matrix[:2]
                view._stop.wait(max(0.0, period - (time.monotonic() - tick)))
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass

    def _event(self, kind: str, data: str) -> None:
        self.wfile.write(f"event: {kind}\ndata: {data}\n\n".encode())
        self.wfile.flush()
