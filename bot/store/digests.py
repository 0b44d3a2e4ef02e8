"""The digests aggregate: who was sent which period's digest (exactly once, arbitrated
here), and the deliveries whose last attempt failed (``store.digests``; all its SQL is here).

A digest whose last attempt failed has one ``delivery_failures`` row — what failed
(``error``; for ``missing_scope`` the scope Slack said was ``needed``), whether it was
transient, how many attempts were made, when. A later success removes the row, so the table
always says what is wrong *now*; ``impactbot doctor`` and ``/healthz`` read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.store.sql import transaction


@dataclass(frozen=True)
class DeliveryFailure:
    """One delivery whose last attempt failed. ``label`` names the recipient for people (a
    manager's person id, or ``leadership``); ``recipient`` is the Slack id or channel."""

    job: str
    recipient: str
    period: str
    label: str
    error: str
    needed: str | None
    transient: bool
    attempts: int
    at: datetime


@dataclass(frozen=True)
class DigestState:
    """Where one recipient's digest for one period stands: ``state`` is ``claimed`` (a
    process took the right to send it, at ``claimed_at``, as ``owner``) or ``sent`` (posted
    to ``channel`` as ``message_ts`` at ``sent_at``)."""

    recipient: str
    period: str
    state: str
    claimed_at: datetime | None
    owner: str | None
    sent_at: datetime | None
    channel: str | None
    message_ts: str | None


class SqliteDigests:
    """The ``digests_sent`` and ``delivery_failures`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def claim_send(
        self, recipient: str, period: str, *, owner: str, at: datetime, lease: timedelta
    ) -> str:
        """Take the right to send ``recipient``'s digest for ``period``. Answers ``mine``
        (send it), ``recover`` (a claim older than ``lease`` was left by a crash: check
        whether its post went out before posting), ``busy`` (another process holds it) or
        ``sent``. One transaction, so two processes never both get ``mine``/``recover``.
        ``owner``'s own unfinished claim (a retry after an attempt that may have posted) is
        ``recover`` at once."""
        with transaction(self._db):
            row = self._db.execute(
                "SELECT state, claimed_at, owner FROM digests_sent "
                "WHERE recipient = ? AND period = ?",
                [recipient, period],
            ).fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO digests_sent (recipient, period, state, claimed_at, owner) "
                    "VALUES (?, ?, 'claimed', ?, ?)",
                    [recipient, period, at.isoformat(), owner],
                )
                return "mine"
            state, claimed_at, holder = row
            if state == "sent":
                return "sent"
            if holder != owner and datetime.fromisoformat(claimed_at) > at - lease:
                return "busy"
            self._db.execute(
                "UPDATE digests_sent SET claimed_at = ?, owner = ? "
                "WHERE recipient = ? AND period = ?",
                [at.isoformat(), owner, recipient, period],
            )
            return "recover"

    def release_send(self, recipient: str, period: str) -> None:
        """Give up an unfinished send (nothing was posted), so the next run tries again."""
        with transaction(self._db):
            self._db.execute(
                "DELETE FROM digests_sent WHERE recipient = ? AND period = ? AND state = 'claimed'",
                [recipient, period],
            )

    def mark_sent(
        self, recipient: str, period: str, *, channel: str, ts: str, at: datetime
    ) -> None:
        with transaction(self._db):
            self._db.execute(
                "UPDATE digests_sent SET state = 'sent', sent_at = ?, channel = ?, message_ts = ? "
                "WHERE recipient = ? AND period = ?",
                [at.isoformat(), channel, ts, recipient, period],
            )

    def states(self, period: str | None = None) -> list[DigestState]:
        """Every digest claimed or sent (of ``period`` when given), by recipient."""
        where, args = ("WHERE period = ?", [period]) if period else ("", [])
        rows = self._db.execute(
            "SELECT recipient, period, state, claimed_at, owner, sent_at, channel, message_ts "
            f"FROM digests_sent {where} ORDER BY recipient",
            args,
        ).fetchall()
        return [
            DigestState(r, p, state, _moment(claimed), owner, _moment(sent), channel, ts)
            for r, p, state, claimed, owner, sent, channel, ts in rows
        ]

    # ------------------------------------------------------- failed deliveries

    def record_failure(self, failure: DeliveryFailure) -> None:
        """Remember ``failure`` as the state of its (job, recipient, period), replacing any
        earlier one."""
        self._db.execute(
            "INSERT OR REPLACE INTO delivery_failures (job, recipient, period, label, error, "
            "needed, transient, attempts, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                failure.job,
                failure.recipient,
                failure.period,
                failure.label,
                failure.error,
                failure.needed,
                int(failure.transient),
                failure.attempts,
                failure.at.isoformat(),
            ],
        )

    def clear_failure(self, job: str, recipient: str, period: str) -> None:
        """The delivery succeeded (or needs nothing more): forget its failure."""
        self._db.execute(
            "DELETE FROM delivery_failures WHERE job = ? AND recipient = ? AND period = ?",
            [job, recipient, period],
        )

    def failures(self, job: str | None = None) -> list[DeliveryFailure]:
        """Every recorded failure (of ``job`` when given), newest first."""
        where, args = ("WHERE job = ?", [job]) if job else ("", [])
        rows = self._db.execute(
            "SELECT job, recipient, period, label, error, needed, transient, attempts, at "
            f"FROM delivery_failures {where} ORDER BY at DESC, recipient",
            args,
        ).fetchall()
        return [
            DeliveryFailure(j, r, p, lbl, e, n, bool(t), a, datetime.fromisoformat(at))
            for j, r, p, lbl, e, n, t, a, at in rows
        ]


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
