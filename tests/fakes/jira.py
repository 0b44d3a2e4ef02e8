"""A local fake of a Jira Cloud site that really speaks HTTP: REST v3 search and issues.

    with FakeJira(email="bot@acme.io", api_token="t0k", time_zone="America/Los_Angeles") as jira:
        jira.add_project("ASR")
        key = jira.add_issue("ASR", summary="Crash", created=T0)

What it imitates, per request, in this order: scripted answers (``script``), Basic
authentication (401), the rate limit (429 with ``Retry-After``, ``X-RateLimit-Limit``,
``X-RateLimit-Remaining: 0``, ``X-RateLimit-Reset`` as ISO 8601 and ``RateLimit-Reason``, once
``rate_limit`` requests were made in the current ``rate_window``), then the route:

- ``POST``/``GET /rest/api/3/search/jql``: JQL (see ``jira_jql``: minute dates in the API
  user's time zone, unbounded queries refused), ``fields`` (default ``id``; ``*all`` adds a
  real site's bulk), ``expand=changelog`` (newest ``embedded_histories`` entries),
  ``maxResults`` capped at 100 (5000 for ``id``/``key`` only), ``nextPageToken`` (a keyset
  continuation) and ``isLast``. Search is *eventually consistent*: a change becomes visible
  ``search_lag`` after it was made; until then search shows the previous version (or
  nothing, for a new issue). Embedded comments stop at ``embedded_comments``.
- ``/rest/api/3/search`` (the old offset search) answers 410 Gone, as on Jira Cloud now.
- ``GET /rest/api/3/myself`` (with ``timeZone``), ``GET /rest/api/3/issue/{key}``
  (``fields=``), ``…/comment`` and ``…/changelog`` (``startAt`` paging), ``PUT
  …/assignee`` (204; 400 for an account that cannot be assigned in the project; a changelog
  entry), ``POST …/comment`` (201, ADF bodies only, with optional comment ``properties``),
  ``GET /rest/api/3/comment/{id}/properties/{key}`` (404 when absent). A moved issue answers
  under its old key.

``fail_after_storing`` makes a write take and then fail: ``server_error`` is Jira's 500 with an
``ErrorCollection`` body (the spec's error shape; Atlassian's rate-limiting guide: "Some
transient 5XX errors are accompanied by a Retry-After header", e.g. a 503 when a resource limit
is reached — ``unavailable``), ``DROP`` a connection closed with no answer.

Paged lists (the ``comment`` field and the ``changelog`` that search embeds, ``…/comment``,
``…/changelog``) carry ``total`` in one of two readings, ``total_reading``: ``"page"`` (the
default, strict) is what Atlassian's spec says — ``PageOfComments.total`` "The number of items
returned", ``PageOfChangelogs.total`` "The number of results on the page",
``PageBeanChangelog.total`` "The number of items returned" (swagger-v3.v3.json in
shared/external/jira-cloud-openapi); ``"all"`` is the count of all there are, as sites are
reported to send it. ``maxResults`` of an embedded page is the number embedded, as a recorded
search shows (``"comment": {"comments": [], "maxResults": 0, "total": 0}`` in
shared/external/jira-samples/airbyte-source-jira.issues.json). Search embeds at most 40
changelog entries (``embedded_histories``): Atlassian's JRACLOUD-96459, "it's no longer
possible to retrieve more than 40 changelog/history data" with ``/search/jql``.

Every answer carries a ``Date`` from the fake clock, which moves only when a test sets
``now`` (or calls ``advance``); the rate-limit window restarts when the clock passes it.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import count
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from tests.fakes.github_rest import Response
from tests.fakes.jira_model import FakeComment, FakeIssue, History, Renderer, User
from tests.fakes.jira_routes import GONE, NO_ISSUE, JiraHttpError, Routes, touch
from tests.fakes.serving import DROP, ScriptedByPath, ServedFake, StoredThenFailed

DEFAULT_NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
POINTS_FIELD = "customfield_10016"
_COMMENT_PROPERTY = re.compile(r"^/rest/api/3/comment/(?P<id>[^/]+)/properties/(?P<key>[^/]+)$")
_ISSUE = re.compile(r"^/rest/api/3/issue/(?P<key>[^/]+)(?P<sub>/comment|/changelog|/assignee)?$")


@dataclass(frozen=True)
class Scripted:
    """An answer given instead of normal service (dict/list → JSON, str → text, None → empty)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: object = None


def too_many_requests(retry_after: int | None = 5, reset: datetime | None = None) -> Scripted:
    """Jira's 429: Retry-After and/or the X-RateLimit-* headers (reset as ISO 8601)."""
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0",
               "RateLimit-Reason": "jira-burst-based"}  # fmt: skip
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if reset is not None:
        headers["X-RateLimit-Reset"] = reset.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    return Scripted(429, headers, {"errorMessages": ["Rate limit exceeded."], "errors": {}})


def unavailable(retry_after: int | None = None) -> Scripted:
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return Scripted(503, headers, "<html><body>Service Unavailable</body></html>")


def server_error(status: int = 500) -> Scripted:
    """A 5xx with Jira's ``ErrorCollection`` body."""
    return Scripted(status, {}, {"errorMessages": ["Internal server error"], "errors": {}})


def dropped() -> Scripted:
    """The connection closes with no answer."""
    return Scripted(DROP)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    status: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


class FakeJira(ScriptedByPath[Scripted], StoredThenFailed[Scripted], ServedFake):
    """A fake Jira Cloud site on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        *,
        email: str = "bot@acme.io",
        api_token: str = "jira-token",
        time_zone: str = "America/Los_Angeles",
        now: datetime = DEFAULT_NOW,
        search_lag: timedelta = timedelta(seconds=0),
        rate_limit: int | None = None,
        rate_window: timedelta = timedelta(minutes=1),
        embedded_comments: int = 20,
        embedded_histories: int = 40,
        total_reading: Literal["page", "all"] = "page",
    ) -> None:
        self.credentials = (email, api_token)
        self.zone = ZoneInfo(time_zone)
        self._now = now
        self.search_lag = search_lag
        self.rate_limit, self.rate_window = rate_limit, rate_window
        self._window_start, self._used = now, 0
        self.embedded_comments, self.embedded_histories = embedded_comments, embedded_histories
        self.total_reading = total_reading
        self.viewer = "bot-account"
        self.users: dict[str, User] = {
            self.viewer: User(self.viewer, "impactbot", email, time_zone, "atlassian")
        }
        self.issues: dict[str, FakeIssue] = {}  # by current key
        self.moved: dict[str, str] = {}  # old key -> current key
        self.projects: dict[str, set[str]] = {}  # key -> assignable account ids
        self.counters: dict[str, int] = {}
        self._ids = count(10000)
        self._lock = threading.RLock()
        self._scripts: list[tuple[str, re.Pattern[str], deque[Scripted]]] = []
        self._after_storing = []
        self.requests: list[Recorded] = []
        self.routes = Routes(self)

    @property
    def renderer(self) -> Renderer:
        return Renderer(self.url, self.users, self.zone, POINTS_FIELD, self.total_reading)

    # -- clock -----------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        with self._lock:
            self._now = value

    def advance(self, seconds: float) -> None:
        """Move the clock (an injected ``sleep`` for the governor)."""
        self.now = self._now + timedelta(seconds=seconds)

    # -- set-up ----------------------------------------------------------------------------

    def add_user(self, account_id: str, name: str, email: str | None = None, **kw: Any) -> None:
        self.users[account_id] = User(account_id, name, email, **kw)

    def add_project(self, key: str, assignable: tuple[str, ...] = ()) -> None:
        self.projects[key] = {self.viewer, *assignable}
        self.counters.setdefault(key, 0)

    def assignable(self, project: str) -> set[str]:
        return self.projects.get(project, set())

    def next_id(self) -> int:
        return next(self._ids)

    def add_issue(self, project: str, *, summary: str, created: datetime, **fields: Any) -> str:
        """A new issue (``updated`` = ``created`` unless given); returns its key."""
        with self._lock:
            self.counters[project] += 1
            reporter = fields.pop("reporter", self.viewer)
            updated = fields.pop("updated", created)
            issue = FakeIssue(self.next_id(), project, self.counters[project], summary, created,
                              updated, reporter, **fields)  # fmt: skip
            self.issues[issue.key] = issue
            return issue.key

    def edit(self, key: str, *, at: datetime, items: list[dict[str, Any]] | None = None,
             **changes: Any) -> None:  # fmt: skip
        """Change fields of ``key`` at ``at`` (a changelog entry when ``items`` are given)."""
        with self._lock:
            self.change(self.find(key), items, at=at, **changes)

    def add_comment(self, key: str, *, author: str, text: str, at: datetime) -> None:
        doc = {
            "type": "doc",
            "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
        }
        issue = self.find(key)
        comment = FakeComment(self.next_id(), author, doc, at)
        self.edit(key, at=at, comments=[*issue.comments, comment])

    def link(self, outward_from: str, to: str, kind: str = "Blocks", *, at: datetime) -> None:
        """``outward_from`` <kind> ``to`` (e.g. blocks); both issues show the link."""
        source, target = self.find(outward_from), self.find(to)
        self.edit(source.key, at=at, links=[*source.links, (kind, "outward", target.key)])
        self.edit(target.key, at=at, links=[*target.links, (kind, "inward", source.key)])

    def move(self, key: str, project: str, *, at: datetime) -> str:
        """Move ``key`` to ``project``: a new key, the old one still answers; returns it."""
        with self._lock:
            issue = self.find(key)
            old = issue.key
            self.counters[project] += 1
            touch(issue, at, self.search_lag, self._now)
            del self.issues[old]
            issue.project, issue.number, issue.updated = project, self.counters[project], at
            issue.histories.append(History(self.next_id(), self.viewer, at, [
                {"field": "project", "fieldtype": "jira", "fieldId": "project",
                 "fromString": old.split("-")[0], "toString": project},
                {"field": "Key", "fieldtype": "jira", "fromString": old, "toString": issue.key},
            ]))  # fmt: skip
            self.issues[issue.key] = issue
            self.moved[old] = issue.key
            return issue.key

    def delete(self, key: str) -> None:
        with self._lock:
            del self.issues[self.find(key).key]

    def change(self, issue: FakeIssue, items: list[dict[str, Any]] | None, *,
               at: datetime | None = None, **changes: Any) -> None:  # fmt: skip
        when = at or self._now
        touch(issue, when, self.search_lag, self._now)
        for name, value in changes.items():
            setattr(issue, name, value)
        issue.updated = when
        if items:
            issue.histories.append(History(self.next_id(), self.viewer, when, items))

    def find(self, key: str) -> FakeIssue:
        current = self.moved.get(key.upper(), key.upper())
        try:
            return self.issues[current]
        except KeyError:
            raise JiraHttpError(404, [NO_ISSUE]) from None

    def search_view(self) -> list[FakeIssue]:
        """What search sees now: each issue as last indexed (``search_lag`` behind)."""
        seen = []
        for issue in self.issues.values():
            if issue.updated + self.search_lag <= self._now:
                seen.append(issue)
            elif issue.stale is not None:
                seen.append(issue.stale)
        return seen

    # -- scripting and recording -----------------------------------------------------------

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- request pipeline ------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        record = Recorded(method, parts.path, query, body)
        with self._lock:
            self.requests.append(record)
            try:
                response = self._respond(method, parts.path, query, headers, body)
            except JiraHttpError as error:
                response = _json(error.status, error.body)
            failed = (
                self.take_failure_after_storing(method, parts.path, body)
                if 200 <= response.status < 300
                else None
            )
            if failed is not None:
                response = _scripted(failed)
            record.status = response.status
            response.headers = {
                "Date": format_datetime(self._now.astimezone(UTC), usegmt=True),
                "X-ARequestId": f"fake-{len(self.requests):06d}",
                **response.headers,
            }
        return response

    def _respond(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                 body: bytes) -> Response:  # fmt: skip
        scripted = self.take_script(method, path)
        if scripted is not None:
            return _scripted(scripted)
        self._check_auth(headers)
        limited = self._rate_limited()
        if limited is not None:
            return limited
        return self._route(method, path, query, body)

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> Response:
        if path == "/rest/api/3/search/jql" and method in ("GET", "POST"):
            request = _body(body) if method == "POST" else _get_search(query)
            if not isinstance(request, dict):
                raise JiraHttpError(400, ["The request body is not a JSON object."])
            return _json(200, self.routes.search(request))
        if path == "/rest/api/3/search":
            raise JiraHttpError(410, [GONE])
        if path == "/rest/api/3/myself" and method == "GET":
            return _json(200, self.renderer.user(self.viewer))
        prop = _COMMENT_PROPERTY.match(path)
        if prop is not None and method == "GET":
            return _json(200, self.routes.comment_property(prop["id"], prop["key"]))
        match = _ISSUE.match(path)
        if match is None:
            raise JiraHttpError(404, ["Null Pointer Exception: no such resource."])
        key, sub = match["key"], match["sub"] or ""
        answers = {
            ("GET", ""): lambda: _json(200, self.routes.issue(key, query)),
            ("GET", "/comment"): lambda: _json(200, self.routes.comments(key, query)),
            ("GET", "/changelog"): lambda: _json(200, self.routes.changelog(key, query)),
            ("PUT", "/assignee"): lambda: _empty(self.routes.assign(key, _body(body))),
            ("POST", "/comment"): lambda: _json(201, self.routes.add_comment(key, _body(body))),
        }
        answer = answers.get((method, sub))
        if answer is None:
            raise JiraHttpError(405, [f"{method} is not allowed on {path}."])
        return answer()

    def _check_auth(self, headers: dict[str, str]) -> None:
        import base64

        scheme, _, credential = headers.get("authorization", "").partition(" ")
        try:
            pair = base64.b64decode(credential).decode() if scheme.lower() == "basic" else ""
        except ValueError:
            pair = ""
        if pair != ":".join(self.credentials):
            raise JiraHttpError(401, ["You are not authenticated. Authentication required to "
                                      "perform this operation."])  # fmt: skip

    def _rate_limited(self) -> Response | None:
        if self.rate_limit is None:
            return None
        reset = self._window_start + self.rate_window
        if self._now >= reset:
            self._window_start, self._used = self._now, 0
            reset = self._now + self.rate_window
        if self._used < self.rate_limit:
            self._used += 1
            return None
        wait = max(1, int((reset - self._now).total_seconds() + 0.999))
        return _scripted(too_many_requests(wait, reset))


def _body(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise JiraHttpError(400, ["Unexpected character in the request body."]) from None


def _get_search(query: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(query)
    if "maxResults" in out:
        out["maxResults"] = int(out["maxResults"])
    return out


def _json(status: int, data: object) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode()
    return Response(status, body, {"Content-Type": "application/json;charset=UTF-8"})


def _empty(_: None) -> Response:
    return Response(204, b"", {})


def _scripted(answer: Scripted) -> Response:
    if isinstance(answer.body, dict | list):
        response = _json(answer.status, answer.body)
        response.headers.update(answer.headers)
        return response
    text = b"" if answer.body is None else str(answer.body).encode()
    return Response(answer.status, text, {"Content-Type": "text/html", **answer.headers})
