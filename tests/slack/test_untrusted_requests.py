"""Requests from outside: nothing acts on a body whose signature does not verify — no reply,
no outbound call, no write — whatever it names as its ``response_url``."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.slack.test_app_e2e import SECRET, Bot, bot  # noqa: F401 (the fixture)
from tests.slack_signing import request_headers, slash_command_body


class _Listener(http.server.BaseHTTPRequestHandler):
    """Records every request it receives; an unverified body must make none."""

    received: list[str]

    def do_POST(self) -> None:
        self.received.append(self.path)
        self.send_response(200)
        self.end_headers()

    do_GET = do_POST  # noqa: N815 (http.server names its handlers so)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP listener: its URL and the paths it was called on."""
    received: list[str] = []
    handler = type("Recorder", (_Listener,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def _signed_headers_with(body: str, **override: str) -> dict[str, str]:
    headers = request_headers(SECRET, body, int(time.time()))
    headers.update(override)
    return headers


@pytest.mark.parametrize(
    "override",
    [
        {"X-Slack-Request-Timestamp": "nan"},
        {"X-Slack-Request-Timestamp": "not-a-number"},
        {"X-Slack-Request-Timestamp": ""},
        {"X-Slack-Signature": "v0=deadbeef"},
        {"X-Slack-Signature": ""},
    ],
    ids=["nan", "text", "empty-timestamp", "bad-signature", "empty-signature"],
)
def test_an_unverified_request_calls_nobody_and_changes_nothing(
    bot: Bot,  # noqa: F811
    listener: tuple[str, list[str]],
    override: dict[str, str],
) -> None:
    hook, received = listener
    body = slash_command_body(text="flag acme/labelling#1", user_id="UANA", response_url=hook)
    response = httpx.post(
        f"{bot.url}/slack/events", content=body, headers=_signed_headers_with(body, **override)
    )
    time.sleep(0.3)  # an outbound call would have been made by now
    assert received == []
    assert response.status_code == 401
    assert bot.flags() == []
    assert [c.method for c in bot.fake.calls if c.method != "auth.test"] == []


def test_a_verified_request_that_fails_is_still_told(bot: Bot) -> None:  # noqa: F811
    """The error handler still answers a signed request whose listener failed."""
    response_url = bot.fake.response_url()
    body = slash_command_body(
        text="why acme/labelling#1", user_id="UANA", response_url=response_url
    )

    def broken(key: str) -> None:
        raise RuntimeError("boom")

    bot.services.explain = broken  # type: ignore[method-assign,assignment]
    response = httpx.post(
        f"{bot.url}/slack/events", content=body, headers=_signed_headers_with(body)
    )
    assert response.status_code == 200
    [answer] = bot.fake.wait_for_response(response_url)
    assert "went wrong" in answer["text"]
