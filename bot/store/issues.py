"""The issues aggregate: issues and their links, flags, sync cursors, visibility, lookups
by key (``store.issues``; all its SQL is here)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.core.models import Flag, Issue, Visibility
from bot.core.suggest import close_matches
from bot.errors import UnknownIssueError
from bot.store.sql import chunks, rows_in


@dataclass(frozen=True)
class RestrictedRow:
    """A restricted issue: its uid, source and the teams its last score card names (owner
    first, then benefiting teams); ``scored`` is False when it has no card yet."""

    uid: str
    source: str
    teams: tuple[str, ...]
    scored: bool


class SqliteIssues:
    """The ``issues``, ``issue_links``, ``flags`` and ``sync_state`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert(self, issues: Sequence[Issue]) -> None:
        """Insert or replace issues and their links (idempotent on ``uid``)."""
        self._db.table("issues").upsert_all(
            (_issue_row(i) for i in issues), pk="uid", batch_size=500
        )
        for chunk in chunks([i.uid for i in issues]):
            marks = ",".join("?" * len(chunk))
            self._db.execute(f"DELETE FROM issue_links WHERE from_uid IN ({marks})", chunk)
        self._db.table("issue_links").insert_all(
            (
                {
                    "from_uid": i.uid,
                    "position": n,
                    "kind": link.kind.value,
                    "to_key": link.target.key,
                    "to_source": link.target.source,
                    "evidence": link.evidence,
                }
                for i in issues
                for n, link in enumerate(i.links)
            ),
            batch_size=500,
        )

    def all(self) -> list[Issue]:
        """Every issue, in ``uid`` order."""
        rows = self._db.execute("SELECT data FROM issues ORDER BY uid").fetchall()
        return [Issue.model_validate_json(data) for (data,) in rows]

    def get(self, uid: str) -> Issue | None:
        row = self._db.execute("SELECT data FROM issues WHERE uid = ?", [uid]).fetchone()
        return Issue.model_validate_json(row[0]) if row else None

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM issues").fetchone()[0])

    def find_uids(self, key: str) -> list[str]:
        """Uids whose key or uid equals ``key`` (case-insensitive), for lookups by key."""
        rows = self._db.execute(
            "SELECT uid FROM issues WHERE lower(key) = lower(?) "
            "UNION SELECT uid FROM issues WHERE lower(uid) = lower(?) ORDER BY uid",
            [key, key],
        ).fetchall()
        return [uid for (uid,) in rows]

    def resolve(self, key: str) -> str:
        """The uid of the one issue ``key`` names; raises ``UnknownIssueError`` (with
        suggestions) when none or several match."""
        uids = self.find_uids(key.strip())
        if len(uids) == 1:
            return uids[0]
        raise UnknownIssueError(key, uids or self.similar_keys(key))

    def similar_keys(self, key: str, limit: int = 3) -> list[str]:
        """Stored keys close enough to ``key`` to be what was meant (a typo in the container
        or the number), to suggest when a lookup fails; none when nothing is close."""
        key = key.strip()
        container, number = _split_key(key)
        rows = self._db.execute(
            "SELECT key FROM (SELECT key FROM issues WHERE key LIKE ? LIMIT 5000) "
            "UNION SELECT key FROM (SELECT key FROM issues WHERE key LIKE ? LIMIT 5000)",
            [f"{container}%", f"%{number}"],
        ).fetchall()
        return close_matches(key, (k for (k,) in rows), limit)

    def updated_at_of(self, uids: Sequence[str]) -> dict[str, str]:
        """Stored ``updated_at`` (ISO text) of those of ``uids`` that are stored."""
        sql = "SELECT uid, updated_at FROM issues WHERE uid IN ({marks})"
        return dict(rows_in(self._db, sql, uids))

    def keys_in_container(self, source: str, container: str) -> list[str]:
        rows = self._db.execute(
            "SELECT key FROM issues WHERE source = ? AND lower(container) = lower(?) ORDER BY key",
            [source, container],
        ).fetchall()
        return [key for (key,) in rows]

    def neighbourhood(self, uid: str) -> list[Issue]:
        """The issue ``uid`` with every stored issue that links to it or that it links to:
        all that scoring it needs (links are resolved by key, case-insensitively)."""
        issue = self.get(uid)
        if issue is None:
            return []
        rows = self._db.execute(
            "SELECT i.data FROM issue_links l JOIN issues i ON i.uid = l.from_uid "
            "WHERE lower(l.to_key) = lower(?) "
            "UNION SELECT i.data FROM issue_links l "
            "JOIN issues i ON lower(i.key) = lower(l.to_key) WHERE l.from_uid = ?",
            [issue.key, uid],
        ).fetchall()
        others = [Issue.model_validate_json(data) for (data,) in rows]
        return [issue, *(o for o in others if o.uid != uid)]

    def delete(self, uid: str) -> None:
        """Forget an issue that no longer exists (its links and score card too)."""
        for sql in (
            "DELETE FROM issue_links WHERE from_uid = ?",
            "DELETE FROM contributions WHERE issue_uid = ?",
            "DELETE FROM score_cards WHERE issue_uid = ?",
            "DELETE FROM issues WHERE uid = ?",
        ):
            self._db.execute(sql, [uid])

    # -------------------------------------------------------------- sync state

    def sync_state(self, key: str) -> dict[str, Any] | None:
        """The saved cursor of one sync stream (``cursor`` is JSON the connector owns)."""
        row = self._db.execute(
            "SELECT cursor, etag, updated_at FROM sync_state WHERE source = ?", [key]
        ).fetchone()
        if row is None:
            return None
        return {
            "cursor": json.loads(row[0]) if row[0] else None,
            "etag": row[1],
            "updated_at": row[2],
        }

    def save_sync_state(self, key: str, *, cursor: object, etag: str | None, at: datetime) -> None:
        self._db.table("sync_state").upsert(
            {
                "source": key,
                "cursor": json.dumps(cursor),
                "etag": etag,
                "updated_at": at.isoformat(),
            },
            pk="source",
        )

    # ------------------------------------------------------------------- flags

    def flags(self) -> dict[str, list[Flag]]:
        """Flags by issue uid, earliest first."""
        out: dict[str, list[Flag]] = {}
        for row in self._db.table("flags").rows_where(order_by="at"):
            flag = Flag.model_validate(row)
            out.setdefault(flag.issue_uid, []).append(flag)
        return out

    def flagged_by(self, person_id: str) -> list[tuple[str, str, str]]:
        """(uid, key, title) of the issues ``person_id`` flagged, newest flag first."""
        rows = self._db.execute(
            "SELECT i.uid, i.key, i.title FROM flags f JOIN issues i ON i.uid = f.issue_uid "
            "WHERE f.person_id = ? ORDER BY f.at DESC",
            [person_id],
        ).fetchall()
        return [(uid, key, title) for uid, key, title in rows]

    def add_flag(self, flag: Flag) -> bool:
        """Record a flag; False if this person already flagged this issue (idempotent)."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO flags (issue_uid, person_id, note, at) VALUES (?, ?, ?, ?)",
            [flag.issue_uid, flag.person_id, flag.note, flag.at.isoformat()],
        )
        return bool(cursor.rowcount)

    # -------------------------------------------------------------- visibility

    def restricted(self, uids: Sequence[str] | None = None) -> list[RestrictedRow]:
        """Every restricted issue (of ``uids`` only, when given), in uid order."""
        sql = (
            "SELECT i.uid, i.source, c.owner_team, c.data FROM issues i "
            "LEFT JOIN score_cards c ON c.issue_uid = i.uid WHERE i.visibility = ?"
        )
        rows = self._db.execute(sql + " ORDER BY i.uid", [Visibility.RESTRICTED.value]).fetchall()
        wanted = set(uids) if uids is not None else None
        return [
            _restricted(uid, source, owner, data)
            for uid, source, owner, data in rows
            if wanted is None or uid in wanted
        ]

    def set_container_visibility(self, source: str, container: str, visibility: Visibility) -> int:
        """Record ``visibility`` on every stored issue of one container (a repository or
        project made private or public) — but a confidential issue stays restricted; returns
        how many issues changed."""
        changed = self._db.execute(
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
            self._db.execute(
                "UPDATE issues SET visibility = ?, data = ? WHERE uid = ?",
                [visibility.value, json.dumps(doc), uid],
            )
        return count

    def set_source_visibility(self, source: str, visibility: Visibility) -> int:
        """Record ``visibility`` on every stored issue of ``source`` (a Jira site marked
        public or not in sources.yaml); confidential issues stay restricted."""
        containers = self._db.execute(
            "SELECT DISTINCT container FROM issues WHERE source = ?", [source]
        ).fetchall()
        return sum(self.set_container_visibility(source, c, visibility) for (c,) in containers)


def _issue_row(issue: Issue) -> dict[str, str]:
    return {
        "uid": issue.uid,
        "source": issue.source,
        "key": issue.key,
        "container": issue.container,
        "state": issue.state.value,
        "title": issue.title,
        "updated_at": issue.updated_at.isoformat(),
        "visibility": issue.visibility.value,
        "data": issue.model_dump_json(),
    }


def _restricted(uid: str, source: str, owner: str | None, data: str | None) -> RestrictedRow:
    if data is None:
        return RestrictedRow(uid, source, (), scored=False)
    beneficiaries = json.loads(data).get("beneficiaries") or []
    teams = ([owner] if owner else []) + [t for t in beneficiaries if t != owner]
    return RestrictedRow(uid, source, tuple(teams), scored=True)


def _split_key(key: str) -> tuple[str, str]:
    """``("acme/asr#", "12")`` of ``acme/asr#12``, ``("ASR-", "12")`` of ``ASR-12``."""
    cut = max(key.rfind("#"), key.rfind("-")) + 1
    return key[:cut], key[cut:]
