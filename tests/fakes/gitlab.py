"""A local fake of GitLab's REST API v4 that really speaks HTTP, on 127.0.0.1.

    with FakeGitLab(token="glpat-t0k") as gl:
        gl.add_project("acme/ml/asr")
        gl.add_issue("acme/ml/asr", title="Crash", created_at=T0)
        httpx.get(f"{gl.url}/api/v4/projects/acme%2Fml%2Fasr/issues",
                  headers={"PRIVATE-TOKEN": "glpat-t0k"})

Per request, in this order: scripted answers (``script``), authentication (``PRIVATE-TOKEN`` or
``Authorization: Bearer``; else 401 ``{"message": "401 Unauthorized"}``), the rate limit (a
budget per minute like GitLab's ``throttle_authenticated_api``: once spent, 429 with the text
``Retry later`` and ``Retry-After`` unless ``retry_after=False``), then the route. Every answer
carries ``RateLimit-Name/-Limit/-Observed/-Remaining/-Reset`` (epoch seconds) and
``RateLimit-ResetTime`` (HTTP date), and a ``Date`` from the fake clock. Ids in paths are
numeric or URL-encoded full paths.

Routes: ``GET /projects/:id`` (its ``visibility``), ``GET /projects/:id/issues``,
``GET /groups/:id/issues`` (projects under the group at any depth) with ``state``,
``updated_after``/``updated_before``, ``order_by`` (``created_at``/``updated_at``), ``sort``,
``page``, ``per_page`` (at most 100); offset pages
with ``Link`` (prev/next/first, and last), ``X-Page``, ``X-Per-Page``, ``X-Next-Page``,
``X-Prev-Page`` — and ``X-Total``/``X-Total-Pages``/``rel="last"`` only up to 10,000 results,
as GitLab does. ``GET /projects/:id/issues/:iid`` (+ ``/notes``, paginated, ``sort``; +
``/links``), ``GET /users?username=``; writes: ``PUT /projects/:id/issues/:iid``
(``assignee_ids``: non-members are dropped silently, and with ``single_assignee`` only the first
is kept, as on GitLab Free; 0 means nobody) and ``POST …/notes`` (written as ``root``, the
token's user, which ``GET /user`` answers, as GitLab's "Get the current user" does:
https://docs.gitlab.com/api/users/). The clock moves only when a test sets ``now``; the budget
refills at each new minute.

``fail_after_storing`` makes a write take and then answer a failure: GitLab answers server
errors as JSON ``{"message": "500 Internal Server Error"}`` (its API's error format, REST API
troubleshooting: https://docs.gitlab.com/api/rest/troubleshooting/) and its proxy a 502
(``server_error``); ``DROP`` closes the connection with no answer.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from tests.fakes.github_rest import Response
from tests.fakes.gitlab_model import FakeIssue, GitLabData, Project, dumps, ms
from tests.fakes.serving import (
    DROP,
    RecordedRequest,
    ScriptedByPath,
    ServedFake,
    StoredThenFailed,
)

DEFAULT_NOW = datetime.fromisoformat("2024-06-01T12:00:00+00:00")
MAX_COUNTED = 10_000  # GitLab leaves out X-Total and rel="last" above this many results


@dataclass(frozen=True)
class ScriptedResponse:
    """An answer given instead of normal service (dict/list: JSON, str: text, None: empty)."""

    status: int
    headers: dict[str, str]
    body: object = None


def too_many_requests(retry_after: int | None) -> ScriptedResponse:
    """GitLab's throttle answer: 429, text ``Retry later``, with or without Retry-After."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return ScriptedResponse(429, headers, "Retry later\n")


def server_error(status: int = 502) -> ScriptedResponse:
    """A 5xx in GitLab's JSON error format (``"<status> <reason>"`` as the message)."""
    reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    return ScriptedResponse(status, {}, {"message": f"{status} {reason.get(status, 'Error')}"})


def dropped() -> ScriptedResponse:
    """The connection closes with no answer."""
    return ScriptedResponse(DROP, {}, None)


class HttpError(Exception):
    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(str(payload))
        self.status, self.payload = status, payload


class FakeGitLab(
    GitLabData, ScriptedByPath[ScriptedResponse], StoredThenFailed[ScriptedResponse], ServedFake
):
    """A fake GitLab on 127.0.0.1 (see the module docstring for what it imitates); `url` is the
    instance address, like https://gitlab.com (the API is under /api/v4)."""

    def __init__(
        self,
        *,
        token: str = "glpat-test",
        now: datetime = DEFAULT_NOW,
        rate_limit: int = 2000,
        retry_after: bool = True,
        web_url: str = "https://gitlab.example.com",
    ) -> None:
        super().__init__(web_url)
        self.token = token
        self._now = ms(now)
        self.rate_limit, self.retry_after = rate_limit, retry_after
        self._used, self._window = 0, self._minute(self._now)
        self._lock = threading.RLock()
        self._scripts: list[tuple[str, re.Pattern[str], deque[ScriptedResponse]]] = []
        self._after_storing = []
        self.requests: list[RecordedRequest] = []
        self.add_user("root", "Administrator")

    # -- lifecycle ---------------------------------------------------------------------------

    def on_bound(self) -> None:
        """Point the API base at the server; rendered issues are dropped (their URLs change)."""
        self.api_base = f"{self.url}/api/v4"
        for issue in self.issues_by_id.values():
            issue.cache = None  # URLs inside depend on the port

    # -- clock, budget, scripts --------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        with self._lock:
            self._now = ms(value)
            if self._minute(self._now) != self._window:
                self._used, self._window = 0, self._minute(self._now)

    @property
    def remaining(self) -> int:
        return max(0, self.rate_limit - self._used)

    @remaining.setter
    def remaining(self, value: int) -> None:
        self._used = self.rate_limit - value

    @staticmethod
    def _minute(moment: datetime) -> int:
        return int(moment.timestamp()) // 60

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- pipeline ----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one request (called by the server threads)."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        record = RecordedRequest(method, parts.path, query, headers, body)
        with self._lock:
            self.requests.append(record)
            try:
                response = self._respond(method, parts.path, query, headers, body)
            except HttpError as error:
                response = Response(error.status, dumps(error.payload), {})
            failed = (
                self.take_failure_after_storing(method, parts.path, body)
                if 200 <= response.status < 300
                else None
            )
            if failed is not None:
                response = _scripted(failed)
            record.status = response.status
            response.headers = {**self._common_headers(), **response.headers}
        return response

    def _respond(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Response:
        scripted = self.take_script(method, path)
        if scripted is not None:
            return _scripted(scripted)
        token = headers.get("private-token") or headers.get("authorization", "").removeprefix(
            "Bearer "
        )
        if token != self.token:
            raise HttpError(401, {"message": "401 Unauthorized"})
        if self._used >= self.rate_limit:
            extra = {"Retry-After": str(self._seconds_to_reset())} if self.retry_after else {}
            return Response(429, b"Retry later\n", {"Content-Type": "text/plain", **extra})
        self._used += 1
        if not path.startswith("/api/v4/"):
            raise HttpError(404, {"error": "404 Not Found"})
        return self._route(method, path.removeprefix("/api/v4"), query, body)

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> Response:
        segments = path.strip("/").split("/")
        match (method, segments):
            case ("GET", ["projects", pid]):
                return _json(dumps(self.project_json(self._project(pid))))
            case ("GET", ["projects", pid, "issues"]):
                return self._listing(self._project(pid).issues.values(), path, query)
            case ("GET", ["groups", gid, "issues"]):
                return self._listing(self._group_issues(unquote(gid)), path, query)
            case ("GET", ["projects", pid, "issues", iid]):
                return _json(self.issue_bytes(self._issue(pid, iid)))
            case ("PUT", ["projects", pid, "issues", iid]):
                return self._update(self._issue(pid, iid), body)
            case ("GET", ["projects", pid, "issues", iid, "notes"]):
                return self._notes(self._issue(pid, iid), path, query)
            case ("POST", ["projects", pid, "issues", iid, "notes"]):
                return self._add_note(self._issue(pid, iid), body)
            case ("GET", ["projects", pid, "issues", iid, "links"]):
                issue = self._issue(pid, iid)
                return _json(dumps(self.linked_json(issue)))
            case ("GET", ["user"]):
                return _json(dumps(self.user_json("root")))
            case ("GET", ["users"]):
                name = query.get("username", "").casefold()
                found = [self.user_json(u) for u in self.users if u.casefold() == name]
                return _json(dumps(found))
        raise HttpError(404, {"error": "404 Not Found"})

    # -- routes ------------------------------------------------------------------------------

    def _project(self, pid: str) -> Project:
        wanted = unquote(pid)
        for project in self.projects.values():
            if wanted in (str(project.id), project.path):
                return project
        raise HttpError(404, {"message": "404 Project Not Found"})

    def _issue(self, pid: str, iid: str) -> FakeIssue:
        issue = self._project(pid).issues.get(int(iid)) if iid.isdigit() else None
        if issue is None:
            raise HttpError(404, {"message": "404 Not found"})
        return issue

    def _group_issues(self, group: str) -> list[FakeIssue]:
        projects = [p for p in self.projects.values() if p.path.startswith(f"{group}/")]
        if not projects:
            raise HttpError(404, {"message": "404 Group Not Found"})
        return [i for p in projects for i in p.issues.values()]

    def _listing(self, issues: Any, path: str, query: dict[str, str]) -> Response:
        chosen = _filtered(list(issues), query)
        order = query.get("order_by", "created_at")
        if order not in ("created_at", "updated_at"):
            raise HttpError(400, {"error": "order_by does not have a valid value"})
        chosen.sort(key=lambda i: (getattr(i, order), i.id), reverse=query.get("sort") != "asc")
        return self._paged([self.issue_bytes(i) for i in chosen], path, query)

    def _notes(self, issue: FakeIssue, path: str, query: dict[str, str]) -> Response:
        notes = sorted(
            issue.notes,
            key=lambda n: (n.created_at, n.id),
            reverse=query.get("sort", "desc") != "asc",
        )
        return self._paged([dumps(self.note_json(n, issue)) for n in notes], path, query)

    def _paged(self, items: list[bytes], path: str, query: dict[str, str]) -> Response:
        """Offset pagination with GitLab's headers (no totals above ``MAX_COUNTED``)."""
        per_page = min(max(_int(query, "per_page", 20), 1), 100)
        page = max(_int(query, "page", 1), 1)
        total = len(items)
        pages = max(1, -(-total // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {"X-Page": str(page), "X-Per-Page": str(per_page)}
        headers["X-Next-Page"] = str(page + 1) if page < pages else ""
        headers["X-Prev-Page"] = str(page - 1) if page > 1 else ""
        rels = [("first", 1)] + ([("prev", page - 1)] if page > 1 else [])
        rels += [("next", page + 1)] if page < pages else []
        if total <= MAX_COUNTED:
            headers |= {"X-Total": str(total), "X-Total-Pages": str(pages)}
            rels.append(("last", pages))
        base = f"{self.url}/api/v4{path}"
        links = [f'<{base}?{urlencode({**query, "page": n})}>; rel="{rel}"' for rel, n in rels]
        headers["Link"] = ", ".join(links)
        return _json(b"[" + b",".join(chunk) + b"]", headers)

    def _update(self, issue: FakeIssue, body: bytes) -> Response:
        payload = _body(body)
        if "assignee_ids" in payload:
            ids = payload["assignee_ids"]
            if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
                raise HttpError(400, {"error": "assignee_ids is invalid"})
            by_id = {u.id: u.username for u in self.users.values()}
            members = self.projects[issue.project].members
            names = [
                by_id[i] for i in ids if i in by_id and (members is None or by_id[i] in members)
            ]
            issue.assignees = names[:1] if self.single_assignee else list(dict.fromkeys(names))
            issue.updated_at, issue.cache = max(issue.updated_at, self._now), None
        return _json(self.issue_bytes(issue))

    def _add_note(self, issue: FakeIssue, body: bytes) -> Response:
        text = _body(body).get("body")
        if not isinstance(text, str) or not text.strip():
            raise HttpError(400, {"message": {"note": ["can't be blank"]}})
        note = self.add_note(issue.project, issue.iid, author="root", body=text, at=self._now)
        return Response(
            201, dumps(self.note_json(note, issue)), {"Content-Type": "application/json"}
        )

    # -- helpers -----------------------------------------------------------------------------

    def _seconds_to_reset(self) -> int:
        return 60 - int(self._now.timestamp()) % 60

    def _common_headers(self) -> dict[str, str]:
        reset = self._now + timedelta(seconds=self._seconds_to_reset())
        return {
            "Date": format_datetime(self._now, usegmt=True),
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": str(self.rate_limit),
            "RateLimit-Observed": str(min(self._used, self.rate_limit)),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(int(reset.timestamp())),
            "RateLimit-ResetTime": format_datetime(reset, usegmt=True),
        }


def _filtered(issues: list[FakeIssue], query: dict[str, str]) -> list[FakeIssue]:
    state = query.get("state", "all")
    if state not in ("opened", "closed", "all"):
        raise HttpError(400, {"error": "state does not have a valid value"})
    chosen = [i for i in issues if state in ("all", i.state)]
    for name, keep in (
        ("updated_after", lambda t, b: t >= b),
        ("updated_before", lambda t, b: t <= b),
    ):
        if name in query:
            bound = _time(query[name], name)
            chosen = [i for i in chosen if keep(i.updated_at, bound)]
    return chosen


def _time(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(400, {"error": f"{name} is invalid"}) from None
    if moment.tzinfo is None:
        raise HttpError(400, {"error": f"{name} is invalid"})
    return moment


def _int(query: dict[str, str], name: str, default: int) -> int:
    value = query.get(name, "")
    return int(value) if value.isdigit() else default


def _body(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        raise HttpError(400, {"error": "the request body is not JSON"}) from None
    if not isinstance(payload, dict):
        raise HttpError(400, {"error": "the request body is not an object"})
    return payload


def _json(body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(200, body, {"Content-Type": "application/json", **(headers or {})})


def _scripted(scripted: ScriptedResponse) -> Response:
    body = scripted.body
    if body is None:
        return Response(scripted.status, b"", dict(scripted.headers))
    if isinstance(body, str):
        return Response(
            scripted.status, body.encode(), {"Content-Type": "text/plain", **scripted.headers}
        )
    return Response(
        scripted.status, dumps(body), {"Content-Type": "application/json", **scripted.headers}
    )
