"""The scores aggregate: score cards with their contributions, and when issues were first
surfaced (``store.scores``; all its SQL is here)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from bot.core.models import ScoreCard
from bot.store.sql import rows_in


class SqliteScores:
    """The ``score_cards``, ``contributions`` and ``surfacings`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def replace_all(self, cards: Sequence[ScoreCard]) -> None:
        """Replace every score card and contribution with ``cards``."""
        self._db.execute("DELETE FROM contributions")
        self._db.execute("DELETE FROM score_cards")
        self._insert(cards)

    def replace(self, card: ScoreCard) -> None:
        """Replace one issue's card and contributions (after a flag, say)."""
        self._db.execute("DELETE FROM contributions WHERE issue_uid = ?", [card.issue_uid])
        self._db.execute("DELETE FROM score_cards WHERE issue_uid = ?", [card.issue_uid])
        self._insert([card])

    def _insert(self, cards: Sequence[ScoreCard]) -> None:
        """Insert ``cards`` (their issues must have none stored)."""
        self._db.table("score_cards").insert_all(
            (
                {
                    "issue_uid": c.issue_uid,
                    "computed_at": c.computed_at.isoformat(),
                    "total": c.total,
                    "orphan_score": c.orphan_score,
                    "owner_team": c.owner_team,
                    "incentive_gap": c.incentive_gap,
                    "data": c.model_dump_json(),
                }
                for c in cards
            ),
            batch_size=500,
        )
        self._db.table("contributions").insert_all(
            (
                {
                    "issue_uid": c.issue_uid,
                    "position": n,
                    "signal": part.signal,
                    "points": part.points,
                    "reason": part.reason,
                    "evidence": json.dumps(list(part.evidence)),
                }
                for c in cards
                for n, part in enumerate(c.contributions)
            ),
            batch_size=1000,
        )

    def all(self, *, orphans_only: bool = False) -> list[ScoreCard]:
        """Every card (with an orphan score only, when asked), best orphans first."""
        where = "WHERE orphan_score > 0" if orphans_only else ""
        rows = self._db.execute(
            f"SELECT data FROM score_cards {where} ORDER BY orphan_score DESC, total DESC"
        ).fetchall()
        return [ScoreCard.model_validate_json(data) for (data,) in rows]

    def load(self, uid: str) -> ScoreCard | None:
        row = self._db.execute("SELECT data FROM score_cards WHERE issue_uid = ?", [uid]).fetchone()
        return ScoreCard.model_validate_json(row[0]) if row else None

    # ---------------------------------------------------------------- surfacing

    def record_surfacings(self, cards: Sequence[ScoreCard], at: datetime) -> None:
        """Remember the first time each of ``cards`` was surfaced (kept thereafter)."""
        self._db.table("surfacings").insert_all(
            (
                {"issue_uid": c.issue_uid, "first_at": at.isoformat(), "score": c.total}
                for c in cards
            ),
            ignore=True,
        )

    def surfaced_between(self, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
        rows = self._db.execute(
            "SELECT issue_uid, first_at FROM surfacings WHERE first_at >= ? AND first_at < ? "
            "ORDER BY issue_uid",
            [start.isoformat(), end.isoformat()],
        ).fetchall()
        return [(uid, datetime.fromisoformat(at)) for uid, at in rows]

    def surfaced_before(self, uids: Sequence[str]) -> dict[str, datetime]:
        """When each of ``uids`` was first surfaced, for those that were."""
        sql = "SELECT issue_uid, first_at FROM surfacings WHERE issue_uid IN ({marks})"
        return {uid: datetime.fromisoformat(at) for uid, at in rows_in(self._db, sql, uids)}
