"""Linear sync end to end against the local fake Linear (real HTTP on 127.0.0.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import pytest

from bot.core.models import IssueState, LinkKind, StateReason
from bot.core.rules_sources import LinearSources
from bot.errors import ConfigurationError
from bot.store import open_store
from bot.trackers.linear import factory, queries
from tests.fakes.linear import FakeLinear, Scripted, rate_limited
from tests.trackers.linear.harness import KEY, SOURCE_MAP, Harness

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)


def _world(fake: FakeLinear) -> dict[str, str]:
    ws = fake.workspace
    ana, bot = ws.add_user("Ana"), ws.add_user("Deploy Bot", app=True)
    fix = ws.add_issue(
        "DATA",
        title="Taxonomy merges two classes",
        description="Hurts acme/asr too: https://github.com/acme/asr/issues/7",
        created_at=T0,
        creator=ana,
        assignee=ana,
        labels=("taxonomy", "bug"),
        estimate=5,
    )
    blocked = ws.add_issue("ENG", title="Metrics regressed", created_at=T0 + timedelta(days=3))
    ws.relate(fix, "blocks", blocked, at=T0 + timedelta(days=4))
    dup = ws.add_issue("ENG", title="Same taxonomy bug", created_at=T0 + timedelta(days=5))
    ws.relate(dup, "duplicate", fix, at=T0 + timedelta(days=6))
    ws.set_state(dup, "canceled", at=T0 + timedelta(days=6))
    done = ws.add_issue("ENG", title="Flaky decoder", created_at=T0 + timedelta(days=7))
    ws.set_state(done, "completed", at=T0 + timedelta(days=9))
    for n in range(14):  # more than one nested page
        ws.add_comment(
            fix, user=bot if n % 2 else ana, body=f"note {n}", at=T0 + timedelta(days=10, hours=n)
        )
    return {"fix": fix, "blocked": blocked, "dup": dup, "done": done, "ana": ana}


def test_full_sync_stores_issues_states_relations_comments_and_people(
    fake: FakeLinear, harness: Harness
) -> None:
    names = _world(fake)
    report = harness.sync()
    assert report.failed == []
    issues = harness.issues()
    assert set(issues) == {names["fix"], names["blocked"], names["dup"], names["done"]}
    fix = issues[names["fix"]]
    assert (fix.container, fix.labels, fix.story_points) == ("DATA", ("taxonomy", "bug"), 5)
    assert fix.assignees[0].handle == names["ana"] and fix.assignees[0].email == "ana@example.com"
    assert len(fix.comments) == 14 and fix.comments[1].author.is_bot  # type: ignore[union-attr]
    kinds = {(link.kind, link.target.key, link.target.source) for link in fix.links}
    assert (LinkKind.BLOCKS, names["blocked"], "linear") in kinds
    assert (LinkKind.DUPLICATED_BY, names["dup"], "linear") in kinds
    assert (LinkKind.REFERENCES, "acme/asr#7", "github") in kinds  # pinned by the SourceMap
    assert (LinkKind.BLOCKED_BY, names["fix"], "linear") in {
        (link.kind, link.target.key, link.target.source) for link in issues[names["blocked"]].links
    }
    dup, done = issues[names["dup"]], issues[names["done"]]
    assert (dup.state, dup.state_reason) == (IssueState.CLOSED, StateReason.DUPLICATE)
    assert (done.state, done.state_reason) == (IssueState.CLOSED, StateReason.COMPLETED)
    assert done.closed_at == T0 + timedelta(days=9)


def test_a_text_naming_a_linear_url_is_pinned_to_the_linear_source(
    fake: FakeLinear, harness: Harness
) -> None:
    ws = fake.workspace
    target = ws.add_issue("ENG", title="Target", created_at=T0)
    ws.add_issue(
        "DATA",
        title="Mention",
        description=f"see https://linear.app/acme/issue/{target}/target",
        created_at=T0,
    )
    harness.sync()
    (link,) = harness.issues()["DATA-1"].links
    assert (link.kind, link.target.key, link.target.source) == (
        LinkKind.REFERENCES,
        target,
        "linear",
    )


def test_incremental_sync_reads_only_changes_and_a_quiet_resync_costs_two_requests(
    fake: FakeLinear, harness: Harness
) -> None:
    names = _world(fake)
    harness.sync()
    fake.reset_requests()
    again = harness.sync()
    # The listing, and the teams' visibility (a team made private changes no issue).
    assert (again.written, len(fake.requests)) == (0, 2)
    fake.workspace.edit(names["blocked"], title="Metrics regressed badly", at=fake.now)
    fake.now += timedelta(hours=1)
    fake.reset_requests()
    report = harness.sync()
    assert report.written == 1 and len(fake.requests) == 2
    assert harness.issues()[names["blocked"]].title == "Metrics regressed badly"


def test_edits_at_window_edges_and_during_a_sync_are_never_missed(
    fake: FakeLinear, harness: Harness
) -> None:
    ws = fake.workspace
    window = timedelta(days=1)
    first = ws.add_issue("ENG", title="oldest", created_at=T0)
    # Exactly on the next window's lower edge (gte) and a millisecond before it (lt).
    ws.add_issue("ENG", title="on edge", created_at=T0 + window)
    ws.add_issue("ENG", title="before edge", created_at=T0 + window - timedelta(milliseconds=1))
    for n in range(120):  # several pages in one window
        ws.add_issue("ENG", title=f"bulk {n}", created_at=T0 + 2 * window + timedelta(minutes=n))
    fake.now = T0 + timedelta(days=5)
    sources = LinearSources(window_days=1, page_size=50, overlap_seconds=60)
    original = fake.api.execute
    calls = 0

    def edit_mid_sync(doc: object, request: dict[str, object]) -> dict[str, object]:
        nonlocal calls
        calls += 1
        if calls == 3:  # while the bulk window is being paged
            ws.edit(first, title="edited mid-sync", at=fake.now - timedelta(seconds=1))
        return original(doc, request)  # type: ignore[arg-type]

    fake.api.execute = edit_mid_sync  # type: ignore[method-assign]
    harness.sync(sources)
    fake.api.execute = original  # type: ignore[method-assign]
    harness.sync(sources)
    issues = harness.issues()
    assert len(issues) == 123
    assert issues[first].title == "edited mid-sync"


def test_trashed_issues_are_forgotten_moved_ones_rekeyed_archived_open_ones_closed(
    fake: FakeLinear, harness: Harness
) -> None:
    ws = fake.workspace
    gone = ws.add_issue("ENG", title="Deleted soon", created_at=T0)
    moving = ws.add_issue("ENG", title="Wrong team", created_at=T0)
    shelved = ws.add_issue("ENG", title="Archived while open", created_at=T0)
    harness.sync()
    ws.trash(gone, at=fake.now)
    moved = ws.move(moving, "DATA", at=fake.now)
    ws.archive(shelved, at=fake.now)
    fake.now += timedelta(minutes=5)
    report = harness.sync()
    issues = harness.issues()
    assert set(issues) == {moved, shelved}
    assert report.streams[0].deleted == 2
    assert (issues[shelved].state, issues[shelved].state_reason) == (
        IssueState.CLOSED,
        StateReason.NOT_PLANNED,
    )
    assert issues[moved].container == "DATA"


def test_one_stream_per_team_and_only_those_teams(fake: FakeLinear, harness: Harness) -> None:
    ws = fake.workspace
    ws.add_issue("ENG", title="eng", created_at=T0)
    ws.add_issue("DATA", title="data", created_at=T0)
    ws.add_issue("OPS", title="ops", created_at=T0)
    report = harness.sync(LinearSources(teams=("ENG", "DATA")))
    assert sorted(s.key for s in report.streams) == ["linear:DATA", "linear:ENG"]
    assert set(harness.issues()) == {"ENG-1", "DATA-1"}


@pytest.mark.parametrize("status", [400, 429])
def test_ratelimited_answers_are_waited_out_until_the_reset(
    fake: FakeLinear, harness: Harness, status: int
) -> None:
    _world(fake)
    fake.rate_limited_status = status
    fake.requests_budget.remaining = 2  # spent after the probe and one listing
    report = harness.sync()
    assert report.failed == []
    assert len(harness.issues()) == 4
    assert harness.sleeps and harness.sleeps[0] >= 3600 - 1  # waited for the hour's reset


def test_a_scripted_ratelimited_answer_without_headers_backs_off_then_completes(
    fake: FakeLinear, harness: Harness
) -> None:
    _world(fake)
    fake.script(rate_limited(429), Scripted(502, "<html>bad gateway</html>"))
    report = harness.sync()
    assert report.failed == [] and len(harness.issues()) == 4
    assert len(harness.sleeps) == 2


def test_a_spent_complexity_budget_pauses_before_the_next_query(
    fake: FakeLinear, harness: Harness
) -> None:
    _world(fake)
    fake.complexity_budget.remaining = queries.listing_cost(50) + 10  # one query's worth
    report = harness.sync(LinearSources(page_size=50))
    assert report.failed == []
    assert len(harness.issues()) == 4 and harness.sleeps


def test_page_size_is_lowered_to_keep_one_query_under_the_complexity_cap(
    fake: FakeLinear, harness: Harness
) -> None:
    _world(fake)
    report = harness.sync(LinearSources(page_size=250))
    assert report.failed == []
    assert max(r.complexity for r in fake.requests) <= queries.MAX_COMPLEXITY


def test_a_bad_key_fails_the_stream_with_a_clear_error_and_stores_nothing(
    fake: FakeLinear, harness: Harness
) -> None:
    _world(fake)
    report = harness.sync(key="wrong")
    (failed,) = report.failed
    assert "LINEAR_API_KEY" in (failed.error or "") and "wrong" not in (failed.error or "")
    assert harness.issues() == {}


def test_a_malformed_answer_changes_nothing(fake: FakeLinear, harness: Harness) -> None:
    _world(fake)
    harness.sync()
    before = harness.issues()
    fake.workspace.edit("ENG-1", title="changed", at=fake.now)
    fake.now += timedelta(hours=1)
    broken = {"data": {"issues": {"nodes": [{"identifier": "ENG-1", "title": 3}]}}}
    fake.script(Scripted(200, broken))
    (failed,) = harness.sync().failed
    assert "ENG-1" in (failed.error or "")
    assert harness.issues() == before


def test_factory_needs_the_key(tmp_path: Path) -> None:
    settings = factory.LinearCredentials()
    with httpx.Client() as http, pytest.raises(ConfigurationError, match="LINEAR_API_KEY"):
        factory.build(settings, LinearSources(), http=http, clock=lambda: T0, source_map=SOURCE_MAP)
    with httpx.Client() as http, pytest.raises(ConfigurationError, match="LINEAR_API_KEY"):
        factory.claim_writer(settings, LinearSources(), http=http)


def test_factory_builds_a_working_connector(fake: FakeLinear, tmp_path: Path) -> None:
    _world(fake)
    settings = factory.LinearCredentials(api_key=KEY, api_url=fake.url)
    from bot.trackers.sync import run_sync

    with httpx.Client() as http:
        connector, governor = factory.build(
            settings, LinearSources(), http=http, clock=lambda: fake.now, source_map=SOURCE_MAP
        )
        report = run_sync(
            connector, open_store=partial(open_store, tmp_path / "f.db"), clock=lambda: fake.now
        )
    assert report.failed == [] and report.written == 4
    assert governor.describe_budget().startswith("graphql")
    with open_store(tmp_path / "f.db") as store:
        assert len(store.issues.all()) == 4


def test_issues_of_private_teams_are_restricted_and_a_team_change_reaches_the_next_sync(
    fake: FakeLinear, harness: Harness
) -> None:
    from bot.core.models import Visibility

    fake.workspace.add_team("SEC", visibility="private")
    fake.workspace.add_team("OPS", visibility="restricted")  # inside a private team's boundary
    for team in ("ENG", "SEC", "OPS"):
        fake.workspace.add_issue(
            team, title=f"{team} work", created_at=fake.now - timedelta(days=2)
        )
    assert harness.sync().failed == []

    def seen() -> dict[str, Visibility]:
        with open_store(harness.db) as store:
            return {i.key: i.visibility for i in store.issues.all()}

    assert seen() == {
        "ENG-1": Visibility.PUBLIC,
        "SEC-1": Visibility.RESTRICTED,
        "OPS-1": Visibility.RESTRICTED,
    }
    fake.workspace.set_team_visibility("ENG", "private")  # no issue of it changes
    fake.workspace.set_team_visibility("SEC", "public")
    fake.now += timedelta(hours=1)
    assert harness.sync().written == 0
    assert seen() == {
        "ENG-1": Visibility.RESTRICTED,
        "SEC-1": Visibility.PUBLIC,
        "OPS-1": Visibility.RESTRICTED,
    }
