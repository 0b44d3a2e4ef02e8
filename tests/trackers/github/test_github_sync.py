"""GitHub sync end to end against the local fake GitHub (real HTTP on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import pytest

from bot.core.models import LinkKind
from bot.core.rules_sources import GitHubSources
from bot.store import open_store
from bot.trackers.github.client import GitHubClient
from bot.trackers.github.connector import GitHubConnector
from bot.trackers.http import Governor
from bot.trackers.sync import run_sync
from tests.fakes.github import (
    FakeGitHub,
    ScriptedResponse,
    secondary_limit,
    server_error,
    too_many_requests,
)
from tests.trackers.github.harness import Harness

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(token="t0k", now=NOW) as gh:
        yield gh


@pytest.fixture
def harness(fake: FakeGitHub, tmp_path: Path) -> Iterator[Harness]:
    h = Harness(fake, tmp_path / "sync.db")
    yield h
    h.http.close()


def _world(fake: FakeGitHub) -> None:
    for repo in ("acme/labelling", "acme/asr", "acme/vision"):
        fake.add_repo(repo)
    fix = fake.add_issue(
        "acme/labelling", title="Taxonomy merges two classes", labels=["taxonomy"], created_at=T0
    )
    for repo in ("acme/asr", "acme/vision"):
        ref = fake.add_issue(
            repo,
            title=f"{repo} metrics regressed",
            body=f"Root cause: acme/labelling#{fix}",
            created_at=T0,
        )
        fake.add_cross_reference(
            target=("acme/labelling", fix), source=(repo, ref), created_at=T0 + timedelta(days=1)
        )
    fake.add_comment(
        "acme/labelling",
        fix,
        author="vera",
        body="hurts vision too",
        created_at=T0 + timedelta(days=2),
    )
    fake.add_issue("acme/asr", title="A pull request", created_at=T0, is_pull_request=True)
    done = fake.add_issue("acme/asr", title="Flaky decoder test", created_at=T0)
    pr = fake.add_issue(
        "acme/asr", title="Fix decoder", author="ana", created_at=T0, is_pull_request=True
    )
    fake.close_by_pull_request(
        "acme/asr",
        done,
        pr=("acme/asr", pr),
        closed_at=T0 + timedelta(days=3),
        reviewers=["omar", "ned"],
    )


SOURCES = GitHubSources(repos=("acme/labelling", "acme/asr", "acme/vision"))


def test_full_sync_stores_issues_references_comments_and_closers(
    fake: FakeGitHub, harness: Harness
) -> None:
    _world(fake)
    report = harness.sync(SOURCES)
    assert report.failed == []
    issues = harness.issues()
    assert sorted(issues) == ["acme/asr#1", "acme/asr#3", "acme/labelling#1", "acme/vision#1"]
    fix = issues["acme/labelling#1"]
    backlinks = {(lk.kind, lk.target.key) for lk in fix.links}  # type: ignore[attr-defined]
    assert {
        (LinkKind.REFERENCED_BY, "acme/asr#1"),
        (LinkKind.REFERENCED_BY, "acme/vision#1"),
    } <= backlinks
    assert [c.author.handle for c in fix.comments] == ["vera"]  # type: ignore[attr-defined]
    closed = issues["acme/asr#3"]
    [pr] = closed.closed_by  # type: ignore[attr-defined]
    assert pr.author.handle == "ana" and pr.merged
    assert sorted(r.handle for r in pr.reviewers) == ["ned", "omar"]


def test_a_resync_with_nothing_new_costs_no_rate_limit_points(
    fake: FakeGitHub, harness: Harness
) -> None:
    _world(fake)
    harness.sync(SOURCES)
    core, graphql = fake.core_remaining, fake.graphql_remaining
    fake.reset_requests()
    report = harness.sync(SOURCES)
    assert report.written == 0
    assert (fake.core_remaining, fake.graphql_remaining) == (core, graphql)
    # Per repository: its own answer (is it still public?) and its listing, both 304s.
    assert [r.status for r in fake.requests] == [304] * 6


def test_incremental_sync_fetches_only_what_changed(fake: FakeGitHub, harness: Harness) -> None:
    _world(fake)
    harness.sync(SOURCES)
    fake.now = NOW + timedelta(minutes=5)
    fake.add_comment(
        "acme/vision", 1, author="ned", body="see also acme/asr#1", created_at=fake.now
    )
    new = fake.add_issue("acme/asr", title="New one", created_at=fake.now)
    fake.reset_requests()
    report = harness.sync(SOURCES)
    assert report.written == 2
    graphql = [r for r in fake.requests if r.path == "/graphql"]
    assert len(graphql) == 2  # one detail batch per changed repository
    issues = harness.issues()
    assert f"acme/asr#{new}" in issues
    assert any(c.body == "see also acme/asr#1" for c in issues["acme/vision#1"].comments)  # type: ignore[attr-defined]


def test_organisations_are_expanded_and_new_repos_picked_up(
    fake: FakeGitHub, harness: Harness
) -> None:
    _world(fake)
    sources = GitHubSources(orgs=("acme",), exclude_repos=("acme/vision",))
    harness.sync(sources)
    assert {k.split("#")[0] for k in harness.issues()} == {"acme/labelling", "acme/asr"}
    fake.add_repo("acme/nlp")
    fake.add_issue("acme/nlp", title="Tokenizer", created_at=T0)
    harness.sync(sources)
    assert "acme/nlp#1" in harness.issues()


@pytest.mark.parametrize(
    "answer",
    [
        secondary_limit(retry_after=30),
        secondary_limit(None),
        too_many_requests(7),
        server_error(502),
        server_error(503),
    ],
    ids=["secondary-retry-after", "secondary-bare", "429", "502", "503"],
)
def test_limits_and_server_errors_are_waited_out(
    fake: FakeGitHub, harness: Harness, answer: ScriptedResponse
) -> None:
    _world(fake)
    fake.script("GET", r"/repos/acme/asr/issues$", answer, answer)
    report = harness.sync(SOURCES)
    assert report.failed == []
    assert len(harness.issues()) == 4
    pauses = [seconds for seconds, _ in harness.governor.stats.waits]
    assert len(pauses) == 2  # one per scripted answer; other threads hold back meanwhile
    retry_after = answer.headers.get("Retry-After")
    if retry_after:
        assert pauses == [float(retry_after)] * 2
    elif answer.status == 403:
        assert min(pauses) >= 60


def test_a_spent_primary_budget_waits_for_the_reset(fake: FakeGitHub, harness: Harness) -> None:
    _world(fake)
    fake.core_remaining = 1
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        fake.now = fake.now + timedelta(seconds=seconds)  # the budget refills at its reset

    harness.governor = Governor(sleep=sleep, clock=lambda: fake.now, jitter=lambda: 0.5)
    report = harness.sync(SOURCES)
    assert report.failed == [] and len(harness.issues()) == 4
    assert waits and max(waits) > 60 * 50  # waited for the hourly reset


def test_a_bad_token_fails_clearly_and_changes_nothing(fake: FakeGitHub, tmp_path: Path) -> None:
    _world(fake)
    with httpx.Client() as http:
        client = GitHubClient(
            http,
            api_url=fake.url,
            graphql_url=fake.graphql_url,
            token="wrong",
            governor=Governor(sleep=lambda s: None),
        )
        connector = GitHubConnector(client, SOURCES, clock=lambda: NOW, sweep=False)
        report = run_sync(
            connector, open_store=partial(open_store, tmp_path / "x.db"), clock=lambda: NOW
        )
    assert len(report.failed) == 3
    assert "401" in (report.failed[0].error or "") and "GITHUB_TOKEN" in (
        report.failed[0].error or ""
    )
    with open_store(tmp_path / "x.db") as store:
        assert store.issues.count() == 0


def test_sweep_forgets_deleted_and_transferred_issues(fake: FakeGitHub, harness: Harness) -> None:
    _world(fake)
    harness.sync(SOURCES)
    fake.delete_issue("acme/vision", 1)
    fake.add_repo("acme/archive")
    moved = fake.transfer("acme/asr", 1, "acme/archive")
    assert moved
    harness.sync(SOURCES, sweep=True)
    keys = set(harness.issues())
    assert "acme/vision#1" not in keys and "acme/asr#1" not in keys
    assert "acme/labelling#1" in keys


def test_a_transferred_issue_records_its_move(fake: FakeGitHub, harness: Harness) -> None:
    _world(fake)
    fake.add_repo("acme/archive")
    number = fake.transfer("acme/asr", 1, "acme/archive", at=T0 + timedelta(days=9))
    harness.sync(GitHubSources(repos=("acme/archive",)))
    issue = harness.issues()[f"acme/archive#{number}"]
    moves = issue.ownership_changes  # type: ignore[attr-defined]
    assert [(m.from_container, m.to_container) for m in moves] == [("acme/asr", "acme/archive")]


def test_paging_past_the_page_limit_with_concurrent_edits(tmp_path: Path) -> None:
    """Link pagination switches to cursors on large sets; edits during the sync lose nothing."""
    with FakeGitHub(token="t0k", now=NOW, page_limit=1) as fake:
        fake.add_repo("acme/big")
        for n in range(420):
            fake.add_issue("acme/big", title=f"Issue {n}", created_at=T0 + timedelta(minutes=n))
        harness = Harness(fake, tmp_path / "big.db")
        edited: list[int] = []
        original = harness.governor.send

        def send(client, request, resource):  # type: ignore[no-untyped-def]
            if resource == "core" and len(edited) < 3 and "since" in str(request.url):
                number = 5 + 40 * len(edited)
                fake.touch("acme/big", number, NOW + timedelta(seconds=len(edited)))
                edited.append(number)
            return original(client, request, resource)

        harness.governor.send = send  # type: ignore[method-assign]
        harness.sync(GitHubSources(repos=("acme/big",)))
        issues = harness.issues()
        harness.http.close()
    assert len(issues) == 420
    for number in edited:
        assert issues[f"acme/big#{number}"].updated_at >= NOW  # type: ignore[attr-defined]


def test_a_repo_spelt_in_another_case_is_one_stream_and_resyncs_for_free(
    fake: FakeGitHub, harness: Harness
) -> None:
    _world(fake)
    sources = GitHubSources(repos=("ACME/Labelling", "acme/labelling"))
    assert harness.sync(sources).written == 1
    fake.now = NOW + timedelta(minutes=1)
    fake.touch("acme/labelling", 1, fake.now)  # changed: refetched once, under GitHub's key
    fake.reset_requests()
    report = harness.sync(sources)
    assert len(report.streams) == 1 and report.written == 1
    assert sorted(harness.issues()) == ["acme/labelling#1"]
    fake.reset_requests()
    harness.sync(sources)
    assert [r.path for r in fake.requests if r.path == "/graphql"] == []


def test_visibility_follows_the_repository_and_a_change_reaches_the_next_sync(
    fake: FakeGitHub, harness: Harness
) -> None:
    from bot.core.models import Visibility

    fake.add_repo("acme/asr")
    fake.add_repo("acme/vault", visibility="private")
    fake.add_repo("acme/intra", visibility="internal")
    for repo in ("acme/asr", "acme/vault", "acme/intra"):
        fake.add_issue(repo, title=f"{repo} work", created_at=T0)
    sources = GitHubSources(repos=("acme/asr", "acme/vault", "acme/intra"))
    assert harness.sync(sources).failed == []
    seen = {k: i.visibility for k, i in harness.issues().items()}
    assert seen == {
        "acme/asr#1": Visibility.PUBLIC,
        "acme/vault#1": Visibility.RESTRICTED,  # private: only those with explicit access
        "acme/intra#1": Visibility.RESTRICTED,  # internal: the enterprise's members only
    }
    fake.set_repo_visibility("acme/asr", "private")  # no issue of it changes
    fake.set_repo_visibility("acme/vault", "public")
    core = fake.core_remaining
    assert harness.sync(sources).written == 0
    seen = {k: i.visibility for k, i in harness.issues().items()}
    assert seen["acme/asr#1"] is Visibility.RESTRICTED
    assert seen["acme/vault#1"] is Visibility.PUBLIC
    assert core - fake.core_remaining == 2  # the two changed repositories' answers, no more
