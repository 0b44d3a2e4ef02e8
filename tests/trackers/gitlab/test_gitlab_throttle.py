"""GitLab throttles the touch a note gives its issue (``ThrottledTouch``: ``updated_at`` moves
only when it is more than a minute old), and a sweep must never forget a live issue. The fake
GitLab applies the throttle as GitLab's source does (see ``tests/fakes/gitlab_model.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.models import LinkKind
from bot.core.rules_sources import GitLabSources
from tests.fakes.gitlab import FakeGitLab
from tests.trackers.gitlab.harness import TOKEN, Harness

T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
SOURCES = GitLabSources(projects=("acme/asr",))
ASR = "acme/asr"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab(token=TOKEN, now=T0) as gl:
        gl.add_project(ASR)
        yield gl


@pytest.fixture
def harness(fake: FakeGitLab, tmp_path: Path) -> Iterator[Harness]:
    h = Harness(fake, tmp_path / "sync.db")
    yield h
    h.http.close()


def _paths(fake: FakeGitLab) -> list[str]:
    return [r.path for r in fake.requests]


def test_the_fake_throttles_the_touch_of_a_note(fake: FakeGitLab) -> None:
    iid = fake.add_issue(ASR, title="Crash", created_at=T0)
    fake.add_note(ASR, iid, author="ana", body="within the minute", at=T0 + timedelta(seconds=60))
    assert fake.issue(ASR, iid).updated_at == T0
    fake.add_note(ASR, iid, author="ana", body="later", at=T0 + timedelta(seconds=61))
    assert fake.issue(ASR, iid).updated_at == T0 + timedelta(seconds=61)


def test_a_note_added_within_a_minute_of_the_last_update_arrives(
    fake: FakeGitLab, harness: Harness
) -> None:
    iid = fake.add_issue(ASR, title="Crash", created_at=T0)
    fake.now = T0 + timedelta(seconds=10)
    harness.sync(SOURCES)
    fake.add_note(ASR, iid, author="ana", body="hurts vision too", at=T0 + timedelta(seconds=30))
    assert fake.issue(ASR, iid).updated_at == T0  # throttled: nothing moved
    fake.now = T0 + timedelta(minutes=10)
    harness.sync(SOURCES)
    assert [c.body for c in harness.issues()[f"{ASR}#{iid}"].comments] == ["hurts vision too"]
    fake.now = T0 + timedelta(minutes=20)
    fake.reset_requests()
    harness.sync(SOURCES)  # the minute is long past: nothing left to re-check
    assert _paths(fake) == ["/api/v4/projects/acme%2Fasr", "/api/v4/projects/acme%2Fasr/issues"]


def test_a_link_added_within_a_minute_arrives_even_when_the_listing_moved_on(
    fake: FakeGitLab, harness: Harness
) -> None:
    a = fake.add_issue(ASR, title="Taxonomy", created_at=T0)
    b = fake.add_issue(ASR, title="Metrics", created_at=T0 - timedelta(days=1))
    fake.now = T0 + timedelta(seconds=5)
    harness.sync(SOURCES)
    fake.link((ASR, a), (ASR, b), "blocks", T0 + timedelta(seconds=20))
    assert fake.issue(ASR, a).updated_at == T0
    fake.add_issue(ASR, title="Later", created_at=T0 + timedelta(hours=1))  # moves the bound
    fake.now = T0 + timedelta(hours=2)
    harness.sync(SOURCES)
    links = {(lk.kind, lk.target.key) for lk in harness.issues()[f"{ASR}#{a}"].links}
    assert (LinkKind.BLOCKS, f"{ASR}#{b}") in links


def test_full_re_reads_the_notes_and_links_of_every_issue(
    fake: FakeGitLab, harness: Harness
) -> None:
    for n in range(3):
        fake.add_issue(ASR, title=f"Issue {n}", created_at=T0 - timedelta(days=n + 1))
    harness.sync(SOURCES)
    fake.reset_requests()
    harness.sync(SOURCES, full=True)
    notes = sorted(p for p in _paths(fake) if p.endswith("/notes"))
    assert notes == [f"/api/v4/projects/acme%2Fasr/issues/{n}/notes" for n in (1, 2, 3)]
    assert sum(p.endswith("/links") for p in _paths(fake)) == 3


def _after_first_sweep_page(fake: FakeGitLab, action: Callable[[], None]) -> None:
    """Run ``action`` once, right after the fake served the sweep's first page."""
    handle = fake.handle
    done: list[bool] = []

    def handle_then_act(method: str, target: str, headers: dict[str, str], body: bytes) -> Any:
        response = handle(method, target, headers, body)
        if "/issues?" in target and "updated_after" not in target and not done:
            done.append(True)
            action()
        return response

    fake.handle = handle_then_act  # type: ignore[method-assign]


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_a_sweep_never_forgets_a_live_issue(
    fake: FakeGitLab, harness: Harness, change: str
) -> None:
    for n in range(150):  # two pages of 100
        fake.add_issue(ASR, title=f"Issue {n}", created_at=T0 - timedelta(days=200 - n))
    harness.sync(SOURCES)
    if change == "edit":  # the first issue moves to the end of an updated_at walk
        action = lambda: fake.touch(ASR, 1, fake.now)  # noqa: E731
    else:  # an early issue disappears: every later one shifts back by one
        action = lambda: fake.delete_issue(ASR, 1)  # noqa: E731
    _after_first_sweep_page(fake, action)
    fake.now = T0 + timedelta(hours=1)
    report = harness.sync(SOURCES, sweep=True)
    assert report.failed == []
    assert set(harness.issues()) == {f"{ASR}#{n}" for n in range(1, 151)}  # #1 was listed
    harness.sync(SOURCES, sweep=True)
    gone = {f"{ASR}#1"} if change == "delete" else set()
    assert set(harness.issues()) == {f"{ASR}#{n}" for n in range(1, 151)} - gone


def test_pages_are_followed_exactly_as_gitlab_links_them(
    fake: FakeGitLab, harness: Harness
) -> None:
    """httpx replaces a URL's query when given ``params``: a followed ``Link`` must be sent
    as it is, every parameter kept (a burst of 250 issues with one ``updated_at``, and an
    issue with 150 notes)."""
    for n in range(250):
        fake.add_issue(ASR, title=f"Issue {n}", created_at=T0, updated_at=T0)
    for n in range(150):
        fake.add_note(ASR, 1, author="ana", body=f"n{n}", at=T0 - timedelta(days=1))
    fake.now = T0 + timedelta(hours=1)
    report = harness.sync(SOURCES)
    assert report.failed == [] and len(harness.issues()) == 250
    listings = [r.query for r in fake.requests if r.path.endswith("/acme%2Fasr/issues")]
    # The first page moves the bound, so the listing restarts from it, then follows links.
    assert [q.get("page", "1") for q in listings] == ["1", "1", "2", "3"]
    assert all(q["order_by"] == "updated_at" and q["per_page"] == "100" for q in listings)
    assert len({q["updated_after"] for q in listings[1:]}) == 1  # kept in every followed link
    notes = [r.query for r in fake.requests if r.path.endswith("/issues/1/notes")]
    assert [q.get("page", "1") for q in notes] == ["1", "2"]
    assert all(q["sort"] == "asc" and q["per_page"] == "100" for q in notes)
    assert len(harness.issues()[f"{ASR}#1"].comments) == 150


def test_an_issue_due_a_re_check_that_was_deleted_is_forgotten(
    fake: FakeGitLab, harness: Harness
) -> None:
    iid = fake.add_issue(ASR, title="Short-lived", created_at=T0)
    fake.add_issue(ASR, title="Stays", created_at=T0 - timedelta(days=3))
    fake.now = T0 + timedelta(seconds=10)
    harness.sync(SOURCES)
    fake.delete_issue(ASR, iid)
    fake.now = T0 + timedelta(hours=1)
    fake.reset_requests()
    report = harness.sync(SOURCES)
    assert report.failed == [] and sum(s.deleted for s in report.streams) == 1
    assert set(harness.issues()) == {f"{ASR}#2"}
    assert f"/api/v4/projects/acme%2Fasr/issues/{iid}" in _paths(fake)  # read directly: 404
