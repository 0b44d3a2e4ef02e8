"""Claim write-back to GitLab against the local fake GitLab (real HTTP on 127.0.0.1).

GitLab answers 200 to an assignment it trimmed (one assignee on Free, non-members dropped),
so these tests look at what the fake holds afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from bot.core.rules_sources import GitLabSources
from bot.trackers.gitlab.dialect import gitlab_dialect
from bot.trackers.gitlab.factory import claim_writer
from bot.trackers.gitlab.writeback import parse_gitlab_key
from bot.trackers.http import Governor, TrackerError
from bot.trackers.ratelimit import RetryPolicy
from bot.trackers.writeback import ClaimWriter
from tests.fakes.gitlab import FakeGitLab, ScriptedResponse, server_error
from tests.trackers.gitlab.harness import TOKEN, credentials

MARKER = "claim-test-0001"

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
KEY = "acme/ml/asr#1"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab(token=TOKEN) as gl:
        gl.add_project("acme/ml/asr", members={"root", "ana", "omar"})
        gl.add_issue("acme/ml/asr", title="WER regressed", created_at=T0)
        for name in ("ana", "omar", "zoe"):
            gl.add_user(name)
        yield gl


@pytest.fixture
def writer(fake: FakeGitLab) -> Iterator[ClaimWriter]:
    governor = Governor(
        policy=RetryPolicy(max_attempts=3),
        sleep=lambda s: None,
        jitter=lambda: 0.5,
        normalise=gitlab_dialect,
    )
    with httpx.Client(timeout=10) as http:
        yield claim_writer(
            credentials(fake), GitLabSources(groups=("acme",)), http=http, governor=governor
        )


def _assignees(fake: FakeGitLab) -> list[str]:
    return fake.issue("acme/ml/asr", 1).assignees


def test_assign_keeps_the_others_and_is_checked(fake: FakeGitLab, writer: ClaimWriter) -> None:
    assert writer.assign(KEY, "@ana").ok
    result = writer.assign(KEY, "omar")
    assert result.ok and result.detail == "assigned @omar"
    assert _assignees(fake) == ["ana", "omar"]
    again = writer.assign(KEY, "OMAR")
    assert again.ok and "already" in again.detail
    put = [r for r in fake.requests if r.method == "PUT"]
    assert [r.json() for r in put] == [
        {"assignee_ids": [fake.users["ana"].id]},
        {"assignee_ids": [fake.users["ana"].id, fake.users["omar"].id]},
    ]


def test_one_assignee_on_gitlab_free_is_a_refusal_with_a_reason(
    fake: FakeGitLab, writer: ClaimWriter
) -> None:
    fake.single_assignee = True
    assert writer.assign(KEY, "ana").ok
    result = writer.assign(KEY, "omar")
    assert not result.ok and "allows only one" in result.detail
    assert _assignees(fake) == ["ana"]


def test_non_members_and_unknown_users_are_refused(fake: FakeGitLab, writer: ClaimWriter) -> None:
    result = writer.assign(KEY, "zoe")
    assert not result.ok and "cannot be assigned in acme/ml/asr" in result.detail
    nobody = writer.assign(KEY, "ghost-of-nobody")
    assert not nobody.ok and "no such user" in nobody.detail
    assert _assignees(fake) == []


def test_unassign_removes_only_that_person(fake: FakeGitLab, writer: ClaimWriter) -> None:
    writer.assign(KEY, "ana")
    writer.assign(KEY, "omar")
    assert writer.unassign(KEY, "ana").ok
    assert _assignees(fake) == ["omar"]
    assert writer.unassign(KEY, "omar").ok and _assignees(fake) == []
    result = writer.unassign(KEY, "omar")
    assert result.ok and "was not assigned" in result.detail


def test_comment_posts_a_note(fake: FakeGitLab, writer: ClaimWriter) -> None:
    result = writer.comment(KEY, "Claimed by the data team", marker=MARKER)
    assert result.ok and result.detail.startswith(f"commented on {KEY}")
    [note] = fake.issue("acme/ml/asr", 1).notes
    assert note.body == f"Claimed by the data team\n\n<!-- impactbot:{MARKER} -->"
    assert not note.system


def test_refusals_come_back_with_a_sentence(
    fake: FakeGitLab, writer: ClaimWriter, caplog: pytest.LogCaptureFixture
) -> None:
    missing = writer.assign("acme/ml/asr#99", "ana")
    assert not missing.ok and "was not found, or the token cannot see it" in missing.detail
    fake.script("POST", r"/notes$", _refusal(403))
    forbidden = writer.comment(KEY, "hello", marker=MARKER)
    assert not forbidden.ok and "may not change" in forbidden.detail
    fake.script("POST", r"/notes$", ScriptedResponse(400, {}, {"message": "internal: db-7"}))
    invalid = writer.comment(KEY, "hello", marker=MARKER)
    assert not invalid.ok and "GitLab rejected the request as invalid" in invalid.detail
    assert "db-7" not in invalid.detail  # GitLab's words are logged, not shown
    assert "internal: db-7" in caplog.records[-1].getMessage()
    with pytest.raises(ValueError, match="empty comment"):  # the marker alone is not a note
        writer.comment(KEY, "  ", marker=MARKER)


def test_a_failing_gitlab_raises_after_retries(fake: FakeGitLab, writer: ClaimWriter) -> None:
    fake.script("GET", r"/users$", *[server_error(502)] * 3)
    with pytest.raises(TrackerError, match="502"):
        writer.assign(KEY, "ana")


def test_bad_keys_are_the_callers_bug(writer: ClaimWriter) -> None:
    assert parse_gitlab_key("acme/sub/proj#12") == ("acme/sub/proj", 12)
    for bad in ("proj#1", "acme/proj", "acme/proj#0", "ASR-12"):
        with pytest.raises(ValueError, match="not a GitLab issue key"):
            writer.assign(bad, "ana")
    with pytest.raises(ValueError, match="empty"):
        writer.assign(KEY, " @ ")


def _refusal(status: int) -> ScriptedResponse:
    return ScriptedResponse(status, {}, {"message": f"{status} Forbidden"})
