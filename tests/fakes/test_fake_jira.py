"""The fake Jira against Atlassian's own description of Jira Cloud (REST v3 OpenAPI, in
../shared/external/jira-cloud-openapi) and recorded samples: what it answers validates
against the official schemas, what the client sends validates against the request schemas,
and its JQL, paging, eventual consistency and rate-limit behaviour are Jira's."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from bot.core.rules_sources import JiraSources
from bot.trackers.jira.dialect import jira_dialect
from tests.external import external
from tests.fakes.jira import FakeJira
from tests.trackers.jira.harness import Harness

MARKER = "claim-test-0001"

NOW = datetime(2024, 6, 1, 19, 0, tzinfo=UTC)
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
AUTH = {"Authorization": "Basic " + base64.b64encode(b"bot@acme.io:jira-token").decode()}


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(
        external("jira-cloud-openapi", "swagger-v3.v3.json").read_text()
    )
    # Jira sends null for an empty side of a change (the spec's own getChangeLogs example
    # has "from": null), though the schema says string.
    for field in spec["components"]["schemas"]["ChangeDetails"]["properties"].values():
        field["nullable"] = True
    return _nullable(spec)


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema's ``type: [X, "null"]``."""
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items()}
        if out.get("nullable") is True and isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


def validate(schema: str, instance: object) -> None:
    """Validate ``instance`` against ``#/components/schemas/<schema>`` of the official spec."""
    resource = Resource.from_contents(_spec(), default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource("spec", resource)
    ref = {"$ref": f"spec#/components/schemas/{schema}"}
    jsonschema.Draft4Validator(ref, registry=registry).validate(instance)


@pytest.fixture
def fake() -> Iterator[FakeJira]:
    with FakeJira(now=NOW, embedded_comments=1, embedded_histories=1) as jira:
        jira.add_project("ASR", assignable=("ana",))
        jira.add_user("ana", "Ana Lima", "ana@acme.io")
        a = jira.add_issue(
            "ASR",
            summary="A",
            created=T0,
            labels=["x"],
            components=["c"],
            assignee="ana",
            story_points=3.0,
            description={"type": "doc", "version": 1, "content": []},
        )
        b = jira.add_issue(
            "ASR",
            summary="B",
            created=T0 + timedelta(hours=1),
            category="done",
            resolution="Won't Do",
            resolution_date=T0 + timedelta(hours=2),
        )
        jira.link(a, b, "Blocks", at=T0 + timedelta(hours=3))
        for n in range(3):
            jira.add_comment(a, author="ana", text=f"c{n}", at=T0 + timedelta(hours=4 + n))
        jira.edit(
            b,
            at=T0 + timedelta(hours=8),
            items=[
                {"field": "Component", "fieldtype": "jira", "fromString": None, "toString": "c"}
            ],
        )
        yield jira


@pytest.fixture
def http(fake: FakeJira) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, headers=AUTH, timeout=10) as client:
        yield client


def _search(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post("/rest/api/3/search/jql", json=body)


def test_search_answers_match_the_official_schemas(http: httpx.Client) -> None:
    body = _search(http, jql="project = ASR", fields=["*all"], expand="changelog", maxResults=1)
    page = body.json()
    validate("SearchAndReconcileResults", page)
    issue = page["issues"][0]
    fields = issue["fields"]
    validate("User", fields["assignee"])
    validate("StatusDetails", fields["status"])
    link = fields["issuelinks"][0]  # one side only, as in the spec's getIssue example
    validate("IssueLinkType", link["type"])
    validate("LinkedIssue", link["outwardIssue"])
    validate("PageOfComments", fields["comment"])
    validate("PageOfChangelogs", issue["changelog"])
    assert page["isLast"] is False and isinstance(page["nextPageToken"], str)
    more = _search(http, jql="project = ASR", nextPageToken=page["nextPageToken"]).json()
    assert [i["key"] for i in more["issues"]] == ["ASR-2"] and more["isLast"] is True
    assert "nextPageToken" not in more and set(more["issues"][0]) == {"expand", "id", "self", "key"}


def test_pages_have_the_shape_of_recorded_ones(http: httpx.Client) -> None:
    recorded = json.loads(external("jira-samples", "jira-cli-pr.search_page1.json").read_text())
    ours = _search(http, jql="project = ASR", fields=["summary"], maxResults=1).json()
    assert set(ours) == set(recorded) == {"isLast", "nextPageToken", "issues"}


def test_other_reads_and_writes_match_the_official_schemas(http: httpx.Client) -> None:
    validate("User", http.get("/rest/api/3/myself").json())
    me = json.loads(
        external("jira-cloud-openapi", "examples", "getCurrentUser.get.200.json").read_text()
    )
    assert (
        {"accountId", "displayName", "timeZone"}
        <= set(http.get("/rest/api/3/myself").json())
        <= set(me) | {"accountType"}
    )
    validate(
        "PageOfComments", http.get("/rest/api/3/issue/ASR-1/comment?startAt=1&maxResults=1").json()
    )
    validate("PageBeanChangelog", http.get("/rest/api/3/issue/ASR-2/changelog").json())
    validate("IssueBean", http.get("/rest/api/3/issue/ASR-1?fields=assignee").json())
    request = json.loads(
        external("jira-cloud-openapi", "examples", "addComment.post.request.json").read_text()
    )
    created = http.post("/rest/api/3/issue/ASR-1/comment", json=request)
    assert created.status_code == 201
    validate("Comment", created.json())
    assigned = http.put("/rest/api/3/issue/ASR-1/assignee", json={"accountId": None})
    assert assigned.status_code == 204 and assigned.content == b""


def test_every_route_the_client_uses_is_in_the_spec(fake: FakeJira, tmp_path: Path) -> None:
    paths = _spec()["paths"]
    harness = Harness(fake, tmp_path / "s.db")
    harness.sync(JiraSources(projects=("ASR",)), sweep=True)
    writer = harness.writer()
    writer.assign("ASR-2", "ana")
    writer.unassign("ASR-2", "ana")
    writer.comment("ASR-2", "hi", marker=MARKER)
    harness.http.close()
    used = {(r.method.lower(), r.path) for r in fake.requests}
    for method, path in used:
        template = path.replace("ASR-1", "{issueIdOrKey}").replace("ASR-2", "{issueIdOrKey}")
        operation = paths[template][method]
        assert not operation.get("deprecated"), (method, path)
    searches = [r.json() for r in fake.requests if r.path.endswith("/search/jql")]
    for body in searches:
        validate("SearchAndReconcileRequestBean", body)  # additionalProperties: false
    assert {"/rest/api/3/issue/ASR-1/comment", "/rest/api/3/search/jql"} <= {p for _, p in used}


def test_the_old_search_is_gone_and_deprecated(http: httpx.Client) -> None:
    assert _spec()["paths"]["/rest/api/3/search"]["post"]["deprecated"] is True
    gone = http.post("/rest/api/3/search", json={"jql": "project = ASR"})
    assert gone.status_code == 410
    validate("ErrorCollection", gone.json())
    assert "/rest/api/3/search/jql" in gone.json()["errorMessages"][0]


def test_jql_dates_are_minutes_in_the_users_time_zone(fake: FakeJira, http: httpx.Client) -> None:
    # ASR-1 was last updated at 15:00 UTC = 08:00 in Los Angeles (PDT).
    def keys(jql: str) -> list[str]:
        return [i["key"] for i in _search(http, jql=jql, fields=["key"]).json()["issues"]]

    assert "ASR-1" in keys('project = ASR AND updated >= "2024/05/01 08:00"')
    assert "ASR-1" not in keys('project = ASR AND updated >= "2024/05/01 08:01"')
    assert "ASR-1" not in keys('project = ASR AND updated >= "2024-05-01 15:00"')  # UTC: wrong
    seconds = _search(http, jql='project = ASR AND updated >= "2024/05/01 08:00:00"')
    assert seconds.status_code == 400 and "is invalid" in seconds.json()["errorMessages"][0]
    unbounded = _search(http, jql="ORDER BY updated ASC")
    assert unbounded.status_code == 400 and "Unbounded" in unbounded.json()["errorMessages"][0]
    bad = _search(http, jql="project = ASR", nextPageToken="nonsense")
    assert bad.status_code == 400
    unknown = _search(http, jql="project = ASR", startAt=0)
    assert unknown.status_code == 400  # startAt belongs to the old search


def test_search_is_eventually_consistent(fake: FakeJira, http: httpx.Client) -> None:
    fake.search_lag = timedelta(seconds=30)
    fake.edit("ASR-1", at=NOW - timedelta(seconds=10), summary="renamed")
    fresh = fake.add_issue("ASR", summary="new", created=NOW - timedelta(seconds=5))

    def summaries() -> dict[str, str]:
        found = _search(http, jql="project = ASR", fields=["summary"]).json()["issues"]
        return {i["key"]: i["fields"]["summary"] for i in found}

    assert summaries() == {"ASR-1": "A", "ASR-2": "B"} and fresh == "ASR-3"
    fake.advance(30)
    assert summaries() == {"ASR-1": "renamed", "ASR-2": "B", "ASR-3": "new"}


def test_rate_limit_answers_carry_jiras_headers(fake: FakeJira, http: httpx.Client) -> None:
    fake.rate_limit = 1
    assert http.get("/rest/api/3/myself").status_code == 200
    limited = http.get("/rest/api/3/myself")
    assert limited.status_code == 429
    headers = limited.headers
    assert headers["Retry-After"] == "60" and headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Reset"] == "2024-06-01T19:01Z"
    status, normal = jira_dialect(limited)
    assert (status, normal["x-ratelimit-reset"]) == (429, str(int(NOW.timestamp()) + 60))
    fake.advance(60)
    assert http.get("/rest/api/3/myself").status_code == 200


def test_requests_without_the_right_credentials_are_refused(fake: FakeJira) -> None:
    with httpx.Client(base_url=fake.url) as anonymous:
        refused = anonymous.get("/rest/api/3/myself")
    assert refused.status_code == 401
    validate("ErrorCollection", refused.json())


@pytest.mark.parametrize(("reading", "totals"), [("page", (1, 1)), ("all", (3, 3))])
def test_total_is_counted_per_page_by_default_or_overall_when_asked(
    fake: FakeJira, http: httpx.Client, reading: str, totals: tuple[int, int]
) -> None:
    fake.total_reading = reading  # type: ignore[assignment]
    [found] = _search(http, jql="key = ASR-1", fields=["comment"]).json()["issues"]
    comments = http.get("/rest/api/3/issue/ASR-1/comment?maxResults=1").json()
    assert (found["fields"]["comment"]["total"], comments["total"]) == totals
