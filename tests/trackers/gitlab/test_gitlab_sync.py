"""GitLab sync end to end against the local fake GitLab (real HTTP on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import pytest

from bot.core.models import IssueState, LinkKind, StateReason
from bot.core.rules_sources import GitLabSources
from bot.errors import ConfigurationError
from bot.store import open_store
from bot.trackers.gitlab.factory import GitLabCredentials, build, claim_writer, web_hosts
from bot.trackers.sync import run_sync
from tests.fakes.gitlab import FakeGitLab, ScriptedResponse, server_error, too_many_requests
from tests.trackers.gitlab.harness import SOURCE_MAP, TOKEN, Harness, credentials

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SOURCES = GitLabSources(groups=("acme",), projects=("tools/cli",))


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab(token=TOKEN, now=NOW) as gl:
        yield gl


@pytest.fixture
def harness(fake: FakeGitLab, tmp_path: Path) -> Iterator[Harness]:
    h = Harness(fake, tmp_path / "sync.db")
    yield h
    h.http.close()


def _world(fake: FakeGitLab) -> None:
    fix = fake.add_issue(
        "acme/labelling",
        title="Taxonomy merges two classes",
        description="Also breaks https://github.com/acme/asr/issues/7",
        labels=["taxonomy"],
        assignees=["lena"],
        weight=5,
        upvotes=3,
        created_at=T0,
    )
    for project in ("acme/ml/asr", "acme/ml/vision"):
        ref = fake.add_issue(
            project, title=f"{project} metrics regressed", created_at=T0, description="see #1"
        )
        fake.mention(source=(project, ref), target=("acme/labelling", fix), at=T0 + timedelta(1))
    fake.link(("acme/labelling", fix), ("acme/ml/asr", 1), "blocks", T0 + timedelta(days=2))
    fake.add_note(
        "acme/labelling", fix, author="vera", body="hurts vision too", at=T0 + timedelta(3)
    )
    fake.add_issue("tools/cli", title="CLI crash", created_at=T0, closed_at=T0 + timedelta(days=4))


def test_full_sync_stores_issues_links_notes_and_references(
    fake: FakeGitLab, harness: Harness
) -> None:
    _world(fake)
    report = harness.sync(SOURCES)
    assert report.failed == []
    issues = harness.issues()
    assert sorted(issues) == [
        "acme/labelling#1",
        "acme/ml/asr#1",
        "acme/ml/vision#1",
        "tools/cli#1",
    ]
    fix = issues["acme/labelling#1"]
    assert fix.container == "acme/labelling" and fix.url.endswith("/acme/labelling/-/issues/1")  # type: ignore[union-attr]
    assert fix.labels == ("taxonomy",) and fix.story_points == 5 and fix.reactions == 3
    assert [a.handle for a in fix.assignees] == ["lena"]
    assert [(c.author.handle, c.body) for c in fix.comments] == [("vera", "hurts vision too")]  # type: ignore[union-attr]
    links = {(lk.kind, lk.target.key, lk.target.source) for lk in fix.links}
    assert links == {
        (LinkKind.BLOCKS, "acme/ml/asr#1", "gitlab"),
        (LinkKind.REFERENCED_BY, "acme/ml/asr#1", "gitlab"),
        (LinkKind.REFERENCED_BY, "acme/ml/vision#1", "gitlab"),
        (LinkKind.REFERENCES, "acme/asr#7", "github"),  # a GitHub URL, pinned to GitHub
    }
    asr = issues["acme/ml/asr#1"]
    # "see #1" in its own project is itself: no link
    assert {(lk.kind, lk.target.key) for lk in asr.links} == {
        (LinkKind.BLOCKED_BY, "acme/labelling#1")
    }
    closed = issues["tools/cli#1"]
    assert closed.state is IssueState.CLOSED and closed.closed_at == T0 + timedelta(days=4)
    assert fix.ownership_changes == ()


def test_a_resync_with_nothing_new_costs_one_request_per_stream(
    fake: FakeGitLab, harness: Harness
) -> None:
    _world(fake)
    harness.sync(SOURCES)
    fake.reset_requests()
    report = harness.sync(SOURCES)
    assert report.written == 0
    # One listing per stream, and the visibility of each project a listing showed (the
    # overlap re-reads one of acme's) or a stream is: is it still public?
    assert sorted(r.path for r in fake.requests) == [
        "/api/v4/groups/acme/issues",
        "/api/v4/projects/acme%2Flabelling",
        "/api/v4/projects/tools%2Fcli",
        "/api/v4/projects/tools%2Fcli/issues",
    ]


def test_incremental_sync_fetches_details_of_changed_issues_only(
    fake: FakeGitLab, harness: Harness
) -> None:
    _world(fake)
    harness.sync(SOURCES)
    fake.now = NOW + timedelta(minutes=5)
    fake.add_note("acme/ml/vision", 1, author="ned", body="see also acme/ml/asr#1", at=fake.now)
    new = fake.add_issue("acme/ml/asr", title="New one", created_at=fake.now)
    fake.reset_requests()
    report = harness.sync(SOURCES)
    assert report.written == 2
    details = sorted(r.path for r in fake.requests if r.path.endswith(("/notes", "/links")))
    assert details == [
        f"/api/v4/projects/acme%2Fml%2Fasr/issues/{new}/links",
        f"/api/v4/projects/acme%2Fml%2Fasr/issues/{new}/notes",
        "/api/v4/projects/acme%2Fml%2Fvision/issues/1/links",
        "/api/v4/projects/acme%2Fml%2Fvision/issues/1/notes",
    ]
    vision = harness.issues()["acme/ml/vision#1"]
    assert (LinkKind.REFERENCES, "acme/ml/asr#1") in {
        (lk.kind, lk.target.key) for lk in vision.links
    }


def test_edits_during_the_sync_and_bursts_beyond_a_page_are_never_missed(
    fake: FakeGitLab, tmp_path: Path
) -> None:
    for n in range(120):
        fake.add_issue("acme/big", title=f"Issue {n}", created_at=T0 + timedelta(minutes=n))
    for n in range(30):  # a bulk edit: 30 issues updated in the same second
        fake.add_issue(
            "acme/big", title=f"Bulk {n}", created_at=T0, updated_at=T0 + timedelta(days=9)
        )
    harness = Harness(fake, tmp_path / "big.db")
    edited: list[int] = []
    original = harness.governor.send

    def send(client, request, resource):  # type: ignore[no-untyped-def]
        if len(edited) < 3 and request.url.path.endswith("/issues"):
            iid = 5 + 40 * len(edited)
            fake.touch("acme/big", iid, NOW + timedelta(seconds=len(edited)))
            edited.append(iid)
        return original(client, request, resource)

    harness.governor.send = send  # type: ignore[method-assign]
    report = harness.sync(GitLabSources(projects=("acme/big",), page_size=10))
    issues = harness.issues()
    harness.http.close()
    assert report.failed == [] and len(issues) == 150
    for iid in edited:
        assert issues[f"acme/big#{iid}"].updated_at >= NOW


def test_issues_landing_at_the_window_edges_are_picked_up(
    fake: FakeGitLab, harness: Harness
) -> None:
    """Issues committed late with an ``updated_at`` equal to the last one seen, or to the
    saved cursor (the newest minus the overlap), are still listed by the next sync."""
    _world(fake)
    harness.sync(SOURCES)
    newest = harness.issues()["tools/cli#1"].updated_at
    at_cursor = newest - timedelta(seconds=SOURCES.overlap_seconds)
    for at in (newest, at_cursor):
        fake.add_issue("tools/cli", title=f"Late at {at}", created_at=T0, updated_at=at)
    report = harness.sync(SOURCES)
    assert report.written == 2
    assert {"tools/cli#2", "tools/cli#3"} <= set(harness.issues())


def test_a_moved_issue_is_forgotten_and_its_successor_records_the_moves(
    fake: FakeGitLab, harness: Harness
) -> None:
    _world(fake)
    harness.sync(SOURCES)
    first = fake.move("acme/ml/asr", 1, "acme/ml/vision", NOW + timedelta(hours=1))
    second = fake.move("acme/ml/vision", first, "acme/labelling", NOW + timedelta(hours=2))
    fake.now = NOW + timedelta(hours=3)
    report = harness.sync(SOURCES)
    assert report.failed == []
    issues = harness.issues()
    assert "acme/ml/asr#1" not in issues and f"acme/ml/vision#{first}" not in issues
    moved = issues[f"acme/labelling#{second}"]
    assert [(m.from_container, m.to_container) for m in moved.ownership_changes or ()] == [
        ("acme/ml/asr", "acme/ml/vision"),
        ("acme/ml/vision", "acme/labelling"),
    ]
    assert sum(r.deleted for r in report.streams) == 1


def test_closed_as_duplicate_says_so(fake: FakeGitLab, harness: Harness) -> None:
    _world(fake)
    fake.close("acme/ml/vision", 1, T0 + timedelta(days=6), duplicate_of=("acme/ml/asr", 1))
    harness.sync(SOURCES)
    assert harness.issues()["acme/ml/vision#1"].state_reason is StateReason.DUPLICATE


def test_excluded_projects_and_own_streams_are_left_out_of_groups(
    fake: FakeGitLab, harness: Harness
) -> None:
    _world(fake)
    sources = GitLabSources(
        groups=("acme",), projects=("acme/ml/asr",), exclude_projects=("acme/ml/vision",)
    )
    report = harness.sync(sources)
    assert sorted(harness.issues()) == ["acme/labelling#1", "acme/ml/asr#1"]
    assert sorted(s.key for s in report.streams) == ["gitlab:acme", "gitlab:acme/ml/asr"]
    assert report.written == 2  # the project's issue came once, from its own stream


def test_the_sweep_forgets_deleted_issues(fake: FakeGitLab, harness: Harness) -> None:
    _world(fake)
    harness.sync(SOURCES)
    fake.delete_issue("acme/ml/vision", 1)
    harness.sync(SOURCES, sweep=True)
    keys = set(harness.issues())
    assert "acme/ml/vision#1" not in keys and "acme/labelling#1" in keys


@pytest.mark.parametrize(
    "answer",
    [too_many_requests(30), too_many_requests(None), server_error(502), server_error(503)],
    ids=["429-retry-after", "429-bare", "502", "503"],
)
def test_limits_and_server_errors_are_waited_out(
    fake: FakeGitLab, harness: Harness, answer: ScriptedResponse
) -> None:
    _world(fake)
    fake.script("GET", r"/groups/acme/issues$", answer, answer)
    report = harness.sync(SOURCES)
    assert report.failed == [] and len(harness.issues()) == 4
    pauses = [seconds for seconds, _ in harness.governor.stats.waits]
    assert len(pauses) == 2
    if answer.headers.get("Retry-After"):
        assert pauses == [30.0, 30.0]
    elif answer.status == 429:
        assert min(pauses) >= 60  # no header at all: back off at least a minute


@pytest.mark.parametrize("retry_after", [True, False], ids=["with-retry-after", "headers-only"])
def test_a_spent_budget_waits_for_the_reset(
    fake: FakeGitLab, harness: Harness, retry_after: bool
) -> None:
    _world(fake)
    fake.rate_limit, fake.retry_after = 4, retry_after
    fake.remaining = 4
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        fake.now = fake.now + timedelta(seconds=seconds)  # the budget refills each minute

    harness.governor._sleep = sleep  # type: ignore[attr-defined]
    report = harness.sync(SOURCES)
    assert report.failed == [] and len(harness.issues()) == 4
    # RateLimit-Remaining: 0 holds requests back until RateLimit-Reset; a 429 that two
    # threads raced into waits for the same reset, Retry-After or not (never a blind minute+)
    assert waits and all(0 < w <= 61 for w in waits)


def test_a_bad_token_fails_clearly_and_changes_nothing(fake: FakeGitLab, tmp_path: Path) -> None:
    _world(fake)
    with httpx.Client() as http:
        connector, _ = build(
            credentials(fake, token="wrong"),
            SOURCES,
            http=http,
            clock=lambda: NOW,
            source_map=SOURCE_MAP,
            sweep=False,
        )
        report = run_sync(
            connector, open_store=partial(open_store, tmp_path / "x.db"), clock=lambda: NOW
        )
    assert len(report.failed) == 2
    assert all(
        "401" in (s.error or "") and "GITLAB_TOKEN" in (s.error or "") for s in report.failed
    )
    with open_store(tmp_path / "x.db") as store:
        assert store.issues.count() == 0


def test_an_unknown_project_fails_naming_it(fake: FakeGitLab, harness: Harness) -> None:
    _world(fake)
    report = harness.sync(GitLabSources(projects=("acme/nope", "tools/cli")))
    [failed] = report.failed
    assert "acme/nope" in (failed.error or "") and "404 Project Not Found" in (failed.error or "")
    assert sorted(harness.issues()) == ["tools/cli#1"]


def test_missing_token_is_a_configuration_error(fake: FakeGitLab) -> None:
    blank = GitLabCredentials(url=fake.url)
    with httpx.Client() as http, pytest.raises(ConfigurationError, match="GITLAB_TOKEN"):
        build(blank, SOURCES, http=http, clock=lambda: NOW, source_map=SOURCE_MAP)
    with httpx.Client() as http, pytest.raises(ConfigurationError, match="GITLAB_TOKEN"):
        claim_writer(blank, SOURCES, http=http)
    assert web_hosts(blank, GitLabSources(url="https://Git.Acme.io/", groups=("a",))) == (
        "git.acme.io",
    )


def test_confidential_issues_and_non_public_projects_are_restricted_and_changes_arrive(
    fake: FakeGitLab, harness: Harness
) -> None:
    from bot.core.models import Visibility

    fake.add_project("acme/ml/asr")  # public
    fake.add_project("acme/ml/secure", visibility="private")
    fake.add_project("tools/cli", visibility="internal")  # any signed-in user of the instance
    fake.add_issue("acme/ml/asr", title="Open work", created_at=NOW - timedelta(days=3))
    leak = fake.add_issue("acme/ml/asr", title="Token leak", created_at=NOW - timedelta(days=2))
    fake.set_confidential("acme/ml/asr", leak, True, at=NOW - timedelta(days=2))
    fake.add_issue("acme/ml/secure", title="Audit", created_at=NOW - timedelta(days=3))
    fake.add_issue("tools/cli", title="Flag parsing", created_at=NOW - timedelta(days=3))
    assert harness.sync(SOURCES).failed == []

    def seen() -> dict[str, Visibility]:
        return {k: i.visibility for k, i in harness.issues().items()}

    assert seen() == {
        "acme/ml/asr#1": Visibility.PUBLIC,
        "acme/ml/asr#2": Visibility.RESTRICTED,  # confidential in a public project
        "acme/ml/secure#1": Visibility.RESTRICTED,
        "tools/cli#1": Visibility.RESTRICTED,
    }
    fake.now = NOW + timedelta(minutes=5)
    fake.set_project_visibility("tools/cli", "public")  # no issue of it changes
    fake.set_project_visibility("acme/ml/asr", "private")
    fake.add_note("acme/ml/asr", 1, author="ana", body="still broken", at=fake.now)
    assert harness.sync(SOURCES).failed == []
    assert seen()["tools/cli#1"] is Visibility.PUBLIC
    assert seen()["acme/ml/asr#1"] is Visibility.RESTRICTED
    fake.now = NOW + timedelta(minutes=10)
    fake.set_project_visibility("acme/ml/asr", "public")
    fake.add_note("acme/ml/asr", 1, author="ana", body="fixed?", at=fake.now)
    fake.set_confidential("acme/ml/asr", leak, False, at=fake.now)
    assert harness.sync(SOURCES).failed == []
    assert seen()["acme/ml/asr#1"] is Visibility.PUBLIC
    assert seen()["acme/ml/asr#2"] is Visibility.PUBLIC  # no longer confidential
