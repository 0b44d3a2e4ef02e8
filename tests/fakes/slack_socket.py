"""A local fake of Slack's Socket Mode endpoint (``wss://wss-primary.slack.com/link/``).

    with FakeSocketMode() as sock, FakeSlack(socket=sock) as slack:
        client = SocketModeClient(app_token=slack.app_token,
                                  web_client=WebClient(base_url=slack.url))
        client.connect()                       # apps.connections.open → sock.new_url()
        envelope_id = sock.push_command(text="help")
        ack = sock.wait_for_ack(envelope_id)   # {"envelope_id": ..., "payload": {...}}

What it imitates: a WebSocket server (the ``websockets`` package, in a thread with its own event
loop) on 127.0.0.1, port 0. On connect it sends Slack's ``hello`` (``num_connections``,
``debug_info``, ``connection_info.app_id``). ``push`` delivers an envelope in Slack's shape —
``envelope_id``, ``type`` (``events_api`` / ``slash_commands`` / ``interactive``), ``payload``,
``accepts_response_payload``, ``retry_attempt``, ``retry_reason`` — to the newest live
connection, as Slack delivers each envelope to one of an app's connections. Every JSON text
frame the client sends is recorded in ``received``; those with an ``envelope_id`` (acks) also
in ``acks``. ``disconnect`` sends Slack's ``{"type": "disconnect"}`` notice, after which a
client is expected to fetch a new URL and reconnect. Pings are answered (``websockets`` does).

Not imitated: redelivery of unacknowledged ``events_api`` envelopes (push again with
``retry_attempt``), the 3-second ack deadline, ticket expiry, TLS (the URL is ``ws://``, which
slack_sdk's built-in client handles as plain TCP on any port but 443).
"""

from __future__ import annotations

import asyncio
import json
import threading
from itertools import count
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.socket_mode.builtin import SocketModeClient
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from tests.slack_signing import API_APP_ID, event_body, slash_command_body

__all__ = ["ENVELOPE_TYPES", "FakeSocketMode"]

ENVELOPE_TYPES = ("events_api", "slash_commands", "interactive")
# view_submission and block_suggestion answers travel in the ack's payload.
_RESPONSE_PAYLOAD_INTERACTIONS = {"view_submission", "block_suggestion"}


class FakeSocketMode:
    """Slack's Socket Mode WebSocket endpoint; a context manager. Attach it to a FakeSlack
    (``FakeSlack(socket=...)``) so that ``apps.connections.open`` hands out its URLs."""

    def __init__(self, *, app_id: str = API_APP_ID) -> None:
        self.app_id = app_id
        self.connections: list[str] = []  # request paths of every connection ever opened
        self.received: list[dict[str, Any]] = []
        self.acks: list[dict[str, Any]] = []
        self._live: list[ServerConnection] = []
        self._cond = threading.Condition()
        self._ids = count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Server | None = None
        self._port = 0

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeSocketMode:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="FakeSocketMode", daemon=True)
        self._thread.start()
        self._server = self._run(self._start())
        self._port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is None:
            return
        if self._server is not None:
            self._run(self._stop(self._server))
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop.close()
        self._loop = None

    async def _start(self) -> Server:
        return await serve(
            self._handle, "127.0.0.1", 0, compression=None, ping_interval=None, close_timeout=1
        )

    @staticmethod
    async def _stop(server: Server) -> None:
        server.close()
        await server.wait_closed()

    def _run(self, coroutine: Any, timeout: float = 5.0) -> Any:
        if self._loop is None:
            raise RuntimeError("FakeSocketMode is not running: use it as a context manager")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    # -- the endpoint ------------------------------------------------------------------------

    def new_url(self) -> str:
        """A connection URL as ``apps.connections.open`` returns it (a fresh ticket each time)."""
        if not self._port:
            raise RuntimeError("FakeSocketMode is not running: use it as a context manager")
        ticket = f"fake-ticket-{next(self._ids):06d}"
        return f"ws://127.0.0.1:{self._port}/link/?ticket={ticket}&app_id={self.app_id}"

    async def _handle(self, connection: ServerConnection) -> None:
        with self._cond:
            self.connections.append(connection.request.path if connection.request else "")
            live = len(self._live) + 1
        hello = {
            "type": "hello",
            "num_connections": live,
            "debug_info": {
                "host": "applink-fake-0",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }
        await connection.send(json.dumps(hello))
        with self._cond:
            self._live.append(connection)
            self._cond.notify_all()
        try:
            async for frame in connection:
                self._record(frame)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                if connection in self._live:
                    self._live.remove(connection)
                self._cond.notify_all()

    def _record(self, frame: str | bytes) -> None:
        try:
            message = json.loads(frame)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        with self._cond:
            self.received.append(message)
            if "envelope_id" in message:
                self.acks.append(message)
            self._cond.notify_all()

    # -- driving it from a test --------------------------------------------------------------

    @property
    def live_connections(self) -> int:
        with self._cond:
            return len(self._live)

    def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:
        """Block until ``count`` connections have received their ``hello`` and are open."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._live) >= count, timeout):
                raise AssertionError(f"{count} Socket Mode connection(s) not open in {timeout}s")

    def push(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        envelope_id: str | None = None,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 5.0,
    ) -> str:
        """Send one envelope to the newest connection (waiting up to ``timeout`` for one) and
        return its ``envelope_id``. ``accepts_response_payload`` defaults as on Slack: true for
        slash commands, view_submission and block_suggestion, false otherwise."""
        if envelope_type not in ENVELOPE_TYPES:
            raise ValueError(f"envelope type {envelope_type!r} is not one of {ENVELOPE_TYPES}")
        if envelope_id is None:
            envelope_id = f"00000000-0000-4000-8000-{next(self._ids):012d}"
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type == "slash_commands" or (
                envelope_type == "interactive"
                and payload.get("type") in _RESPONSE_PAYLOAD_INTERACTIONS
            )
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }
        self._send_newest(envelope, timeout)
        return envelope_id

    def push_command(self, **fields: str | None) -> str:
        """A ``slash_commands`` envelope; ``fields`` as for ``slack_signing.slash_command_body``
        (defaults: ``/impact`` by U0ALICE001; pass ``response_url=slack.response_url()``)."""
        return self.push("slash_commands", dict(parse_qsl(slash_command_body(**fields))))

    def push_event(
        self,
        event: dict[str, Any],
        event_id: str,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        **envelope: Any,
    ) -> str:
        """An ``events_api`` envelope whose payload is the ``event_callback`` body
        (``envelope`` as for ``slack_signing.event_body``). A redelivery carries
        ``retry_attempt`` 1-3 and ``retry_reason`` such as ``"timeout"``."""
        body = json.loads(event_body(event, event_id, **envelope))
        return self.push("events_api", body, retry_attempt=retry_attempt, retry_reason=retry_reason)

    def push_interaction(self, payload: dict[str, Any]) -> str:
        """An ``interactive`` envelope (block_actions, shortcut, view_submission, …)."""
        return self.push("interactive", payload)

    def disconnect(self, reason: str = "refresh_requested", timeout: float = 5.0) -> None:
        """Retire the newest connection as Slack does: send ``{"type": "disconnect"}``, wait
        (up to ``timeout``) for the client to open a new connection, then close the old one.

        Closing it matters with slack_sdk's built-in client, which otherwise holds the old
        socket (and its own message loop) until a pending ``recv`` times out, ~3 s later."""
        self.wait_connected(1, timeout)
        with self._cond:
            old = self._live[-1]
        notice = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake-0"}}
        self._run(old.send(json.dumps(notice)), timeout)
        with self._cond:
            self._cond.wait_for(lambda: any(c is not old for c in self._live), timeout)
        self._run(old.close(1000, reason), timeout)

    def _send_newest(self, message: dict[str, Any], timeout: float) -> None:
        self.wait_connected(1, timeout)
        with self._cond:
            connection = self._live[-1]
        self._run(connection.send(json.dumps(message)), timeout)

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The client's acknowledgement of ``envelope_id`` (``{"envelope_id", "payload"?}``);
        AssertionError if none arrives within ``timeout`` seconds."""

        def found() -> dict[str, Any] | None:
            return next((a for a in self.acks if a["envelope_id"] == envelope_id), None)

        with self._cond:
            ack = self._cond.wait_for(found, timeout)
        if ack is None:
            raise AssertionError(f"no ack for envelope {envelope_id} in {timeout}s: {self.acks}")
        return ack

    def close_connections(self) -> None:
        """Drop every connection abruptly-but-cleanly (close frame 1001), as a Slack restart."""
        with self._cond:
            live = list(self._live)
        for connection in live:
            self._run(connection.close(1001, "going away"))

    def close_client(self, client: SocketModeClient) -> None:
        """Close a slack_sdk Socket Mode client quickly and without reconnect noise.

        The built-in client's ``close()`` waits for a pending ``recv`` (up to its 3 s receive
        timeout) and, if the server goes first, reconnects. So: turn reconnecting off, drop the
        connection from this side (the client sees the close frame at once), then close it.
        """
        client.auto_reconnect_enabled = False
        self.close_connections()
        client.close()
