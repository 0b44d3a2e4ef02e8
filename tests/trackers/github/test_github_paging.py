"""GitHub paging end to end: bursts larger than a page, sweeps of large repositories, and what a
sync costs in requests and rate-limit points, against the fake GitHub (real HTTP on 127.0.0.1).

The fake answers as api.github.com does (defaults for missing parameters, `Link` URLs in the
`/repositories/{id}/issues?…` form), so a client that loses a link's query gets GitHub's default
page instead of the next one. Every test counts the requests it expects: a paging loop shows up
as requests, and the budget below makes it fail fast instead of hanging.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.core.rules_sources import GitHubSources
from bot.trackers.github.client import GitHubClient
from bot.trackers.http import Governor, TrackerError
from tests.fakes.github import FakeGitHub, RecordedRequest, ScriptedResponse
from tests.trackers.github.harness import Harness

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BURST = NOW - timedelta(hours=1)  # a bulk label change touched every issue in this second
SOURCES = GitHubSources(repos=("acme/big",))
BUDGET = 300  # core points: far more than any test here needs, far fewer than a loop spends


def _no_waiting(seconds: float) -> None:
    raise RuntimeError(f"the sync had to wait {seconds:.0f} s: it spent its request budget")


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(token="t0k", now=NOW, rate_limit=BUDGET) as gh:
        gh.add_repo("acme/big")
        yield gh


@pytest.fixture
def harness(fake: FakeGitHub, tmp_path: Path) -> Iterator[Harness]:
    h = Harness(fake, tmp_path / "sync.db")
    h.governor = Governor(sleep=_no_waiting, clock=lambda: fake.now, jitter=lambda: 0.5)
    yield h
    h.http.close()


def _listings(requests: list[RecordedRequest]) -> list[RecordedRequest]:
    return [r for r in requests if r.method == "GET" and r.path.endswith("/issues")]


def _probes(requests: list[RecordedRequest]) -> list[RecordedRequest]:
    return [r for r in requests if r.method == "GET" and re.search(r"/issues/\d+$", r.path)]


def _graphql(requests: list[RecordedRequest]) -> list[RecordedRequest]:
    return [r for r in requests if r.path == "/graphql"]


def _add_issues(fake: FakeGitHub, count: int, *, updated_at: datetime | None = None) -> None:
    for n in range(count):
        created = T0 + timedelta(minutes=n)
        fake.add_issue("acme/big", title=f"Issue {n}", created_at=created, updated_at=updated_at)


def _on_request(harness: Harness, act: callable) -> None:  # type: ignore[valid-type]
    """Call ``act(request)`` before each request the sync sends (to edit GitHub mid-walk)."""
    send = harness.governor.send

    def sending(client: httpx.Client, request: httpx.Request, resource: str) -> httpx.Response:
        act(request)
        return send(client, request, resource)

    harness.governor.send = sending  # type: ignore[method-assign]


# -- listing -------------------------------------------------------------------------------------


def test_a_burst_of_250_issues_updated_in_one_second_costs_four_listings(
    fake: FakeGitHub, harness: Harness
) -> None:
    _add_issues(fake, 250, updated_at=BURST)
    report = harness.sync(SOURCES)
    assert report.failed == []
    assert len(harness.issues()) == 250
    listings = _listings(fake.requests)
    since = (BURST - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # everything, oldest update first; then the overlap window, three pages through `Link`
    assert [(r.query.get("since"), r.query.get("page")) for r in listings] == [
        (None, None),
        (since, None),
        (since, "2"),
        (since, "3"),
    ]
    for followed in listings[2:]:  # the link's whole query, not GitHub's defaults
        assert followed.path.startswith("/repositories/")
        assert followed.query | {"page": "-"} == {
            "state": "all",
            "sort": "updated",
            "direction": "asc",
            "per_page": "100",
            "since": since,
            "page": "-",
        }
    assert len(_graphql(fake.requests)) == 3  # details of 100 + 100 + 50 new issues
    assert len(fake.requests) == 1 + 7  # the repository's own answer (its visibility), then 7


def test_a_burst_resync_with_nothing_new_costs_no_points(
    fake: FakeGitHub, harness: Harness
) -> None:
    _add_issues(fake, 250, updated_at=BURST)
    harness.sync(SOURCES)
    core = fake.core_remaining
    fake.reset_requests()
    report = harness.sync(SOURCES)
    assert report.failed == [] and report.written == 0
    assert fake.core_remaining == core
    assert {r.status for r in fake.requests} == {304}


def test_an_issue_updated_after_a_burst_costs_one_page_of_the_burst_and_one_listing(
    fake: FakeGitHub, harness: Harness
) -> None:
    _add_issues(fake, 250, updated_at=BURST)
    harness.sync(SOURCES)
    fake.now = NOW + timedelta(minutes=1)
    new = fake.add_issue("acme/big", title="After the import", created_at=fake.now)
    fake.reset_requests()
    report = harness.sync(SOURCES)
    assert report.failed == [] and report.written == 1
    assert f"acme/big#{new}" in harness.issues()
    listings = _listings(fake.requests)
    # pages 1 and 2 of the burst unchanged; page 3 gained the new issue; then its own window
    assert [(r.query.get("page"), r.status) for r in listings] == [
        (None, 304),
        ("2", 304),
        ("3", 200),
        (None, 200),
    ]
    assert len(_graphql(fake.requests)) == 1


def test_an_issue_updated_after_a_burst_that_filled_its_last_page_is_not_missed(
    fake: FakeGitHub, harness: Harness
) -> None:
    """200 issues fill two pages: a new one lands on a third page that did not exist, and
    both pages read before answer 304 (an ETag covers the body, not the Link header)."""
    _add_issues(fake, 200, updated_at=BURST)
    harness.sync(SOURCES)
    fake.reset_requests()
    assert harness.sync(SOURCES).written == 0
    # the repository itself (visibility), two pages and the newest
    assert [r.status for r in fake.requests] == [304, 304, 304, 304]
    fake.now = NOW + timedelta(minutes=1)
    new = fake.add_issue("acme/big", title="After the import", created_at=fake.now)
    fake.reset_requests()
    report = harness.sync(SOURCES)
    assert report.failed == [] and report.written == 1
    assert harness.issues()[f"acme/big#{new}"].title == "After the import"


def test_the_first_resync_after_a_full_sync_and_its_sweep_costs_no_points(
    fake: FakeGitHub, harness: Harness
) -> None:
    for repo in ("acme/asr", "acme/vision"):
        fake.add_repo(repo)
        for n in range(3):
            fake.add_issue(repo, title=f"{repo} {n}", created_at=T0 + timedelta(days=n))
    sources = GitHubSources(repos=("acme/asr", "acme/vision"))
    harness.sync(sources, sweep=None)  # a first sync: the sweep is due, as in production
    core = fake.core_remaining
    fake.reset_requests()
    report = harness.sync(sources, sweep=None)
    assert report.failed == [] and report.written == 0
    assert fake.core_remaining == core
    assert [r.status for r in fake.requests] == [304] * 4  # per repository: itself, listing


# -- sweep ---------------------------------------------------------------------------------------


def test_a_sweep_of_250_issues_reads_three_pages_and_confirms_the_one_deleted(
    fake: FakeGitHub, harness: Harness
) -> None:
    _add_issues(fake, 250)
    harness.sync(SOURCES)
    fake.delete_issue("acme/big", 7)
    fake.reset_requests()
    report = harness.sync(SOURCES, sweep=True)
    assert report.failed == []
    sweep = [r for r in _listings(fake.requests) if "since" not in r.query]
    assert [r.query.get("page") for r in sweep] == [None, "2", "3"]
    assert all(r.query["sort"] == "created" and r.query["direction"] == "asc" for r in sweep)
    assert [(r.path, r.status) for r in _probes(fake.requests)] == [
        ("/repos/acme/big/issues/7", 410)
    ]
    # the repository (304), the 304 listing, three sweep pages, one probe
    assert len(fake.requests) == 1 + 1 + 3 + 1
    issues = harness.issues()
    assert len(issues) == 249 and "acme/big#7" not in issues


def test_an_issue_edited_during_the_sweep_is_neither_missed_nor_removed(
    fake: FakeGitHub, harness: Harness
) -> None:
    _add_issues(fake, 250)
    harness.sync(SOURCES)
    fake.reset_requests()

    def edit_after_first_sweep_page(request: httpx.Request) -> None:
        if request.url.params.get("page") == "2":  # the first sweep page has been read
            fake.now = NOW + timedelta(minutes=1)
            fake.touch("acme/big", 1, fake.now)  # on page 1: would move to the end by update

    _on_request(harness, edit_after_first_sweep_page)
    report = harness.sync(SOURCES, sweep=True)
    assert report.failed == [] and report.streams[0].deleted == 0
    assert _probes(fake.requests) == []  # a stable order: nothing shifted, nothing to confirm
    assert len(harness.issues()) == 250


def test_a_sweep_removes_only_what_a_direct_read_says_is_gone(
    fake: FakeGitHub, harness: Harness
) -> None:
    _add_issues(fake, 250)
    harness.sync(SOURCES)
    fake.reset_requests()

    deleted: list[int] = []

    def delete_after_first_sweep_page(request: httpx.Request) -> None:
        if request.url.params.get("page") == "2" and not deleted:
            fake.delete_issue("acme/big", 1)  # page 2 shifts: #101 is never listed
            deleted.append(1)

    _on_request(harness, delete_after_first_sweep_page)
    report = harness.sync(SOURCES, sweep=True)
    assert report.failed == []
    # #1 was listed before it went; #101 shifted onto page 1 unseen, and is still there
    assert [(r.path, r.status) for r in _probes(fake.requests)] == [
        ("/repos/acme/big/issues/101", 200)
    ]
    assert len(harness.issues()) == 250
    fake.reset_requests()
    harness.sync(SOURCES, sweep=True)  # the next sweep does not list #1, and GitHub says 410
    assert [(r.path, r.status) for r in _probes(fake.requests)] == [
        ("/repos/acme/big/issues/1", 410)
    ]
    issues = harness.issues()
    assert "acme/big#1" not in issues and "acme/big#101" in issues and len(issues) == 249


def test_a_sweep_and_a_burst_go_on_with_cursors_past_the_last_page_number(tmp_path: Path) -> None:
    """GitHub refuses page=100 and links on with `after=`; here the numbers end at page 2."""
    with FakeGitHub(token="t0k", now=NOW, rate_limit=BUDGET, page_limit=2) as fake:
        fake.add_repo("acme/big")
        _add_issues(fake, 350, updated_at=BURST)
        harness = Harness(fake, tmp_path / "sync.db")
        harness.governor = Governor(sleep=_no_waiting, clock=lambda: fake.now)
        report = harness.sync(SOURCES, sweep=True)
        harness.http.close()
        requests = list(fake.requests)
    assert report.failed == [] and len(harness.issues()) == 350
    walks = [r for r in _listings(requests) if r.path.startswith("/repositories/")]
    paging = [("page" in r.query, "after" in r.query, r.query["sort"]) for r in walks]
    assert paging == [
        (True, False, "updated"),  # the burst window: page 2, then cursors
        (False, True, "updated"),
        (False, True, "updated"),
        (True, False, "created"),  # the sweep: page 2, then cursors
        (False, True, "created"),
        (False, True, "created"),
    ]
    assert all(r.status == 200 for r in requests)


def test_a_timeline_cursor_given_twice_stops_the_stream(fake: FakeGitHub, harness: Harness) -> None:
    """Timeline pages are GraphQL cursors read inside one page of issues: the connector itself
    stops when GitHub hands back a cursor it has already followed."""
    target = fake.add_issue("acme/big", title="Everyone needs this", created_at=T0)
    for n in range(60):  # more than one timeline page (50)
        source = fake.add_issue("acme/big", title=f"Needs #{target}", created_at=T0)
        fake.add_cross_reference(
            target=("acme/big", target),
            source=("acme/big", source),
            created_at=T0 + timedelta(minutes=n),
        )

    def same_cursor_again(request: httpx.Request) -> None:
        body = request.content.decode()
        if "MoreTimeline" in body and not fake_scripted:
            after = json.loads(body)["variables"]["after"]
            info = {"hasNextPage": True, "endCursor": after}
            answer = {"data": {"node": {"timelineItems": {"nodes": [], "pageInfo": info}}}}
            fake.script("POST", r"^/graphql$", *[ScriptedResponse(200, {}, answer)] * 3)
            fake_scripted.append(after)

    fake_scripted: list[str] = []
    _on_request(harness, same_cursor_again)
    report = harness.sync(SOURCES)
    [failed] = report.failed
    assert failed.error is not None
    assert f"cursor {fake_scripted[0]!r}" in failed.error and "a second time" in failed.error
    assert len([r for r in fake.requests if b"MoreTimeline" in r.body]) == 1


# -- organisation expansion ----------------------------------------------------------------------


def _client(fake: FakeGitHub, harness: Harness) -> GitHubClient:
    return GitHubClient(
        harness.http,
        api_url=fake.url,
        graphql_url=fake.graphql_url,
        token="t0k",
        governor=harness.governor,
    )


def test_an_organisation_of_150_repositories_is_listed_in_two_requests(
    fake: FakeGitHub, harness: Harness
) -> None:
    for n in range(149):
        fake.add_repo(f"acme/repo-{n:03}")
    fake.reset_requests()
    names, _ = _client(fake, harness).org_repos("acme")
    assert names is not None and len(set(names)) == 150
    first, second = fake.requests
    assert first.path == "/orgs/acme/repos"
    assert second.path.startswith("/organizations/")
    assert second.query == {"per_page": "100", "type": "all", "sort": "created", "page": "2"}


def test_an_organisation_listing_that_links_back_stops_with_an_error(
    fake: FakeGitHub, harness: Harness
) -> None:
    again = f"{fake.url}/organizations/1/repos?per_page=100&page=2"
    loop = ScriptedResponse(200, {"Link": f'<{again}>; rel="next"'}, [])
    fake.script("GET", r"/repos$", loop, loop, loop)
    with pytest.raises(TrackerError, match=re.escape(f"{again} again")):
        _client(fake, harness).org_repos("acme")
    assert len(fake.requests) == 2
