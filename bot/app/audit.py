"""Reading the audit log: ``impactbot audit`` and ``/impact audit`` (leadership only).
The rows are written by the use cases that decide."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from bot.app.context import AppContext
from bot.app.results import AuditListing, AuditRow
from bot.core.periods import Period, PeriodError, parse_period
from bot.errors import ImpactbotError
from bot.store import open_store
from bot.store.audit import AuditRecord

Clock = Callable[[], datetime]


class Audit:
    """The audit log's query over one configuration."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def audit_log(self, *, since: str | Period | None = None) -> AuditListing:
        """Rows at or after ``since``: a date (``2026-11-05``, midnight UTC), a period's
        start (``7d``: the last seven days; ``2026-11``: since November began), or None for
        all; a ``Period`` (as Slack parses it) also ends where it ends. A malformed ``since``
        raises ``ImpactbotError`` naming it, and nothing is read."""
        start = since_of(since, self.ctx.clock())
        end = since.end if isinstance(since, Period) else None
        with open_store(self.ctx.settings.db_path) as store:
            rows = store.audit.entries(since=start, until=end)
        return AuditListing(start, end, tuple(_row(r) for r in rows))


def _row(record: AuditRecord) -> AuditRow:
    return AuditRow(
        record.id, record.at, record.actor, record.action, record.subject, record.detail
    )


def since_of(since: str | Period | None, now: datetime) -> datetime | None:
    """The start time ``since`` names (see ``Audit.audit_log``)."""
    if since is None or isinstance(since, Period):
        return since.start if since else None
    text = since.strip()
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        pass
    try:
        return parse_period(text, now=now).start
    except PeriodError as exc:
        message = f"since {text!r}: give a date (2026-11-05) or a period; {exc}"
        raise ImpactbotError(message) from exc
