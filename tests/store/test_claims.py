"""The claims repository: managers' decisions come back as the core's ``Decision``."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.digest_routing import Decision, DecisionKind
from bot.store import open_store
from bot.store.claims import ClaimRow
from tests.builders import NOW

UID = "github:acme/asr#1"


def test_decisions_round_trip_and_undoing_one_marks_it_undone(tmp_path: Path) -> None:
    snooze = Decision("omar", UID, DecisionKind.SNOOZE, NOW, 2.5, NOW + timedelta(weeks=4))
    not_ours = Decision("omar", UID, DecisionKind.NOT_OURS, NOW + timedelta(hours=1), 7.0)
    with open_store(tmp_path / "x.db") as store:
        store.claims.record_decision(not_ours)
        store.claims.record_decision(snooze)
        assert store.claims.decisions() == [snooze, not_ours]  # oldest first
        assert store.claims.undo_decision("omar", UID, "not_ours", NOW + timedelta(hours=2))
        assert store.claims.decisions()[1].undone


def test_a_decision_marked_undone_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    undone = Decision("omar", UID, DecisionKind.NOT_OURS, NOW, 1.0, undone=True)
    with open_store(tmp_path / "x.db") as store:
        with pytest.raises(ValueError, match="recorded standing"):
            store.claims.record_decision(undone)
        assert store.claims.decisions() == []


def test_a_claim_round_trips_typed_and_a_second_one_on_the_issue_is_refused(
    tmp_path: Path,
) -> None:
    lease = NOW + timedelta(minutes=10)
    row = ClaimRow(UID, "asr", "omar", "ana", NOW, "assigned by impactbot", "reserved", lease)
    with open_store(tmp_path / "x.db") as store:
        assert store.claims.record(row)
        assert not store.claims.record(replace(row, at=NOW + timedelta(seconds=1), team="nlp"))
        assert store.claims.standing(UID) == row and store.claims.all() == [row]
        assert store.claims.expired_leases(lease) == [row]
        assert store.claims.undo(UID, NOW + timedelta(hours=1)) == row
        assert store.claims.standing(UID) is None and store.claims.all() == []
