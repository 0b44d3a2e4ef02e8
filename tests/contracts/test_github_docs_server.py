"""The docs server keeps the rules it cites, so the contract fails for the right reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.contracts.github_docs_server import GitHubDocsServer, make_issue

TOKEN = "github_pat_selftest"
T0 = datetime(2026, 11, 1, 0, 0, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[GitHubDocsServer]:
    with GitHubDocsServer(TOKEN) as github:
        repo = github.add_repo("acme", "tools", 42)
        for n in range(1, 151):  # 150 issues, the even ones closed, one a minute
            when = T0 + timedelta(minutes=n)
            state = "closed" if n % 2 == 0 else "open"
            repo.issues.append(make_issue(github.base_url, repo, n, when, when, state))
        yield github


@pytest.fixture
def client(server: GitHubDocsServer) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {TOKEN}", "user-agent": "selftest"}
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        yield http


def test_listing_defaults_are_open_created_desc_30(client: httpx.Client) -> None:
    response = client.get("/repos/acme/tools/issues")
    numbers = [i["number"] for i in response.json()]
    assert response.status_code == 200
    assert numbers == list(range(149, 89, -2))  # 30 open issues, newest created first
    assert 'rel="next"' in response.headers["link"] and 'rel="last"' in response.headers["link"]
    assert "/repositories/42/issues?" in response.headers["link"]


def test_since_keeps_updates_at_or_after_it_and_link_pages_follow(client: httpx.Client) -> None:
    since = (T0 + timedelta(minutes=51)).strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {"state": "all", "sort": "updated", "direction": "asc", "since": since}
    first = client.get("/repos/acme/tools/issues", params={**params, "per_page": "100"})
    assert [i["number"] for i in first.json()] == list(range(51, 151))
    assert "link" not in first.headers  # one page holds them all


def test_conditional_request_is_free_and_rate_limit_is_free(
    client: httpx.Client, server: GitHubDocsServer
) -> None:
    first = client.get("/repos/acme/tools/issues/1")
    assert first.headers["x-ratelimit-used"] == "1"
    again = client.get(
        "/repos/acme/tools/issues/1", headers={"if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert client.get("/rate_limit").json()["resources"]["core"]["used"] == 1
    assert server.points_spent == 1


@pytest.mark.parametrize(
    ("path", "params", "headers", "status"),
    [
        ("/repos/acme/tools/issues", {"per_page": "101"}, {}, 422),
        ("/repos/acme/tools/issues", {"state": "any"}, {}, 422),
        ("/repos/acme/tools/issues", {"updated_since": "2026-11-01T00:00:00Z"}, {}, 422),
        ("/repos/acme/tools/issues", {"since": "2026-11-01"}, {}, 422),
        ("/repos/acme/tools/pulls", {}, {}, 404),
        ("/repos/acme/tools/issues", {}, {"x-github-api-version": "2021-01-01"}, 400),
        ("/repos/acme/tools/issues", {}, {"authorization": "Bearer wrong"}, 401),
    ],
)
def test_what_the_docs_do_not_define_is_refused_and_recorded(
    client: httpx.Client,
    server: GitHubDocsServer,
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    status: int,
) -> None:
    assert client.get(path, params=params, headers=headers).status_code == status
    assert [r.path for r in server.undefined] == [path]
