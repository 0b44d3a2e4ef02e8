"""Near-duplicate pairs kept up to date in the store, incrementally, with people's verdicts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.app import duplicates
from bot.core.dupes import DuplicateRules
from bot.core.models import Issue, IssueState
from bot.core.rules_scoring import ScoringRules
from bot.core.scoring import score_issues
from bot.store import open_store
from tests.builders import NOW, directory, issue

RULES = DuplicateRules()
CRASH = (
    "Trainer crashes with OutOfMemoryError in DataLoader.prefetch when the shuffle buffer "
    "exceeds 2 GB; stack: java.lang.OutOfMemoryError at DataLoader.prefetch"
)


def pool() -> list[Issue]:
    return [
        issue("acme/asr#1", title="DataLoader prefetch OutOfMemoryError", body=CRASH),
        issue(
            "acme/vision#7",
            title="OutOfMemoryError in DataLoader prefetch with big shuffle buffer",
            body=CRASH + " seen on the vision cluster too",
            author="vera",
        ),
        issue("acme/nlp#3", title="Tokenizer drops emoji", body="Emoji vanish after tokenizing."),
        issue("acme/recsys#4", title="Ranking metrics dashboard", body="Add NDCG to the board."),
    ]


def test_refresh_finds_the_pair_and_is_incremental(tmp_path: Path) -> None:
    issues = pool()
    with open_store(tmp_path / "db.sqlite") as store:
        first = duplicates.refresh(store, RULES, issues, now=NOW)
        assert first.analysed == 4 and first.matched == 4
        pairs = {(p.uid, p.other_uid) for p in first.pairs}
        assert pairs == {("github:acme/asr#1", "github:acme/vision#7")}
        assert first.pairs[0].matched  # the words the finder matched on

        again = duplicates.refresh(store, RULES, issues, now=NOW + timedelta(hours=1))
        assert (again.analysed, again.matched) == (0, 0)
        assert again.pairs == first.pairs

        edited = [*issues[:3], issues[3].model_copy(update={"body": "NDCG and MRR please"})]
        third = duplicates.refresh(store, RULES, edited, now=NOW)
        assert (third.analysed, third.matched) == (1, 1)

        removed = duplicates.refresh(store, RULES, [issues[0], *issues[2:]], now=NOW)
        assert removed.removed == 1 and removed.pairs == ()


def test_a_closed_issue_is_a_candidate_but_not_matched_itself(tmp_path: Path) -> None:
    closed = pool()[0].model_copy(update={"state": IssueState.CLOSED, "closed_at": NOW})
    with open_store(tmp_path / "db.sqlite") as store:
        found = duplicates.refresh(store, RULES, [closed, *pool()[1:]], now=NOW)
    assert found.matched == 3 and len(found.pairs) == 1


def test_not_a_duplicate_suppresses_the_pair(tmp_path: Path) -> None:
    issues = pool()
    with open_store(tmp_path / "db.sqlite") as store:
        duplicates.refresh(store, RULES, issues, now=NOW)
        said = store.duplicates.mark_not_duplicate(
            "github:acme/vision#7", "github:acme/asr#1", person="omar", at=NOW
        )
        assert said and not store.duplicates.mark_not_duplicate(
            "github:acme/asr#1", "github:acme/vision#7", person="vik", at=NOW
        )
        assert duplicates.near_duplicates(store) == []
        ranked = duplicates.candidates(store, RULES, issues[0])
        assert "github:acme/vision#7" not in [c.uid for c in ranked]
        # a re-analysis does not bring it back
        edited = [issues[0].model_copy(update={"title": "Prefetch OOM"}), *issues[1:]]
        assert duplicates.refresh(store, RULES, edited, now=NOW).pairs == ()


def test_candidates_rank_the_duplicate_first(tmp_path: Path) -> None:
    issues = pool()
    with open_store(tmp_path / "db.sqlite") as store:
        duplicates.refresh(store, RULES, issues, now=NOW)
        ranked = duplicates.candidates(store, RULES, issues[1], k=3)
    assert ranked[0].uid == "github:acme/asr#1"
    assert all(c.uid != "github:acme/vision#7" for c in ranked)


def test_a_near_duplicate_from_another_team_is_reach_in_the_score_card(tmp_path: Path) -> None:
    issues = pool()
    with open_store(tmp_path / "db.sqlite") as store:
        pairs = duplicates.refresh(store, RULES, issues, now=NOW).pairs
    with_pairs, without = (
        score_issues(
            issues, directory=directory(), rules=ScoringRules(), now=NOW, near_duplicates=found
        )[0]
        for found in (pairs, ())
    )
    assert "vision" in with_pairs.beneficiaries and "vision" not in without.beneficiaries
    evidence = [e for c in with_pairs.contributions for e in c.evidence]
    assert any("acme/vision#7 looks like a duplicate of it" in e for e in evidence), evidence


def test_matching_is_spread_over_runs_by_the_budget(tmp_path: Path) -> None:
    issues = pool()
    with open_store(tmp_path / "db.sqlite") as store:
        first = duplicates.refresh(store, RULES, issues, now=NOW, budget=2)
        assert (first.analysed, first.matched, first.pending) == (4, 2, 2)
        second = duplicates.refresh(store, RULES, issues, now=NOW, budget=2)
        assert (second.analysed, second.matched, second.pending) == (0, 2, 0)
        assert {(p.uid, p.other_uid) for p in second.pairs} == {
            ("github:acme/asr#1", "github:acme/vision#7")
        }


def test_a_kept_index_is_updated_in_place_like_a_rebuilt_one(tmp_path: Path) -> None:
    issues = pool()
    edited = [issues[0].model_copy(update={"title": "Emoji tokenizer"}), *issues[1:3]]
    with open_store(tmp_path / "kept.sqlite") as kept, open_store(tmp_path / "new.sqlite") as new:
        first = duplicates.refresh(kept, RULES, issues, now=NOW)
        again = duplicates.refresh(kept, RULES, edited, now=NOW, index=first.index)
        duplicates.refresh(new, RULES, issues, now=NOW)
        rebuilt = duplicates.refresh(new, RULES, edited, now=NOW)
    assert again.index is first.index and len(again.index) == 3
    assert again.pairs == rebuilt.pairs
    query = duplicates.analysed(edited[2], RULES)
    assert again.index.query(query) == rebuilt.index.query(query)


def test_a_reopened_issue_is_matched_again(tmp_path: Path) -> None:
    closed = pool()[0].model_copy(update={"state": IssueState.CLOSED, "closed_at": NOW})
    with open_store(tmp_path / "db.sqlite") as store:
        duplicates.refresh(store, RULES, [closed, *pool()[1:]], now=NOW)
        reopened = duplicates.refresh(store, RULES, pool(), now=NOW)
    assert reopened.matched == 1
