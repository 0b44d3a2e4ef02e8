"""A thin GitLab REST v4 client over an injected ``httpx.Client``: issue listings by
``updated_at``, notes and links of one issue, and the few writes a claim needs. Every request
goes through the governor; parsing lives in ``payloads``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx

from bot.trackers.gitlab.dialect import RESOURCE
from bot.trackers.gitlab.payloads import (
    GitLabIssue,
    GitLabLinkedIssue,
    GitLabNote,
    PayloadError,
    issue_items,
    parse_issue,
    parse_linked_issue,
    parse_note,
    parse_user,
)
from bot.trackers.http import Governor, TrackerError

PER_PAGE = 100
Scope = Literal["groups", "projects"]
Order = Literal["updated_at", "created_at"]
_T = TypeVar("_T")


@dataclass(frozen=True)
class IssuePage:
    """One page of a listing, where the next one is (``None``: this was the last), and
    GitLab's time when it answered (its ``Date``; None without one)."""

    items: list[GitLabIssue]
    next_url: str | None
    server_time: datetime | None = None


class RefusedError(TrackerError):
    """GitLab refused a request with a 4xx other than 401 and 429 (no access, not found,
    invalid): retrying cannot help. ``status`` is the HTTP status, ``message`` GitLab's own."""

    def __init__(self, status: int, message: str, doing: str) -> None:
        self.status, self.message = status, message
        super().__init__(f"GitLab answered {status} when {doing}: {message}")


class GitLabClient:
    """REST v4 calls under ``{url}/api/v4``, authenticated with ``PRIVATE-TOKEN``."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        url: str,
        token: str,
        governor: Governor,
        per_page: int = PER_PAGE,
    ) -> None:
        self.http = http
        self.api_url = f"{url.rstrip('/')}/api/v4"
        self.governor = governor
        self.per_page = per_page
        self._headers = {"PRIVATE-TOKEN": token, "User-Agent": "impactbot"}
        self._username: str | None = None

    def list_issues(
        self,
        scope: Scope,
        path: str,
        *,
        updated_after: datetime | None,
        url: str | None = None,
        order_by: Order = "updated_at",
    ) -> IssuePage:
        """Issues of a group (subgroups included) or project updated at or after
        ``updated_after``, oldest first by ``order_by``; ``url`` continues a listing and is
        requested exactly as GitLab gave it (no parameters are added to it)."""
        params: dict[str, str | int] = {}
        if url is None:
            url = f"{self.api_url}/{scope}/{_id(path)}/issues"
            params = {
                "order_by": order_by,
                "sort": "asc",
                "scope": "all",
                "state": "all",
                "per_page": self.per_page,
            }
            if scope == "groups":
                params["include_subgroups"] = "true"
            if updated_after is not None:
                params["updated_after"] = _iso(updated_after)
        response = self._send("GET", url, f"listing issues of {path}", params=params)
        items = [parse_issue(item) for item in issue_items(_json(response))]
        return IssuePage(items, _next_page(response), _server_time(response))

    def notes(self, project: str, iid: int) -> list[GitLabNote]:
        """Every note of ``project#iid``, system notes included, oldest first."""
        url = f"{self.api_url}/projects/{_id(project)}/issues/{iid}/notes"
        params: dict[str, str | int] = {
            "sort": "asc",
            "order_by": "created_at",
            "per_page": self.per_page,
        }
        return self._all(url, params, f"reading notes of {project}#{iid}", parse_note)

    def links(self, project: str, iid: int) -> list[GitLabLinkedIssue]:
        """The issues linked to ``project#iid`` (relates to, blocks, is blocked by)."""
        url = f"{self.api_url}/projects/{_id(project)}/issues/{iid}/links"
        return self._all(url, {}, f"reading links of {project}#{iid}", parse_linked_issue)

    def issue(self, project: str, iid: int) -> GitLabIssue:
        url = f"{self.api_url}/projects/{_id(project)}/issues/{iid}"
        return parse_issue(_json(self._send("GET", url, f"reading {project}#{iid}")))

    def find_issue(self, project: str, iid: int) -> GitLabIssue | None:
        """``project#iid`` read directly, or None when GitLab answers 404 or 410 (deleted, or
        its project gone). Any other refusal raises: it proves nothing about the issue."""
        try:
            return self.issue(project, iid)
        except RefusedError as refused:
            if refused.status in (404, 410):
                return None
            raise

    def user_id(self, username: str) -> int | None:
        """The numeric id of ``username`` (exact, case-insensitive), or None if unknown."""
        url = f"{self.api_url}/users"
        response = self._send("GET", url, f"looking up @{username}", params={"username": username})
        for item in issue_items(_json(response)):
            user = parse_user(item)
            if user.id is not None and user.username.casefold() == username.casefold():
                return user.id
        return None

    def set_assignees(self, project: str, iid: int, user_ids: Sequence[int]) -> GitLabIssue:
        """Replace the assignees of ``project#iid``; returns the issue as GitLab saved it.
        Raises ``RefusedError`` for a 4xx GitLab will not change its mind about."""
        url = f"{self.api_url}/projects/{_id(project)}/issues/{iid}"
        doing = f"assigning {project}#{iid}"
        response = self._send("PUT", url, doing, json={"assignee_ids": list(user_ids)})
        return parse_issue(_json(response))

    def add_note(self, project: str, iid: int, body: str) -> int:
        """Comment ``body`` on ``project#iid``; returns the note's id. Never repeated here:
        when GitLab may have stored it (a 5xx, a dropped connection) this raises
        ``AmbiguousWriteError`` and the caller looks for it before posting again."""
        url = f"{self.api_url}/projects/{_id(project)}/issues/{iid}/notes"
        doing = f"commenting on {project}#{iid}"
        response = self._send("POST", url, doing, json={"body": body}, repeatable=False)
        return parse_note(_json(response)).id

    def project_visibility(self, project: str) -> str:
        """``GET /projects/:id``'s ``visibility``: ``private``, ``internal`` or ``public``
        (https://docs.gitlab.com/api/projects, "Project visibility level")."""
        response = self._send(
            "GET", f"{self.api_url}/projects/{_id(project)}", f"reading {project}"
        )
        data = _json(response)
        found = data.get("visibility") if isinstance(data, dict) else None
        if not isinstance(found, str):
            raise PayloadError(f"GitLab sent project {project} without a visibility")
        return found

    def current_username(self) -> str:
        """The username of the token's user (``GET /user``), asked once."""
        if self._username is None:
            response = self._send("GET", f"{self.api_url}/user", "reading the token's user")
            self._username = parse_user(_json(response)).username
        return self._username

    def _all(
        self,
        url: str,
        params: Mapping[str, str | int],
        doing: str,
        parse: Callable[[object], _T],
    ) -> list[_T]:
        found: list[_T] = []
        next_url: str | None = url
        while next_url is not None:
            response = self._send("GET", next_url, doing, params=params)
            found += [parse(item) for item in issue_items(_json(response))]
            next_url, params = _next_page(response), {}
        return found

    def _send(
        self,
        method: str,
        url: str,
        doing: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Mapping[str, Any] | None = None,
        repeatable: bool = True,
    ) -> httpx.Response:
        request = self.http.build_request(
            method, url, params=params or None, json=json, headers=self._headers
        )
        response = (self.governor.send if repeatable else self.governor.send_once)(
            self.http, request, RESOURCE
        )
        _check(response, doing)
        return response


def _check(response: httpx.Response, doing: str) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 401:
        raise TrackerError(f"GitLab answered 401 when {doing} (check GITLAB_TOKEN)")
    if status < 500 and status != 429:
        raise RefusedError(status, _message(response), doing)
    raise TrackerError(f"GitLab answered {status} when {doing} (after retries)")


def _message(response: httpx.Response) -> str:
    """GitLab's ``message`` (a string, or field → problems) or ``error``; else the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if not isinstance(body, dict):
        return response.reason_phrase
    message = body.get("message", body.get("error", response.reason_phrase))
    if isinstance(message, dict):
        return "; ".join(f"{field} {' '.join(map(str, why))}" for field, why in message.items())
    return str(message)


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError as exc:
        raise PayloadError(f"GitLab sent something other than JSON ({exc})") from exc


def _next_page(response: httpx.Response) -> str | None:
    """The ``rel="next"`` Link (offset or keyset alike), else ``X-Next-Page`` on the same URL."""
    link = response.links.get("next")
    if link and link.get("url"):
        return link["url"]
    page = response.headers.get("x-next-page", "").strip()
    if not page.isdigit():
        return None
    return str(response.request.url.copy_set_param("page", page))


def _server_time(response: httpx.Response) -> datetime | None:
    """GitLab's ``Date``, aware (a zone-less one read as UTC); None if absent or bad."""
    try:
        moment = parsedate_to_datetime(response.headers.get("date", ""))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _id(path: str) -> str:
    """A group or project full path as an API id: URL-encoded, slashes too."""
    return quote(path.strip("/"), safe="")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
