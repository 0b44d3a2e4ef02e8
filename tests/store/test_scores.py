"""The scores repository: score cards with their contributions."""

from __future__ import annotations

from pathlib import Path

from bot.core.rules_scoring import ScoringRules
from bot.core.scoring import score_issues
from bot.store import open_store
from tests.builders import NOW, directory, issue


def test_score_cards_round_trip_with_contributions(tmp_path: Path) -> None:
    issues = [issue(labels=("taxonomy",)), issue("acme/asr#2", refs=("acme/labelling#1",))]
    cards = score_issues(issues, directory=directory(), rules=ScoringRules(), now=NOW)
    with open_store(tmp_path / "x.db") as store:
        store.issues.upsert(issues)
        store.scores.replace_all(cards)
        assert store.scores.load("github:acme/labelling#1") == cards[0]
        rows = list(
            store.db.table("contributions").rows_where("issue_uid = ?", ["github:acme/labelling#1"])
        )
        assert [r["signal"] for r in rows] == [c.signal for c in cards[0].contributions]
