"""Deliveries that failed: the last failure of each Slack delivery still undone (a part of
``Store``; all its SQL is here).

A digest whose last attempt failed has one row — what failed (``error``; for
``missing_scope`` the scope Slack said was ``needed``), whether it was transient, how many
attempts were made, when. A later success removes the row, so the table always says what is
wrong *now*; ``impactbot doctor`` and ``/healthz`` read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database


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


class DeliveryLog:
    """The ``delivery_failures`` table of one store connection."""

    def __init__(self, db: Database) -> None:
        self._db = db

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

    def clear(self, job: str, recipient: str, period: str) -> None:
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
