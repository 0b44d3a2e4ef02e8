"""The people aggregate: the directory mirrored from teams.yaml, Slack ids learned from
people's emails, and forgetting a person (``store.people``; all its SQL is here)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlite_utils import Database

from bot.core.rules_teams import TeamsRules


class SqlitePeople:
    """The ``people``, ``identities``, ``teams``, ``team_members`` and ``slack_ids``
    tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def replace_directory(self, rules: TeamsRules) -> None:
        """Mirror teams.yaml into people, identities, teams and team_members."""
        for table in ("identities", "team_members", "teams", "people"):
            self._db.execute(f"DELETE FROM {table}")
        self._db.table("people").insert_all({"id": p.id, "name": p.name} for p in rules.people)
        self._db.table("identities").insert_all(_identities(rules), replace=True)
        self._db.table("teams").insert_all(
            {
                "id": t.id,
                "name": t.name,
                "slack_channel": t.slack_channel,
                "data": t.model_dump_json(),
            }
            for t in rules.teams
        )
        self._db.table("team_members").insert_all(
            (
                {"team_id": t.id, "person_id": pid, "role": role}
                for t in rules.teams
                for role, ids in (("manager", t.managers), ("member", t.members))
                for pid in ids
            ),
            replace=True,
        )

    def has(self, person_id: str) -> bool:
        """A person of the mirrored directory, or a former member's ``former:<ref>``."""
        if person_id.startswith("former:"):
            ref = person_id.removeprefix("former:")
            return bool(
                self._db.execute("SELECT 1 FROM ledger_refs WHERE ref = ?", [ref]).fetchone()
            )
        return bool(self._db.execute("SELECT 1 FROM people WHERE id = ?", [person_id]).fetchone())

    def has_team(self, team_id: str) -> bool:
        return bool(self._db.execute("SELECT 1 FROM teams WHERE id = ?", [team_id]).fetchone())

    def forget(self, person_id: str) -> str | None:
        """Remove every trace of ``person_id`` outside the ledger, whose rows keep only an
        anonymous reference. Returns that reference (None if they never earned credit)."""
        row = self._db.execute(
            "SELECT ref FROM people_refs WHERE person_id = ?", [person_id]
        ).fetchone()
        ref = str(row[0]) if row else None
        for sql in (
            "DELETE FROM people_refs WHERE person_id = ?",
            "DELETE FROM identities WHERE person_id = ?",
            "DELETE FROM team_members WHERE person_id = ?",
            "DELETE FROM people WHERE id = ?",
            "DELETE FROM flags WHERE person_id = ?",
            "UPDATE confirmations SET confirmed_by = 'former member' WHERE confirmed_by = ?",
            "UPDATE dupe_feedback SET person = 'former member' WHERE person = ?",
            "DELETE FROM slack_ids WHERE person_id = ?",
        ):
            self._db.execute(sql, [person_id])
        return ref

    # ------------------------------------------------------- learned Slack ids

    def slack_ids(self) -> dict[str, str]:
        """person id → Slack id found by email."""
        rows = self._db.execute(
            "SELECT person_id, slack_id FROM slack_ids WHERE slack_id IS NOT NULL"
        ).fetchall()
        return dict(rows)

    def slack_lookups(self) -> dict[str, tuple[str, str | None, datetime]]:
        """person id → (email asked, Slack id or None for a miss, when)."""
        rows = self._db.execute("SELECT person_id, email, slack_id, looked_up_at FROM slack_ids")
        return {p: (e, s, datetime.fromisoformat(at)) for p, e, s, at in rows.fetchall()}

    def record_slack_lookup(
        self, person_id: str, email: str, slack_id: str | None, at: datetime
    ) -> None:
        """Remember what users.lookupByEmail said for ``person_id``'s ``email``."""
        self._db.execute(
            "INSERT OR REPLACE INTO slack_ids (person_id, email, slack_id, looked_up_at) "
            "VALUES (?, ?, ?, ?)",
            [person_id, email, slack_id, at.isoformat()],
        )


def _identities(rules: TeamsRules) -> Iterable[dict[str, str]]:
    for person in rules.people:
        for system in ("slack", "github", "jira", "linear", "gitlab"):
            handle = getattr(person, system)
            if handle:
                yield {"system": system, "handle": handle, "person_id": person.id}
        for email in person.emails:
            yield {"system": "email", "handle": email, "person_id": person.id}
