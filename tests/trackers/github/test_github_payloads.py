"""GitHub payload parsing and GraphQL documents, checked against GitHub's own material."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache

import graphql
import pytest

from bot.core.models import IssueState, LinkKind, StateReason
from bot.trackers.github import queries
from bot.trackers.github.payloads import (
    IssueDetails,
    RestIssue,
    parse_details,
    parse_pull_request,
    to_issue,
)
from tests.external import external


@cache
def _schema() -> graphql.GraphQLSchema:
    sdl = external("github-graphql", "schema.graphql").read_text()
    return graphql.build_schema(sdl)


@pytest.mark.parametrize("name", sorted(queries.ALL_QUERIES))
def test_every_query_is_valid_against_githubs_schema(name: str) -> None:
    errors = graphql.validate(_schema(), graphql.parse(queries.ALL_QUERIES[name]))
    assert errors == []


def test_the_schema_check_catches_a_bad_query() -> None:
    bad = queries.ISSUE_DETAILS.replace("createdAt body", "createdAt bodyText2")
    assert graphql.validate(_schema(), graphql.parse(bad))


def test_openapi_issue_examples_parse() -> None:
    items = json.loads(external("github-rest-openapi", "examples", "issue-items.json").read_text())
    single = json.loads(external("github-rest-openapi", "examples", "issue.json").read_text())
    for item in [*items, single]:
        rest = RestIssue.model_validate(item)
        issue = to_issue(rest, IssueDetails(), [], source="github")
        assert issue.key == "octocat/Hello-World#1347"
        assert issue.container == "octocat/Hello-World"
        assert issue.author is not None and issue.author.handle == "octocat"
        assert issue.labels == ("bug",)


def test_pygithub_recorded_issue_list_parses_even_in_its_2012_shape() -> None:
    text = external("pygithub-replaydata", "Repository.testGetIssues.txt").read_text()
    body = text.strip().split("\n")[9]  # line 10 of an exchange is the response body
    items = [RestIssue.model_validate(i) for i in json.loads(body)]
    assert items and all(i.repo == "PyGithub/PyGithub" for i in items)
    issues = [to_issue(i, IssueDetails(), [], source="github") for i in items]
    assert all(i.key.startswith("PyGithub/PyGithub#") for i in issues)


def _rest(number: int = 7, **overrides: object) -> RestIssue:
    data = {
        "node_id": f"I_{number}",
        "number": number,
        "title": "Taxonomy fix",
        "body": "See acme/asr#3 and ASR-12",
        "state": "closed",
        "state_reason": "completed",
        "html_url": f"https://github.com/acme/labelling/issues/{number}",
        "repository_url": "https://api.github.com/repos/acme/labelling",
        "user": {"login": "lena", "type": "User"},
        "labels": [{"name": "taxonomy"}],
        "assignees": [{"login": "ana", "type": "User"}],
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-02-01T00:00:00Z",
        "closed_at": "2026-02-01T00:00:00Z",
        "reactions": {"total_count": 4},
    }
    data.update(overrides)
    return RestIssue.model_validate(data)


def test_details_bring_comments_backlinks_moves_and_closers() -> None:
    node = {
        "id": "I_7",
        "comments": {
            "nodes": [
                {
                    "author": {"__typename": "User", "login": "vera"},
                    "createdAt": "2026-01-05T00:00:00Z",
                    "body": "hurts us too, see acme/vision#9",
                },
                {
                    "author": {"__typename": "Bot", "login": "renovate"},
                    "createdAt": "2026-01-06T00:00:00Z",
                    "body": "bump",
                },
                {"author": None, "createdAt": "2026-01-07T00:00:00Z", "body": "ghost"},
            ]
        },
        "timelineItems": {
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": [
                {
                    "__typename": "CrossReferencedEvent",
                    "createdAt": "2026-01-03T00:00:00Z",
                    "source": {
                        "__typename": "Issue",
                        "number": 4,
                        "repository": {"nameWithOwner": "acme/nlp"},
                    },
                },
                {
                    "__typename": "CrossReferencedEvent",
                    "createdAt": "2026-01-04T00:00:00Z",
                    "source": {
                        "__typename": "PullRequest",
                        "number": 8,
                        "repository": {"nameWithOwner": "acme/labelling"},
                    },
                },
                {
                    "__typename": "TransferredEvent",
                    "createdAt": "2025-12-01T00:00:00Z",
                    "fromRepository": {"nameWithOwner": "acme/asr"},
                },
                {
                    "__typename": "ClosedEvent",
                    "createdAt": "2026-02-01T00:00:00Z",
                    "closer": {"__typename": "PullRequest", "id": "PR_8"},
                },
            ],
        },
        "closedByPullRequestsReferences": {"nodes": [{"id": "PR_8"}, {"id": "PR_9"}]},
    }
    details = parse_details(node, source="github")
    assert details.closer_ids == ("PR_8", "PR_9")
    pr = parse_pull_request(
        {
            "id": "PR_8",
            "number": 8,
            "url": "https://github.com/acme/labelling/pull/8",
            "merged": True,
            "repository": {"nameWithOwner": "acme/labelling"},
            "author": {"__typename": "User", "login": "ana"},
            "reviews": {
                "nodes": [
                    {"author": {"login": "lena"}, "state": "APPROVED"},
                    {"author": {"login": "lena"}, "state": "COMMENTED"},
                ]
            },
        }
    )
    issue = to_issue(_rest(), details, [pr], source="github")
    assert issue.state is IssueState.CLOSED and issue.state_reason is StateReason.COMPLETED
    assert [c.author.is_bot if c.author else None for c in issue.comments] == [False, True, None]
    kinds = {(link.kind, link.target.key) for link in issue.links}
    assert (LinkKind.REFERENCED_BY, "acme/nlp#4") in kinds  # the PR's mention is not a need
    assert (LinkKind.REFERENCES, "acme/vision#9") in kinds  # from a comment's text
    assert (LinkKind.REFERENCES, "ASR-12") in kinds
    assert not any(key == "acme/labelling#8" for _, key in kinds)
    assert issue.closed_by[0].author is not None and issue.closed_by[0].merged
    assert [r.handle for r in issue.closed_by[0].reviewers] == ["lena"]
    assert issue.ownership_changes is not None
    assert [(m.from_container, m.to_container) for m in issue.ownership_changes] == [
        ("acme/asr", "acme/labelling")
    ]
    assert issue.reactions == 4
    assert issue.closed_at == datetime(2026, 2, 1, tzinfo=UTC)


def test_a_synced_issue_without_moves_has_an_empty_history_not_none() -> None:
    issue = to_issue(_rest(state="open", closed_at=None), IssueDetails(), [], source="github")
    assert issue.ownership_changes == () and issue.state_reason is None
