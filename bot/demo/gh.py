"""Render planned issues as ``gh issue list --json`` output, byte for byte as gh writes it.

``gh issue list -R owner/repo --state all --limit 5000 --json assignees,author,body,closedAt,
comments,createdAt,labels,number,reactionGroups,state,stateReason,title,updatedAt,url``
redirected to a file (cli/cli ``pkg/cmdutil/json_flags.go``): Go's ``json.Encoder`` with HTML
escaping off, no indentation when stdout is not a terminal, one trailing newline; issues
newest first (``orderBy: CREATED_AT DESC``). Top-level issue keys are a Go map, so sorted;
nested objects are Go structs, so in declaration order. Bot authors print as
``{"is_bot": true, "login": "app/<slug>"}``; comment authors carry only ``login`` (a bot's is
its bare GraphQL login). Reaction groups with zero users are omitted.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.demo.org import Actor, Person
from bot.demo.plan import PlannedComment, PlannedIssue

REACTION_ORDER = (
    "THUMBS_UP", "THUMBS_DOWN", "LAUGH", "HOORAY", "CONFUSED", "HEART", "ROCKET", "EYES",
)  # fmt: skip
LABELS: dict[str, tuple[str, str]] = {
    "bug": ("Something isn't working", "d73a4a"),
    "documentation": ("Improvements or additions to documentation", "0075ca"),
    "enhancement": ("New feature or request", "a2eeef"),
    "good first issue": ("Good for newcomers", "7057ff"),
    "help wanted": ("Extra attention is needed", "008672"),
    "question": ("Further information is requested", "d876e3"),
    "tech-debt": ("", "fbca04"),
    "stale": ("", "ededed"),
    "size/XS": ("Less than a day", "c2e0c6"),
    "size/S": ("A day or two", "bfdadc"),
    "size/M": ("About a week", "fef2c0"),
    "size/L": ("Two weeks or more", "f9d0c4"),
    "size/XL": ("Needs breaking down", "e99695"),
    "taxonomy": ("Label taxonomy and class definitions", "5319e7"),
    "annotation": ("Annotation tooling and guidelines", "c5def5"),
    "data-quality": ("Wrong or noisy labels or data", "b60205"),
    "shared-infra": ("Infrastructure several teams need", "0e8a16"),
    "gpu-cluster": ("Shared GPU cluster", "1d76db"),
    "asr": ("Requested by Speech Recognition", "bfd4f2"),
    "vision": ("Requested by Computer Vision", "bfd4f2"),
    "nlp": ("Requested by Language Understanding", "bfd4f2"),
    "recsys": ("Requested by Recommendations", "bfd4f2"),
}
_COMMENT_ID_EPOCH = datetime(2021, 1, 1, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    """GitHub's timestamp form: ``2024-01-02T03:04:05Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(seed: int, prefix: str, *parts: object, length: int = 16) -> str:
    """A stable GraphQL-style node id (``LA_kwDO…``) derived from ``seed`` and ``parts``."""
    digest = hashlib.sha256("|".join(map(str, (seed, *parts))).encode()).digest()
    return prefix + base64.urlsafe_b64encode(digest).decode()[:length]


class GhRenderer:
    """Renders repos; comment database ids stay unique across every repo it renders."""

    def __init__(self, seed: int, viewer: Person) -> None:
        self.seed = seed
        self.viewer = viewer
        self._comment_ids: set[int] = set()

    def render(self, issues: Sequence[PlannedIssue]) -> str:
        """The file gh writes for one repo's issues."""
        ordered = sorted(issues, key=lambda i: (i.created, i.number), reverse=True)
        rows = [self._issue(issue) for issue in ordered]
        return json.dumps(rows, ensure_ascii=False, separators=(",", ":")) + "\n"

    def _issue(self, issue: PlannedIssue) -> dict[str, Any]:
        closed = issue.closed is not None
        return {
            "assignees": [_user(p) for p in issue.assignees],
            "author": _author(issue.author),
            "body": _text(issue.body, issue.crlf),
            "closedAt": stamp(issue.closed) if issue.closed else None,
            "comments": [self._comment(issue, i, c) for i, c in enumerate(issue.comments)],
            "createdAt": stamp(issue.created),
            "labels": [self._label(issue, name) for name in _ordered_labels(issue.labels)],
            "number": issue.number,
            "reactionGroups": _reaction_groups(issue.reactions),
            "state": "CLOSED" if closed else "OPEN",
            "stateReason": _state_reason(issue),
            "title": issue.title,
            "updatedAt": stamp(issue.updated),
            "url": issue.url,
        }

    def _label(self, issue: PlannedIssue, name: str) -> dict[str, str]:
        description, color = LABELS.get(name, ("", "ededed"))
        label_id = node_id(self.seed, "LA_kwDO", issue.container.name, name)
        return {"id": label_id, "name": name, "description": description, "color": color}

    def _comment(self, issue: PlannedIssue, index: int, comment: PlannedComment) -> dict[str, Any]:
        human = isinstance(comment.author, Person)
        return {
            "id": node_id(self.seed, "IC_kwDO", issue.key, index, length=20),
            "author": {"login": comment.author.github or ""},
            "authorAssociation": _association(comment.author),
            "body": _text(comment.body, issue.crlf and human),
            "createdAt": stamp(comment.at),
            "includesCreatedEdit": comment.edited,
            "isMinimized": comment.minimized,
            "minimizedReason": "outdated" if comment.minimized else "",
            "reactionGroups": _reaction_groups({"THUMBS_UP": comment.thumbs}),
            "url": f"{issue.url}#issuecomment-{self._comment_number(comment.at, issue.key)}",
            "viewerDidAuthor": comment.author == self.viewer,
        }

    def _comment_number(self, at: datetime, salt: str) -> int:
        """Database ids grow with time, as GitHub's do (about 12 a second); never reused."""
        jitter = hashlib.sha256(f"{self.seed}|{salt}|{at}".encode()).digest()[0] % 12
        number = 1_100_000_000 + int((at - _COMMENT_ID_EPOCH).total_seconds() * 12) + jitter
        while number in self._comment_ids:
            number += 1
        self._comment_ids.add(number)
        return number


def _text(text: str, crlf: bool) -> str:
    """Bodies typed in the GitHub web UI arrive with CRLF line ends."""
    return text.replace("\n", "\r\n") if crlf else text


def _user(person: Person) -> dict[str, str]:
    return {"id": person.github_node, "login": person.github or "", "name": person.github_name}


def _author(actor: Actor) -> dict[str, Any]:
    if isinstance(actor, Person):
        login = actor.github or ""
        return {"id": actor.github_node, "is_bot": False, "login": login, "name": actor.github_name}
    return {"is_bot": True, "login": f"app/{actor.github}"}


def _association(actor: Actor) -> str:
    if not isinstance(actor, Person):
        return "NONE"
    return "MEMBER" if actor.team is not None else "CONTRIBUTOR"


def _ordered_labels(labels: Sequence[str]) -> list[str]:
    known = list(LABELS)
    unique = dict.fromkeys(labels)
    return sorted(unique, key=lambda n: (known.index(n) if n in known else len(known), n))


def _reaction_groups(reactions: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"content": content, "users": {"totalCount": reactions[content]}}
        for content in REACTION_ORDER
        if reactions.get(content, 0) > 0
    ]


def _state_reason(issue: PlannedIssue) -> str:
    if issue.closed is None:
        return "REOPENED" if issue.reopened else ""
    return (issue.reason or "completed").upper()
