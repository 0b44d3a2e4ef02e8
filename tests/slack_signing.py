"""Build and sign request bodies exactly as Slack sends them to an app's Request URL.

Slack signs every HTTP request it sends (slash commands, Events API, interactivity) with the
app's signing secret: ``X-Slack-Signature: v0=<hex HMAC-SHA256>`` over the base string
``v0:{X-Slack-Request-Timestamp}:{raw body}``. ``sign`` reproduces that (checked against Slack's
published worked example in ``../shared/external/signing-vectors/``); the ``*_body`` builders
produce the raw bodies in Slack's encodings:

- slash commands: ``application/x-www-form-urlencoded`` fields, in Slack's order;
- Events API: an ``event_callback`` JSON envelope;
- interactivity (block_actions, shortcuts, view_submission): a form body whose single field
  ``payload`` holds the URL-encoded JSON.

Time is a parameter: nothing here reads the clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote_plus, urlencode

__all__ = [
    "API_APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "VERIFICATION_TOKEN",
    "event_body",
    "interaction_body",
    "request_headers",
    "sign",
    "slash_command_body",
    "url_verification_body",
]

# Placeholder workspace identity shared by the builders and tests.fakes.slack. The ids follow
# the patterns in Slack's OpenAPI spec (e.g. bot ids are "B" + 8 or more of [A-Z0-9]).
TEAM_ID = "T0IMPACT01"
TEAM_DOMAIN = "impact-test"
API_APP_ID = "A0IMPACT01"
BOT_USER_ID = "U0IMPACTBOT"
BOT_ID = "B0IMPACTBOT"
# Slack's legacy per-app verification token, still sent in bodies; apps must not rely on it.
VERIFICATION_TOKEN = "deprecated-verification-token"

_SLASH_DEFAULTS: dict[str, str | None] = {
    # The field order of Slack's own slash-command bodies (see the signing vector).
    "token": VERIFICATION_TOKEN,
    "team_id": TEAM_ID,
    "team_domain": TEAM_DOMAIN,
    "channel_id": "C0GENERAL01",
    "channel_name": "general",
    "user_id": "U0ALICE001",
    "user_name": "alice",
    "command": "/impact",
    "text": "",
    "api_app_id": API_APP_ID,
    "is_enterprise_install": "false",
    "response_url": f"https://hooks.slack.com/commands/{TEAM_ID}/1000000001/fakeresponsepath",
    "trigger_id": "1000000001.1000000002.0123456789abcdef0123456789abcdef",
}


def sign(secret: str, body: bytes | str, timestamp: int) -> dict[str, str]:
    """The two headers Slack adds to sign ``body`` sent at ``timestamp`` (Unix seconds).

    Returns ``{"X-Slack-Request-Timestamp": "<timestamp>", "X-Slack-Signature": "v0=<hex>"}``
    where ``<hex>`` is HMAC-SHA256, keyed by the signing secret, of ``v0:<timestamp>:<body>``.
    The body must be the exact bytes sent: re-encoding it breaks the signature, as with Slack.
    """
    raw = body.encode() if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode() + b":" + raw
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def request_headers(
    secret: str,
    body: bytes | str,
    timestamp: int,
    *,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
) -> dict[str, str]:
    """All headers of a Slack delivery: the signature, Content-Type, Slack's User-Agent and,
    for a redelivery, ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason`` (Slack retries an
    Events API delivery up to 3 times when the app does not answer 2xx within 3 s).

    Content-Type is ``application/json`` for a JSON body (Events API), else form-encoded.
    """
    text = body.decode() if isinstance(body, bytes) else body
    is_json = text.lstrip().startswith("{")
    headers = {
        "Content-Type": "application/json" if is_json else "application/x-www-form-urlencoded",
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        **sign(secret, body, timestamp),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


def slash_command_body(**fields: str | None) -> str:
    """A slash-command body, URL-encoded as Slack sends it (``/`` as ``%2F``, space as ``+``).

    Defaults describe ``/impact`` run by ``U0ALICE001`` in ``#general``; keyword arguments
    override them, a ``None`` value drops the field, and unknown names are appended in order.
    """
    merged = {**_SLASH_DEFAULTS, **fields}
    pairs = [(key, value) for key, value in merged.items() if value is not None]
    return urlencode(pairs, quote_via=quote_plus)


def event_body(
    event: dict[str, Any],
    event_id: str,
    *,
    event_time: int | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    authorized_user_id: str = BOT_USER_ID,
    token: str = VERIFICATION_TOKEN,
    ext_shared_channel: bool = False,
) -> str:
    """An Events API ``event_callback`` envelope as JSON text; ``ext_shared_channel`` sets
    the envelope's ``is_ext_shared_channel`` (an event from a Slack Connect channel).

    ``event_time`` (Unix seconds) defaults to the integer part of ``event["event_ts"]``; with
    neither, ValueError. The envelope carries both the current ``authorizations`` list and the
    deprecated ``authed_users`` (still required by Slack's 2021 wrapper schema).
    """
    if event_time is None:
        if "event_ts" not in event:
            raise ValueError("event_body needs event_time, or an event with event_ts")
        event_time = int(float(event["event_ts"]))
    envelope = {
        "token": token,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": authorized_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "authed_users": [authorized_user_id],
        "is_ext_shared_channel": ext_shared_channel,
        "event_context": f"4-fake-{event_id}",
    }
    return json.dumps(envelope)


def url_verification_body(challenge: str, token: str = VERIFICATION_TOKEN) -> str:
    """The one-off handshake Slack POSTs when a Request URL is saved; the app echoes the
    challenge."""
    return json.dumps({"token": token, "challenge": challenge, "type": "url_verification"})


def interaction_body(payload: dict[str, Any]) -> str:
    """An interactivity body: ``payload=<URL-encoded JSON>`` (block_actions, shortcuts,
    view_submission), form-encoded as Slack sends it."""
    return urlencode({"payload": json.dumps(payload)}, quote_via=quote_plus)
