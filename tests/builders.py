"""Small builders for domain objects in tests: real models, sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.identity import Directory
from bot.core.links import link_to
from bot.core.models import Actor, Comment, Issue, IssueState, LinkKind, TrackerKind
from bot.core.rules_teams import TeamsRules

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def gh(handle: str, *, bot: bool = False) -> Actor:
    return Actor(tracker=TrackerKind.GITHUB, handle=handle, is_bot=bot)


def comment(handle: str, days_ago: float, body: str = "+1", *, bot: bool = False) -> Comment:
    return Comment(author=gh(handle, bot=bot), created_at=NOW - timedelta(days=days_ago), body=body)


def issue(
    key: str = "acme/labelling#1",
    *,
    days_old: float = 150,
    author: str | None = "lena",
    assignees: tuple[str, ...] = (),
    refs: tuple[str, ...] = (),
    **fields: Any,
) -> Issue:
    """A GitHub-style open issue in the repo its key names, created ``days_old`` ago."""
    created = NOW - timedelta(days=days_old)
    data: dict[str, Any] = {
        "source": "github",
        "key": key,
        "title": f"Issue {key}",
        "state": IssueState.OPEN,
        "container": key.split("#", 1)[0],
        "author": gh(author) if author else None,
        "assignees": tuple(gh(a) for a in assignees),
        "created_at": created,
        "updated_at": created,
        "links": tuple(link_to(r, LinkKind.REFERENCES, f"mentioned in {key}") for r in refs),
    }
    data.update(fields)
    return Issue(**data)


TEAMS: dict[str, Any] = {
    "teams": [
        {
            "id": "labelling",
            "name": "Data Labelling",
            "managers": ["mara"],
            "members": ["lena"],
            "owns": {"repos": ["acme/labelling"], "labels": ["taxonomy"]},
        },
        {
            "id": "asr",
            "name": "ASR",
            "managers": ["omar"],
            "members": ["ana"],
            "owns": {"repos": ["acme/asr"]},
        },
        {
            "id": "vision",
            "name": "Vision",
            "managers": ["vik"],
            "members": ["vera"],
            "owns": {"repos": ["acme/vision"]},
        },
        {
            "id": "nlp",
            "name": "NLP",
            "managers": ["nia"],
            "members": ["ned"],
            "owns": {"repos": ["acme/nlp"]},
        },
        {
            "id": "recsys",
            "name": "RecSys",
            "managers": ["rex"],
            "members": ["rita"],
            "owns": {"repos": ["acme/recsys"]},
        },
    ],
    "leadership": ["cto"],
    "people": [
        {"id": pid, "name": pid.title(), "github": pid}
        for pid in (
            "mara",
            "lena",
            "omar",
            "ana",
            "vik",
            "vera",
            "nia",
            "ned",
            "rex",
            "rita",
            "cto",
        )
    ],
    "bots": ["helper-bot"],
}


def directory(data: dict[str, Any] | None = None) -> Directory:
    return Directory.build(TeamsRules.model_validate(data or TEAMS))
