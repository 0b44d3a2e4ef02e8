"""Sending a digest exactly once per recipient and period.

The store arbitrates (``Store.claim_send``): one process wins the right to send. Every post
carries message metadata naming recipient and period, so that a send whose process died
after posting but before recording it is *recovered* — found in the direct message and
recorded — instead of posted twice; one that died before posting is posted. Posts are paced
to stay inside Slack's rate limits instead of hitting them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.store import open_store

MARKER = "impactbot_digest"
LEASE = timedelta(minutes=10)  # a claim older than this was left by a crash

# Slack's answers that mean "try again later": in the error lists of Slack's OpenAPI spec
# (request_timeout, fatal_error, internal_error, rate_limited for chat.postMessage) and of its
# method pages (ratelimited with HTTP 429, service_unavailable). Anything else — a missing
# scope, a deactivated user, a revoked token — fails the same way however often it is tried.
TRANSIENT_ERRORS = frozenset(
    {
        "fatal_error",
        "internal_error",
        "rate_limited",
        "ratelimited",
        "request_timeout",
        "service_unavailable",
    }
)


@dataclass(frozen=True)
class SendFailure:
    """Why a send failed. ``needed`` is the scope Slack named for ``missing_scope``;
    ``transient`` failures are worth retrying; ``ambiguous`` ones may have posted (look for
    the message before posting again)."""

    error: str
    needed: str | None = None
    transient: bool = False
    ambiguous: bool = False

    def describe(self) -> str:
        """``missing_scope (needs im:write)``, ``internal_error (transient)``, …"""
        if self.needed:
            return f"{self.error} (needs {self.needed})"
        return f"{self.error} (transient)" if self.transient else self.error


def failure_of(exc: Exception) -> SendFailure:
    """Classify an exception raised while sending: a Slack refusal (``SlackApiError``, with
    its error, ``needed`` scope and HTTP status) or a lost connection (transient, ambiguous)."""
    if not isinstance(exc, SlackApiError):
        return SendFailure(type(exc).__name__, transient=True, ambiguous=True)
    status = exc.response.status_code
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    error = str(data.get("error") or f"HTTP {status}")
    server_side = status >= 500
    return SendFailure(
        error,
        needed=str(data["needed"]) if data.get("needed") else None,
        transient=server_side or error in TRANSIENT_ERRORS,
        ambiguous=server_side or error in {"fatal_error", "internal_error", "request_timeout"},
    )


@dataclass
class Pacer:
    """At most one call per ``interval`` seconds (Slack's Tier 3 allows ~50 a minute)."""

    interval: float = 1.2
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    waited: float = 0.0
    _last: float | None = field(default=None, repr=False)

    def wait(self) -> None:
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            pause = self.interval - (now - self._last)
            self.sleep(pause)
            self.waited += pause
            now += pause
        self._last = now


@dataclass(frozen=True)
class Parcel:
    """One recipient's digest: who, which period, and the message."""

    recipient: str  # a Slack user id (sent as a direct message) or a channel
    period: str
    text: str
    blocks: list[dict[str, Any]]


def deliver_once(
    db_path: Path,
    client: WebClient,
    parcel: Parcel,
    *,
    owner: str,
    now: Callable[[], datetime],
    pacer: Pacer,
    look_first: bool = False,
) -> str:
    """Send ``parcel`` unless it went out already; returns ``sent``, ``recovered``
    (found already posted), ``already`` or ``busy`` (another process is sending it).

    ``now`` is read when the send is claimed and when it is recorded, so a claim's age is its
    own, however long the run. A refusal by Slack (``SlackApiError``: nothing was posted)
    releases the claim and is raised; a lost connection keeps the claim, to be recovered.
    With ``look_first`` (a retry after an attempt that may have posted) the direct message
    is searched for this parcel before anything is posted.
    """
    with open_store(db_path) as store:
        status = store.claim_send(
            parcel.recipient, parcel.period, owner=owner, at=now(), lease=LEASE
        )
        if status in ("sent", "busy"):
            return "already" if status == "sent" else "busy"
        try:
            channel = _channel_of(client, parcel.recipient, pacer)
            recovering = status == "recover" or look_first
            if recovering and (found := _posted(client, channel, parcel)):
                store.mark_sent(
                    parcel.recipient, parcel.period, channel=channel, ts=found, at=now()
                )
                return "recovered"
            ts = _post(client, channel, parcel, pacer)
        except SlackApiError:
            store.release_send(parcel.recipient, parcel.period)
            raise
        store.mark_sent(parcel.recipient, parcel.period, channel=channel, ts=ts, at=now())
        return "sent"


def _post(client: WebClient, channel: str, parcel: Parcel, pacer: Pacer) -> str:
    pacer.wait()
    response = client.chat_postMessage(
        channel=channel,
        text=parcel.text,
        blocks=parcel.blocks,
        metadata={
            "event_type": MARKER,
            "event_payload": {"recipient": parcel.recipient, "period": parcel.period},
        },
    )
    return str(response["ts"])


def _channel_of(client: WebClient, recipient: str, pacer: Pacer) -> str:
    """A channel (``C…``/``G…``/``#name``) as is; a person's direct message with the bot."""
    if recipient.startswith(("C", "G", "#")):
        return recipient
    pacer.wait()
    return str(client.conversations_open(users=[recipient])["channel"]["id"])


def _posted(client: WebClient, channel: str, parcel: Parcel) -> str | None:
    """The ts of this parcel's message if an earlier attempt posted it."""
    history = client.conversations_history(channel=channel, limit=50, include_all_metadata=True)
    for message in history.get("messages") or []:
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        if meta.get("event_type") == MARKER and payload == {
            "recipient": parcel.recipient,
            "period": parcel.period,
        }:
            return str(message["ts"])
    return None
