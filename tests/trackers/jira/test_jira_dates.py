"""A ``Date`` header without a zone (``-0000``, or two ``Date`` headers that httpx joins into
one value) must not stop a Jira stream: the governor reads it as UTC (RFC 5322 §3.3 says
``-0000`` is a time in UTC whose local zone is unknown)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.rules_sources import JiraSources
from tests.fakes.jira import FakeJira, Scripted
from tests.trackers.jira.harness import Harness

NOW = datetime(2024, 6, 1, 19, 0, tzinfo=UTC)
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    with FakeJira(now=NOW) as fake:
        fake.add_project("ASR")
        fake.add_issue("ASR", summary="WER regressed", created=T0)
        h = Harness(fake, tmp_path / "sync.db")
        yield h
        h.http.close()


@pytest.mark.parametrize(
    "date",
    [
        "Sat, 01 Jun 2024 19:00:00 -0000",  # RFC 5322: UTC, local zone unknown
        "Sat, 01 Jun 2024 19:00:00 GMT, Sat, 01 Jun 2024 19:00:01 GMT",  # two headers, joined
    ],
)
def test_a_date_without_a_zone_is_read_as_utc(harness: Harness, date: str) -> None:
    reset = NOW + timedelta(seconds=40)
    limited = Scripted(
        429,
        {
            "Date": date,
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        {"errorMessages": ["Rate limit exceeded."]},
    )
    harness.fake.script("POST", "/search/jql$", limited)
    report = harness.sync(JiraSources(projects=("ASR",)))
    assert report.failed == []
    assert sorted(harness.issues()) == ["ASR-1"]
    assert harness.sleeps[0] == pytest.approx(41.0)  # the reset, judged by the server's Date


def test_a_retry_after_date_without_a_zone_is_read_as_utc(harness: Harness) -> None:
    limited = Scripted(
        429,
        {"Retry-After": "Sat, 01 Jun 2024 19:00:30 -0000"},
        {"errorMessages": ["Rate limit exceeded."]},
    )
    harness.fake.script("POST", "/search/jql$", limited)
    report = harness.sync(JiraSources(projects=("ASR",)))
    assert report.failed == []
    assert harness.sleeps[0] == pytest.approx(30.0)
