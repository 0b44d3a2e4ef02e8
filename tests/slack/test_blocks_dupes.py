"""Block Kit for duplicates stays within Slack's limits and names pairs unambiguously."""

from __future__ import annotations

import json

import pytest

from bot.app.results import DupeMatch, DupesAnswer
from bot.slack.blocks_dupes import dupes_blocks, pair_value, split_pair
from tests.builders import issue


def _match(n: int, *, team: str = "vision") -> DupeMatch:
    return DupeMatch(
        uid=f"github:acme/{team}#{n}",
        key=f"acme/{team}#{n}",
        source="github",
        title="x" * 400,
        url=f"https://github.com/acme/{team}/issues/{n}",
        team=team,
        score=0.9 - n / 1000,
        matched=("OutOfMemoryError", "prefetch"),
        passage="…crashes with OutOfMemoryError in prefetch <script>…" * 30,
        likely=n < 3,
    )


def test_a_long_answer_fits_in_one_message() -> None:
    answer = DupesAnswer(
        issue=issue("acme/asr#1"),
        team="asr",
        other_teams=tuple(_match(n) for n in range(80)),
        own_team=tuple(_match(n, team="asr") for n in range(5)),
        threshold=0.35,
    )
    blocks = dupes_blocks(answer)
    assert len(blocks) <= 50
    assert "and 41 more" in json.dumps(blocks)  # 87 units, 46 shown
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert "<script>" not in json.dumps(blocks)  # escaped


def test_an_empty_answer_says_so() -> None:
    answer = DupesAnswer(issue("acme/asr#1"), "asr", (), (), 0.35)
    assert "Nothing reads like it" in json.dumps(dupes_blocks(answer))


def test_pair_values_round_trip_and_reject_anything_else() -> None:
    assert split_pair(pair_value("github:a/b#1", "jira:ABC-2")) == ("github:a/b#1", "jira:ABC-2")
    for bad in ("", "github:a/b#1", "\x1fjira:ABC-2", "github:a/b#1\x1f"):
        with pytest.raises(ValueError, match="not a pair"):
            split_pair(bad)
