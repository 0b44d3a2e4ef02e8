"""Slack ids learned from people's emails (a part of ``Store``; all its SQL is here)."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database


class SlackIdTables:
    """Mixin for ``Store``: the ``slack_ids`` table."""

    db: Database

    def learned_slack_ids(self) -> dict[str, str]:
        """person id → Slack id found by email."""
        rows = self.db.execute(
            "SELECT person_id, slack_id FROM slack_ids WHERE slack_id IS NOT NULL"
        ).fetchall()
        return dict(rows)

    def slack_lookups(self) -> dict[str, tuple[str, str | None, datetime]]:
        """person id → (email asked, Slack id or None for a miss, when)."""
        rows = self.db.execute("SELECT person_id, email, slack_id, looked_up_at FROM slack_ids")
        return {p: (e, s, datetime.fromisoformat(at)) for p, e, s, at in rows.fetchall()}

    def record_slack_lookup(
        self, person_id: str, email: str, slack_id: str | None, at: datetime
    ) -> None:
        """Remember what users.lookupByEmail said for ``person_id``'s ``email``."""
        self.db.execute(
            "INSERT OR REPLACE INTO slack_ids (person_id, email, slack_id, looked_up_at) "
            "VALUES (?, ?, ?, ?)",
            [person_id, email, slack_id, at.isoformat()],
        )
