"""A claim's comment is posted at most once on every tracker, even when the tracker stores it
and then fails (a 5xx from its edge, a connection dropped after the request left): the writer
looks for its marker among the bot's own comments before it posts again.

Each tracker's fake is told to *do* the write and then answer the failure
(``fail_after_storing``), with that vendor's error shape (see each fake's docstring).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.core.rules_sources import GitHubSources, GitLabSources, JiraSources, LinearSources
from bot.trackers.github.factory import GitHubCredentials
from bot.trackers.github.factory import claim_writer as github_writer
from bot.trackers.gitlab.dialect import gitlab_dialect
from bot.trackers.gitlab.factory import GitLabCredentials
from bot.trackers.gitlab.factory import claim_writer as gitlab_writer
from bot.trackers.http import AmbiguousWriteError, Governor, TrackerError
from bot.trackers.jira.dialect import jira_dialect
from bot.trackers.jira.factory import JiraCredentials
from bot.trackers.jira.factory import claim_writer as jira_writer
from bot.trackers.jira.writeback import MARKER_PROPERTY
from bot.trackers.linear.dialect import linear_dialect
from bot.trackers.linear.factory import LinearCredentials
from bot.trackers.linear.factory import claim_writer as linear_writer
from bot.trackers.ratelimit import RetryPolicy
from bot.trackers.writeback import ClaimWriter, hidden_marker, marker_uuid
from tests.fakes import github, gitlab, jira, linear
from tests.trackers.linear.harness import needs_schema

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
MARKER = "claim-0123456789abcdef"
BODY = "Claimed via Slack by Omar for @ana (impactbot)."


@dataclass
class Tracker:
    """One tracker's fake, a writer over it, and how to read and script what it holds."""

    fake: Any
    writer: ClaimWriter
    key: str
    comments: Callable[[], list[str]]  # bodies of the issue's comments, oldest first
    posts: Callable[[], int]  # comment-creating requests the fake saw
    fail_after_storing: Callable[[Any], None]  # store the next post, then answer this
    fail_before_storing: Callable[[Any], None]  # answer the next post this, storing nothing
    server_error: Any
    dropped: Any
    foreign: Callable[[str], None] | None = None  # a comment by someone else, with this text


def _governor(normalise: Any = None) -> Governor:
    extra = {"normalise": normalise} if normalise else {}
    policy = RetryPolicy(max_attempts=3)  # as every claim writer's factory sets it
    return Governor(policy=policy, sleep=lambda s: None, jitter=lambda: 0.5, **extra)


@contextmanager
def _github(http: httpx.Client) -> Iterator[Tracker]:
    with github.FakeGitHub(token="t0k", now=NOW) as fake:
        fake.add_repo("acme/asr")
        fake.add_issue("acme/asr", title="WER regressed", created_at=NOW)
        settings = GitHubCredentials(token="t0k", api_url=fake.url, graphql_url=fake.graphql_url)
        writer = github_writer(settings, GitHubSources(), http=http, governor=_governor())
        path = r"/repos/acme/asr/issues/1/comments$"
        yield Tracker(
            fake,
            writer,
            "acme/asr#1",
            comments=lambda: [c.body for c in fake._store.repos["acme/asr"].issues[1].comments],
            posts=lambda: sum(r.method == "POST" and "/comments" in r.path for r in fake.requests),
            fail_after_storing=lambda a: fake.fail_after_storing("POST", path, a),
            fail_before_storing=lambda a: fake.script("POST", path, a),
            server_error=github.server_error(502),
            dropped=github.ScriptedResponse(github.DROP),
            foreign=lambda text: fake.add_comment(
                "acme/asr", 1, author="mallory", body=text, created_at=NOW
            ),
        )


@contextmanager
def _gitlab(http: httpx.Client) -> Iterator[Tracker]:
    with gitlab.FakeGitLab(token="gl-t0k", now=NOW) as fake:
        fake.add_project("acme/asr", members={"root", "ana"})
        fake.add_issue("acme/asr", title="WER regressed", created_at=NOW)
        settings = GitLabCredentials(token="gl-t0k", url=fake.url)
        writer = gitlab_writer(
            settings,
            GitLabSources(projects=("acme/asr",)),
            http=http,
            governor=_governor(gitlab_dialect),
        )
        path = r"/projects/[^/]+/issues/1/notes$"
        yield Tracker(
            fake,
            writer,
            "acme/asr#1",
            comments=lambda: [n.body for n in fake.issue("acme/asr", 1).notes if not n.system],
            posts=lambda: sum(r.method == "POST" and "/notes" in r.path for r in fake.requests),
            fail_after_storing=lambda a: fake.fail_after_storing("POST", path, a),
            fail_before_storing=lambda a: fake.script("POST", path, a),
            server_error=gitlab.server_error(500),
            dropped=gitlab.dropped(),
            foreign=lambda text: fake.add_note("acme/asr", 1, author="mallory", body=text, at=NOW),
        )


@contextmanager
def _jira(http: httpx.Client) -> Iterator[Tracker]:
    with jira.FakeJira(email="bot@acme.io", api_token="jira-t0k", now=NOW) as fake:
        fake.add_project("ASR")
        key = fake.add_issue("ASR", summary="WER regressed", created=NOW)
        settings = JiraCredentials(url=fake.url, email="bot@acme.io", api_token="jira-t0k")
        writer = jira_writer(
            settings, JiraSources(projects=("ASR",)), http=http, governor=_governor(jira_dialect)
        )
        path = rf"/rest/api/3/issue/{key}/comment$"
        yield Tracker(
            fake,
            writer,
            key,
            comments=lambda: [
                _adf_text(c.body) + f" {c.properties.get(MARKER_PROPERTY)}"
                for c in fake.find(key).comments
            ],
            posts=lambda: sum(r.method == "POST" and "/comment" in r.path for r in fake.requests),
            fail_after_storing=lambda a: fake.fail_after_storing("POST", path, a),
            fail_before_storing=lambda a: fake.script("POST", path, a),
            server_error=jira.server_error(500),
            dropped=jira.dropped(),
        )


@contextmanager
def _linear(http: httpx.Client) -> Iterator[Tracker]:
    needs_schema()
    with linear.FakeLinear(api_key="lin_k", now=NOW) as fake:
        key = fake.workspace.add_issue("ENG", title="WER regressed", created_at=NOW)
        settings = LinearCredentials(api_key="lin_k", api_url=fake.url)
        writer = linear_writer(
            settings, LinearSources(), http=http, governor=_governor(linear_dialect)
        )
        row = fake.workspace.find(key)
        assert row is not None
        yield Tracker(
            fake,
            writer,
            key,
            comments=lambda: [f"{c.body} {c.id}" for c in row.comments],
            posts=lambda: sum(b"commentCreate" in r.body for r in fake.requests),
            fail_after_storing=lambda a: fake.fail_after_storing(
                "POST", r"/graphql", a, body_regex="commentCreate"
            ),
            fail_before_storing=lambda a: fake.script(a, body_regex="commentCreate"),
            server_error=linear.server_error(500),
            dropped=linear.Scripted(linear.DROP),
        )


def _adf_text(doc: Any) -> str:
    if isinstance(doc, dict):
        return str(doc.get("text", "")) + "".join(_adf_text(c) for c in doc.get("content", []))
    return ""


TRACKERS = {"github": _github, "gitlab": _gitlab, "jira": _jira, "linear": _linear}


@pytest.fixture(params=sorted(TRACKERS))
def tracker(request: pytest.FixtureRequest) -> Iterator[Tracker]:
    with httpx.Client(timeout=10) as http, TRACKERS[request.param](http) as t:
        yield t


def _marked(tracker: Tracker) -> list[str]:
    """The issue's comments that carry MARKER (in the body, property or id)."""
    signs = (hidden_marker(MARKER), str({"marker": MARKER}), marker_uuid(MARKER))
    return [c for c in tracker.comments() if any(sign in c for sign in signs)]


def test_a_comment_stored_then_answered_with_5xx_is_posted_once(tracker: Tracker) -> None:
    for _ in range(3):  # the tracker stores every post and answers each with a 5xx
        tracker.fail_after_storing(tracker.server_error)
    result = tracker.writer.comment(tracker.key, BODY, marker=MARKER)
    assert result.ok, result.detail
    assert len(_marked(tracker)) == 1
    assert tracker.posts() == 1  # found after the first failure: never posted again


def test_a_comment_stored_then_dropped_is_posted_once(tracker: Tracker) -> None:
    tracker.fail_after_storing(tracker.dropped)
    result = tracker.writer.comment(tracker.key, BODY, marker=MARKER)
    assert result.ok, result.detail
    assert len(_marked(tracker)) == 1 and tracker.posts() == 1


def test_a_5xx_that_stored_nothing_is_posted_again_once(tracker: Tracker) -> None:
    tracker.fail_before_storing(tracker.server_error)
    result = tracker.writer.comment(tracker.key, BODY, marker=MARKER)
    assert result.ok, result.detail
    assert len(_marked(tracker)) == 1 and tracker.posts() == 2


def test_a_tracker_that_never_stores_gives_up_without_a_comment(tracker: Tracker) -> None:
    for _ in range(3):
        tracker.fail_before_storing(tracker.server_error)
    with pytest.raises(TrackerError, match="not confirmed after 3 attempts"):
        tracker.writer.comment(tracker.key, BODY, marker=MARKER)
    assert _marked(tracker) == [] and tracker.posts() == 3


def test_finishing_a_comment_that_was_posted_posts_nothing(tracker: Tracker) -> None:
    assert tracker.writer.comment(tracker.key, BODY, marker=MARKER).ok
    again = tracker.writer.comment(tracker.key, BODY, marker=MARKER, look_first=True)
    assert again.ok, again.detail
    assert len(_marked(tracker)) == 1 and tracker.posts() == 1


#: Trackers whose marker is comment text, which anyone could quote (on Jira it is a comment
#: property and on Linear the comment's own id: nobody else can write either).
TEXT_MARKER_TRACKERS = ("github", "gitlab")


@pytest.mark.parametrize("name", TEXT_MARKER_TRACKERS)
def test_someone_elses_comment_with_the_marker_does_not_count(name: str) -> None:
    with httpx.Client(timeout=10) as http, TRACKERS[name](http) as tracker:
        _a_quoted_marker_is_not_ours(tracker)


def _a_quoted_marker_is_not_ours(tracker: Tracker) -> None:
    assert tracker.foreign is not None
    tracker.foreign(f"quoting the bot: {hidden_marker(MARKER)}")
    tracker.fail_before_storing(tracker.server_error)
    result = tracker.writer.comment(tracker.key, BODY, marker=MARKER)
    assert result.ok, result.detail
    assert len(_marked(tracker)) == 2 and tracker.posts() == 2  # ours is there too


def test_the_governor_never_repeats_an_unrepeatable_request_after_a_5xx() -> None:
    with github.FakeGitHub(token=None, now=NOW) as fake, httpx.Client(timeout=10) as http:
        fake.add_repo("acme/asr")
        fake.add_issue("acme/asr", title="x", created_at=NOW)
        fake.script("POST", r"/comments$", github.server_error(502))
        request = http.build_request(
            "POST", f"{fake.url}/repos/acme/asr/issues/1/comments", json={"body": "hi"}
        )
        with pytest.raises(AmbiguousWriteError, match="502"):
            _governor().send(http, request, "core", repeatable=False)
        assert [r.status for r in fake.requests] == [502]


def test_a_malformed_marker_is_the_callers_bug(tracker: Tracker) -> None:
    with pytest.raises(ValueError, match="marker"):
        tracker.writer.comment(tracker.key, BODY, marker="Not A Marker!")
    assert tracker.posts() == 0


def test_a_timeout_after_sending_is_ambiguous_and_never_repeated() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with httpx.Client(timeout=0.3) as http:
            governor = _governor()
            request = http.build_request("POST", f"http://127.0.0.1:{port}/c", json={"b": 1})
            with pytest.raises(AmbiguousWriteError, match="may have been stored"):
                governor.send_once(http, request, "core")
    assert governor.stats.requests == 1


def test_a_connection_never_made_is_retried_like_any_request() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: connections are refused
        with httpx.Client(timeout=2) as http:
            governor = _governor()
            request = http.build_request("POST", f"http://127.0.0.1:{port}/c", json={"b": 1})
            with pytest.raises(TrackerError, match="cannot reach") as raised:
                governor.send_once(http, request, "core")
    assert not isinstance(raised.value, AmbiguousWriteError)
    assert governor.stats.requests == 3  # nothing was sent, so repeating is safe
