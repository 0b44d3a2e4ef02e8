"""Sending a digest exactly once per recipient and period, through a sender.

The app decides what goes to whom; a ``DigestSender`` (Slack's is
``bot.slack.sender.SlackSender``) renders it, posts it, retries what is worth retrying and
paces its calls. What stays here is the bookkeeping through the store:

- the store arbitrates (``store.digests.claim_send``): one process wins the right to send. A send
  whose process died after posting but before recording it is *recovered* — the sender looks
  for it before posting again — instead of posted twice; one that died before posting is
  posted. A refusal (nothing was posted) gives the claim up; a lost connection keeps it, to be
  recovered.
- the last failure of each parcel is recorded (``store.digests``) for ``impactbot doctor``
  and ``/healthz``; a later success clears it. A parcel whose recorded failure named a missing
  scope is not sent again while the token still lacks it (one question per run says).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.store import open_store
from bot.store.digests import DeliveryFailure

LEASE = timedelta(minutes=10)  # a claim older than this was left by a crash
JOB = "digest"


@dataclass(frozen=True)
class SendFailure:
    """Why a send failed. ``needed`` is the scope the refusal named; ``transient`` failures
    are worth retrying; ``ambiguous`` ones may have posted (look for the message before
    posting again); ``refused``: the service answered with an error, so nothing was posted
    and the claim is given up (a lost connection keeps it)."""

    error: str
    needed: str | None = None
    transient: bool = False
    ambiguous: bool = False
    refused: bool = True

    def describe(self) -> str:
        """``missing_scope (needs im:write)``, ``internal_error (transient)``, …"""
        if self.needed:
            return f"{self.error} (needs {self.needed})"
        return f"{self.error} (transient)" if self.transient else self.error


class DeliveryError(Exception):
    """A sender's last attempt at a parcel failed: ``failure`` says why, after ``attempts``."""

    def __init__(self, failure: SendFailure, attempts: int) -> None:
        super().__init__(failure.describe())
        self.failure, self.attempts = failure, attempts


class Message(Protocol):
    """What a sender made of a digest, ready to post; opaque here but for its text."""

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Parcel:
    """One recipient's digest for one period: who (a Slack user id, sent as a direct message,
    or a channel), which period, and the message the sender made."""

    recipient: str
    period: str
    message: Message


@dataclass(frozen=True)
class Receipt:
    """Where a parcel's message is: its channel and ts; ``recovered`` when an earlier
    attempt had posted it."""

    channel: str
    ts: str
    recovered: bool = False


class Deliverer(Protocol):
    """The sending half a delivery needs."""

    def deliver(self, parcel: Parcel, *, look_first: bool) -> Receipt:
        """Post ``parcel`` (with ``look_first``, find it if posted already), retrying what is
        worth retrying; raise ``DeliveryError`` when the last attempt fails."""
        ...

    def granted_scopes(self) -> frozenset[str]:
        """The scopes the token has (empty when the service refuses the token)."""
        ...


@dataclass(frozen=True)
class Sent:
    """What sending one parcel came to: a ``deliver_once`` status, or ``failed: <error>``
    with its ``failure``."""

    status: str
    failure: SendFailure | None = None


def deliver_once(
    db_path: Path,
    sender: Deliverer,
    parcel: Parcel,
    *,
    owner: str,
    now: Callable[[], datetime],
) -> str:
    """Send ``parcel`` unless it went out already; returns ``sent``, ``recovered``
    (found already posted), ``already`` or ``busy`` (another process is sending it).

    ``now`` is read when the send is claimed and when it is recorded, so a claim's age is its
    own, however long the run. A refusal releases the claim and is raised
    (``DeliveryError``); a lost connection keeps the claim, to be recovered.
    """
    with open_store(db_path) as store:
        status = store.digests.claim_send(
            parcel.recipient, parcel.period, owner=owner, at=now(), lease=LEASE
        )
        if status in ("sent", "busy"):
            return "already" if status == "sent" else "busy"
        try:
            receipt = sender.deliver(parcel, look_first=status == "recover")
        except DeliveryError as exc:
            if exc.failure.refused:
                store.digests.release_send(parcel.recipient, parcel.period)
            raise
        store.digests.mark_sent(
            parcel.recipient, parcel.period, channel=receipt.channel, ts=receipt.ts, at=now()
        )
        return "recovered" if receipt.recovered else "sent"


def scopes_still_missing(db_path: Path, sender: Deliverer) -> set[str]:
    """The scopes that earlier failures named and the token still lacks; empty, without
    asking the sender, when none failed so."""
    with open_store(db_path) as store:
        needed = {f.needed for f in store.digests.failures(JOB) if f.needed}
    if not needed:
        return set()
    return needed - sender.granted_scopes()


def send_parcel(
    db_path: Path,
    sender: Deliverer,
    parcel: Parcel,
    *,
    label: str,
    owner: str,
    now: Callable[[], datetime],
    blocked: Collection[str] = (),
) -> Sent:
    """Send ``parcel`` exactly once; record or clear its failure. ``blocked`` scopes (from
    ``scopes_still_missing``) stop a parcel that failed for lack of one of them before
    anything is asked of the sender."""
    earlier = _recorded(db_path, parcel)
    if earlier is not None and earlier.needed in blocked:
        return Sent(f"failed: {earlier.error}", SendFailure(earlier.error, needed=earlier.needed))
    try:
        status = deliver_once(db_path, sender, parcel, owner=owner, now=now)
    except DeliveryError as exc:
        _record(db_path, parcel, label, exc, now())
        return Sent(f"failed: {exc.failure.error}", exc.failure)
    with open_store(db_path) as store, store.transaction():
        store.digests.clear_failure(JOB, parcel.recipient, parcel.period)
    return Sent(status)


def _recorded(db_path: Path, parcel: Parcel) -> DeliveryFailure | None:
    with open_store(db_path) as store:
        return next(
            (
                f
                for f in store.digests.failures(JOB)
                if (f.recipient, f.period) == (parcel.recipient, parcel.period)
            ),
            None,
        )


def _record(db_path: Path, parcel: Parcel, label: str, exc: DeliveryError, at: datetime) -> None:
    failure = exc.failure
    with open_store(db_path) as store, store.transaction():
        store.digests.record_failure(
            DeliveryFailure(
                job=JOB,
                recipient=parcel.recipient,
                period=parcel.period,
                label=label,
                error=failure.error,
                needed=failure.needed,
                transient=failure.transient,
                attempts=exc.attempts,
                at=at,
            )
        )
