"""The browser view's command-line options, shared by ``play`` and ``instrument`` (kept free
of heavy imports: the command line is parsed before anything plays).

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> args = parser.parse_args(["--ui", "--ui-port", "0"])
>>> args.ui, port(args), args.no_browser
(True, 0, False)
"""

from __future__ import annotations

import argparse

DEFAULT_PORT = 8765


def add_arguments(parser) -> None:
    parser.add_argument("--ui", action="store_true",
                        help="serve a browser view on 127.0.0.1 (prints its URL)")
    parser.add_argument("--ui-port", type=_port, default=None, metavar="PORT",
                        help=f"port of the browser view (default {DEFAULT_PORT}; 0: any free one)")
    parser.add_argument("--no-browser", action="store_true",
                        help="with --ui: print the view's URL, do not open a browser")


def _port(text: str) -> int:
    """``--ui-port``'s type: a whole number from 0 (any free port) to 65535."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a whole number from 0 "
                                         "(any free port) to 65535")
    return value


def port(args) -> int:
    """The port asked for (the default where none was)."""
    return DEFAULT_PORT if args.ui_port is None else args.ui_port


def start(source, args, say=print):
    """Serve the view of ``source`` (a player, or an instrument's source), say its URL and open
    a browser where there is a display unless --no-browser; returns the view (a control)."""
    # imported here: the server (http.server, ssl, email) adds about 0.05 s (8%) to every
    # start of the command line, which parses these options (CPU time, median of 9, Dec. 2026)
    from neuromix.live.ui.server import LiveView, open_browser

    view = LiveView(source, port(args))
    say(f"UI on {view.url}")
    if not args.no_browser:
        open_browser(view.url)
    return view
