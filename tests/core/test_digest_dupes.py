"""Which near-duplicate pairs the digests mention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.digest_dupes import (
    DupePair,
    IssueSide,
    lines_by_team,
    lines_for_teams,
    strongest_new_pairs,
)

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def side(key: str, team: str | None, *, is_open: bool = True) -> IssueSide:
    return IssueSide(f"github:{key}", key, f"title of {key}", None, team, is_open)


def pair(a: IssueSide, b: IssueSide, score: float, days_ago: float = 1) -> DupePair:
    return DupePair(a, b, score, ("oom",), NOW - timedelta(days=days_ago))


def test_a_manager_hears_of_new_cross_team_pairs_of_their_open_issues() -> None:
    pairs = [
        pair(side("asr#1", "asr"), side("vision#1", "vision"), 0.8),
        pair(side("vision#2", "vision"), side("asr#2", "asr"), 0.9),  # ours second
        pair(side("asr#3", "asr"), side("asr#4", "asr"), 0.99),  # same team: not across
        pair(side("asr#5", "asr"), side("nlp#5", "nlp"), 0.95, days_ago=8),  # not new
        pair(side("asr#6", "asr", is_open=False), side("nlp#6", "nlp"), 0.97),  # ours closed
        pair(side("x#7", None), side("asr#7", "asr"), 0.5),  # no owner: across
    ]
    by_team = lines_by_team(pairs, now=NOW)
    lines = lines_for_teams(["asr"], by_team)
    assert [(ln.ours.key, ln.theirs.key) for ln in lines] == [
        ("asr#2", "vision#2"),
        ("asr#1", "vision#1"),
        ("asr#7", "x#7"),
    ]
    assert lines_for_teams(["asr"], by_team, limit=1)[0].score == 0.9
    assert lines_for_teams(["recsys"], by_team) == ()
    # a manager of both teams of a pair hears of it once
    both = lines_for_teams(["asr", "vision"], by_team)
    assert [(ln.ours.key, ln.theirs.key) for ln in both][:2] == [
        ("asr#2", "vision#2"),
        ("asr#1", "vision#1"),
    ]


def test_leadership_sees_the_strongest_new_cross_team_pairs() -> None:
    pairs = [
        pair(side("asr#1", "asr"), side("vision#1", "vision"), 0.6),
        pair(side("asr#3", "asr"), side("asr#4", "asr"), 0.99),
        pair(side("nlp#1", "nlp", is_open=False), side("asr#9", "asr", is_open=False), 0.9),
        pair(side("nlp#2", "nlp"), side("vision#2", "vision"), 0.7),
        pair(side("nlp#3", "nlp"), side("vision#3", "vision"), 0.95, days_ago=30),
        pair(side("nlp#4", "nlp"), side("vision#4", "vision"), 0.8, days_ago=-1),  # future
    ]
    shown = strongest_new_pairs(pairs, now=NOW)
    assert [(p.one.key, p.other.key) for p in shown] == [
        ("nlp#2", "vision#2"),
        ("asr#1", "vision#1"),
    ]
