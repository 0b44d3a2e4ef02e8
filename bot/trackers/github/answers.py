"""Reading GitHub's HTTP answers: JSON of the expected shape, issue payloads, error
messages for people, and the ``Link`` header's next page. Pure functions over a response
already received; every surprise is a ``TrackerError``."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError

from bot.trackers.github.payloads import RestIssue
from bot.trackers.http import TrackerError


def json_list(response: httpx.Response) -> list[dict[str, Any]]:
    body = response.json()
    if not isinstance(body, list):
        raise TrackerError(f"GitHub sent {type(body).__name__} where a list was expected")
    return body


def json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TrackerError(f"GitHub sent {type(body).__name__} where {what} was expected")
    return body


def assignees_in(response: httpx.Response, repo: str) -> list[str]:
    """The ``assignees`` logins of an issue answer."""
    issue = rest_issue(json_object(response, "an issue"), repo)
    return [user.login for user in issue.assignees or []]


def error_message(response: httpx.Response) -> str:
    """GitHub's ``message``, with the codes of a 422's ``errors``; else the start of the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if not isinstance(body, dict):
        return response.reason_phrase
    message = str(body.get("message") or response.reason_phrase).replace("\n\n", ": ")
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    codes = ", ".join(f"{e.get('field', '?')} {e.get('code', 'invalid')}" for e in errors)
    return f"{message} ({codes})" if codes else message


def rest_issue(item: dict[str, Any], repo: str) -> RestIssue:
    try:
        return RestIssue.model_validate(item)
    except ValidationError as exc:
        raise TrackerError(f"unexpected issue payload from {repo}: {exc}") from exc


def next_link(response: httpx.Response) -> str | None:
    """The ``rel="next"`` URL of the Link header (page or cursor based alike)."""
    link = response.links.get("next")
    return link.get("url") if link else None
