"""Claim write-back to GitHub against the local fake GitHub (real HTTP on 127.0.0.1).

The point of the writer is that a claim is checked, not assumed: GitHub answers 201 to an
assignment it silently dropped, so these tests look at what the fake holds afterwards.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.trackers.github.client import GitHubClient
from bot.trackers.github.writeback import GitHubClaimWriter, parse_github_key
from bot.trackers.http import Governor, TrackerError
from bot.trackers.writeback import ClaimWriter, WriteResult
from tests.external import external
from tests.fakes.github import FakeGitHub, server_error

MARKER = "claim-test-0001"

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
TOKEN = "t0k"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN, now=NOW) as gh:
        gh.add_repo("acme/asr")
        gh.add_issue("acme/asr", title="WER regressed on accented speech", created_at=T0)
        yield gh


class Harness:
    """A client and a writer over the fake, with a recorded (not real) sleep."""

    def __init__(self, fake: FakeGitHub, api_url: str | None = None) -> None:
        self.sleeps: list[float] = []
        self.http = httpx.Client(timeout=10)
        self.governor = Governor(
            sleep=self.sleeps.append, clock=lambda: fake.now, jitter=lambda: 0.5
        )
        self.client = GitHubClient(
            self.http,
            api_url=api_url or fake.url,
            graphql_url=fake.graphql_url,
            token=TOKEN,
            governor=self.governor,
        )
        self.writer: ClaimWriter = GitHubClaimWriter(self.client)

    def issue(self, repo: str = "acme/asr", number: int = 1) -> dict[str, object]:
        response = self.http.get(
            f"{self.client.api_url}/repos/{repo}/issues/{number}",
            headers={"Authorization": f"Bearer {TOKEN}"},
            follow_redirects=True,
        )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    def assignees(self, repo: str = "acme/asr", number: int = 1) -> list[str]:
        return [str(user["login"]) for user in self.issue(repo, number)["assignees"]]  # type: ignore[attr-defined, index]


@pytest.fixture
def harness(fake: FakeGitHub) -> Iterator[Harness]:
    h = Harness(fake)
    yield h
    h.http.close()


def _writes(fake: FakeGitHub) -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in fake.requests if r.method != "GET"]


# -- assign ------------------------------------------------------------------------------------


def test_assign_adds_the_assignee_and_the_next_listing_shows_it(
    fake: FakeGitHub, harness: Harness
) -> None:
    fake.now = NOW + timedelta(minutes=5)

    result = harness.writer.assign("acme/asr#1", "@ana")

    assert result == WriteResult(True, "assigned @ana")
    (sent,) = fake.requests
    assert (sent.method, sent.path, sent.status) == (
        "POST",
        "/repos/acme/asr/issues/1/assignees",
        201,
    )
    assert sent.json() == {"assignees": ["ana"]}
    assert harness.assignees() == ["ana"]
    page = harness.client.list_issues("acme/asr", since=NOW)
    assert [(i.number, [a.login for a in i.assignees or []]) for i in page.items] == [(1, ["ana"])]
    assert page.items[0].updated_at == NOW + timedelta(minutes=5)


def test_assign_keeps_the_other_assignees_and_ignores_case(
    fake: FakeGitHub, harness: Harness
) -> None:
    fake.add_issue("acme/asr", title="t", created_at=T0, assignees=["Carl", "Ana"])

    result = harness.writer.assign("acme/asr#2", "ana")

    assert result.ok, result.detail
    assert harness.assignees(number=2) == ["Carl", "Ana"]


def test_an_assignee_github_silently_drops_is_reported_not_assumed(
    fake: FakeGitHub, harness: Harness
) -> None:
    fake.set_assignable("acme/asr", ["ana"])

    result = harness.writer.assign("acme/asr#1", "bob")

    assert result == WriteResult(
        False, "GitHub did not assign @bob: they cannot be assigned in acme/asr (no access)"
    )
    assert _writes(fake) == [("POST", "/repos/acme/asr/issues/1/assignees", 201)]
    assert harness.assignees() == []
    assert harness.issue()["updated_at"] == "2024-01-01T09:00:00Z"  # nothing changed


def test_a_commenter_can_be_assigned_without_access_as_on_github(
    fake: FakeGitHub, harness: Harness
) -> None:
    fake.set_assignable("acme/asr", ["ana"])
    fake.add_comment("acme/asr", 1, author="Bob", body="I can take it", created_at=T0)

    assert harness.writer.assign("acme/asr#1", "bob") == WriteResult(True, "assigned @bob")
    assert harness.assignees() == ["Bob"]


def test_a_full_issue_is_named_as_the_reason(fake: FakeGitHub, harness: Harness) -> None:
    ten = [f"dev{i}" for i in range(10)]
    fake.add_issue("acme/asr", title="t", created_at=T0, assignees=ten)

    result = harness.writer.assign("acme/asr#2", "ana")

    assert not result.ok
    assert result.detail == (
        "GitHub did not assign @ana: the issue already has 10 assignees, GitHub's maximum"
    )


# -- unassign ----------------------------------------------------------------------------------


def test_unassign_removes_only_that_assignee(fake: FakeGitHub, harness: Harness) -> None:
    fake.add_issue("acme/asr", title="t", created_at=T0, assignees=["ana", "carl"])

    result = harness.writer.unassign("acme/asr#2", "@ana")

    assert result == WriteResult(True, "unassigned @ana")
    assert harness.assignees(number=2) == ["carl"]
    sent = fake.requests[-2]  # the last one is the check above
    assert (sent.method, sent.path, sent.status) == (
        "DELETE",
        "/repos/acme/asr/issues/2/assignees",
        200,
    )
    assert sent.json() == {"assignees": ["ana"]}
    assert harness.issue(number=2)["updated_at"] == "2024-06-01T12:00:00Z"


def test_unassigning_someone_not_assigned_is_ok_and_changes_nothing(
    fake: FakeGitHub, harness: Harness
) -> None:
    assert harness.writer.unassign("acme/asr#1", "ana").ok
    assert harness.issue()["updated_at"] == "2024-01-01T09:00:00Z"


def test_claim_then_undo_round_trip(harness: Harness) -> None:
    assert harness.writer.assign("acme/asr#1", "ana").ok
    assert harness.writer.unassign("acme/asr#1", "ana").ok
    assert harness.assignees() == []


# -- comment -----------------------------------------------------------------------------------


def test_comment_is_visible_afterwards(fake: FakeGitHub, harness: Harness) -> None:
    result = harness.writer.comment(
        "acme/asr#1", "Claimed by @ana for the ASR team.", marker=MARKER
    )

    assert result.ok
    comments = harness.http.get(
        f"{fake.url}/repos/acme/asr/issues/1/comments",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).json()
    assert [(c["user"]["login"], c["body"]) for c in comments] == [
        ("fake-viewer", f"Claimed by @ana for the ASR team.\n\n<!-- impactbot:{MARKER} -->")
    ]
    url = comments[0]["html_url"]
    assert result.detail == f"commented on acme/asr#1: {url}"
    assert url.startswith("https://github.com/acme/asr/issues/1#issuecomment-")
    created = fake.requests[-2]
    assert (created.method, created.status, created.json()) == (
        "POST",
        201,
        {"body": f"Claimed by @ana for the ASR team.\n\n<!-- impactbot:{MARKER} -->"},
    )
    listed = harness.client.list_issues("acme/asr", since=NOW).items
    assert [(i.number, i.updated_at) for i in listed] == [(1, NOW)]
    assert harness.issue()["comments"] == 1


def test_comment_is_visible_over_graphql(fake: FakeGitHub, harness: Harness) -> None:
    external("github-graphql", "schema.graphql")
    harness.writer.comment("acme/asr#1", "Claimed.", marker=MARKER)
    data = harness.client.graphql(
        "query($id: ID!) { node(id: $id) { ... on Issue {"
        " comments(first: 5) { totalCount nodes { body author { login } } } } } }",
        {"id": fake.node_id("acme/asr", 1)},
    )
    comments = data["node"]["comments"]
    assert comments["totalCount"] == 1
    body = f"Claimed.\n\n<!-- impactbot:{MARKER} -->"
    assert comments["nodes"] == [{"body": body, "author": {"login": "fake-viewer"}}]


def test_an_empty_comment_is_the_callers_bug_and_sends_nothing(
    fake: FakeGitHub, harness: Harness
) -> None:
    # The hidden marker alone would make a blank comment look non-empty to GitHub.
    with pytest.raises(ValueError, match="empty comment"):
        harness.writer.comment("acme/asr#1", "  ", marker=MARKER)
    assert _writes(fake) == []


# -- refusals and failures ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        ("assign", "GitHub did not assign @ana: "),
        ("unassign", "GitHub did not unassign @ana: "),
        ("comment", "GitHub did not take the comment on acme/asr#99: "),
    ],
)
def test_an_unknown_issue_is_not_ok(harness: Harness, write: str, expected: str) -> None:
    extra = {"marker": MARKER} if write == "comment" else {}
    result: WriteResult = getattr(harness.writer, write)("acme/asr#99", "ana", **extra)
    assert result == WriteResult(
        False, expected + "acme/asr#99 was not found, or the token cannot see it"
    )


def test_a_deleted_issue_is_not_ok(fake: FakeGitHub, harness: Harness) -> None:
    fake.delete_issue("acme/asr", 1)
    result = harness.writer.assign("acme/asr#1", "ana")
    assert result == WriteResult(False, "GitHub did not assign @ana: acme/asr#1 was deleted")
    assert _writes(fake) == [("POST", "/repos/acme/asr/issues/1/assignees", 410)]


def test_a_502_is_retried_by_the_governor(fake: FakeGitHub, harness: Harness) -> None:
    fake.script("POST", r"/issues/1/assignees$", server_error(502))

    assert harness.writer.assign("acme/asr#1", "ana") == WriteResult(True, "assigned @ana")

    assert _writes(fake) == [
        ("POST", "/repos/acme/asr/issues/1/assignees", 502),
        ("POST", "/repos/acme/asr/issues/1/assignees", 201),
    ]
    assert [r.json() for r in fake.requests] == [{"assignees": ["ana"]}] * 2
    assert harness.governor.stats.retries == 1
    assert len(harness.sleeps) == 1


def test_a_renamed_repository_is_followed_with_the_same_write(
    fake: FakeGitHub, harness: Harness
) -> None:
    fake.rename_repo("acme/asr", "acme/speech")

    assert harness.writer.assign("acme/asr#1", "ana").ok

    (moved, status_moved), (followed, status_followed) = [
        ((r.method, r.path), r.status) for r in fake.requests
    ]
    assert (moved, status_moved) == (("POST", "/repos/acme/asr/issues/1/assignees"), 307)
    assert followed[0] == "POST" and followed[1].endswith("/issues/1/assignees")
    assert followed[1].startswith("/repositories/")
    assert status_followed == 201
    assert harness.assignees("acme/speech") == ["ana"]


def test_a_transferred_issue_is_followed_too(fake: FakeGitHub, harness: Harness) -> None:
    fake.add_repo("acme/speech")
    new_number = fake.transfer("acme/asr", 1, "acme/speech")

    assert harness.writer.comment("acme/asr#1", "Claimed.", marker=MARKER).ok
    assert harness.issue("acme/speech", new_number)["comments"] == 1


def test_writes_cost_a_core_point_each(fake: FakeGitHub, harness: Harness) -> None:
    before = fake.core_remaining
    harness.writer.assign("acme/asr#1", "ana")
    harness.writer.unassign("acme/asr#1", "ana")
    harness.writer.comment("acme/asr#1", "hi", marker=MARKER)
    harness.writer.assign("acme/asr#99", "ana")  # a 404 costs a point too
    assert fake.core_remaining == before - 4


def test_a_rejected_token_raises_instead_of_blaming_the_issue(fake: FakeGitHub) -> None:
    fake.token = "another"
    h = Harness(fake)
    with pytest.raises(TrackerError, match="401"):
        h.writer.assign("acme/asr#1", "ana")
    h.http.close()


def test_an_unreachable_github_raises_after_the_retries(fake: FakeGitHub) -> None:
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    h = Harness(fake, api_url=f"http://127.0.0.1:{port}")
    with pytest.raises(TrackerError, match="cannot reach"):
        h.writer.comment("acme/asr#1", "hi", marker=MARKER)
    assert h.governor.stats.retries == h.governor.policy.max_attempts - 1
    h.http.close()


@pytest.mark.parametrize("key", ["acme/asr", "asr#1", "acme/asr#0", "github:acme/asr#1", ""])
def test_a_malformed_key_is_a_bug_not_a_refusal(harness: Harness, key: str) -> None:
    with pytest.raises(ValueError, match="not a GitHub issue key"):
        harness.writer.assign(key, "ana")


def test_parse_github_key() -> None:
    assert parse_github_key("acme/asr#12") == ("acme/asr", 12)


# -- the fake's write routes -------------------------------------------------------------------


def test_the_fake_answers_malformed_writes_like_github(fake: FakeGitHub, harness: Harness) -> None:
    url = f"{fake.url}/repos/acme/asr/issues/1"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    bad_json = harness.http.post(f"{url}/assignees", content=b"{", headers=auth)
    not_a_list = harness.http.post(f"{url}/assignees", json={"assignees": "ana"}, headers=auth)
    no_body = harness.http.post(f"{url}/comments", json={}, headers=auth)
    other_write = harness.http.patch(url, json={"title": "x"}, headers=auth)

    assert (bad_json.status_code, bad_json.json()["message"]) == (400, "Problems parsing JSON")
    assert not_a_list.status_code == 422
    assert no_body.status_code == 422
    assert other_write.status_code == 404


def test_the_fake_answers_a_created_comment_with_its_location(
    fake: FakeGitHub, harness: Harness
) -> None:
    url = f"{fake.url}/repos/acme/asr/issues/1/comments"
    response = harness.http.post(
        url, json={"body": "hi"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"id", "html_url", "body", "user", "created_at"}
    assert response.headers["location"] == body["url"]
    assert body["created_at"] == "2024-06-01T12:00:00Z"
