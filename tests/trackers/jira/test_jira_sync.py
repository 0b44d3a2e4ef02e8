"""Jira sync end to end against the local fake Jira (real HTTP on 127.0.0.1): fields, paging,
the minute/time-zone window, eventual consistency, moves, deletes, bad configuration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.models import IssueState, LinkKind, StateReason
from bot.core.rules_sources import JiraSources
from bot.errors import ConfigurationError
from bot.trackers.jira.factory import build
from tests.fakes.jira import FakeJira, Scripted
from tests.trackers.jira.harness import Harness, credentials, source_map

NOW = datetime(2024, 6, 1, 19, 0, tzinfo=UTC)  # 12:00 in Los Angeles (PDT, UTC-7)
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
SOURCES = JiraSources(projects=("ASR", "DATA"), story_points_field="customfield_10016")


@pytest.fixture
def fake() -> Iterator[FakeJira]:
    with FakeJira(now=NOW, time_zone="America/Los_Angeles", embedded_comments=2) as jira:
        jira.add_project("ASR", assignable=("ana",))
        jira.add_project("DATA")
        jira.add_user("ana", "Ana Lima", "ana@acme.io")
        jira.add_user("vera", "Vera N", None)
        yield jira


@pytest.fixture
def harness(fake: FakeJira, tmp_path: Path) -> Iterator[Harness]:
    h = Harness(fake, tmp_path / "sync.db")
    yield h
    h.http.close()


def _adf(text: str) -> dict[str, object]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def _world(fake: FakeJira) -> None:
    taxonomy = fake.add_issue(
        "DATA",
        summary="Taxonomy merges two classes",
        created=T0,
        labels=["taxonomy"],
        components=["labelling"],
        description=_adf("Breaks https://github.com/acme/asr/issues/4"),
        assignee="ana",
        reporter="vera",
        votes=3,
        story_points=5.0,
    )
    asr = fake.add_issue("ASR", summary="WER regressed", created=T0 + timedelta(hours=1))
    fake.link(taxonomy, asr, "Blocks", at=T0 + timedelta(hours=2))
    for n in range(5):  # more than the 2 that search embeds
        fake.add_comment(asr, author="ana", text=f"note {n}", at=T0 + timedelta(hours=3 + n))
    dup = fake.add_issue(
        "ASR",
        summary="WER regressed again",
        created=T0 + timedelta(days=1),
        category="done",
        resolution="Duplicate",
        resolution_date=T0 + timedelta(days=2),
    )
    fake.link(dup, asr, "Duplicate", at=T0 + timedelta(days=2))
    fake.edit(
        taxonomy,
        at=T0 + timedelta(days=3),
        components=["speech"],
        items=[
            {"field": "Component", "fromString": "labelling", "toString": None},
            {"field": "Component", "fromString": None, "toString": "speech"},
        ],
    )


def test_full_sync_stores_fields_links_comments_and_moves(fake: FakeJira, harness: Harness) -> None:
    _world(fake)
    report = harness.sync(SOURCES)
    assert report.failed == []
    issues = harness.issues()
    assert sorted(issues) == ["ASR-1", "ASR-2", "DATA-1"]
    data = issues["DATA-1"]
    assert (data.container, data.labels, data.components) == ("DATA", ("taxonomy",), ("speech",))
    assert data.url == f"{fake.url}/browse/DATA-1"
    assert data.assignees[0].handle == "ana" and data.assignees[0].email == "ana@acme.io"
    assert data.author is not None and data.author.display_name == "Vera N"
    assert (data.story_points, data.reactions) == (5.0, 3)
    assert data.body == "Breaks https://github.com/acme/asr/issues/4"
    links = {(lk.kind, lk.target.key, lk.target.source) for lk in data.links}
    assert (LinkKind.BLOCKS, "ASR-1", "jira") in links
    assert (LinkKind.REFERENCES, "acme/asr#4", "github") in links  # pinned across trackers
    [move] = data.ownership_changes or ()
    assert (move.from_container, move.to_container) == ("labelling", "speech")
    asr = issues["ASR-1"]
    assert [c.body for c in asr.comments] == [f"note {n}" for n in range(5)]
    assert {(lk.kind, lk.target.key) for lk in asr.links} == {
        (LinkKind.BLOCKED_BY, "DATA-1"),
        (LinkKind.DUPLICATED_BY, "ASR-2"),
    }
    dup = issues["ASR-2"]
    assert (dup.state, dup.state_reason) == (IssueState.CLOSED, StateReason.DUPLICATE)
    assert dup.closed_at == T0 + timedelta(days=2)
    assert [r.path for r in fake.requests].count("/rest/api/3/issue/ASR-1/comment") == 1


def test_a_resync_with_nothing_new_costs_one_search_per_project(
    fake: FakeJira, harness: Harness
) -> None:
    _world(fake)
    harness.sync(SOURCES)
    fake.reset_requests()
    report = harness.sync(SOURCES)
    assert report.written == 0
    paths = sorted(r.path for r in fake.requests)
    assert paths == ["/rest/api/3/myself", *["/rest/api/3/search/jql"] * 2]


def test_incremental_sync_fetches_only_what_changed(fake: FakeJira, harness: Harness) -> None:
    _world(fake)
    harness.sync(SOURCES)
    fake.now = NOW + timedelta(hours=1)
    fake.edit("ASR-2", at=fake.now - timedelta(minutes=10), labels=["asr"])
    new = fake.add_issue("DATA", summary="Fresh", created=fake.now - timedelta(minutes=9))
    fake.reset_requests()
    report = harness.sync(SOURCES)
    assert report.failed == [] and report.written == 2
    assert harness.issues()["ASR-2"].labels == ("asr",) and new in harness.issues()
    # The bound: the newest update seen before (ASR-2 at 02:00 PDT), minus 5 minutes.
    cursor = harness.cursor("jira:ASR")
    assert cursor["updated"] == (fake.now - timedelta(minutes=10)).isoformat()
    searches = [r.json()["jql"] for r in fake.requests if r.path.endswith("/search/jql")]
    assert 'project = "ASR" AND updated >= "2024/05/03 01:55"' in searches[0] + searches[1]


def test_edits_at_the_window_edges_and_late_in_search_are_not_missed(
    fake: FakeJira, harness: Harness
) -> None:
    """The cursor keeps seconds; the bound is floored to the minute in the user's zone and
    moved back by the overlap, so a same-second edit and one search showed late both land."""
    fake.search_lag = timedelta(seconds=90)
    fake.add_issue("ASR", summary="seen", created=NOW - timedelta(seconds=200))
    old = fake.add_issue("DATA", summary="old", created=T0)
    late = fake.add_issue("ASR", summary="late", created=NOW - timedelta(seconds=201))
    fake.edit(late, at=NOW - timedelta(seconds=30), labels=["late"])  # not in search yet
    report = harness.sync(SOURCES)
    assert report.failed == [] and sorted(harness.issues()) == ["ASR-1", "ASR-2", "DATA-1"]
    assert harness.issues()["ASR-2"].labels == ()  # search showed the older version
    cursor = harness.cursor("jira:ASR")["updated"]
    fake.edit(old, at=datetime.fromisoformat(cursor), summary="same instant as the cursor")
    fake.now = NOW + timedelta(minutes=3)
    harness.sync(SOURCES)
    stored = harness.issues()
    assert stored["ASR-2"].labels == ("late",)
    assert stored["DATA-1"].title == "same instant as the cursor"


def test_a_bound_on_a_dst_fall_back_hour_is_read_early_enough(tmp_path: Path) -> None:
    """01:30 happens twice in Los Angeles on 2024-11-03; the fake reads it as the later
    one, so the client must step back an hour to keep the edit at 01:33 (first pass)."""
    first_pass = datetime(2024, 11, 3, 8, 33, tzinfo=UTC)  # 01:33 PDT
    with FakeJira(now=first_pass + timedelta(minutes=30)) as fake:
        fake.add_project("ASR")
        fake.add_project("DATA")
        key = fake.add_issue("ASR", summary="a", created=first_pass - timedelta(minutes=1))
        h = Harness(fake, tmp_path / "dst.db")
        h.sync(SOURCES)
        fake.edit(key, at=first_pass, summary="edited at 01:33, first pass")
        h.sync(SOURCES)
        assert h.issues()["ASR-1"].title == "edited at 01:33, first pass"
        h.http.close()


def test_a_burst_larger_than_a_page_follows_next_page_tokens(
    fake: FakeJira, harness: Harness
) -> None:
    for n in range(25):
        fake.add_issue("DATA", summary=f"bulk {n}", created=T0)  # all in the same millisecond
    report = harness.sync(JiraSources(projects=("DATA",), page_size=10))
    assert report.failed == [] and len(harness.issues()) == 25
    tokens = [r.json().get("nextPageToken") for r in fake.requests if r.method == "POST"]
    assert sum(t is not None for t in tokens) == 2


def test_an_issue_moved_to_another_project_is_stored_under_its_new_key(
    fake: FakeJira, harness: Harness
) -> None:
    _world(fake)
    harness.sync(SOURCES)
    fake.now = NOW + timedelta(hours=1)
    new_key = fake.move("ASR-1", "DATA", at=fake.now - timedelta(minutes=1))
    harness.sync(SOURCES)
    issues = harness.issues()
    assert new_key == "DATA-2" and "ASR-1" not in issues
    [move] = issues["DATA-2"].ownership_changes or ()
    assert (move.from_container, move.to_container) == ("ASR", "DATA")


def test_the_sweep_forgets_deleted_issues(fake: FakeJira, harness: Harness) -> None:
    _world(fake)
    harness.sync(SOURCES)
    fake.delete("ASR-2")
    fake.reset_requests()
    report = harness.sync(SOURCES, sweep=True)
    assert sorted(harness.issues()) == ["ASR-1", "DATA-1"]
    assert sum(s.deleted for s in report.streams) == 1
    sweeps = [
        r.json() for r in fake.requests if r.method == "POST" and r.json()["fields"] == ["key"]
    ]
    assert [s["maxResults"] for s in sweeps] == [5000, 5000]


def test_a_jql_source_is_one_stream(fake: FakeJira, harness: Harness) -> None:
    _world(fake)
    report = harness.sync(JiraSources(jql="labels = taxonomy OR project = ASR"))
    assert [s.key for s in report.streams] == ["jira:jql"]
    assert sorted(harness.issues()) == ["ASR-1", "ASR-2", "DATA-1"]


def test_rate_limits_are_waited_out(fake: FakeJira, harness: Harness) -> None:
    _world(fake)
    fake.rate_limit = 2  # per minute of the fake clock
    reset = NOW + timedelta(seconds=40)
    fake.script(
        "POST",
        "/search/jql$",
        Scripted(
            429,
            {
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            {"errorMessages": []},
        ),
    )
    fake.script("GET", "/comment$", Scripted(503, {}, "busy"))
    report = harness.sync(SOURCES)
    assert report.failed == [] and len(harness.issues()) == 3
    statuses = [r.status for r in fake.requests]
    assert statuses.count(429) >= 2 and 503 in statuses
    assert harness.sleeps[0] == pytest.approx(41.0)  # until X-RateLimit-Reset, plus a margin
    assert all(s <= 61 for s in harness.sleeps)


def test_bad_credentials_and_settings_give_clear_errors(fake: FakeJira, harness: Harness) -> None:
    with pytest.raises(ConfigurationError, match="JIRA_API_TOKEN"):
        build(
            credentials(fake, api_token=""),
            SOURCES,
            http=harness.http,
            clock=lambda: NOW,
            source_map=source_map(fake),
        )
    with pytest.raises(ConfigurationError, match="ORDER BY"):
        build(
            credentials(fake),
            JiraSources(jql="project = ASR order by created"),
            http=harness.http,
            clock=lambda: NOW,
            source_map=source_map(fake),
        )
    fake.credentials = ("bot@acme.io", "another")
    with pytest.raises(Exception, match="JIRA_EMAIL and JIRA_API_TOKEN"):
        harness.sync(SOURCES)


def test_a_malformed_issue_fails_its_stream_and_stores_nothing(
    fake: FakeJira, harness: Harness
) -> None:
    _world(fake)
    broken = {"isLast": True, "issues": [{"id": "1", "key": "ASR-9", "fields": {"summary": 3}}]}
    fake.script("POST", "/search/jql$", Scripted(200, {}, broken))
    report = harness.sync(JiraSources(projects=("ASR",)))
    [failed] = report.failed
    assert "ASR-9" in (failed.error or "") and harness.issues() == {}
