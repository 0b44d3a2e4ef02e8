"""A thin Jira Cloud REST v3 client over an injected ``httpx.Client``: JQL search with
``nextPageToken``, the rest of an issue's comments and changelog, the API user, and the
writes a claim needs. Every request goes through the governor; parsing lives in
``payloads``. Authentication is Basic with the account's email and API token."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.trackers.http import Governor, TrackerError
from bot.trackers.jira.payloads import ChangelogPage, CommentPage, History, JiraComment, JiraUser

RESOURCE = "jira"  # one budget per site and credential
_M = TypeVar("_M", bound=BaseModel)
PAGE = 100  # comments / changelog entries per request (Jira's maximum)


@dataclass(frozen=True)
class SearchPage:
    """One page of ``POST /rest/api/3/search/jql``: raw issues, and the token of the next."""

    issues: list[dict[str, Any]]
    next_token: str | None


class WriteRefusedError(TrackerError):
    """Jira refused a write with a 4xx other than 401 (no such issue, no permission, a user
    who cannot be assigned): retrying cannot help. ``message`` is Jira's own explanation."""

    def __init__(self, status: int, message: str, doing: str) -> None:
        self.status, self.message = status, message
        super().__init__(f"Jira answered {status} when {doing}: {message}")


class JiraClient:
    """REST v3 calls on one Jira Cloud site."""

    def __init__(
        self, http: httpx.Client, *, site: str, email: str, api_token: str, governor: Governor
    ) -> None:
        self.http = http
        self.site = site.rstrip("/")
        self.governor = governor
        basic = base64.b64encode(f"{email}:{api_token}".encode()).decode()
        self._headers = {
            "Authorization": f"Basic {basic}",
            "Accept": "application/json",
            "User-Agent": "impactbot",
        }
        self._account: str | None = None

    def myself(self) -> dict[str, Any]:
        """The API user (``GET /rest/api/3/myself``) as its raw JSON object."""
        return self._json(self._send("GET", "/rest/api/3/myself"), "reading the API user")

    def search(
        self,
        jql: str,
        *,
        fields: Sequence[str],
        max_results: int,
        next_token: str | None = None,
        expand: str | None = None,
    ) -> SearchPage:
        """One page of issues matching ``jql``; ``next_token`` continues a search."""
        body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": max_results}
        if next_token:
            body["nextPageToken"] = next_token
        if expand:
            body["expand"] = expand
        response = self._send("POST", "/rest/api/3/search/jql", json=body)
        data = self._json(response, f"searching {jql!r}")
        issues = data.get("issues") or []
        if not isinstance(issues, list) or not all(isinstance(i, dict) for i in issues):
            raise TrackerError(f"Jira sent no list of issues when searching {jql!r}")
        token = data.get("nextPageToken")
        last = data.get("isLast", token is None)
        return SearchPage(issues=issues, next_token=str(token) if token and not last else None)

    def comments(self, key: str) -> list[JiraComment]:
        """Every comment of ``key``, oldest first, page by page.

        ``total`` is not trusted to count them all (Atlassian's spec calls it the number of
        items *returned*): the next page is read while a page comes back full, that is with
        as many comments as its ``maxResults`` (or as asked, without one)."""
        found: list[JiraComment] = []
        while True:
            params: dict[str, str | int] = {
                "startAt": len(found),
                "maxResults": PAGE,
                "orderBy": "created",
            }
            response = self._send("GET", f"/rest/api/3/issue/{key}/comment", params=params)
            page = _parse(CommentPage, self._json(response, f"reading comments of {key}"), key)
            found += page.comments
            if len(page.comments) < (page.maxResults or PAGE) or not page.comments:
                return found

    def changelog(self, key: str) -> list[History]:
        """Every changelog entry of ``key``, oldest first, page by page: until ``isLast``,
        or (without it) a page that is not full; never by ``total`` (see ``comments``)."""
        found: list[History] = []
        while True:
            params = {"startAt": len(found), "maxResults": PAGE}
            response = self._send("GET", f"/rest/api/3/issue/{key}/changelog", params=params)
            page = _parse(ChangelogPage, self._json(response, f"reading history of {key}"), key)
            found += page.values
            if page.isLast or not page.values:
                return found
            if page.isLast is None and len(page.values) < (page.maxResults or PAGE):
                return found

    def assignee(self, key: str) -> JiraUser | None:
        """Who ``key`` is assigned to now. Raises ``WriteRefusedError`` when it cannot be read
        (so a claim can say why)."""
        response = self._send("GET", f"/rest/api/3/issue/{key}", params={"fields": "assignee"})
        self._check_write(response, f"reading the assignee of {key}")
        fields = self._json(response, f"reading {key}").get("fields") or {}
        user = fields.get("assignee") if isinstance(fields, dict) else None
        return _parse(JiraUser, user, key) if isinstance(user, dict) else None

    def set_assignee(self, key: str, account_id: str | None) -> None:
        """Assign ``key`` to ``account_id`` (None: unassign). Raises like ``assignee``."""
        response = self._send(
            "PUT", f"/rest/api/3/issue/{key}/assignee", json={"accountId": account_id}
        )
        doing = f"assigning {key} to {account_id}" if account_id else f"unassigning {key}"
        self._check_write(response, doing)

    def add_comment(
        self, key: str, body: Mapping[str, Any], properties: Mapping[str, Any] | None = None
    ) -> str:
        """Comment the ADF ``body`` on ``key`` with comment ``properties`` (key → JSON value,
        stored with the comment: ``Comment.properties`` in the spec); returns the new
        comment's id. Raises like ``assignee``, and ``AmbiguousWriteError`` when Jira may
        have stored it (a 5xx, a dropped connection): it is never repeated here."""
        payload: dict[str, Any] = {"body": body}
        if properties:
            payload["properties"] = [{"key": k, "value": v} for k, v in properties.items()]
        path = f"/rest/api/3/issue/{key}/comment"
        response = self._send("POST", path, json=payload, repeatable=False)
        self._check_write(response, f"commenting on {key}")
        return str(self._json(response, "a new comment").get("id") or "")

    def account_id(self) -> str:
        """The API user's account id, asked once."""
        if self._account is None:
            account = self.myself().get("accountId")
            if not isinstance(account, str) or not account:
                raise TrackerError("Jira sent no accountId for the API user")
            self._account = account
        return self._account

    def comment_property(self, comment_id: str, name: str) -> object | None:
        """The value of property ``name`` of comment ``comment_id``; None when the comment
        has no such property (Jira answers 404 for a missing comment or property)."""
        path = f"/rest/api/3/comment/{comment_id}/properties/{name}"
        response = self._send("GET", path)
        if response.status_code == 404:
            return None
        return self._json(response, f"reading property {name} of comment {comment_id}").get("value")

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Mapping[str, Any] | None = None,
        repeatable: bool = True,
    ) -> httpx.Response:
        request = self.http.build_request(
            method, f"{self.site}{path}", params=params, json=json, headers=self._headers
        )
        return (self.governor.send if repeatable else self.governor.send_once)(
            self.http, request, RESOURCE
        )

    @classmethod
    def _check_write(cls, response: httpx.Response, doing: str) -> None:
        status = response.status_code
        if 400 <= status < 500 and status != 401:
            raise WriteRefusedError(status, error_message(response), doing)
        cls._check(response, doing)

    @staticmethod
    def _check(response: httpx.Response, doing: str) -> None:
        if response.status_code < 400:
            return
        hint = {
            401: "the credentials were rejected: check JIRA_EMAIL and JIRA_API_TOKEN",
            403: "the account lacks permission",
            404: "not found, or the account cannot see it",
            410: "this API is gone from Jira Cloud",
        }.get(response.status_code, error_message(response))
        raise TrackerError(f"Jira answered {response.status_code} when {doing} ({hint})")

    def _json(self, response: httpx.Response, doing: str) -> dict[str, Any]:
        self._check(response, doing)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TrackerError(f"Jira sent no JSON object when {doing}")
        return body


def error_message(response: httpx.Response) -> str:
    """Jira's ``errorMessages`` and ``errors`` (ErrorCollection) in one line; else the
    start of the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if not isinstance(body, dict):
        return response.reason_phrase
    messages = [str(m) for m in body.get("errorMessages") or []]
    errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
    messages += [f"{field}: {text}" for field, text in (errors or {}).items()]
    return "; ".join(messages) or response.reason_phrase


def _parse(model: type[_M], data: object, key: str) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise TrackerError(f"unexpected {model.__name__} from Jira for {key}: {exc}") from exc
