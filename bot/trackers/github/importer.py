"""Import of ``gh issue list --json ...`` output (pure: takes the already-decoded JSON).

The expected command is::

    gh issue list --state all --limit 100000 --json number,title,body,state,stateReason,\\
        labels,assignees,author,createdAt,updatedAt,closedAt,url,comments,reactionGroups

``number``, ``title``, ``state``, ``url``, ``createdAt`` and ``updatedAt`` are required; the
other fields default to empty when left out of ``--json``. Quirks of gh's output handled here:
a bot author is ``{"is_bot": true, "login": "app/<slug>"}`` (normalised to ``<slug>[bot]``, the
login the REST API uses); a deleted author is ``null`` or ``{"is_bot": true, "login": "app/"}``
and a deleted commenter ``null`` or ``{"login": ""}`` (all become ``ghost``); ``closedAt`` may
be ``null`` or Go's zero time ``0001-01-01T00:00:00Z`` (both: not closed).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from bot.core.models import (
    Actor,
    Comment,
    Issue,
    IssueState,
    PullRequest,
    StateReason,
    TrackerKind,
)
from bot.errors import ImportFileError
from bot.trackers.github.text import github_text_links

_ISSUE_URL = re.compile(
    r"^https?://(?P<host>[^/\s]+)/(?P<owner>[^/\s]+)/(?P<repo>[^/\s]+)/(?P<kind>issues|pull)/"
    r"(?P<number>[0-9]+)/?$"
)
_GHOST = "ghost"
_STATE_REASONS: dict[str, StateReason | None] = {
    "": None,
    "REOPENED": None,
    "COMPLETED": StateReason.COMPLETED,
    "NOT_PLANNED": StateReason.NOT_PLANNED,
    "DUPLICATE": StateReason.DUPLICATE,
}


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _no_zero_time(value: object) -> object:
    """Go's zero ``time.Time`` means "never"."""
    if isinstance(value, str) and value.startswith("0001-01-01"):
        return None
    return value


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _User(_Payload):
    login: str = ""
    name: str | None = None
    is_bot: bool = False


class _Label(_Payload):
    name: str


class _Users(_Payload):
    total_count: int = Field(alias="totalCount", ge=0)


class _ReactionGroup(_Payload):
    content: str = ""
    users: _Users


class _Comment(_Payload):
    author: _User | None = None
    body: str = ""
    created_at: AwareDatetime = Field(alias="createdAt")


class _Owner(_Payload):
    login: str


class _Repository(_Payload):
    name: str
    owner: _Owner


class _ClosingPullRequest(_Payload):
    """An item of ``closedByPullRequestsReferences`` (gh issue list/view --json)."""

    number: int = Field(ge=1)
    url: str | None = None
    repository: _Repository


class _Issue(_Payload):
    number: int = Field(ge=1)
    title: str
    body: str = ""
    state: Annotated[Literal["OPEN", "CLOSED"], BeforeValidator(_upper)]
    state_reason: Annotated[
        Literal["", "COMPLETED", "NOT_PLANNED", "REOPENED", "DUPLICATE"] | None,
        BeforeValidator(_upper),
    ] = Field(default=None, alias="stateReason")
    labels: list[_Label] = []
    assignees: list[_User] = []
    author: _User | None = None
    created_at: AwareDatetime = Field(alias="createdAt")
    updated_at: AwareDatetime = Field(alias="updatedAt")
    closed_at: Annotated[AwareDatetime | None, BeforeValidator(_no_zero_time)] = Field(
        default=None, alias="closedAt"
    )
    url: str
    comments: list[_Comment] = []
    reaction_groups: list[_ReactionGroup] = Field(default=[], alias="reactionGroups")
    closed_by: list[_ClosingPullRequest] = Field(default=[], alias="closedByPullRequestsReferences")


#: What impactbot reads from ``gh issue list --json``; the optional ones, and what is lost
#: without them.
GH_FIELDS = (
    "number,title,body,state,stateReason,labels,assignees,author,createdAt,updatedAt,closedAt,"
    "url,comments,reactionGroups"
)
_LOST_WITHOUT = {
    "comments": "references made in comments, comment counts and activity",
    "reactionGroups": "reactions (a sign of how many people need the work)",
    "body": "references made in the description",
    "labels": "labels, which place issues on teams",
    "assignees": "assignees, so every issue looks unowned",
    "author": "authors, so reporters get no credit",
    "stateReason": "why closed issues were closed",
    "closedAt": "when issues were closed",
}


def missing_fields(data: object) -> list[str]:
    """Warnings for the optional fields that no issue in ``data`` carries (they were left out
    of ``--json``), each saying what is lost; empty when nothing is missing."""
    rows = [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []
    if not rows:
        return []
    absent = [name for name in _LOST_WITHOUT if not any(name in row for row in rows)]
    if not absent:
        return []
    lost = "; ".join(f"without {name}: {_LOST_WITHOUT[name]}" for name in absent)
    return [
        f"the export has no {', '.join(absent)}, so impactbot cannot see {lost}. Export again "
        f"with: gh issue list --state all --limit 100000 --json {GH_FIELDS}"
    ]


def parse_gh_issues(data: object, *, source: str = "github") -> list[Issue]:
    """Convert decoded ``gh issue list --json`` output to issues, in file order.

    References in the title, body and comments become ``REFERENCES`` links: GitHub targets
    carry ``source`` unless written as a URL on another host, Jira keys carry ``None``.
    ``ownership_changes`` is ``None`` (gh's JSON has no timeline).

    Raises :class:`~bot.errors.ImportFileError` on the first problem, with ``row`` the 1-based
    array index and ``field`` the dotted JSON key (``comments.0.createdAt``): top level not an
    array, an element not an object, a missing or malformed field, a pull request URL, or an
    issue that appears twice.
    """
    if not isinstance(data, list):
        raise ImportFileError(
            f"expected a JSON array of issues (gh issue list --json ...), got {_json_type(data)}"
        )
    issues: list[Issue] = []
    first_row: dict[str, int] = {}
    for row, item in enumerate(data, start=1):
        issue = _parse_row(item, row, source)
        if issue.key in first_row:
            raise ImportFileError(
                f"issue {issue.key} appears twice (first in row {first_row[issue.key]})",
                row=row,
                field="url",
            )
        first_row[issue.key] = row
        issues.append(issue)
    return issues


def _parse_row(item: object, row: int, source: str) -> Issue:
    if not isinstance(item, dict):
        raise ImportFileError(f"expected a JSON object, got {_json_type(item)}", row=row)
    try:
        payload = _Issue.model_validate(item)
    except ValidationError as exc:
        raise _import_error(exc, row) from None
    host, container, number = _locate(payload.url, row)
    if number != payload.number:
        raise ImportFileError(
            f"url {payload.url!r} does not end in the issue number {payload.number}",
            row=row,
            field="url",
        )
    return _to_issue(payload, source=source, host=host, container=container)


def _locate(url: str, row: int) -> tuple[str, str, int]:
    """``(host, owner/repo, number)`` of an issue URL."""
    match = _ISSUE_URL.match(url)
    if match is None:
        raise ImportFileError(
            f"{url!r} is not a GitHub issue URL (https://HOST/OWNER/REPO/issues/N)",
            row=row,
            field="url",
        )
    if match["kind"] == "pull":
        raise ImportFileError(
            f"{url!r} is a pull request; `gh issue list` does not output pull requests, "
            "so this file did not come from it",
            row=row,
            field="url",
        )
    return match["host"].lower(), f"{match['owner']}/{match['repo']}", int(match["number"])


def _to_issue(payload: _Issue, *, source: str, host: str, container: str) -> Issue:
    key = f"{container}#{payload.number}"
    closed = payload.state == "CLOSED"
    author = _actor(payload.author) if "author" in payload.model_fields_set else None
    comments = tuple(
        Comment(author=_actor(c.author), created_at=c.created_at.astimezone(UTC), body=c.body)
        for c in payload.comments
    )
    links = github_text_links(
        title=payload.title,
        body=payload.body,
        comments=comments,
        key=key,
        container=container,
        source=source,
        host=host,
    )
    return Issue(
        source=source,
        key=key,
        url=payload.url,
        title=payload.title,
        body=payload.body,
        state=IssueState.CLOSED if closed else IssueState.OPEN,
        state_reason=_STATE_REASONS[payload.state_reason or ""] if closed else None,
        container=container,
        labels=tuple(label.name for label in payload.labels),
        author=author,
        assignees=tuple(_actor(user) for user in payload.assignees),
        created_at=payload.created_at.astimezone(UTC),
        updated_at=payload.updated_at.astimezone(UTC),
        closed_at=_closed_at(payload.closed_at) if closed else None,
        comments=comments,
        reactions=sum(group.users.total_count for group in payload.reaction_groups),
        links=links,
        closed_by=tuple(_closing(pr) for pr in payload.closed_by) if closed else (),
    )


def _closing(pr: _ClosingPullRequest) -> PullRequest:
    """gh names the closing pull request but not its author or reviewers; a pull request
    that closed an issue as completed was merged."""
    repo = f"{pr.repository.owner.login}/{pr.repository.name}"
    return PullRequest(key=f"{repo}#{pr.number}", url=pr.url, merged=True)


def _closed_at(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _actor(user: _User | None) -> Actor:
    if user is None or user.login in ("", "app/"):
        return Actor(tracker=TrackerKind.GITHUB, handle=_GHOST)
    login = user.login
    if login.startswith("app/"):
        login = f"{login.removeprefix('app/')}[bot]"
    return Actor(
        tracker=TrackerKind.GITHUB,
        handle=login,
        display_name=user.name or None,
        is_bot=user.is_bot or login.endswith("[bot]"),
    )


def _import_error(exc: ValidationError, row: int) -> ImportFileError:
    """The first validation problem as an :class:`ImportFileError` naming row and field."""
    error = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in error["loc"]) or None
    message = error["msg"]
    if error["type"] != "missing":
        message = f"{message} (got {_short(error['input'])})"
    return ImportFileError(message, row=row, field=field)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
