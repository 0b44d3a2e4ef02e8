"""The HTTP plumbing under FakeSlack: a threading HTTP/1.1 server that hands each request to a
function and writes back its ``Reply`` with a Content-Length, and the parsing of Web API
arguments the way Slack reads them."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.slack_workspace import SlackError

__all__ = ["Reply", "ScriptedReply", "SlackHTTPServer", "parse_arguments"]

Serve = Callable[[str, str, dict[str, str], bytes], "Reply"]


@dataclass(frozen=True)
class ScriptedReply:
    """An answer given instead of normal service. A dict/list body is sent as JSON, a str as
    text/plain, None as an empty body."""

    body: object
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    """One HTTP answer: status, body bytes and headers (Content-Length is added on sending)."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, data: object, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Reply:
        merged = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return cls(status, json.dumps(data).encode(), merged)

    @classmethod
    def scripted(cls, reply: ScriptedReply) -> Reply:
        if isinstance(reply.body, dict | list):
            return cls.json(reply.body, reply.status, reply.headers)
        text = b"" if reply.body is None else str(reply.body).encode()
        return cls(reply.status, text, {"Content-Type": "text/plain", **reply.headers})


def parse_arguments(
    query: str, content_type: str, body: bytes
) -> tuple[dict[str, Any], str | None, SlackError | None]:
    """``(args, token, error)`` of a Web API request: the query string merged with a form or
    JSON body. A ``token`` field counts from the query or a form, never from JSON (Slack wants
    it in the Authorization header then); JSON nulls are dropped (Slack applies the default);
    broken JSON gives ``invalid_json`` / ``json_not_object``."""
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    error: SlackError | None = None
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data, error = {}, SlackError("invalid_json")
        if not isinstance(data, dict):
            data, error = {}, SlackError("json_not_object")
        data.pop("token", None)
        args.update({key: value for key, value in data.items() if value is not None})
    elif body:
        args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    token = args.pop("token", None)
    return args, None if token is None else str(token), error


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SlackHTTPServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.serve(self.command, self.path, headers, body)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(reply.body)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr line."""


class SlackHTTPServer(ThreadingHTTPServer):
    """Listens on 127.0.0.1, port 0; ``serve(verb, path, lower-cased headers, body)`` answers."""

    daemon_threads = True

    def __init__(self, serve: Serve) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.serve = serve
