"""Serving the App: HTTP on ``/slack/events`` (waitress, a production WSGI server) with a
``/healthz`` endpoint, or Socket Mode when an app-level token is configured."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

#: Bodies larger than this are refused with 413 before they are read (Slack's own payloads are
#: far smaller: an event envelope is a few kB, and Slack caps message text at 40,000 characters).
MAX_BODY_BYTES = 1 << 20
#: A connection that sends nothing for this many seconds (a stalled body, an idle keep-alive)
#: is closed; Slack gives up on an answer after 3 s anyway.
IDLE_TIMEOUT_SECONDS = 10
#: A request — headers and body — must arrive whole within this many seconds: a body trickled
#: in byte by byte to keep a connection (one of waitress's 100) open is cut off.
REQUEST_DEADLINE_SECONDS = 10.0
#: How often waitress looks for silent connections.
_CLEANUP_SECONDS = 1

WsgiApp = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]


Health = Callable[[], dict[str, Any]]


def _alive() -> dict[str, Any]:
    return {"ok": True}


def wsgi_app(app: App, health: Health = _alive) -> WsgiApp:
    """Slack's endpoint at ``/slack/events``, a health check at ``/healthz``, 404 elsewhere.
    ``/healthz`` answers 200 with ``health()`` as JSON while the server runs (a delivery
    failure is reported in the body, not as an error status: restarting would not fix it)."""
    slack = SlackRequestHandler(app)

    def route(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH:
            return slack(environ, start_response)
        if path == HEALTH_PATH:
            return _json(start_response, "200 OK", health())
        return _json(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    return route


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def http_server(
    app: App,
    *,
    host: str,
    port: int,
    threads: int = 8,
    idle_timeout: int = IDLE_TIMEOUT_SECONDS,
    health: Health = _alive,
    request_deadline: float = REQUEST_DEADLINE_SECONDS,
) -> Any:
    """A waitress server for ``app`` (``port`` 0 picks a free one: ``.effective_port``);
    call ``.run()`` to serve and ``.close()`` to stop.

    A body over :data:`MAX_BODY_BYTES` — by its ``Content-Length`` or, chunked, as it arrives —
    gets 413 and is not read further; a connection silent for ``idle_timeout`` seconds is
    closed, and so is one whose request is still arriving ``request_deadline`` seconds after
    it began. waitress reads bodies on its event loop, so a slow body never holds a worker
    thread.
    """
    server = create_server(
        wsgi_app(app, health),
        host=host,
        port=port,
        threads=threads,
        ident="impactbot",
        max_request_body_size=MAX_BODY_BYTES,
        channel_timeout=idle_timeout,
        cleanup_interval=_CLEANUP_SECONDS,
    )
    # One listening socket gives one server; several (a host name with many addresses) give
    # a MultiSocketServer whose listeners sit in its socket map.
    listeners: Iterable[object] = [server]
    if isinstance(server, MultiSocketServer):
        listeners = (server.map or {}).values()
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = _with_deadline(request_deadline)
    return server


def _with_deadline(seconds: float) -> type[HTTPChannel]:
    """waitress's connection, closed when a request takes longer than ``seconds`` to arrive."""

    class DeadlineChannel(HTTPChannel):
        request_began = 0.0

        def received(self, data: bytes) -> bool:
            now = time.monotonic()
            if self.request is None:  # these bytes begin a new request
                self.request_began = now
            elif now - self.request_began > seconds:
                self.will_close = True  # closed on the event loop's next pass; nothing is read
                return False
            return bool(super().received(data))

    return DeadlineChannel


def socket_mode(app: App, app_token: str) -> SocketModeHandler:
    """A Socket Mode handler for ``app``: ``.start()`` blocks, ``.connect()`` does not."""
    return SocketModeHandler(app, app_token)
