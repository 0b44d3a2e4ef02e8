"""Whether the comments and changelog that search embeds are complete must not hang on what
``total`` means: Atlassian's spec says "the number of results on the page", sites are
reported to send the count of all. The fake Jira answers either way (``total_reading``); the
sync must store every comment and every history entry under both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.rules_sources import JiraSources
from tests.fakes.jira import FakeJira
from tests.trackers.jira.harness import Harness

NOW = datetime(2024, 6, 1, 19, 0, tzinfo=UTC)
T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
SOURCES = JiraSources(projects=("ASR", "DATA"))
READINGS = ["page", "all"]


@pytest.fixture(params=READINGS)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    with FakeJira(now=NOW, total_reading=request.param) as fake:
        fake.add_project("ASR")
        fake.add_project("DATA")
        h = Harness(fake, tmp_path / "sync.db")
        yield h
        h.http.close()


def _component_moves(fake: FakeJira, key: str, count: int, start: datetime) -> None:
    for n in range(count):
        fake.edit(
            key,
            at=start + timedelta(minutes=n),
            components=[f"c{n + 1}"],
            items=[{"field": "Component", "fromString": f"c{n}", "toString": f"c{n + 1}"}],
        )


def _comments(fake: FakeJira, key: str, count: int, start: datetime) -> None:
    for n in range(count):
        fake.add_comment(key, author="bot-account", text=f"c{n}", at=start + timedelta(minutes=n))


@pytest.mark.parametrize("count", [1, 20, 40, 45, 150])
def test_every_comment_and_history_entry_is_stored(harness: Harness, count: int) -> None:
    fake = harness.fake
    key = fake.add_issue("ASR", summary="Long story", created=T0)
    _component_moves(fake, key, count, T0 + timedelta(days=1))
    _comments(fake, key, count, T0 + timedelta(days=2))
    report = harness.sync(SOURCES)
    assert report.failed == []
    issue = harness.issues()[key]
    assert len(issue.ownership_changes or ()) == count
    assert [c.body for c in issue.comments] == [f"c{n}" for n in range(count)]


def test_an_issue_without_comments_or_history_costs_no_extra_request(harness: Harness) -> None:
    harness.fake.add_issue("ASR", summary="Quiet", created=T0)
    harness.sync(SOURCES)
    assert all("/issue/" not in r.path for r in harness.fake.requests)


def test_a_move_older_than_the_embedded_history_still_forgets_the_old_key(
    harness: Harness,
) -> None:
    fake = harness.fake
    old = fake.add_issue("ASR", summary="Wanders", created=T0)
    harness.sync(SOURCES)
    new = fake.move(old, "DATA", at=T0 + timedelta(days=1))
    _component_moves(fake, new, 45, T0 + timedelta(days=2))  # pushes the move out of the 40
    harness.sync(SOURCES)
    assert sorted(harness.issues()) == [new]
