"""A thin Linear client over an injected ``httpx.Client``: one GraphQL POST per call, every
request through the governor (with ``linear_dialect`` as its normaliser). Parsing lives in
``payloads``; the documents in ``queries``.

Personal API keys go in ``Authorization`` as they are (no ``Bearer``). GraphQL errors are
final here: the governor has already waited out ``RATELIMITED`` answers, so what is left is
a rejected key (``AUTHENTICATION_ERROR``), a refusal (``LinearRefusedError``: not found, no
access, invalid input) or a broken answer (``TrackerError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from bot.trackers.http import Governor, TrackerError
from bot.trackers.linear import queries
from bot.trackers.linear.dialect import RATE_LIMITED, error_codes

RESOURCE = "graphql"
_AUTH_CODES = {"AUTHENTICATION_ERROR"}


class LinearRefusedError(TrackerError):
    """Linear refused a request it understood (entity not found, forbidden, invalid input):
    retrying cannot help, and a person should hear ``message``, Linear's own words."""

    def __init__(self, codes: list[str], message: str, doing: str) -> None:
        self.codes, self.message = codes, message
        super().__init__(f"Linear refused {doing}: {message}")


class QueryTooComplexError(LinearRefusedError):
    """Linear refused a query as too complex. Its count is not published (it reports
    fractional complexity and may run above the documented rule), so a caller whose own
    estimate fitted can retry with smaller pages; ``message`` is what Linear said."""


class LinearClient:
    """GraphQL calls for the sync and for claims."""

    def __init__(
        self, http: httpx.Client, *, api_url: str, api_key: str, governor: Governor
    ) -> None:
        self.http = http
        self.api_url = api_url
        self.governor = governor
        self._headers = {
            "Authorization": api_key,
            "Content-Type": "application/json",
            "User-Agent": "impactbot",
        }

    def query(
        self,
        document: str,
        variables: Mapping[str, Any],
        *,
        doing: str,
        repeatable: bool = True,
    ) -> dict[str, Any]:
        """Run one document; returns its ``data``. Raises ``LinearRefusedError`` for a
        refusal, ``TrackerError`` for a rejected key, a lasting limit or a broken answer, and
        ``AmbiguousWriteError`` when a mutation that is not ``repeatable`` may have run."""
        request = self.http.build_request(
            "POST",
            self.api_url,
            json={"query": document, "variables": dict(variables)},
            headers=self._headers,
        )
        response = (self.governor.send if repeatable else self.governor.send_once)(
            self.http, request, RESOURCE
        )
        body = _json(response, doing)
        if body.get("errors"):
            raise _error(response.status_code, body, doing)
        if response.status_code >= 400:
            raise TrackerError(f"Linear answered {response.status_code} when {doing}")
        data = body.get("data")
        if not isinstance(data, dict):
            raise TrackerError(f"Linear sent no data when {doing}")
        return data

    def where_is(self, key: str) -> dict[str, Any] | None:
        """Issue ``key`` read directly (an old identifier finds the issue it moved to):
        ``identifier``, ``trashed``, ``previousIdentifiers``, ``team``; None when Linear
        says there is no such issue. Any other refusal raises: it proves nothing."""
        try:
            data = self.query(queries.WHERE_IS, {"id": key}, doing=f"reading {key}")
        except LinearRefusedError as refused:
            if "not found" in refused.message.lower():
                return None
            raise
        issue = data.get("issue")
        return issue if isinstance(issue, dict) else None

    def assignee_of(self, key: str) -> str | None:
        """The user id assigned to issue ``key`` (identifier or id), or None."""
        data = self.query(queries.ASSIGNEE, {"id": key}, doing=f"reading {key}")
        return _assignee_id(data.get("issue"), key)

    def set_assignee(self, key: str, user_id: str | None) -> str | None:
        """Assign ``user_id`` (None: nobody) to issue ``key``; returns the assignee Linear
        lists afterwards, for the caller to check."""
        data = self.query(
            queries.ASSIGN, {"id": key, "assigneeId": user_id}, doing=f"assigning {key}"
        )
        payload = data.get("issueUpdate") or {}
        if not payload.get("success"):
            raise LinearRefusedError([], "the update did not succeed", f"assigning {key}")
        return _assignee_id(payload.get("issue"), key)

    def add_comment(self, key: str, body: str, comment_id: str) -> str:
        """Comment ``body`` on issue ``key`` as the key's user, with the id ``comment_id``
        (a UUID v4 the client may choose: ``CommentCreateInput.id``); returns the comment's
        URL. Never repeated here: when Linear may have stored it (a 5xx, a dropped
        connection) this raises ``AmbiguousWriteError``; ``comment`` then tells."""
        variables = {"id": comment_id, "issueId": key, "body": body}
        doing = f"commenting on {key}"
        data = self.query(queries.COMMENT_CREATE, variables, doing=doing, repeatable=False)
        payload = data.get("commentCreate") or {}
        comment = payload.get("comment") or {}
        if not payload.get("success") or not comment.get("url"):
            raise TrackerError(f"Linear did not confirm the comment on {key}")
        return str(comment["url"])

    def comment_url(self, comment_id: str) -> str | None:
        """The address of comment ``comment_id``; None when Linear has no such comment (it
        answers "Entity not found")."""
        try:
            data = self.query(queries.COMMENT_BY_ID, {"id": comment_id}, doing="reading a comment")
        except LinearRefusedError as refused:
            if "entity not found" in refused.message.lower():
                return None
            raise
        return _comment_url(data, comment_id)


def _comment_url(data: dict[str, Any], comment_id: str) -> str | None:
    comment = data.get("comment")
    if not isinstance(comment, dict) or comment.get("id") != comment_id:
        raise TrackerError(f"Linear sent another comment than {comment_id}")
    return str(comment.get("url") or comment_id)


def _assignee_id(issue: Any, key: str) -> str | None:
    if not isinstance(issue, dict):
        raise TrackerError(f"Linear sent no issue for {key}")
    assignee = issue.get("assignee")
    return str(assignee["id"]) if isinstance(assignee, dict) and assignee.get("id") else None


def _json(response: httpx.Response, doing: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TrackerError(f"Linear answered {response.status_code} without JSON when {doing}")
    return body


def _error(status: int, body: dict[str, Any], doing: str) -> TrackerError:
    codes = error_codes(body)
    errors = [e for e in body["errors"] if isinstance(e, dict)]
    messages = "; ".join(_said(e) for e in errors)
    if _AUTH_CODES & set(codes) or status == 401:
        return TrackerError(
            f"Linear rejected the API key when {doing}: check LINEAR_API_KEY ({messages})"
        )
    if RATE_LIMITED in codes:
        return TrackerError(f"Linear's rate limit outlasted the retries when {doing}")
    if any(_too_complex(e) for e in errors):
        return QueryTooComplexError(codes, messages, doing)
    return LinearRefusedError(codes, messages, doing)


def _said(error: dict[str, Any]) -> str:
    """What Linear said in one error: its ``userPresentableMessage`` (the words meant for a
    person, which Linear's SDK prefers) and, when it differs, the ``message``."""
    extensions = error.get("extensions") if isinstance(error.get("extensions"), dict) else {}
    message = str(error.get("message") or "").strip()
    presentable = str((extensions or {}).get("userPresentableMessage") or "").strip()
    if presentable and message and message not in presentable:
        return f"{presentable} ({message})"
    return presentable or message or "no message"


def _too_complex(error: dict[str, Any]) -> bool:
    """Whether an error is Linear's refusal of a query's complexity: no dedicated code is
    documented (it comes as ``INVALID_INPUT``), so its words, "Query too complex", tell it."""
    extensions = error.get("extensions") if isinstance(error.get("extensions"), dict) else {}
    words = " ".join(
        str(text)
        for text in (error.get("message"), (extensions or {}).get("userPresentableMessage"))
        if text
    ).lower()
    return "too complex" in words
