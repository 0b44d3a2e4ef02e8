"""The fake Jira's routes: search, issue reads, comments, changelog and the claim writes.

Each handler takes the parsed request and returns ``(status, JSON body or None)``, or raises
``JiraHttpError`` with Jira's ``ErrorCollection`` shape (``errorMessages`` + ``errors``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from bisect import bisect_right
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.fakes.jira_jql import JqlError, parse_jql
from tests.fakes.jira_model import FakeComment, FakeIssue, History

if TYPE_CHECKING:
    from tests.fakes.jira import FakeJira

GONE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/"
    "#CHANGE-2046"
)
NO_ISSUE = "Issue does not exist or you do not have permission to see it."
_SEARCH_KEYS = {"expand", "fields", "fieldsByKeys", "jql", "maxResults", "nextPageToken",
                "properties", "reconcileIssues"}  # fmt: skip
_ID_FIELDS = {"id", "key"}


class JiraHttpError(Exception):
    def __init__(
        self, status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, messages, errors)
        self.status = status
        self.body = {"errorMessages": messages or [], "errors": errors or {}}


class Routes:
    def __init__(self, fake: FakeJira) -> None:
        self.fake = fake

    # ------------------------------------------------------------------ search

    def search(self, request: dict[str, Any]) -> dict[str, Any]:
        """``/rest/api/3/search/jql`` (GET query or POST body, already merged)."""
        unknown = set(request) - _SEARCH_KEYS
        if unknown:
            raise JiraHttpError(400, [f'Unrecognized field "{sorted(unknown)[0]}".'])
        jql = request.get("jql")
        if not isinstance(jql, str) or not jql.strip():
            raise JiraHttpError(400, ["JQL query is required."])
        try:
            query = parse_jql(jql, self.fake.zone)
        except JqlError as error:
            raise JiraHttpError(400, [str(error)]) from None
        fields = set(_field_list(request.get("fields")))
        wanted = max(1, int(request.get("maxResults") or 50))
        limit = min(wanted, 5000 if fields <= _ID_FIELDS else 100)
        visible = sorted((i for i in self.fake.search_view() if query.where(i)), key=query.sort_key)
        start = self._after(request.get("nextPageToken"), jql, visible, query.sort_key)
        page = visible[start : start + limit]
        expand = str(request.get("expand") or "").split(",")
        issues = [
            self.fake.renderer.issue(
                i,
                fields,
                embed_comments=self.fake.embedded_comments,
                changelog=self.fake.embedded_histories if "changelog" in expand else None,
            )
            for i in page
        ]
        body: dict[str, Any] = {"issues": issues, "isLast": start + limit >= len(visible)}
        if not body["isLast"]:
            body["nextPageToken"] = _token(jql, query.sort_key(page[-1]))
        return body

    @staticmethod
    def _after(token: object, jql: str, visible: list[FakeIssue], sort_key: Any) -> int:
        """Where a continuation token resumes: after the last issue it saw (a keyset, so an
        issue that changes between pages never shifts the others)."""
        if token is None:
            return 0
        try:
            data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
            assert data["q"] == _digest(jql)
            after = _decode_key(data["after"])
        except Exception:
            raise JiraHttpError(400, ["The provided next page token is invalid."]) from None
        keys = [_plain(sort_key(i)) for i in visible]
        return bisect_right(keys, after)

    # ------------------------------------------------------------------ reads

    def issue(self, key: str, query: dict[str, str]) -> dict[str, Any]:
        issue = self.fake.find(key)
        wanted = set(_field_list(query.get("fields", "*all")))
        return self.fake.renderer.issue(issue, wanted, embed_comments=5000, changelog=None)

    def comments(self, key: str, query: dict[str, str]) -> dict[str, Any]:
        issue = self.fake.find(key)
        start, size = _int(query, "startAt", 0), min(_int(query, "maxResults", 5000), 5000)
        chosen = issue.comments[start : start + size]
        return {
            "comments": [self.fake.renderer.comment(issue, c) for c in chosen],
            "maxResults": size,
            "startAt": start,
            "total": self.fake.renderer.total(len(chosen), len(issue.comments)),
        }

    def changelog(self, key: str, query: dict[str, str]) -> dict[str, Any]:
        issue = self.fake.find(key)
        start, size = _int(query, "startAt", 0), min(_int(query, "maxResults", 100), 100)
        chosen = sorted(issue.histories, key=lambda h: h.created)[start : start + size]
        base = f"{self.fake.url}/rest/api/3/issue/{issue.key}/changelog"
        body: dict[str, Any] = {
            "self": f"{base}?startAt={start}&maxResults={size}",
            "maxResults": size,
            "startAt": start,
            "total": self.fake.renderer.total(len(chosen), len(issue.histories)),
            "isLast": start + size >= len(issue.histories),
            "values": [self.fake.renderer.history(h) for h in chosen],
        }
        if not body["isLast"]:
            body["nextPage"] = f"{base}?startAt={start + size}&maxResults={size}"
        return body

    # ------------------------------------------------------------------ writes

    def assign(self, key: str, body: object) -> None:
        issue = self.fake.find(key)
        if not isinstance(body, dict) or "accountId" not in body:
            raise JiraHttpError(400, ["accountId is required."])
        account = body["accountId"]
        if account is not None and (
            account not in self.fake.users or account not in self.fake.assignable(issue.project)
        ):
            raise JiraHttpError(
                400, [], {"assignee": f"User '{account}' cannot be assigned issues."}
            )
        old = issue.assignee
        if old == account:
            return
        names = {a: self.fake.users[a].display_name for a in (old, account) if a}
        self.fake.change(
            issue,
            [
                {
                    "field": "assignee",
                    "fieldtype": "jira",
                    "fieldId": "assignee",
                    "from": old,
                    "fromString": names.get(old or ""),
                    "to": account,
                    "toString": names.get(account or ""),
                }
            ],
            assignee=account,
        )

    def add_comment(self, key: str, body: object) -> dict[str, Any]:
        issue = self.fake.find(key)
        doc = body.get("body") if isinstance(body, dict) else None
        if not isinstance(doc, dict) or doc.get("type") != "doc" or not doc.get("content"):
            raise JiraHttpError(400, [], {"comment": "Comment body can not be empty!"})
        properties = _entity_properties(body.get("properties") if isinstance(body, dict) else None)
        comment = FakeComment(self.fake.next_id(), self.fake.viewer, doc, self.fake.now, properties)
        self.fake.change(issue, None, comments=[*issue.comments, comment])
        return self.fake.renderer.comment(issue, comment)

    def comment_property(self, comment_id: str, name: str) -> dict[str, Any]:
        """``GET /rest/api/3/comment/{id}/properties/{key}``: ``EntityProperty``, or 404
        "Returned if the comment or the property is not found" (spec, v3)."""
        for issue in self.fake.issues.values():
            for comment in issue.comments:
                if str(comment.id) == comment_id and name in comment.properties:
                    return {"key": name, "value": comment.properties[name]}
        raise JiraHttpError(404, [f"The property with key '{name}' does not exist."])


def _entity_properties(value: object) -> dict[str, Any]:
    """``Comment.properties``: a list of ``EntityProperty`` (``key`` and ``value`` both
    "Required on create and update", no other fields: spec v3, components/schemas)."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise JiraHttpError(400, ["properties must be a list of entity properties."])
    found: dict[str, Any] = {}
    for item in value:
        if not isinstance(item, dict) or set(item) != {"key", "value"}:
            raise JiraHttpError(400, ["An entity property needs a key and a value, only."])
        if not isinstance(item["key"], str) or not item["key"]:
            raise JiraHttpError(400, ["The property key must be a non-empty string."])
        found[item["key"]] = item["value"]
    return found


def _field_list(value: object) -> list[str]:
    """``fields`` as a list: a JSON array, or comma-separated text (GET); default ``id``."""
    if value is None:
        return ["id"]
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(i).strip() for i in items if str(i).strip()]


def _int(query: dict[str, str], name: str, default: int) -> int:
    try:
        return max(0, int(query.get(name, default)))
    except ValueError:
        raise JiraHttpError(400, [f"'{name}' must be a number."]) from None


def _digest(jql: str) -> str:
    return hashlib.sha256(jql.encode()).hexdigest()[:16]


def _plain(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A sort key with datetimes as timestamps (comparable after a JSON round trip)."""
    return tuple(_encode(part) for part in key)


def _encode(part: Any) -> Any:
    if isinstance(part, datetime):
        return ("t", part.timestamp())
    if isinstance(part, tuple):
        return ("k", *part)
    if hasattr(part, "value"):
        raise JiraHttpError(400, ["DESC ordering cannot be paged by the fake Jira."])
    return part


def _decode_key(data: list[Any]) -> tuple[Any, ...]:
    return tuple(tuple(p) if isinstance(p, list) else p for p in data)


def _token(jql: str, key: tuple[Any, ...]) -> str:
    payload = {"q": _digest(jql), "after": list(_plain(key))}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def touch(issue: FakeIssue, at: datetime, lag: timedelta, now: datetime) -> None:
    """Before changing ``issue``: keep what search shows until the index catches up (the
    current version if it was visible already, else the older one still shown)."""
    if issue.updated + lag <= now:
        issue.stale = issue.snapshot()


__all__ = ["GONE", "NO_ISSUE", "History", "JiraHttpError", "Routes", "touch"]
