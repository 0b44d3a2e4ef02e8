"""The HTTP server's limits: bodies over 1 MiB get 413 before they are read (declared or
chunked), and a connection that stalls mid-body is closed."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from slack_bolt import App

from bot.slack.server import (
    EVENTS_PATH,
    IDLE_TIMEOUT_SECONDS,
    MAX_BODY_BYTES,
    REQUEST_DEADLINE_SECONDS,
    http_server,
)
from tests.slack_signing import request_headers, slash_command_body

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@contextmanager
def _server(**options: float) -> Iterator[int]:
    """A server for a listener-less App; yields its port."""
    app = App(signing_secret=SECRET, token="xoxb-test", token_verification_enabled=False)
    server = http_server(app, host="127.0.0.1", port=0, **options)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        yield server.effective_port
    finally:
        server.close()


@pytest.fixture
def port() -> Iterator[int]:
    with _server() as port:
        yield port


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def _head(length: int | None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n"
    ).encode()


def _status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def test_a_declared_body_over_1_mib_is_refused_before_it_is_sent(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(_head(2 * MAX_BODY_BYTES))  # 2 MiB announced, not one byte of it sent
        assert _status(sock) == 413


def test_a_chunked_body_over_1_mib_is_refused(port: int) -> None:
    chunk = b"a" * 65536
    with _connect(port) as sock:
        sock.sendall(_head(None))
        status = None
        try:
            for _ in range(MAX_BODY_BYTES // len(chunk) + 2):
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may stop reading as soon as it has said 413
        status = _status(sock)
    assert status == 413


def test_a_body_within_the_limit_still_reaches_the_app(port: int) -> None:
    """Just under 1 MiB, signed: the app answers (no listener matches: 404 from bolt)."""
    body = slash_command_body(text="x" * (MAX_BODY_BYTES - 2000), user_id="U1")
    headers = request_headers(SECRET, body, int(time.time()))
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with _connect(port) as sock:
        sock.sendall(
            f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\n{head}"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body.encode()
        )
        assert _status(sock) not in (413, 401)


def test_a_stalled_body_is_timed_out() -> None:
    with _server(idle_timeout=1) as port, _connect(port) as sock:
        sock.sendall(_head(1000) + b"a" * 10)  # 10 of 1,000 bytes, then nothing
        started = time.monotonic()
        sock.settimeout(10)
        leftover = sock.recv(4096)  # the server closes the connection (EOF) or answers 408
        waited = time.monotonic() - started
    assert leftover == b"" or leftover.startswith(b"HTTP/1.1 408")
    assert waited < 5


def test_a_trickled_body_is_cut_off_at_the_deadline() -> None:
    """A byte every 0.2 s never looks idle; the request's own deadline closes it."""
    with _server(idle_timeout=10, request_deadline=1) as port, _connect(port) as sock:
        sock.sendall(_head(1000))
        started, closed = time.monotonic(), False
        sock.settimeout(0.2)
        while time.monotonic() - started < 6 and not closed:
            try:
                sock.sendall(b"a")
                closed = sock.recv(4096) == b""
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
        waited = time.monotonic() - started
    assert closed and waited < 4, waited


def test_the_served_defaults_refuse_large_and_stalled_bodies() -> None:
    app = App(signing_secret=SECRET, token="xoxb-test", token_verification_enabled=False)
    server = http_server(app, host="127.0.0.1", port=0)
    try:
        assert server.adj.max_request_body_size == MAX_BODY_BYTES == 1024 * 1024
        assert server.adj.channel_timeout == IDLE_TIMEOUT_SECONDS <= 10
        assert REQUEST_DEADLINE_SECONDS <= 10
        assert server.channel_class.__name__ == "DeadlineChannel"
    finally:
        server.close()
