"""Claims written back to the fake Linear, and checked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.trackers.linear.writeback import LinearClaimWriter
from tests.fakes.linear import FakeLinear, Scripted
from tests.trackers.linear.harness import Harness

MARKER = "claim-test-0001"

T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def writer(harness: Harness) -> LinearClaimWriter:
    return LinearClaimWriter(harness.client())


def _issue(fake: FakeLinear, assignee: str | None = None) -> str:
    return fake.workspace.add_issue("ENG", title="Orphan", created_at=T0, assignee=assignee)


def test_assign_is_checked_and_replaces_the_single_assignee(
    fake: FakeLinear, writer: LinearClaimWriter
) -> None:
    ana, omar = fake.workspace.add_user("Ana"), fake.workspace.add_user("Omar")
    key = _issue(fake, assignee=omar)
    result = writer.assign(key, ana)
    assert result.ok and f"replacing {omar}" in result.detail
    assert fake.workspace.find(key).assignee_id == ana  # type: ignore[union-attr]
    sent = fake.requests[-1].json()
    assert sent["variables"] == {"id": key, "assigneeId": ana}
    assert fake.requests[-1].headers["authorization"] == "lin_api_t0k"  # no Bearer


def test_assign_that_does_not_take_is_not_ok(fake: FakeLinear, writer: LinearClaimWriter) -> None:
    ana = fake.workspace.add_user("Ana")
    key = _issue(fake)
    fake.api.revert_assignments = True
    result = writer.assign(key, ana)
    assert not result.ok and "lists nobody" in result.detail


@pytest.mark.parametrize(
    ("key", "user", "why"),
    [("ENG-99", None, "Could not find referenced Issue"), (None, "user-nobody", "User")],
)
def test_refusals_come_back_as_sentences(
    fake: FakeLinear,
    writer: LinearClaimWriter,
    key: str | None,
    user: str | None,
    why: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    issue = key or _issue(fake)
    handle = user or fake.workspace.add_user("Ana")
    result = writer.assign(issue, handle)
    assert not result.ok and result.detail.startswith("Linear did not")
    assert result.detail.endswith(
        "Linear rejected the request: no such issue or user, or invalid input"
    )
    assert why not in result.detail and why in caplog.records[-1].getMessage()  # logged


def test_unassign_clears_only_that_person(fake: FakeLinear, writer: LinearClaimWriter) -> None:
    ana, omar = fake.workspace.add_user("Ana"), fake.workspace.add_user("Omar")
    key = _issue(fake, assignee=ana)
    assert writer.unassign(key, omar).ok  # not assigned: nothing to undo
    assert fake.workspace.find(key).assignee_id == ana  # type: ignore[union-attr]
    assert writer.unassign(key, ana).ok
    assert fake.workspace.find(key).assignee_id is None  # type: ignore[union-attr]


def test_comment_returns_its_address(fake: FakeLinear, writer: LinearClaimWriter) -> None:
    key = _issue(fake)
    result = writer.comment(key, "Claimed from the weekly digest", marker=MARKER)
    assert result.ok and f"/issue/{key}#comment-" in result.detail
    row = fake.workspace.find(key)
    assert row is not None and row.comments[-1].body == "Claimed from the weekly digest"
    assert not writer.comment("ENG-404", "x", marker=MARKER).ok


def test_a_server_error_is_retried(
    fake: FakeLinear, writer: LinearClaimWriter, harness: Harness
) -> None:
    ana = fake.workspace.add_user("Ana")
    key = _issue(fake)
    fake.script(Scripted(503, "unavailable"))
    assert writer.assign(key, ana).ok and len(harness.sleeps) == 1


@pytest.mark.parametrize("key", ["ENG", "eng-1", "ENG-0", "acme/asr#1", ""])
def test_malformed_keys_and_handles_are_caller_bugs(writer: LinearClaimWriter, key: str) -> None:
    with pytest.raises(ValueError, match="Linear"):
        writer.assign(key, "user-1")


def test_an_empty_handle_is_a_caller_bug(writer: LinearClaimWriter) -> None:
    with pytest.raises(ValueError, match="empty Linear user id"):
        writer.unassign("ENG-1", "  ")
