"""The `gh issue list --json ...` importer, on output shaped exactly as gh prints it."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.models import (
    Actor,
    IssueLink,
    IssueRef,
    IssueState,
    LinkKind,
    StateReason,
    TrackerKind,
)
from bot.errors import ImportFileError
from bot.trackers.github.importer import parse_gh_issues

# Three issues as `gh issue list --state all --json ...` prints them (keys sorted, as gh does).
GH_OUTPUT = r"""
[
  {
    "assignees": [{"id": "MDQ6VXNlcjE=", "login": "octocat", "name": "The Octocat"}],
    "author": {"id": "MDQ6VXNlcjI=", "is_bot": false, "login": "mona", "name": "Mona Lisa"},
    "body": "Labels are wrong since #7; see acme/taxonomy#12 and DATA-42.\n```\nUTF-8 ABC-1\n```",
    "closedAt": null,
    "comments": [
      {
        "author": {"login": "hubot"},
        "authorAssociation": "MEMBER",
        "body": "Same in https://github.com/acme/speech/issues/3 (not `XYZ-9`).",
        "createdAt": "2024-01-02T03:04:05Z",
        "id": "IC_kwDOA1",
        "includesCreatedEdit": false,
        "isMinimized": false,
        "minimizedReason": "",
        "reactionGroups": [],
        "url": "https://github.com/acme/asr/issues/1#issuecomment-1",
        "viewerDidAuthor": false
      },
      {
        "author": {"login": "github-actions[bot]"},
        "authorAssociation": "NONE",
        "body": "Also acme/taxonomy#12 and https://ghe.other.com/x/y/issues/5",
        "createdAt": "2024-01-05T10:00:00Z",
        "id": "IC_kwDOA2",
        "includesCreatedEdit": false,
        "isMinimized": false,
        "minimizedReason": "",
        "reactionGroups": [],
        "url": "https://github.com/acme/asr/issues/1#issuecomment-2",
        "viewerDidAuthor": false
      }
    ],
    "createdAt": "2024-01-01T00:00:00Z",
    "labels": [
      {"color": "d73a4a", "description": "Something isn't working", "id": "LA_1", "name": "bug"},
      {"color": "0e8a16", "description": "", "id": "LA_2", "name": "data-quality"}
    ],
    "number": 1,
    "reactionGroups": [
      {"content": "THUMBS_UP", "users": {"totalCount": 3}},
      {"content": "HEART", "users": {"totalCount": 2}}
    ],
    "state": "OPEN",
    "stateReason": "REOPENED",
    "title": "Taxonomy mislabels speech segments (see #1 itself)",
    "updatedAt": "2024-01-03T00:00:00Z",
    "url": "https://github.com/acme/asr/issues/1"
  },
  {
    "assignees": [],
    "author": {"is_bot": true, "login": "app/dependabot"},
    "body": "",
    "closedAt": "2024-02-01T12:00:00Z",
    "comments": [],
    "createdAt": "2024-01-10T00:00:00Z",
    "labels": [],
    "number": 2,
    "reactionGroups": [],
    "state": "CLOSED",
    "stateReason": "NOT_PLANNED",
    "title": "Bump numpy",
    "updatedAt": "2024-02-01T12:00:00Z",
    "url": "https://github.com/acme/asr/issues/2"
  },
  {
    "assignees": [],
    "author": null,
    "body": "dup",
    "closedAt": "0001-01-01T00:00:00Z",
    "comments": [
      {
        "author": null,
        "authorAssociation": "NONE",
        "body": "old comment",
        "createdAt": "2023-12-31T23:00:00-02:00",
        "id": "IC_kwDOA3",
        "includesCreatedEdit": false,
        "isMinimized": false,
        "minimizedReason": "",
        "reactionGroups": [],
        "url": "https://github.com/acme/asr/issues/3#issuecomment-3",
        "viewerDidAuthor": false
      }
    ],
    "createdAt": "2023-12-30T00:00:00Z",
    "labels": [],
    "number": 3,
    "reactionGroups": [],
    "state": "CLOSED",
    "stateReason": "DUPLICATE",
    "title": "Duplicate of #1",
    "updatedAt": "2024-01-04T00:00:00Z",
    "url": "https://github.com/acme/asr/issues/3"
  }
]
"""


def gh_data() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(GH_OUTPUT)
    return data


def test_open_issue_fields() -> None:
    issue = parse_gh_issues(gh_data(), source="gh-acme")[0]
    assert (issue.source, issue.key, issue.container) == ("gh-acme", "acme/asr#1", "acme/asr")
    assert issue.url == "https://github.com/acme/asr/issues/1"
    assert issue.state is IssueState.OPEN and issue.state_reason is None
    assert issue.labels == ("bug", "data-quality")
    assert issue.assignees == (
        Actor(tracker=TrackerKind.GITHUB, handle="octocat", display_name="The Octocat"),
    )
    assert issue.author == Actor(
        tracker=TrackerKind.GITHUB, handle="mona", display_name="Mona Lisa"
    )
    assert issue.created_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert issue.updated_at == datetime(2024, 1, 3, tzinfo=UTC)
    assert issue.closed_at is None
    assert issue.reactions == 5
    assert issue.ownership_changes is None


def test_comments_and_bot_commenter() -> None:
    issue = parse_gh_issues(gh_data())[0]
    human, bot = issue.comments
    assert human.author == Actor(tracker=TrackerKind.GITHUB, handle="hubot")
    assert human.created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert bot.author is not None and bot.author.is_bot
    assert bot.author.handle == "github-actions[bot]"


def test_links_from_title_body_and_comments() -> None:
    issue = parse_gh_issues(gh_data(), source="gh-acme")[0]
    assert issue.links == (
        IssueLink(
            kind=LinkKind.REFERENCES,
            target=IssueRef(key="acme/asr#7", source="gh-acme"),
            evidence="mentioned in the body of acme/asr#1",
        ),
        IssueLink(
            kind=LinkKind.REFERENCES,
            target=IssueRef(key="acme/taxonomy#12", source="gh-acme"),
            evidence="mentioned in the body of acme/asr#1",
        ),
        IssueLink(
            kind=LinkKind.REFERENCES,
            target=IssueRef(key="DATA-42", source=None),
            evidence="mentioned in the body of acme/asr#1",
        ),
        IssueLink(
            kind=LinkKind.REFERENCES,
            target=IssueRef(key="acme/speech#3", source="gh-acme"),
            evidence="mentioned in a comment by @hubot on 2024-01-02",
        ),
        IssueLink(  # a URL on another GitHub host: not this source
            kind=LinkKind.REFERENCES,
            target=IssueRef(key="x/y#5", source=None),
            evidence="mentioned in a comment by @github-actions[bot] on 2024-01-05",
        ),
    )


def test_closed_not_planned_issue_by_a_bot() -> None:
    issue = parse_gh_issues(gh_data())[1]
    assert issue.state is IssueState.CLOSED
    assert issue.state_reason is StateReason.NOT_PLANNED
    assert issue.closed_at == datetime(2024, 2, 1, 12, tzinfo=UTC)
    assert issue.author == Actor(tracker=TrackerKind.GITHUB, handle="dependabot[bot]", is_bot=True)
    assert issue.body == "" and issue.links == () and issue.reactions == 0


def test_duplicate_with_ghost_author_and_zero_closed_at() -> None:
    issue = parse_gh_issues(gh_data())[2]
    assert issue.state_reason is StateReason.DUPLICATE
    assert issue.closed_at is None
    ghost = Actor(tracker=TrackerKind.GITHUB, handle="ghost")
    assert issue.author == ghost
    assert issue.comments[0].author == ghost
    assert issue.comments[0].created_at == datetime(2024, 1, 1, 1, tzinfo=UTC)
    assert [link.target.key for link in issue.links] == ["acme/asr#1"]


@pytest.mark.parametrize(
    "author", [{"is_bot": True, "login": "app/"}, {"login": ""}], ids=["gh-zero", "empty"]
)
def test_gh_zero_value_author_is_ghost(author: dict[str, Any]) -> None:
    data = gh_data()
    data[0]["author"] = author
    assert parse_gh_issues(data)[0].author == Actor(tracker=TrackerKind.GITHUB, handle="ghost")


def test_author_left_out_of_json_fields_is_unknown() -> None:
    data = gh_data()
    for item in data:
        del item["author"], item["comments"], item["reactionGroups"], item["body"]
    issues = parse_gh_issues(data)
    assert [i.author for i in issues] == [None, None, None]
    assert issues[0].comments == ()


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("COMPLETED", StateReason.COMPLETED),
        ("", None),
        ("REOPENED", None),
        ("DUPLICATE", StateReason.DUPLICATE),
        ("not_planned", StateReason.NOT_PLANNED),
    ],
)
def test_state_reasons_of_closed_issues(reason: str, expected: StateReason | None) -> None:
    data = gh_data()
    data[1]["stateReason"] = reason
    assert parse_gh_issues(data)[1].state_reason == expected


def test_github_enterprise_url() -> None:
    data = gh_data()
    data[0]["url"] = "https://ghe.acme.corp/speech/asr-models/issues/1"
    data[0]["body"] = (
        "see https://ghe.acme.corp/speech/lm/issues/4 and https://github.com/a/b/issues/1"
    )
    issue = parse_gh_issues(data, source="ghe")[0]
    assert (issue.key, issue.container) == ("speech/asr-models#1", "speech/asr-models")
    refs = [link.target for link in issue.links][:2]
    assert refs == [
        IssueRef(key="speech/lm#4", source="ghe"),
        IssueRef(key="a/b#1", source=None),
    ]


def test_empty_array() -> None:
    assert parse_gh_issues([]) == []


# ------------------------------------------------------------------------ errors


def error_of(data: object) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        parse_gh_issues(data)
    return caught.value


@pytest.mark.parametrize("data", [{"issues": []}, "[]", None, 3])
def test_top_level_must_be_an_array(data: object) -> None:
    error = error_of(data)
    assert error.row is None and "expected a JSON array" in str(error)


def test_element_must_be_an_object() -> None:
    error = error_of([gh_data()[0], ["not", "an", "issue"]])
    assert error.row == 2 and "expected a JSON object, got an array" in str(error)


def test_missing_field_names_row_and_field() -> None:
    data = gh_data()
    del data[1]["createdAt"]
    error = error_of(data)
    assert (error.row, error.field) == (2, "createdAt")
    assert str(error) == "row 2, field 'createdAt': Field required"


def test_bad_comment_date_names_nested_field() -> None:
    data = gh_data()
    data[0]["comments"][1]["createdAt"] = "yesterday"
    error = error_of(data)
    assert (error.row, error.field) == (1, "comments.1.createdAt")
    assert "'yesterday'" in str(error)


def test_naive_date_is_rejected() -> None:
    data = gh_data()
    data[2]["updatedAt"] = "2024-01-04T00:00:00"
    error = error_of(data)
    assert (error.row, error.field) == (3, "updatedAt")
    assert "timezone" in error.detail


def test_unknown_state() -> None:
    data = gh_data()
    data[0]["state"] = "MERGED"
    error = error_of(data)
    assert (error.row, error.field) == (1, "state")
    assert "'OPEN' or 'CLOSED'" in error.detail and "'MERGED'" in error.detail


def test_unknown_state_reason() -> None:
    data = gh_data()
    data[1]["stateReason"] = "WONTFIX"
    assert (error_of(data).row, error_of(data).field) == (2, "stateReason")


def test_pull_request_url_is_rejected() -> None:
    data = gh_data()
    data[1]["url"] = "https://github.com/acme/asr/pull/2"
    error = error_of(data)
    assert (error.row, error.field) == (2, "url")
    assert "pull request" in error.detail and "gh issue list" in error.detail


@pytest.mark.parametrize(
    "url", ["not a url", "https://github.com/acme/asr", "https://github.com/acme/asr/issues/9"]
)
def test_url_must_be_this_issue(url: str) -> None:
    data = gh_data()
    data[0]["url"] = url
    assert (error_of(data).row, error_of(data).field) == (1, "url")


def test_duplicate_issue_names_both_rows() -> None:
    data = gh_data()
    data.append(copy.deepcopy(data[1]))
    error = error_of(data)
    assert (error.row, error.field) == (4, "url")
    assert "acme/asr#2 appears twice (first in row 2)" in error.detail


def test_negative_reaction_count() -> None:
    data = gh_data()
    data[0]["reactionGroups"][0]["users"]["totalCount"] = -1
    assert error_of(data).field == "reactionGroups.0.users.totalCount"


def test_closing_pull_requests_are_read_when_exported() -> None:
    from bot.trackers.github.importer import parse_gh_issues

    item = {
        "number": 7,
        "title": "Fix",
        "state": "CLOSED",
        "stateReason": "COMPLETED",
        "url": "https://github.com/acme/labelling/issues/7",
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-02T00:00:00Z",
        "closedAt": "2024-01-02T00:00:00Z",
        "closedByPullRequestsReferences": [
            {
                "id": "PR_1",
                "number": 9,
                "url": "https://github.com/acme/labelling/pull/9",
                "repository": {
                    "id": "R_1",
                    "name": "labelling",
                    "owner": {"id": "O", "login": "acme"},
                },
            }
        ],
    }
    [issue] = parse_gh_issues([item])
    [pr] = issue.closed_by
    assert pr.key == "acme/labelling#9" and pr.merged and pr.author is None
