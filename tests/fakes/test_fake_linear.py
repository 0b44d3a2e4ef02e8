"""The fake Linear and the Linear client agree with Linear's published schema and rules.

Every document the client sends validates against ``shared/external/linear/schema.graphql``;
the fake counts complexity by Linear's documented rule independently of the client's own
estimate, and the two must agree; pagination, filters, errors and headers are checked here.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import graphql
import httpx
import pytest

from bot.trackers.linear import queries
from bot.trackers.linear.dialect import linear_dialect
from tests.external import external
from tests.fakes.linear import FakeLinear
from tests.fakes.linear_graphql import load_schema

NEW_COMMENT = "0b9f6c3e-2f7a-4d1e-9c55-5b0a1f2e3d4c"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
KEY = "lin_api_k"


@pytest.fixture
def fake() -> Iterator[FakeLinear]:
    external("linear", "schema.graphql")
    with FakeLinear(api_key=KEY) as linear:
        yield linear


def _post(
    fake: FakeLinear, query: str, variables: dict[str, Any] | None = None, key: str = KEY
) -> httpx.Response:
    body = {"query": query, "variables": variables or {}}
    return httpx.post(fake.url, json=body, headers={"Authorization": key})


@pytest.mark.parametrize("name", sorted(queries.ALL_QUERIES))
def test_every_client_document_validates_against_linears_schema(name: str) -> None:
    schema = load_schema(external("linear", "schema.graphql"))
    errors = graphql.validate(schema, graphql.parse(queries.ALL_QUERIES[name]))
    assert errors == [], [e.message for e in errors]


def test_the_schema_has_the_names_the_client_relies_on() -> None:
    external("linear", "schema.graphql")
    schema = load_schema()
    order = schema.get_type("PaginationOrderBy")
    assert set(order.values) >= {"updatedAt"}  # type: ignore[union-attr]
    comparator = schema.get_type("DateComparator")
    assert {"gte", "lt"} <= set(comparator.fields)  # type: ignore[union-attr]
    relation_types = schema.get_type("IssueRelationType")
    assert set(relation_types.values) >= {"blocks", "duplicate", "related"}  # type: ignore[union-attr]


@pytest.mark.parametrize("page", [1, 50, 69])
def test_client_estimate_equals_the_fakes_count(fake: FakeLinear, page: int) -> None:
    response = _post(fake, queries.ISSUES, {"first": page, "filter": {}})
    assert response.status_code == 200, response.text
    assert int(response.headers["x-complexity"]) == queries.listing_cost(page)


def test_a_query_over_the_cap_is_refused_and_the_client_never_sends_one(fake: FakeLinear) -> None:
    too_big = queries.fitting_page_size(250) + 1
    assert (
        queries.listing_cost(too_big) > queries.MAX_COMPLEXITY >= queries.listing_cost(too_big - 1)
    )
    response = _post(fake, queries.ISSUES, {"first": too_big})
    assert response.status_code == 400
    [refusal] = response.json()["errors"]
    assert "too complex" in refusal["message"]
    extensions = refusal["extensions"]  # the fields Linear's SDK reads (packages/sdk/src/error.ts)
    assert (extensions["type"], extensions["userError"]) == ("invalid input", True)
    assert "exceeds the maximum of 10000" in extensions["userPresentableMessage"]


def test_an_invalid_query_fails_validation(fake: FakeLinear) -> None:
    response = _post(fake, "{ issues { nodes { nope } } }")
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_authentication_errors(fake: FakeLinear) -> None:
    response = _post(fake, "{ viewer { id } }", key="wrong")
    error = response.json()["errors"][0]
    assert response.status_code == 400 and error["extensions"]["code"] == "AUTHENTICATION_ERROR"
    assert _post(fake, "{ viewer { id } }", key=f"Bearer {KEY}").status_code == 200


def test_listing_is_newest_first_with_keyset_cursors_and_filters(fake: FakeLinear) -> None:
    ws = fake.workspace
    keys = [
        ws.add_issue("ENG" if n % 2 else "OPS", title=f"{n}", created_at=T0 + timedelta(hours=n))
        for n in range(7)
    ]
    query = (
        "query($f: IssueFilter, $a: String) { issues(first: 2, after: $a, filter: $f, "
        "orderBy: updatedAt) { nodes { identifier } pageInfo { hasNextPage endCursor } } }"
    )
    window = {"updatedAt": {"gte": "2024-01-01T01:00:00.000Z", "lt": "2024-01-01T06:00:00Z"}}
    seen, after = [], None
    while True:
        data = _post(fake, query, {"f": window, "a": after}).json()["data"]["issues"]
        seen += [n["identifier"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
        if len(seen) == 2:  # an issue updated meanwhile leaves the window; no one is skipped
            ws.edit(keys[5], title="edited", at=T0 + timedelta(days=1))
    assert seen == [keys[5], keys[4], keys[3], keys[2], keys[1]]
    team = {"team": {"key": {"eq": "ENG"}}}
    data = _post(fake, query, {"f": team}).json()["data"]["issues"]
    assert all(n["identifier"].startswith("ENG-") for n in data["nodes"])


def test_unimplemented_filters_are_errors_not_ignored(fake: FakeLinear) -> None:
    response = _post(fake, '{ issues(filter: {title: {eq: "x"}}) { nodes { id } } }')
    assert "does not implement" in response.json()["errors"][0]["message"]


def test_archived_issues_only_with_include_archived_and_the_oldest_probe(fake: FakeLinear) -> None:
    ws = fake.workspace
    old = ws.add_issue("ENG", title="old", created_at=T0)
    ws.add_issue("ENG", title="new", created_at=T0 + timedelta(days=1))
    ws.archive(old, at=T0 + timedelta(days=2))
    plain = _post(fake, "{ issues { nodes { identifier archivedAt } } }").json()["data"]["issues"]
    assert [n["identifier"] for n in plain["nodes"]] == ["ENG-2"]
    probe = _post(fake, queries.OLDEST, {"filter": {}}).json()["data"]["issues"]["nodes"]
    assert probe == [{"updatedAt": "2024-01-02T00:00:00.000Z"}]


def test_budget_headers_are_in_milliseconds_and_a_spent_budget_answers_ratelimited(
    fake: FakeLinear,
) -> None:
    fake.requests_budget.remaining = 1
    ok = _post(fake, "{ viewer { id } }")
    reset_ms = int(ok.headers["x-ratelimit-requests-reset"])
    assert reset_ms == int((fake.now + timedelta(hours=1)).timestamp() * 1000)
    assert ok.headers["x-ratelimit-requests-remaining"] == "0"
    refused = _post(fake, "{ viewer { id } }")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATELIMITED"
    status, headers = linear_dialect(refused)
    assert (status, headers["x-ratelimit-remaining"]) == (429, "0")
    assert int(headers["x-ratelimit-reset"]) == reset_ms // 1000


def test_the_normaliser_reads_a_spent_complexity_budget() -> None:
    reset = 1_717_243_200_500
    response = httpx.Response(
        200,
        json={"data": {}},
        headers={
            "X-RateLimit-Requests-Remaining": "4000",
            "X-RateLimit-Requests-Reset": "1717240000000",
            "X-RateLimit-Complexity-Remaining": "900",
            "X-RateLimit-Complexity-Reset": str(reset),
            "X-Complexity": "7136",
        },
    )
    status, headers = linear_dialect(response)
    assert (status, headers["x-ratelimit-remaining"]) == (200, "0")
    assert headers["x-ratelimit-reset"] == str(reset // 1000 + 1)  # rounded up


def test_other_errors_stay_final() -> None:
    body = {"errors": [{"message": "Entity not found", "extensions": {"code": "INVALID_INPUT"}}]}
    assert linear_dialect(httpx.Response(400, json=body))[0] == 400


def test_mutations_change_the_issue_and_stamp_it(fake: FakeLinear) -> None:
    ws = fake.workspace
    ana = ws.add_user("Ana")
    key = ws.add_issue("ENG", title="x", created_at=T0)
    data = _post(fake, queries.ASSIGN, {"id": key, "assigneeId": ana}).json()["data"]
    assert data["issueUpdate"]["issue"]["assignee"]["id"] == ana
    row = ws.find(key)
    assert row is not None and row.updated_at == fake.now
    comment = _post(
        fake, queries.COMMENT_CREATE, {"id": NEW_COMMENT, "issueId": key, "body": "hi"}
    ).json()["data"]
    assert comment["commentCreate"]["success"] is True
    missing = _post(fake, queries.ASSIGN, {"id": "ENG-9", "assigneeId": ana}).json()
    assert missing["data"] is None and missing["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


def test_nested_connections_page_with_after(fake: FakeLinear) -> None:
    ws = fake.workspace
    key = ws.add_issue("ENG", title="x", created_at=T0)
    for n in range(60):
        ws.add_comment(key, user=None, body=f"{n}", at=T0)
    first = _post(fake, queries.MORE_OF["comments"], {"id": key}).json()["data"]["issue"][
        "comments"
    ]
    assert len(first["nodes"]) == 50 and first["pageInfo"]["hasNextPage"]
    rest = _post(
        fake, queries.MORE_OF["comments"], {"id": key, "after": first["pageInfo"]["endCursor"]}
    )
    nodes = rest.json()["data"]["issue"]["comments"]["nodes"]
    assert [n["body"] for n in nodes] == [str(n) for n in range(50, 60)]
    assert base64.b64decode(first["pageInfo"]["endCursor"])  # opaque, but base64
