"""Sending one digest parcel with retries, and remembering what failed.

A transient failure (Slack's ``internal_error``, a 5xx, a lost connection …) is tried again,
up to ``RETRIES`` more times, after ``BACKOFF_SECONDS``; a retry after an attempt that may
have posted looks for the message first, so nothing is posted twice. A permanent failure
(``missing_scope``, a deactivated user, a revoked token) is not retried. The last failure of
each parcel is recorded in the store (``store.deliveries``) for ``impactbot doctor`` and
``/healthz``; a later success clears it. A parcel whose recorded failure is ``missing_scope``
is not sent again while the token still lacks that scope (one ``auth.test`` per run says).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app.services import Services
from bot.slack.delivery import Pacer, Parcel, SendFailure, deliver_once, failure_of
from bot.store import open_store
from bot.store.deliveries import DeliveryFailure

log = logging.getLogger("impactbot.digests")

JOB = "digest"
RETRIES = 2  # further attempts after a transient failure
BACKOFF_SECONDS = (2.0, 10.0)  # before the first and the second retry


@dataclass(frozen=True)
class Sent:
    """What sending one parcel came to: a ``deliver_once`` status, or ``failed: <error>``
    with its ``failure``."""

    status: str
    failure: SendFailure | None = None


def scopes_still_missing(services: Services, client: WebClient) -> set[str]:
    """The scopes that earlier ``missing_scope`` failures named and the token still lacks
    (``x-oauth-scopes`` on ``auth.test``); empty, without asking Slack, when none failed so."""
    with open_store(services.settings.db_path) as store:
        needed = {f.needed for f in store.deliveries.failures(JOB) if f.needed}
    if not needed:
        return set()
    try:
        header = client.auth_test().headers.get("x-oauth-scopes", "")
    except SlackApiError:
        return needed  # a token Slack refuses grants nothing
    granted = {scope.strip() for scope in str(header).split(",")}
    return needed - granted


def send_parcel(
    services: Services,
    client: WebClient,
    parcel: Parcel,
    *,
    label: str,
    owner: str,
    pacer: Pacer,
    blocked: Collection[str] = (),
) -> Sent:
    """Send ``parcel`` exactly once, retrying transient failures; record or clear its
    failure. ``blocked`` scopes (from ``scopes_still_missing``) stop a parcel that failed for
    lack of one of them before any call to Slack."""
    earlier = _recorded(services, parcel)
    if earlier is not None and earlier.needed in blocked:
        return Sent(f"failed: {earlier.error}", SendFailure(earlier.error, needed=earlier.needed))
    failure: SendFailure | None = None
    attempts = 0
    for attempts in range(1, RETRIES + 2):
        if failure is not None:
            pacer.sleep(BACKOFF_SECONDS[attempts - 2])
        try:
            status = deliver_once(
                services.settings.db_path,
                client,
                parcel,
                owner=owner,
                now=services.clock,
                pacer=pacer,
                look_first=failure is not None and failure.ambiguous,
            )
        except Exception as exc:  # classified: Slack's refusal or a lost connection
            failure = failure_of(exc)
            log.warning("digest to %s failed: %s", parcel.recipient, failure.describe())
            if not failure.transient:
                break
            continue
        _clear(services, parcel)
        return Sent(status)
    assert failure is not None
    _record(services, parcel, label, failure, attempts)
    return Sent(f"failed: {failure.error}", failure)


def _recorded(services: Services, parcel: Parcel) -> DeliveryFailure | None:
    with open_store(services.settings.db_path) as store:
        return next(
            (
                f
                for f in store.deliveries.failures(JOB)
                if (f.recipient, f.period) == (parcel.recipient, parcel.period)
            ),
            None,
        )


def _record(
    services: Services, parcel: Parcel, label: str, failure: SendFailure, attempts: int
) -> None:
    with open_store(services.settings.db_path) as store, store.transaction():
        store.deliveries.record_failure(
            DeliveryFailure(
                job=JOB,
                recipient=parcel.recipient,
                period=parcel.period,
                label=label,
                error=failure.error,
                needed=failure.needed,
                transient=failure.transient,
                attempts=attempts,
                at=services.clock(),
            )
        )


def _clear(services: Services, parcel: Parcel) -> None:
    with open_store(services.settings.db_path) as store, store.transaction():
        store.deliveries.clear(JOB, parcel.recipient, parcel.period)
