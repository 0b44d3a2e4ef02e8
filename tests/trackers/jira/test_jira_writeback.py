"""Claim write-back to the fake Jira: checked assignment (one assignee: replacing is said),
unassignment only of the claimed account, ADF comments, and refusals as sentences."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.rules_sources import JiraSources
from bot.errors import ConfigurationError
from bot.trackers.jira.factory import claim_writer
from tests.fakes.jira import FakeJira, Scripted
from tests.trackers.jira.harness import Harness, credentials

MARKER = "claim-test-0001"

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeJira]:
    with FakeJira(now=NOW) as jira:
        jira.add_project("ASR", assignable=("ana", "omar"))
        jira.add_user("ana", "Ana Lima")
        jira.add_user("omar", "Omar K")
        jira.add_user("zed", "Zed (no access)")
        jira.add_issue("ASR", summary="Crash", created=NOW)
        yield jira


@pytest.fixture
def harness(fake: FakeJira, tmp_path: Path) -> Iterator[Harness]:
    h = Harness(fake, tmp_path / "w.db")
    yield h
    h.http.close()


def test_assign_is_checked_and_says_whom_it_replaced(fake: FakeJira, harness: Harness) -> None:
    writer = harness.writer()
    first = writer.assign("ASR-1", "ana")
    assert first.ok and first.detail == "assigned Ana Lima on ASR-1"
    second = writer.assign("ASR-1", " omar ")
    assert second.ok and "replacing Ana Lima" in second.detail
    assert fake.issues["ASR-1"].assignee == "omar"
    puts = [r.json() for r in fake.requests if r.method == "PUT"]
    assert puts == [{"accountId": "ana"}, {"accountId": "omar"}]
    assert fake.issues["ASR-1"].histories[-1].items[0]["field"] == "assignee"


def test_an_account_jira_will_not_assign_is_a_refusal(
    fake: FakeJira, harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    result = harness.writer().assign("ASR-1", "zed")
    assert not result.ok and fake.issues["ASR-1"].assignee is None
    assert result.detail == (
        "Jira did not assign zed: Jira rejected the request as invalid (details in impactbot's log)"
    )
    assert "cannot be assigned issues" in caplog.records[-1].getMessage()  # Jira's words


def test_a_write_jira_acknowledges_but_does_not_keep_is_not_ok(
    fake: FakeJira, harness: Harness
) -> None:
    fake.script("PUT", "/assignee$", Scripted(204))  # answered, but nothing changed
    result = harness.writer().assign("ASR-1", "ana")
    assert not result.ok and "assigned to nobody" in result.detail


def test_unassign_removes_only_the_claimed_account(fake: FakeJira, harness: Harness) -> None:
    writer = harness.writer()
    writer.assign("ASR-1", "ana")
    other = writer.unassign("ASR-1", "omar")
    assert other.ok and "was not assigned" in other.detail
    assert fake.issues["ASR-1"].assignee == "ana"
    done = writer.unassign("ASR-1", "ana")
    assert done.ok and fake.issues["ASR-1"].assignee is None
    assert [r.json() for r in fake.requests if r.method == "PUT"][-1] == {"accountId": None}


def test_comment_posts_adf_and_links_to_it(fake: FakeJira, harness: Harness) -> None:
    result = harness.writer().comment(
        "ASR-1", "Claimed by Ana for team speech.\nThanks!", marker=MARKER
    )
    assert result.ok
    [comment] = fake.issues["ASR-1"].comments
    assert result.detail.endswith(f"/browse/ASR-1?focusedCommentId={comment.id}")
    assert [p["content"][0]["text"] for p in comment.body["content"]] == [
        "Claimed by Ana for team speech.",
        "Thanks!",
    ]


def test_refusals_are_sentences_and_bad_keys_are_errors(
    fake: FakeJira, harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    writer = harness.writer()
    missing = writer.assign("ASR-99", "ana")
    assert not missing.ok and "ASR-99 was not found" in missing.detail
    fake.script("POST", "/comment$", Scripted(403, {}, {"errorMessages": ["No permission."]}))
    refused = writer.comment("ASR-1", "hi", marker=MARKER)
    assert not refused.ok and "the account may not change ASR-1" in refused.detail
    assert "No permission." not in refused.detail
    assert "No permission." in caplog.records[-1].getMessage()
    with pytest.raises(ValueError, match="not a Jira issue key"):
        writer.assign("acme/asr#1", "ana")
    with pytest.raises(ValueError, match="empty"):
        writer.assign("ASR-1", " ")


def test_the_writer_needs_credentials(fake: FakeJira, harness: Harness) -> None:
    with pytest.raises(ConfigurationError, match="JIRA_EMAIL"):
        claim_writer(credentials(fake, email=""), JiraSources(projects=("ASR",)), http=harness.http)
