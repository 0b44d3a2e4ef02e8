"""The duplicates aggregate: analysed documents, found pairs and people's verdicts
(``store.duplicates``; all its SQL is here)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.core.digest_dupes import DupePair, IssueSide


@dataclass(frozen=True)
class StoredPair:
    """Two issues that read alike: ``a < b``; ``score`` in [0, 1]; ``matched`` words."""

    a: str
    b: str
    score: float
    matched: tuple[str, ...]
    found_at: datetime

    def other(self, uid: str) -> str:
        return self.b if uid == self.a else self.a


def _found_pair(row: Sequence[Any]) -> DupePair:
    """A ``pairs_found_since`` row: each side's uid, key, title, url, team, state, then the
    pair's score, matched words (JSON) and when it was found."""
    score, matched, found = row[12:]
    return DupePair(
        one=_side(row[0:6]),
        other=_side(row[6:12]),
        score=score,
        matched=tuple(json.loads(matched)),
        found_at=datetime.fromisoformat(found),
    )


def _side(part: Sequence[Any]) -> IssueSide:
    uid, key, title, url, team, state = part
    return IssueSide(uid=uid, key=key, title=title, url=url, team=team, is_open=state == "open")


def ordered(one: str, other: str) -> tuple[str, str]:
    """A pair's storage order: the smaller uid first."""
    return (one, other) if one < other else (other, one)


class SqliteDuplicates:
    """The ``dupe_docs``, ``dupe_pairs`` and ``dupe_feedback`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def fingerprints(self) -> dict[str, str]:
        """uid → fingerprint of every analysed issue."""
        rows = self._db.execute("SELECT uid, fingerprint FROM dupe_docs").fetchall()
        return dict(rows)

    def docs_version(self) -> tuple[int, int]:
        """Changes whenever a document is added, replaced or removed (count, newest rowid):
        a cheap key for caching an index built from the documents."""
        count, newest = self._db.execute("SELECT count(*), max(rowid) FROM dupe_docs").fetchone()
        return int(count), int(newest or 0)

    def docs(self) -> Iterable[tuple[str, str]]:
        """(uid, analysed document as JSON) of every analysed issue, in uid order."""
        yield from self._db.execute("SELECT uid, doc FROM dupe_docs ORDER BY uid")

    def save_docs(self, docs: Sequence[tuple[str, str, str, bool]]) -> None:
        """Insert or replace (uid, fingerprint, doc JSON, pending) rows."""
        self._db.conn.executemany(
            "INSERT OR REPLACE INTO dupe_docs (uid, fingerprint, doc, pending) VALUES (?, ?, ?, ?)",
            [(uid, fingerprint, doc, int(pending)) for uid, fingerprint, doc, pending in docs],
        )

    def pending_docs(self, limit: int) -> list[tuple[str, str]]:
        """Up to ``limit`` (uid, doc JSON) still to be matched, in uid order."""
        rows = self._db.execute(
            "SELECT uid, doc FROM dupe_docs WHERE pending = 1 ORDER BY uid LIMIT ?", [limit]
        ).fetchall()
        return [(uid, doc) for uid, doc in rows]

    def count_pending(self) -> int:
        return int(
            self._db.execute("SELECT count(*) FROM dupe_docs WHERE pending = 1").fetchone()[0]
        )

    def mark_matched(self, uid: str) -> None:
        """``uid`` has been matched against the others (its pairs are stored)."""
        self._db.execute("UPDATE dupe_docs SET pending = 0 WHERE uid = ?", [uid])

    def forget(self, uids: Sequence[str]) -> None:
        """Drop the documents and pairs of issues that are gone (verdicts stay)."""
        for uid in uids:
            self._db.execute("DELETE FROM dupe_docs WHERE uid = ?", [uid])
            self._db.execute("DELETE FROM dupe_pairs WHERE a = ? OR b = ?", [uid, uid])

    def replace_pairs_of(self, uid: str, pairs: Sequence[StoredPair]) -> None:
        """Replace every pair involving ``uid`` by ``pairs``, keeping a pair's first
        ``found_at`` when it was already known."""
        known = {
            (a, b): found
            for a, b, found in self._db.execute(
                "SELECT a, b, found_at FROM dupe_pairs WHERE a = ? OR b = ?", [uid, uid]
            )
        }
        self._db.execute("DELETE FROM dupe_pairs WHERE a = ? OR b = ?", [uid, uid])
        self._db.conn.executemany(
            "INSERT OR REPLACE INTO dupe_pairs (a, b, score, matched, found_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (
                    p.a,
                    p.b,
                    p.score,
                    json.dumps(list(p.matched)),
                    known.get((p.a, p.b), p.found_at.isoformat()),
                )
                for p in pairs
            ],
        )

    def pairs(self, uid: str | None = None) -> list[StoredPair]:
        """Stored pairs (of ``uid``, or all), strongest first, without those people
        said are not duplicates."""
        where = "WHERE (p.a = ? OR p.b = ?)" if uid else ""
        rows = self._db.execute(
            "SELECT p.a, p.b, p.score, p.matched, p.found_at FROM dupe_pairs p "
            "LEFT JOIN dupe_feedback f ON f.a = p.a AND f.b = p.b "
            f"{where} {'AND' if where else 'WHERE'} f.a IS NULL "
            "ORDER BY p.score DESC, p.a, p.b",
            [uid, uid] if uid else [],
        ).fetchall()
        return [
            StoredPair(a, b, score, tuple(json.loads(matched)), datetime.fromisoformat(found))
            for a, b, score, matched, found in rows
        ]

    def pairs_found_since(self, since: datetime) -> list[DupePair]:
        """Pairs found after ``since`` (and not refused), each with both issues' key, title,
        url, state and owner team, strongest first. One query: digests read this for
        thousands of pairs."""
        side = "{s}.key, {s}.title, json_extract({s}.data, '$.url'), {s}c.owner_team, {s}.state"
        rows = self._db.execute(
            f"SELECT p.a, {side.format(s='a')}, p.b, {side.format(s='b')}, "
            "p.score, p.matched, p.found_at FROM dupe_pairs p "
            "JOIN issues a ON a.uid = p.a JOIN issues b ON b.uid = p.b "
            "LEFT JOIN score_cards ac ON ac.issue_uid = p.a "
            "LEFT JOIN score_cards bc ON bc.issue_uid = p.b "
            "LEFT JOIN dupe_feedback f ON f.a = p.a AND f.b = p.b "
            "WHERE p.found_at > ? AND f.a IS NULL ORDER BY p.score DESC, p.a, p.b",
            [since.isoformat()],
        ).fetchall()
        return [_found_pair(row) for row in rows]

    def not_duplicates(self) -> set[tuple[str, str]]:
        """Pairs people said are not duplicates, each as (smaller uid, larger uid)."""
        return {(a, b) for a, b in self._db.execute("SELECT a, b FROM dupe_feedback")}

    def mark_not_duplicate(self, one: str, other: str, *, person: str, at: datetime) -> bool:
        """Record that ``person`` says the two issues are not duplicates; False if somebody
        already said so (the first verdict stands)."""
        a, b = ordered(one, other)
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO dupe_feedback (a, b, verdict, person, at) "
            "VALUES (?, ?, 'not_duplicate', ?, ?)",
            [a, b, person, at.isoformat()],
        )
        return bool(cursor.rowcount)
