"""Which stored issues are restricted, and what decides who may read them (a part of
``Store``; all its SQL is here)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from bot.core.models import Visibility


@dataclass(frozen=True)
class RestrictedRow:
    """A restricted issue: its uid, source and the teams its last score card names (owner
    first, then benefiting teams); ``scored`` is False when it has no card yet."""

    uid: str
    source: str
    teams: tuple[str, ...]
    scored: bool


class VisibilityTables:
    """Mixin for ``Store``: the ``issues.visibility`` column."""

    db: Database

    def restricted_issues(self, uids: Sequence[str] | None = None) -> list[RestrictedRow]:
        """Every restricted issue (of ``uids`` only, when given), in uid order."""
        sql = (
            "SELECT i.uid, i.source, c.owner_team, c.data FROM issues i "
            "LEFT JOIN score_cards c ON c.issue_uid = i.uid WHERE i.visibility = ?"
        )
        rows = self.db.execute(sql + " ORDER BY i.uid", [Visibility.RESTRICTED.value]).fetchall()
        wanted = set(uids) if uids is not None else None
        return [
            _row(uid, source, owner, data)
            for uid, source, owner, data in rows
            if wanted is None or uid in wanted
        ]

    def set_container_visibility(self, source: str, container: str, visibility: Visibility) -> int:
        """Record ``visibility`` on every stored issue of one container (a repository or
        project made private or public) — but a confidential issue stays restricted; returns
        how many issues changed."""
        changed = self.db.execute(
            "SELECT uid, data FROM issues WHERE source = ? AND lower(container) = lower(?) "
            "AND visibility != ?",
            [source, container, visibility.value],
        ).fetchall()
        count = 0
        for uid, data in changed:
            doc = json.loads(data)
            if doc.get("confidential") and visibility is Visibility.PUBLIC:
                continue  # a confidential issue stays restricted in a public project
            doc["visibility"] = visibility.value
            count += 1
            self.db.execute(
                "UPDATE issues SET visibility = ?, data = ? WHERE uid = ?",
                [visibility.value, json.dumps(doc), uid],
            )
        return count

    def set_source_visibility(self, source: str, visibility: Visibility) -> int:
        """Record ``visibility`` on every stored issue of ``source`` (a Jira site marked
        public or not in sources.yaml); confidential issues stay restricted."""
        containers = self.db.execute(
            "SELECT DISTINCT container FROM issues WHERE source = ?", [source]
        ).fetchall()
        return sum(self.set_container_visibility(source, c, visibility) for (c,) in containers)


def _row(uid: str, source: str, owner: str | None, data: str | None) -> RestrictedRow:
    if data is None:
        return RestrictedRow(uid, source, (), scored=False)
    beneficiaries = json.loads(data).get("beneficiaries") or []
    teams = ([owner] if owner else []) + [t for t in beneficiaries if t != owner]
    return RestrictedRow(uid, source, tuple(teams), scored=True)
