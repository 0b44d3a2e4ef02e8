"""DuplicateIndex: finds the duplicate, stays correct under add/replace/remove, honours pools."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.dupes import Candidate, DupeDoc, DuplicateIndex, DuplicateRules, analyse

RULES = DuplicateRules()
START = datetime(2023, 1, 1, tzinfo=UTC)
TEXTS = {
    "A-1": ("NameNode crashes with NullPointerException on concat", "FSNamesystem.concat NPE"),
    "A-2": ("Web UI shows wrong colour for dead nodes", "The dead nodes page is red"),
    "A-3": ("Balancer too slow on large clusters", "moving blocks takes days"),
    "B-1": ("Scheduler forgets queue capacity after restart", "capacity lost on restart"),
    "B-2": ("Concat fails: NullPointerException in FSNamesystem", "NPE thrown by concat"),
}


def _doc(uid: str, *, days: int = 0, title: str | None = None, body: str = "") -> DupeDoc:
    default_title, default_body = TEXTS.get(uid, ("", ""))
    return analyse(
        uid,
        title=default_title if title is None else title,
        body=body or default_body,
        container=uid.split("-")[0],
        created_at=START + timedelta(days=days),
        rules=RULES,
    )


def _index(*uids: str) -> DuplicateIndex:
    index = DuplicateIndex(RULES)
    for day, uid in enumerate(uids):
        index.add(_doc(uid, days=day))
    return index


def _uids(found: list[Candidate]) -> list[str]:
    return [c.uid for c in found]


def test_the_duplicate_ranks_first_with_a_reportable_score() -> None:
    index = _index("A-1", "A-2", "A-3", "B-1")
    found = index.query(_doc("B-2", days=5))
    assert found[0].uid == "A-1"
    assert found[0].score >= RULES.report_threshold
    assert all(c.score < RULES.report_threshold for c in found[1:])
    assert "NullPointerException" in found[0].matched


def test_scores_are_in_unit_range_and_sorted() -> None:
    index = _index("A-1", "A-2", "A-3", "B-1")
    found = index.query(_doc("A-1"), k=10)  # a document identical to an indexed one
    assert all(0 <= c.score <= 1 for c in found)
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_never_returns_the_query_itself() -> None:
    index = _index("A-1", "A-2", "B-2")
    assert "A-1" not in _uids(index.query(_doc("A-1")))


def test_containers_limit_the_pool_and_exclude_drops_uids() -> None:
    index = _index("A-1", "A-2", "A-3", "B-1")
    query = _doc("B-2", days=5)
    assert _uids(index.query(query, containers={"B"})) == []
    assert "A-1" in _uids(index.query(query, containers={"A", "Z"}))
    assert "A-1" not in _uids(index.query(query, exclude={"A-1"}))


def test_add_again_replaces_and_remove_forgets() -> None:
    index = _index("A-1", "A-2")
    index.add(_doc("A-1", title="Completely different words", body="about printers"))
    assert len(index) == 2
    assert "A-1" not in _uids(index.query(_doc("B-2")))
    index.remove("A-2")
    index.remove("never-added")  # absent: nothing happens
    assert len(index) == 1 and "A-2" not in index


def test_many_removals_compact_without_changing_answers() -> None:
    index = DuplicateIndex(RULES)
    for n in range(1500):
        index.add(_doc(f"Z-{n}", title=f"printer jam number{n}", body="paper concat"))
    for day, uid in enumerate(("A-1", "A-2", "A-3")):
        index.add(_doc(uid, days=day))
    for n in range(1500):
        index.remove(f"Z-{n}")
    assert len(index) == 3
    index.add(_doc("B-1", days=3))  # slots renumbered by the compaction still take adds
    expected = _index("A-1", "A-2", "A-3", "B-1").query(_doc("B-2", days=5))
    assert index.query(_doc("B-2", days=5)) == expected


def test_incremental_index_equals_one_built_at_once() -> None:
    grown = _index("A-1", "A-2")
    for uid in ("A-3", "B-1"):
        grown.add(_doc(uid, days=2 if uid == "A-3" else 3))
    assert grown.query(_doc("B-2", days=5)) == _index("A-1", "A-2", "A-3", "B-1").query(
        _doc("B-2", days=5)
    )


def test_closer_in_time_ranks_higher_between_equal_texts() -> None:
    index = DuplicateIndex(RULES)
    index.add(_doc("A-1", days=0))
    index.add(
        analyse(
            "A-9",
            title=TEXTS["A-1"][0],
            body=TEXTS["A-1"][1],
            container="A",
            created_at=START + timedelta(days=400),
            rules=RULES,
        )
    )
    assert _uids(index.query(_doc("B-2", days=390)))[:2] == ["A-9", "A-1"]


def test_empty_index_and_empty_query_find_nothing() -> None:
    assert DuplicateIndex(RULES).query(_doc("A-1")) == []
    assert _index("A-1").query(_doc("A-5", title="", body="")) == []


def test_bad_input_is_refused() -> None:
    index = _index("A-1")
    with pytest.raises(ValueError, match="k must be"):
        index.query(_doc("B-2"), k=0)
    with pytest.raises(TypeError, match="DupeDoc"):
        index.add("A-1")  # type: ignore[arg-type]
    assert len(index) == 1
