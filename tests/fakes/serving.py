"""The HTTP plumbing the local fakes (GitHub, GitLab, Jira, Linear) share.

    class FakeThing(ServedFake):
        def handle(self, method, target, headers, body) -> Response: ...

    with FakeThing() as fake:
        httpx.get(f"{fake.url}/anything")

`ServedFake` serves the fake from a daemon thread on 127.0.0.1, on a free port, over HTTP/1.1
with keep-alive (`LocalServer`); by default every request goes to the fake's
``handle(method, target, headers, body)`` (`RoutedHandler`). `ScriptedByPath` holds the
answers a test scripts per method and path, `StoredThenFailed` the failures a fake gives
*after* it has done a write, and `RecordedRequest` is one request as a fake saw it. An answer
with status `DROP` closes the connection without a word, as a proxy that times out does.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar

__all__ = [
    "DROP",
    "LocalServer",
    "QuietHandler",
    "RecordedRequest",
    "RoutedHandler",
    "ScriptedByPath",
    "ServedFake",
    "StoredThenFailed",
]

#: A status no server sends: the handler closes the connection instead of answering (the
#: client sees "server disconnected without sending a response").
DROP = 0

Answer = TypeVar("Answer")


@dataclass
class RecordedRequest:
    """One request as the fake saw it (header names lowercase; `status` filled once answered)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with Content-Length on every answer, so keep-alive connections are reused.
    Logs nothing: the fakes record requests themselves."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30
    server: LocalServer

    def read_request(self) -> tuple[dict[str, str], bytes]:
        """The request's headers (names lowercase) and its body (empty if it has none)."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        return {name.lower(): value for name, value in self.headers.items()}, body

    def send_answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """Send one answer: status, `headers`, Content-Length and `body`, except that a 304
        carries neither Content-Length nor body, and `DROP` closes the connection instead."""
        if status == DROP:
            self.close_connection = True
            return
        self.send_response_only(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and status != 304:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake records requests in its `requests` instead."""


class RoutedHandler(QuietHandler):
    """Every method goes to ``fake.handle(method, target, headers, body)``, which answers with
    an object carrying `status`, `headers` and `body` (like `github_rest.Response`)."""

    def do_GET(self) -> None:
        headers, body = self.read_request()
        response = self.server.fake.handle(self.command, self.path, headers, body)
        self.send_answer(response.status, response.headers, response.body)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815


class LocalServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1, port 0, handing requests to `handler` with the
    fake at ``self.fake``; `close_connections` ends idle keep-alive connections on stop."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, fake: Any, handler: type[QuietHandler] = RoutedHandler) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.fake = fake
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections so they exit."""
        with self._open_lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer are normal; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class ServedFake:
    """Mixed into a fake to serve it over HTTP: `start` (or ``with``) binds 127.0.0.1 on a free
    port and serves from a daemon thread, `stop` (or leaving the ``with``) shuts the server
    and its open connections down. `url` is the base address plus `url_path`; `handler` is the
    request-handler class; `on_bound` runs once the port is known, before serving."""

    handler: ClassVar[type[QuietHandler]] = RoutedHandler
    url_path: ClassVar[str] = ""
    _server: LocalServer | None = None
    _thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        """Bind 127.0.0.1 on a free port and serve from a daemon thread (no-op if serving)."""
        if self._server is not None:
            return
        self._server = LocalServer(self, self.handler)
        self.on_bound()
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def on_bound(self) -> None:
        """Called by `start` once the port is known (`url` works), before serving."""

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections (no-op if not serving)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` plus `url_path`; a RuntimeError when not started."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started; use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.url_path}"


class ScriptedByPath(Generic[Answer]):
    """Mixed into a fake: answers a test scripts for the next requests of a method whose path
    matches a pattern. The fake provides `_lock` and sets ``_scripts = []`` in its
    ``__init__``."""

    _lock: threading.RLock
    _scripts: list[tuple[str, re.Pattern[str], deque[Answer]]]

    def script(self, method: str, path_regex: str, *answers: Answer) -> None:
        """The next requests whose method matches and whose path (no query) `re.search`es
        `path_regex` get these answers, in order, before any other handling."""
        with self._lock:
            self._scripts.append((method.upper(), re.compile(path_regex), deque(answers)))

    def take_script(self, method: str, path: str) -> Answer | None:
        """The next scripted answer for this request, if one is waiting (it is used up)."""
        for wanted, pattern, queue in self._scripts:
            if queue and wanted == method and pattern.search(path):
                return queue.popleft()
        return None


class StoredThenFailed(Generic[Answer]):
    """Mixed into a fake: a write that matches is *done* (stored, visible to later reads) and
    then answered with a failure a test scripts — a 5xx, or `DROP` — as happens when a
    tracker's backend commits and its edge times out or fails before the answer leaves. The
    fake provides `_lock` and sets ``_after_storing = []`` in its ``__init__``."""

    _lock: threading.RLock
    _after_storing: list[tuple[str, re.Pattern[str], re.Pattern[str] | None, deque[Answer]]]

    def fail_after_storing(
        self, method: str, path_regex: str, *answers: Answer, body_regex: str | None = None
    ) -> None:
        """The next successful requests whose method matches, whose path ``re.search``es
        ``path_regex`` (and whose body ``body_regex``, if given) are done, then answered with
        these failures, in order."""
        body = re.compile(body_regex) if body_regex else None
        with self._lock:
            self._after_storing.append(
                (method.upper(), re.compile(path_regex), body, deque(answers))
            )

    def take_failure_after_storing(self, method: str, path: str, body: bytes) -> Answer | None:
        """The failure to give instead of a successful answer to this request, if one is
        scripted (it is used up). Call it only once the request succeeded."""
        text = body.decode("utf-8", "replace")
        for wanted, pattern, body_pattern, queue in self._after_storing:
            if not queue or wanted != method or not pattern.search(path):
                continue
            if body_pattern is None or body_pattern.search(text):
                return queue.popleft()
        return None
