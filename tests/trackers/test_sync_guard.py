"""The sync engine stops a stream that goes round in circles, before it spends the budget.

Driven through the GitHub connector against the fake GitHub, with the fake scripted to
misbehave the two ways a paging bug looks from the outside: a `next` link that leads back to
a page already read, and an endless chain of empty pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.core.rules_sources import GitHubSources
from bot.store import open_store
from bot.trackers.sync_guard import REQUEST_FLOOR, RunawayStreamError, StreamGuard
from tests.fakes.github import FakeGitHub, ScriptedResponse
from tests.trackers.github.harness import Harness

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SOURCES = GitHubSources(repos=("acme/big", "acme/small"))


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(token="t0k", now=NOW) as gh:
        for repo in ("acme/big", "acme/small"):
            gh.add_repo(repo)
        gh.add_issue("acme/small", title="Fine", created_at=T0)
        yield gh


@pytest.fixture
def harness(fake: FakeGitHub, tmp_path: Path) -> Iterator[Harness]:
    h = Harness(fake, tmp_path / "sync.db")
    yield h
    h.http.close()


def _get(fake: FakeGitHub, url: str) -> httpx.Response:
    with httpx.Client(headers={"Authorization": "Bearer t0k"}) as http:
        return http.get(url)


def test_a_next_link_back_to_a_page_already_read_stops_the_stream(
    fake: FakeGitHub, harness: Harness
) -> None:
    for n in range(250):
        fake.add_issue("acme/big", title=f"Imported {n}", created_at=T0, updated_at=NOW)
    since = (NOW - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    first = _get(fake, f"{fake.url}/repos/acme/big/issues?state=all&sort=updated&direction=asc"
                 f"&per_page=100&since={since}")  # fmt: skip
    page_2 = first.links["next"]["url"]
    looping = ScriptedResponse(200, {"Link": f'<{page_2}>; rel="next"'}, _get(fake, page_2).json())
    fake.script("GET", r"^/repositories/\d+/issues$", *[looping] * 50)
    fake.reset_requests()
    report = harness.sync(SOURCES)
    [failed] = report.failed
    assert failed.key == "github:acme/big"
    assert failed.error is not None
    assert "github:acme/big" in failed.error and page_2 in failed.error
    assert "a second time" in failed.error
    listings = [r for r in fake.requests if r.path.endswith("/issues")]
    assert len([r for r in listings if r.path.startswith("/repositories/")]) == 2
    with open_store(harness.db) as store:
        assert store.issues.count() == 1 + 200  # acme/small, and the pages before the loop


def test_an_endless_chain_of_empty_pages_stops_after_the_request_bound(
    fake: FakeGitHub, harness: Harness
) -> None:
    base = f"{fake.url}/repositories/1/issues?state=all&per_page=100"
    empty = [
        ScriptedResponse(200, {"Link": f'<{base}&after=c{n}>; rel="next"'}, [])
        for n in range(REQUEST_FLOOR + 50)
    ]
    fake.script("GET", r"^/repos/acme/big/issues$", empty[0])
    fake.script("GET", r"^/repositories/\d+/issues$", *empty[1:])
    fake.reset_requests()
    report = harness.sync(SOURCES)
    [failed] = report.failed
    assert failed.key == "github:acme/big"
    assert failed.error is not None
    assert f"after {REQUEST_FLOOR + 1} requests for 0 items" in failed.error
    # (the stream's first request reads the repository itself: its visibility)
    assert f"{base}&after=c{REQUEST_FLOOR - 2}" in failed.error
    big = [r for r in fake.requests if "acme/small" not in r.path and r.path != "/graphql"]
    assert len(big) == REQUEST_FLOOR + 1
    assert [s.error for s in report.streams if s.key == "github:acme/small"] == [None]


def test_the_guard_counts_items_listed_and_confirmed_gone() -> None:
    guard = StreamGuard("tracker:x")
    guard.check(url="https://x/1", items=0, requests=REQUEST_FLOOR)
    guard.check(url=None, items=3, requests=REQUEST_FLOOR + 30)
    guard.check(url=None, items=0, requests=REQUEST_FLOOR + 30)  # no address: not compared
    with pytest.raises(RunawayStreamError, match=f"after {REQUEST_FLOOR + 31} requests"):
        StreamGuard("tracker:y").check(url=None, items=0, requests=REQUEST_FLOOR + 31)
