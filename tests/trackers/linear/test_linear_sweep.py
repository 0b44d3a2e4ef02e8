"""An issue moved to a team that is not synced is never listed again under either key: the
sweep finds it missing, reads it directly, and forgets the old key only when Linear shows it
gone or known by another identifier (``previousIdentifiers``) — never a live issue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.rules_sources import LinearSources
from tests.fakes.linear import FakeLinear
from tests.trackers.linear.harness import Harness

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
ENG = LinearSources(teams=("ENG",))


def _eng_issues(fake: FakeLinear, count: int) -> list[str]:
    return [
        fake.workspace.add_issue("ENG", title=f"Issue {n}", created_at=T0 + timedelta(hours=n))
        for n in range(count)
    ]


def test_an_issue_moved_to_a_team_not_synced_is_forgotten_by_the_sweep(
    fake: FakeLinear, harness: Harness
) -> None:
    moved, kept = _eng_issues(fake, 2)
    harness.sync(ENG)
    new_key = fake.workspace.move(moved, "OPS", at=fake.now - timedelta(minutes=5))
    harness.sync(ENG)
    assert moved in harness.issues()  # no listing of ENG shows it any more, under any key
    report = harness.sync(ENG, sweep=True)
    assert report.failed == []
    assert set(harness.issues()) == {kept}
    assert new_key.startswith("OPS-") and sum(s.deleted for s in report.streams) == 1


def test_an_issue_edited_while_the_sweep_lists_is_kept(fake: FakeLinear, harness: Harness) -> None:
    keys = _eng_issues(fake, 3)
    harness.sync(ENG)
    handle = fake.handle

    def edit_first(path: str, headers: dict[str, str], body: bytes) -> Any:
        if b"query Identifiers" in body:  # the sweep's listing: an edit lands just before it
            fake.workspace.edit(keys[0], at=fake.now, title="Renamed")
        return handle(path, headers, body)

    fake.handle = edit_first  # type: ignore[method-assign]
    report = harness.sync(ENG, sweep=True)
    assert report.failed == []
    assert set(harness.issues()) == set(keys)
    reads = [r for r in fake.requests if b"query WhereIs" in r.body]
    assert [r.json()["variables"]["id"] for r in reads] == [keys[0]]  # confirmed, not forgotten


def test_a_sweep_with_nothing_gone_reads_no_issue_directly(
    fake: FakeLinear, harness: Harness
) -> None:
    _eng_issues(fake, 3)
    harness.sync(ENG)
    fake.reset_requests()
    harness.sync(ENG, sweep=True)
    assert not [r for r in fake.requests if b"query WhereIs" in r.body]


def test_a_first_sync_does_not_sweep_and_the_next_sweep_is_a_week_later(
    fake: FakeLinear, harness: Harness
) -> None:
    _eng_issues(fake, 3)
    connector_sweep = None  # when due, as `impactbot sync` runs it
    harness.sync(ENG, sweep=connector_sweep)
    assert not [r for r in fake.requests if b"query Identifiers" in r.body]
    fake.now = fake.now + timedelta(days=8)
    fake.reset_requests()
    harness.sync(ENG, sweep=connector_sweep)
    assert [r for r in fake.requests if b"query Identifiers" in r.body]
