"""The fake GitHub behaves like api.github.com where a sync client can tell the difference.

Talks to the fake over real HTTP with the standard library's http.client (one keep-alive
connection per test), and checks shapes against the vendor material (`tests.external`).
"""

from __future__ import annotations

import http.client
import importlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.external import external
from tests.fakes.github import (
    FakeGitHub,
    ScriptedResponse,
    secondary_limit,
    server_error,
    too_many_requests,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
TOKEN = "t0k"


def _import_pygithub() -> ModuleType | None:
    """PyGithub — never this directory's github.py, which pytest puts on sys.path (rootdir-style
    test modules). Importing it here, at collection, also caches the right `github` for later."""
    cached = sys.modules.get("github")
    if cached is not None:
        return cached if hasattr(cached, "Github") else None
    here = Path(__file__).resolve().parent
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    try:
        return importlib.import_module("github")
    except ImportError:
        return None
    finally:
        sys.path[:] = saved


PYGITHUB = _import_pygithub()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def links(self) -> dict[str, str]:
        return {
            rel: url
            for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', self.headers.get("link", ""))
        }


class Client:
    """A keep-alive HTTP/1.1 client on one connection, as a sync client would hold it."""

    def __init__(self, fake: FakeGitHub, token: str | None = TOKEN) -> None:
        parts = urlsplit(fake.url)
        self.conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        self.auth = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, url: str, body: bytes | None = None, **headers: str) -> Reply:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        sent = {**self.auth, **{k.replace("_", "-"): v for k, v in headers.items()}}
        self.conn.request(method, target, body=body, headers=sent)
        response = self.conn.getresponse()
        body_bytes = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body_bytes)

    def get(self, url: str, **headers: str) -> Reply:
        return self.request("GET", url, None, **headers)

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> Reply:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        return self.request("POST", "/graphql", body, content_type="application/json")

    def walk(self, url: str) -> Iterator[Reply]:
        """Follow rel="next" until there is none, as a paginating client does."""
        next_url: str | None = url
        while next_url:
            reply = self.get(next_url)
            assert reply.status == 200, reply.body
            yield reply
            next_url = reply.links.get("next")


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo("acme/api")
        fake.add_repo("acme/web")
        yield fake


@pytest.fixture
def client(gh: FakeGitHub) -> Iterator[Client]:
    c = Client(gh)
    yield c
    c.conn.close()


@pytest.fixture(scope="session")
def graphql_schema() -> None:
    """Builds GitHub's schema once per session (the fake caches it per process)."""
    from tests.fakes.github_graphql import load_schema

    load_schema(external("github-graphql", "schema.graphql"))


def _issues(gh: FakeGitHub, repo: str, n: int, *, every_pr: int = 0) -> None:
    for i in range(n):
        pr = bool(every_pr) and i % every_pr == 0
        gh.add_issue(repo, title=f"t{i}", created_at=T0 + timedelta(hours=i), is_pull_request=pr)


def _numbers(replies: Iterator[Reply]) -> list[int]:
    return [item["number"] for reply in replies for item in reply.json()]


# -- REST pagination ---------------------------------------------------------------------------


def test_page_links_walk_every_issue_once_with_prs_mixed_in(gh: FakeGitHub, client: Client) -> None:
    _issues(gh, "acme/api", 95, every_pr=4)
    replies = list(client.walk("/repos/acme/api/issues?state=all&per_page=30"))
    numbers = _numbers(iter(replies))
    assert sorted(numbers) == list(range(1, 96))
    assert numbers == sorted(numbers, reverse=True)  # default: created, newest first
    assert [sorted(r.links) for r in replies] == [
        ["last", "next"],
        ["first", "last", "next", "prev"],
        ["first", "last", "next", "prev"],
        ["first", "prev"],
    ]
    items = [item for r in replies for item in r.json()]
    prs = [i for i in items if "pull_request" in i]
    assert len(prs) == 24
    assert all(i["html_url"].endswith(f"/pull/{i['number']}") for i in prs)


def test_missing_parameters_take_the_defaults_of_githubs_spec(
    gh: FakeGitHub, client: Client
) -> None:
    """A listing without a query is GitHub's default listing, whatever a client expected."""
    spec_path = external("github-rest-openapi", "api.github.com.2022-06-11.issues-subset.json")
    spec = json.loads(spec_path.read_text())
    params = spec["paths"]["/repos/{owner}/{repo}/issues"]["get"]["parameters"]
    named = [spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
             for p in params]  # fmt: skip
    defaults = {p["name"]: p["schema"]["default"] for p in named if "default" in p["schema"]}
    assert defaults == {
        "state": "open", "sort": "created", "direction": "desc", "per_page": 30, "page": 1
    }  # fmt: skip
    for i in range(70):
        closed = i % 4 == 0
        gh.add_issue(
            "acme/api",
            title=f"t{i}",
            created_at=T0 + timedelta(hours=i),
            updated_at=T0 + timedelta(days=90 - i),  # updated order is the reverse of created
            state="closed" if closed else "open",
        )
    bare = client.get("/repos/acme/api/issues")
    spelt_out = client.get("/repos/acme/api/issues?" + urlencode(defaults))
    assert bare.json() == spelt_out.json()
    opened = [n for n in range(70, 0, -1) if (n - 1) % 4 != 0]
    assert [i["number"] for i in bare.json()] == opened[:30]
    repositories = f"{gh.url}/repositories/{client.get('/repos/acme/api').json()['id']}/issues"
    assert bare.links["next"] == f"{repositories}?page=2"
    assert spelt_out.links["next"] == (
        f"{repositories}?state=open&sort=created&direction=desc&per_page=30&page=2"
    )


def test_page_numbers_stop_at_99_and_cursors_go_on(client: Client) -> None:
    """GitHub refuses page=100 (google/go-github#3565); page 99 links on with `after=`."""
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo("acme/big")
        _issues(fake, "acme/big", 250)
        walker = Client(fake)
        refused = walker.get("/repos/acme/big/issues?state=all&per_page=2&page=100")
        assert refused.status == 422
        assert refused.json()["message"] == (
            "Pagination with the page parameter is not supported for large datasets, "
            "please use cursor based pagination (after/before)"
        )
        assert refused.json()["documentation_url"].endswith("#list-repository-issues")
        page_98 = walker.get("/repos/acme/big/issues?state=all&per_page=2&page=98")
        assert "last" not in page_98.links  # never a link to a page it would refuse
        assert page_98.links["next"].endswith("&page=99")
        page_99 = walker.get(page_98.links["next"])
        assert sorted(page_99.links) == ["first", "next", "prev"]
        assert "after=" in page_99.links["next"] and "&page=" not in page_99.links["next"]
        rest = _numbers(walker.walk(page_99.links["next"]))
        assert rest == list(range(52, 0, -1))  # 250 - 99 * 2 = 52 more, none twice
        walker.conn.close()


def test_large_result_sets_switch_to_cursor_pagination(client: Client) -> None:
    with FakeGitHub(token=TOKEN, page_limit=4) as fake:
        fake.add_repo("acme/big")
        _issues(fake, "acme/big", 260, every_pr=5)
        walker = Client(fake)
        replies = list(walker.walk("/repos/acme/big/issues?state=all&per_page=25&sort=updated"))
        numbers = _numbers(iter(replies))
        assert len(numbers) == len(set(numbers)) == 260
        assert all("last" not in r.links for r in replies)
        assert [r.links["next"].rsplit("&", 1)[1][:6] for r in replies[:5]] == [
            "page=2",
            "page=3",
            "page=4",
            "after=",
            "after=",
        ]
        too_far = walker.get("/repos/acme/big/issues?state=all&per_page=25&page=5")
        assert too_far.status == 422
        assert too_far.json()["message"].startswith("Pagination with the page parameter is not")
        walker.conn.close()


def test_cursor_walk_sees_issues_updated_during_the_walk_again_not_lost(client: Client) -> None:
    with FakeGitHub(token=TOKEN, page_limit=1) as fake:
        fake.add_repo("acme/big")
        _issues(fake, "acme/big", 40)
        walker = Client(fake)
        url: str | None = "/repos/acme/big/issues?sort=updated&direction=asc&per_page=10"
        seen: list[int] = []
        while url:
            reply = walker.get(url)
            seen += [item["number"] for item in reply.json()]
            if len(seen) == 10:
                fake.touch("acme/big", 3, T0 + timedelta(days=30))  # moves to the end
            url = reply.links.get("next")
        assert sorted(set(seen)) == list(range(1, 41))
        assert seen.count(3) == 2
        walker.conn.close()


def test_link_header_matches_octokit_paginate_issues_fixture(
    gh: FakeGitHub, client: Client
) -> None:
    recorded = json.loads(
        external("octokit-fixtures", "paginate-issues.normalized-fixture.json").read_text()
    )
    _issues(gh, "acme/api", 13)
    replies = list(client.walk("/repos/acme/api/issues?per_page=3"))

    def shape(link: str) -> list[tuple[str, str]]:
        parts = link.split(", ")
        assert all(re.fullmatch(r'<[^>]+>; rel="(prev|next|last|first)"', p) for p in parts), link
        return [(urlsplit(p[1 : p.index(">")]).query, p.split('rel="')[1][:-1]) for p in parts]

    assert [shape(r.headers["link"]) for r in replies] == [
        shape(x["headers"]["link"]) for x in recorded
    ]
    repo_id = client.get("/repos/acme/api").json()["id"]
    assert replies[0].links["next"].endswith(f"/repositories/{repo_id}/issues?per_page=3&page=2")
    assert _numbers(iter(replies))[:3] == [13, 12, 11]  # as in the fixture


def test_since_filters_on_updated_at_inclusive(gh: FakeGitHub, client: Client) -> None:
    _issues(gh, "acme/api", 10)
    gh.touch("acme/api", 2, T0 + timedelta(days=5))
    gh.add_comment("acme/api", 4, author="bob", body="+1", created_at=T0 + timedelta(days=6))
    since = (T0 + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    reply = client.get(f"/repos/acme/api/issues?since={since}&sort=updated&direction=asc")
    assert [(i["number"], i["comments"]) for i in reply.json()] == [(2, 0), (4, 1)]
    by_created = client.get(f"/repos/acme/api/issues?since={since}")
    assert [i["number"] for i in by_created.json()] == [4, 2]


def test_cross_reference_leaves_target_updated_at_alone(gh: FakeGitHub, client: Client) -> None:
    target = gh.add_issue("acme/api", title="old bug", created_at=T0)
    source = gh.add_issue("acme/web", title="PR", created_at=T0, is_pull_request=True)
    gh.add_cross_reference(
        target=("acme/api", target), source=("acme/web", source), created_at=T0 + timedelta(days=9)
    )
    since = "2024-01-05T00:00:00Z"
    assert client.get(f"/repos/acme/api/issues?since={since}").json() == []
    assert [i["number"] for i in client.get(f"/repos/acme/web/issues?since={since}").json()] == [
        source
    ]
    timeline = client.get(f"/repos/acme/api/issues/{target}/timeline").json()
    assert [e["event"] for e in timeline] == ["cross-referenced"]
    assert timeline[0]["source"]["issue"]["repository"]["full_name"] == "acme/web"


# -- REST conditional requests, budgets, scripts, errors ---------------------------------------


def test_etag_gives_free_304(gh: FakeGitHub, client: Client) -> None:
    _issues(gh, "acme/api", 3)
    first = client.get("/repos/acme/api/issues")
    assert first.headers["etag"].startswith('W/"')
    again = client.get("/repos/acme/api/issues", if_none_match=first.headers["etag"])
    assert (again.status, again.body) == (304, b"")
    assert (
        again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"] == "4999"
    )
    gh.touch("acme/api", 1, T0 + timedelta(days=1))
    changed = client.get("/repos/acme/api/issues", if_none_match=first.headers["etag"])
    assert changed.status == 200
    assert changed.headers["x-ratelimit-remaining"] == "4998"


def test_rate_limit_counts_down_then_403(client: Client) -> None:
    with FakeGitHub(token=TOKEN, rate_limit=3) as fake:
        fake.add_repo("acme/api")
        c = Client(fake)
        replies = [c.get("/repos/acme/api/issues") for _ in range(4)]
        assert [r.status for r in replies] == [200, 200, 200, 403]
        assert [r.headers["x-ratelimit-remaining"] for r in replies] == ["2", "1", "0", "0"]
        assert replies[2].headers["x-ratelimit-used"] == "3"
        assert replies[3].json()["message"].startswith("API rate limit exceeded")
        assert int(replies[3].headers["x-ratelimit-reset"]) == int(fake.now.timestamp()) + 3600
        overview = c.get("/rate_limit").json()
        assert overview["rate"] == overview["resources"]["core"]
        assert overview["resources"]["core"]["remaining"] == 0 == fake.core_remaining
        fake.now = fake.now + timedelta(hours=1)
        assert c.get("/repos/acme/api/issues").headers["x-ratelimit-remaining"] == "2"
        c.conn.close()


def test_scripted_answers_come_first_in_order_then_normal_service(
    gh: FakeGitHub, client: Client
) -> None:
    gh.script(
        "GET", r"/issues$", secondary_limit(60), secondary_limit(None), too_many_requests(7),
        server_error(502), ScriptedResponse(500, {}, "<html>Unicorn!</html>"),
    )  # fmt: skip
    replies = [client.get("/repos/acme/api/issues") for _ in range(6)]
    assert [r.status for r in replies] == [403, 403, 429, 502, 500, 200]
    assert replies[0].headers["retry-after"] == "60"
    assert "retry-after" not in replies[1].headers
    assert replies[1].json()["message"].startswith("You have exceeded a secondary rate limit")
    assert replies[2].headers["retry-after"] == "7"
    assert replies[4].headers["content-type"].startswith("text/html")
    assert replies[5].headers["x-ratelimit-remaining"] == "4999"  # scripted answers are free
    assert [r.status for r in gh.requests] == [403, 403, 429, 502, 500, 200]


def test_transfer_answers_301_and_delete_410(gh: FakeGitHub, client: Client) -> None:
    _issues(gh, "acme/api", 3)
    moved_to = gh.transfer("acme/api", 1, "acme/web", at=T0 + timedelta(days=2))
    gh.delete_issue("acme/api", 2)
    moved = client.get("/repos/acme/api/issues/1?x=1")
    assert moved.status == 301
    web_id = client.get("/repos/acme/web").json()["id"]
    assert moved.headers["location"] == f"{gh.url}/repositories/{web_id}/issues/{moved_to}?x=1"
    followed = client.get(moved.headers["location"]).json()
    assert (followed["number"], followed["repository_url"]) == (
        moved_to,
        f"{gh.url}/repos/acme/web",
    )
    assert client.get("/repos/acme/api/issues/1/timeline").status == 301
    gone = client.get("/repos/acme/api/issues/2")
    assert (gone.status, gone.json()["message"]) == (410, "This issue was deleted")
    assert [i["number"] for i in client.get("/repos/acme/api/issues").json()] == [3]
    assert client.get("/repos/acme/api/issues/99").status == 404


def test_renamed_repository_answers_301(gh: FakeGitHub, client: Client) -> None:
    gh.rename_repo("acme/api", "acme/core")
    reply = client.get("/repos/acme/api/issues?state=all")
    assert reply.status == 301
    assert reply.headers["location"].endswith("/issues?state=all")
    assert client.get(reply.headers["location"]).status == 200


def test_auth_and_api_version(gh: FakeGitHub, client: Client) -> None:
    anonymous = Client(gh, token=None)
    assert anonymous.get("/repos/acme/api").json()["message"] == "Requires authentication"
    wrong = Client(gh, token="nope").get("/repos/acme/api")
    assert (wrong.status, wrong.json()["message"]) == (401, "Bad credentials")
    old_style = anonymous.get("/repos/acme/api", authorization=f"token {TOKEN}")
    assert old_style.status == 200
    assert client.get("/repos/acme/api", x_github_api_version="2022-11-28").status == 200
    assert client.get("/repos/acme/api", x_github_api_version="2021-01-01").status == 400
    assert old_style.headers["x-github-api-version-selected"] == "2022-11-28"
    anonymous.conn.close()


def test_unknown_routes_and_org_listing(gh: FakeGitHub, client: Client) -> None:
    missing = client.get("/repos/acme/api/nope")
    assert (missing.status, missing.json()["message"]) == (404, "Not Found")
    assert client.get("/repos/acme/nope").status == 404
    names = [r["full_name"] for r in client.get("/orgs/acme/repos").json()]
    assert names == ["acme/api", "acme/web"]


def test_requests_are_recorded(gh: FakeGitHub, client: Client) -> None:
    client.get("/repos/acme/api/issues?state=closed&per_page=5")
    (request,) = gh.requests
    assert (request.method, request.path, request.query) == (
        "GET",
        "/repos/acme/api/issues",
        {"state": "closed", "per_page": "5"},
    )
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.status == 200
    gh.reset_requests()
    assert gh.requests == []


# -- shapes against the OpenAPI description ----------------------------------------------------


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: `nullable: true` becomes a null alternative."""
    if isinstance(node, list):
        return [_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture(scope="session")
def openapi() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    spec = json.loads(
        external("github-rest-openapi", "api.github.com.2022-06-11.issues-subset.json").read_text()
    )
    components = _json_schema(spec["components"])

    def check(instance: Any, schema_name: str) -> None:
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
        jsonschema.Draft202012Validator(schema).validate(instance)

    return check


def test_rest_shapes_validate_against_openapi(gh: FakeGitHub, client: Client, openapi: Any) -> None:
    number = gh.add_issue(
        "acme/api", title="Crash", labels=["bug"], assignees=["ann"], created_at=T0, reactions=2
    )
    pr = gh.add_issue(
        "acme/web",
        title="Fix",
        created_at=T0,
        is_pull_request=True,
        author="dependabot",
        author_type="Bot",
    )
    gh.add_comment(
        "acme/api", number, author="bob", body="same here", created_at=T0 + timedelta(hours=1)
    )
    gh.add_cross_reference(
        target=("acme/api", number),
        source=("acme/web", pr),
        created_at=T0 + timedelta(hours=2),
        will_close=True,
    )
    gh.close_by_pull_request(
        "acme/api", number, pr=("acme/web", pr), closed_at=T0 + timedelta(hours=3)
    )
    for item in client.get("/repos/acme/api/issues?state=all").json():
        openapi(item, "issue")
    openapi(client.get(f"/repos/acme/api/issues/{number}").json(), "issue")
    openapi(client.get("/repos/acme/web/issues?state=all").json()[0], "issue")
    timeline = client.get(f"/repos/acme/api/issues/{number}/timeline").json()
    assert [e["event"] for e in timeline] == ["commented", "cross-referenced", "closed"]
    openapi(timeline[0], "timeline-comment-event")
    openapi(timeline[1], "timeline-cross-referenced-event")
    openapi(timeline[2], "issue-event")
    openapi(client.get(f"/repos/acme/api/issues/{number}/comments").json()[0], "issue-comment")
    openapi(client.get("/repos/acme/api").json(), "full-repository")
    openapi(client.get("/rate_limit").json(), "rate-limit-overview")
    bot = client.get("/repos/acme/web/issues?state=all").json()[0]["user"]
    assert (bot["login"], bot["type"]) == ("dependabot[bot]", "Bot")


# -- GraphQL -----------------------------------------------------------------------------------

TIMELINE_QUERY = """
query($ids: [ID!]!) {
  rateLimit { cost remaining nodeCount }
  nodes(ids: $ids) {
    __typename
    ... on Issue {
      number url state repository { nameWithOwner } author { login }
      comments(last: 5) { totalCount nodes { author { login __typename } createdAt body } }
      reactions { totalCount }
      timelineItems(first: 50, itemTypes: [CROSS_REFERENCED_EVENT, CLOSED_EVENT]) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes {
          __typename
          ... on CrossReferencedEvent {
            createdAt referencedAt isCrossRepository willCloseTarget actor { login }
            source {
              __typename
              ... on Issue { number url repository { nameWithOwner } }
              ... on PullRequest { number url repository { nameWithOwner } }
            }
          }
          ... on ClosedEvent {
            createdAt stateReason actor { login }
            closer { __typename ... on PullRequest { number merged author { login }
              reviews(first: 10) { nodes { author { login } state } } } }
          }
        }
      }
      open: closedByPullRequestsReferences(first: 5) { nodes { number } }
      all: closedByPullRequestsReferences(first: 5, includeClosedPrs: true) {
        nodes {
          number url merged author { login }
          reviews(first: 10) { nodes { author { login } state } }
        }
      }
    }
  }
}
"""


def _closed_story(gh: FakeGitHub) -> tuple[int, int, int]:
    bug = gh.add_issue("acme/api", title="Crash", created_at=T0, reactions=3)
    other = gh.add_issue("acme/api", title="Related", created_at=T0)
    fix = gh.add_issue(
        "acme/web", title="Fix crash", created_at=T0, is_pull_request=True, author="dev"
    )
    gh.add_comment(
        "acme/api",
        bug,
        author="renovate",
        author_type="Bot",
        body="bump",
        created_at=T0 + timedelta(hours=1),
    )
    gh.add_cross_reference(
        target=("acme/api", bug), source=("acme/api", other), created_at=T0 + timedelta(hours=2)
    )
    gh.add_cross_reference(
        target=("acme/api", bug),
        source=("acme/web", fix),
        created_at=T0 + timedelta(hours=3),
        will_close=True,
    )
    gh.close_by_pull_request(
        "acme/api",
        bug,
        pr=("acme/web", fix),
        closed_at=T0 + timedelta(hours=4),
        reviewers=["rev1", "rev2"],
    )
    return bug, other, fix


def test_graphql_timeline_cross_references_and_closing_pr(
    gh: FakeGitHub, client: Client, graphql_schema: None
) -> None:
    bug, other, fix = _closed_story(gh)
    reply = client.graphql(TIMELINE_QUERY, {"ids": [gh.node_id("acme/api", bug)]})
    assert reply.status == 200, reply.body
    assert reply.headers["x-ratelimit-resource"] == "graphql"
    node = reply.json()["data"]["nodes"][0]
    assert (node["__typename"], node["state"], node["reactions"]["totalCount"]) == (
        "Issue",
        "CLOSED",
        3,
    )
    assert node["comments"]["nodes"][0]["author"] == {"login": "renovate", "__typename": "Bot"}
    refs, closed = node["timelineItems"]["nodes"][:2], node["timelineItems"]["nodes"][2]
    assert [
        (
            r["source"]["__typename"],
            r["source"]["number"],
            r["isCrossRepository"],
            r["willCloseTarget"],
        )
        for r in refs
    ] == [
        ("Issue", other, False, False),
        ("PullRequest", fix, True, True),
    ]
    assert closed["closer"]["number"] == fix and closed["closer"]["merged"]
    assert [r["author"]["login"] for r in closed["closer"]["reviews"]["nodes"]] == ["rev1", "rev2"]
    assert node["open"]["nodes"] == []  # merged PRs need includeClosedPrs: true
    assert [p["number"] for p in node["all"]["nodes"]] == [fix]


def test_graphql_unknown_field_is_a_validation_error(client: Client, graphql_schema: None) -> None:
    reply = client.graphql("{ rateLimit { cost bogus } }")
    assert reply.status == 200
    assert reply.json()["errors"][0]["message"] == "Cannot query field 'bogus' on type 'RateLimit'."
    assert "data" not in reply.json()
    bad_enum = client.graphql(
        """{ repository(owner: "acme", name: "api") {
          issues(first: 1, orderBy: {field: TITLE, direction: ASC}) { totalCount } } }"""
    )
    assert "TITLE" in bad_enum.json()["errors"][0]["message"]


def test_graphql_limits(gh: FakeGitHub, client: Client, graphql_schema: None) -> None:
    big_page = client.graphql(
        '{ repository(owner: "acme", name: "api") { issues(first: 101) { nodes { number } } } }'
    )
    assert big_page.json()["data"] is None
    (error,) = big_page.json()["errors"]
    assert (error["type"], error["path"]) == ("EXCESSIVE_PAGINATION", ["repository", "issues"])
    assert error["message"] == (
        "Requesting 101 records on the `issues` connection exceeds the `first` limit of 100 "
        "records."
    )
    ids = client.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["x"] * 101})
    assert ids.json()["errors"][0]["type"] == "ARGUMENT_LIMIT"
    unbounded = client.graphql(
        '{ repository(owner: "acme", name: "api") { issues { nodes { number } } } }'
    )
    assert unbounded.json()["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    count_only = client.graphql(
        '{ repository(owner: "acme", name: "api") { issues { totalCount } } }'
    )
    assert count_only.json() == {"data": {"repository": {"issues": {"totalCount": 0}}}}
    assert gh.graphql_remaining == 4999  # refused queries cost nothing


def test_graphql_cost_follows_githubs_formula(
    gh: FakeGitHub, client: Client, graphql_schema: None
) -> None:
    ids = [
        gh.node_id("acme/api", gh.add_issue("acme/api", title=f"t{i}", created_at=T0))
        for i in range(100)
    ]
    query = """query($ids: [ID!]!) { rateLimit { cost remaining nodeCount }
      nodes(ids: $ids) { ... on Issue { timelineItems(first: 100) { nodes { ... on ClosedEvent {
        closer { ... on PullRequest { reviews(first: 10) { nodes { state } } } } } } } } } }"""
    reply = client.graphql(query, {"ids": ids})
    rate = reply.json()["data"]["rateLimit"]
    # timelineItems: 100 requests; reviews: 100 x 100 = 10,000 -> 10,100 / 100 = 101
    assert rate == {"cost": 101, "remaining": 5000 - 101, "nodeCount": 100 + 10_000 + 100_000}
    assert reply.headers["x-ratelimit-remaining"] == str(5000 - 101) == str(gh.graphql_remaining)


def test_graphql_budget_exhausted_is_403_rate_limited(
    gh: FakeGitHub, client: Client, graphql_schema: None
) -> None:
    gh.graphql_remaining = 0
    reply = client.graphql("{ rateLimit { remaining } }")
    assert reply.status == gh.graphql_rate_limited_status == 403
    assert reply.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert reply.headers["x-ratelimit-remaining"] == "0"


def test_graphql_repository_issues_pages_without_prs(
    gh: FakeGitHub, client: Client, graphql_schema: None
) -> None:
    _issues(gh, "acme/api", 30, every_pr=3)
    gh.touch("acme/api", 2, T0 + timedelta(days=9))
    query = """query($after: String) { repository(owner: "acme", name: "api") {
      issues(first: 7, after: $after, orderBy: {field: UPDATED_AT, direction: ASC},
             filterBy: {since: "2024-01-01T05:00:00Z"}) {
        totalCount pageInfo { hasNextPage endCursor } nodes { number updatedAt } } } }"""
    seen: list[int] = []
    after = None
    while True:
        issues = client.graphql(query, {"after": after}).json()["data"]["repository"]["issues"]
        seen += [n["number"] for n in issues["nodes"]]
        if not issues["pageInfo"]["hasNextPage"]:
            break
        after = issues["pageInfo"]["endCursor"]
    expected = [n for n in range(6, 31) if (n - 1) % 3] + [2]
    assert seen == expected and issues["totalCount"] == len(expected)


def test_graphql_unknown_and_deleted_nodes_are_null_with_not_found(
    gh: FakeGitHub, client: Client, graphql_schema: None
) -> None:
    number = gh.add_issue("acme/api", title="x", created_at=T0)
    gone = gh.node_id("acme/api", number)
    gh.delete_issue("acme/api", number)
    reply = client.graphql(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [gone]}
    ).json()
    assert reply["data"] == {"nodes": [None]}
    assert (reply["errors"][0]["type"], reply["errors"][0]["path"]) == ("NOT_FOUND", ["nodes", 0])


# -- PyGithub ----------------------------------------------------------------------------------


def test_pygithub_reads_issues_and_timeline_cross_references(gh: FakeGitHub) -> None:
    if PYGITHUB is None:
        pytest.skip("PyGithub is not installed (bench extra)")
    bug, other, fix = _closed_story(gh)
    _issues(gh, "acme/api", 120)
    g = PYGITHUB.Github(
        auth=PYGITHUB.Auth.Token(TOKEN),
        base_url=gh.url,
        per_page=100,
        seconds_between_requests=None,
    )
    try:
        issues = list(g.get_repo("acme/api").get_issues(state="all"))
        assert len(issues) == 122
        refs = {
            issue.number: [
                (e.source.issue.repository.full_name, e.source.issue.number)
                for e in issue.get_timeline()
                if e.event == "cross-referenced"
            ]
            for issue in issues
        }
    finally:
        g.close()
    assert refs[bug] == [("acme/api", other), ("acme/web", fix)]
    assert sum(len(r) for r in refs.values()) == 2
