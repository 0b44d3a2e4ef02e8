"""Posting a digest to Slack: one attempt, retries, and pacing.

Every post carries message metadata naming recipient and period, so that a send whose
process died after posting but before recording it (``bot.app.delivery`` keeps that record)
is *recovered* — found in the direct message — instead of posted twice. A transient failure
(Slack's ``internal_error``, a 5xx, a lost connection …) is tried again, up to ``RETRIES``
more times, after ``BACKOFF_SECONDS``; a retry after an attempt that may have posted looks
for the message first. A permanent failure (``missing_scope``, a deactivated user, a revoked
token) is not retried. Calls are paced to stay inside Slack's rate limits instead of hitting
them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app.delivery import DeliveryError, Parcel, Receipt, SendFailure

log = logging.getLogger("impactbot.digests")

MARKER = "impactbot_digest"
RETRIES = 2  # further attempts after a transient failure
BACKOFF_SECONDS = (2.0, 10.0)  # before the first and the second retry

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


def failure_of(exc: Exception) -> SendFailure:
    """Classify an exception raised while sending: a Slack refusal (``SlackApiError``, with
    its error, ``needed`` scope and HTTP status) or a lost connection (transient, ambiguous)."""
    if not isinstance(exc, SlackApiError):
        return SendFailure(type(exc).__name__, transient=True, ambiguous=True, refused=False)
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
class SlackMessage:
    """A digest as Slack shows it: the notification text and the blocks. ``plain`` is what a
    dry run prints (None: the blocks read as text)."""

    text: str
    blocks: list[dict[str, Any]]
    plain: str | None = None


def deliver(
    client: WebClient, parcel: Parcel, pacer: Pacer, *, look_first: bool = False
) -> Receipt:
    """Post ``parcel`` (a ``SlackMessage``), retrying transient failures; with ``look_first``
    (a claim left by a crash) find the message first if it was posted. Raises
    ``DeliveryError`` with the last failure."""
    failure: SendFailure | None = None
    attempt = 0
    for attempt in range(1, RETRIES + 2):
        if failure is not None:
            pacer.sleep(BACKOFF_SECONDS[attempt - 2])
        look = look_first if failure is None else failure.ambiguous
        try:
            return _attempt(client, parcel, pacer, look_first=look)
        except Exception as exc:  # classified: Slack's refusal or a lost connection
            failure = failure_of(exc)
            log.warning("digest to %s failed: %s", parcel.recipient, failure.describe())
            if not failure.transient:
                break
    assert failure is not None
    raise DeliveryError(failure, attempt)


def _attempt(client: WebClient, parcel: Parcel, pacer: Pacer, *, look_first: bool) -> Receipt:
    channel = _channel_of(client, parcel.recipient, pacer)
    if look_first and (found := _posted(client, channel, parcel)):
        return Receipt(channel, found, recovered=True)
    return Receipt(channel, _post(client, channel, parcel, pacer))


def _post(client: WebClient, channel: str, parcel: Parcel, pacer: Pacer) -> str:
    message = parcel.message
    if not isinstance(message, SlackMessage):
        raise TypeError(f"Slack posts a SlackMessage, not {type(message).__name__}")
    pacer.wait()
    response = client.chat_postMessage(
        channel=channel,
        text=message.text,
        blocks=message.blocks,
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
