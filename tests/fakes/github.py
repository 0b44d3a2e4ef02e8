"""A local fake of api.github.com that really speaks HTTP: REST issues API and GraphQL.

    with FakeGitHub(token="t0k") as gh:
        gh.add_repo("acme/api")
        gh.add_issue("acme/api", title="Crash", created_at=T0)
        client = httpx.Client(base_url=gh.url, headers={"Authorization": "Bearer t0k"})

What it imitates, per request, in this order: scripted answers (`script`), authentication (401
"Requires authentication" / "Bad credentials"), `X-GitHub-Api-Version` (only 2022-11-28, else
400), the primary rate limit (403 "API rate limit exceeded…" once `core` is spent; every REST
answer but 304 and `/rate_limit` costs one point), then the route. Every answer carries
`x-ratelimit-*` headers for its resource (`core` or `graphql`), `x-github-api-version-selected`,
a `Date` from the fake clock and an `x-github-request-id`; every 200 GET carries a weak `ETag`,
and `If-None-Match` with it gets a free 304. Routes live in `github_rest` and `github_graphql`,
the data in `github_model`, the set-up methods (`add_issue`, `transfer`, …) in `github_mutations`.
The clock only moves when a test sets `now`; budgets refill when it passes their reset time.
Listings follow GitHub, not the client: a missing parameter takes GitHub's default (open
issues, newest created first, 30 a page), `Link` URLs use the `/repositories/{id}/…` form with
the request's whole query, page numbers stop at 99 (`page=100` is a 422) and `after=` cursors
go on from there — each rule with its source in `github_rest`. `page_limit` lowers the 99 so
that a test reaches cursors with a few hundred issues.

Writes: POST/DELETE `/repos/{o}/{r}/issues/{n}/assignees` and POST `…/issues/{n}/comments`, done
as the viewer at the fake's `now` (see `github_rest`); like REST reads they cost a `core` point.
Adding an assignee who may not be assigned (`set_assignable`) is a silent no-op with a 201, as
on GitHub. `fail_after_storing` makes a write take and then answer a 5xx (`server_error`: GitHub's
edge answers 502 with its HTML "Unicorn" page or a JSON ``{"message": "Server Error"}``, which
octokit and PyGithub raise as BadGateway/ServerError) or drop the connection (`DROP`).
`GET /user` answers the viewer (the token's user), as the spec's `/user` operation does
(shared/external/github-rest-openapi, `users/get-authenticated`).

Not imitated: other writes (they answer 404), assigned/unassigned timeline events, search, the
per-user 60/hour unauthenticated limit, secondary limits on their own (script them).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.github_graphql import SCHEMA_PATH, GraphQLApi, graphql_schema_available
from tests.fakes.github_model import Budget, Store, require_aware
from tests.fakes.github_mutations import GitHubData, IssueWrites
from tests.fakes.github_rest import PAGE_LIMIT, HttpError, Query, Response, RestApi
from tests.fakes.github_rest_json import RestJson, dumps
from tests.fakes.serving import DROP, RecordedRequest, ScriptedByPath, ServedFake, StoredThenFailed

__all__ = [
    "DROP",
    "FakeGitHub",
    "RecordedRequest",
    "ScriptedResponse",
    "graphql_schema_available",
    "secondary_limit",
    "server_error",
    "too_many_requests",
]

DEFAULT_NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
API_VERSIONS = ("2022-11-28",)
_RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"


@dataclass(frozen=True)
class ScriptedResponse:
    """An answer given instead of normal service. A dict/list body is sent as JSON, a str as
    text/html (GitHub's 502 pages are HTML), None as an empty body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: object = None


def secondary_limit(retry_after: int | None = None) -> ScriptedResponse:
    """GitHub's secondary ("abuse") limit: 403, sometimes with Retry-After, sometimes without."""
    message = (
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
        "again. If you reach out to GitHub Support for help, please include the request ID "
        "0000:0000:0000000:0000000:00000000."
    )
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    body = {"message": message, "documentation_url": f"{_RATE_DOCS}#about-secondary-rate-limits"}
    return ScriptedResponse(403, headers, body)


def too_many_requests(retry_after: int) -> ScriptedResponse:
    """A 429 with Retry-After (GitHub uses it for some secondary limits)."""
    body = {"message": "Too Many Requests", "documentation_url": _RATE_DOCS}
    return ScriptedResponse(429, {"Retry-After": str(retry_after)}, body)


def server_error(status: int = 502) -> ScriptedResponse:
    """A 5xx as the API edge sends it."""
    return ScriptedResponse(status, {}, {"message": "Server Error"})


class FakeGitHub(
    GitHubData, ScriptedByPath[ScriptedResponse], StoredThenFailed[ScriptedResponse], ServedFake
):
    """A fake api.github.com on 127.0.0.1 (see the module docstring for what is imitated);
    scripted answers are free of charge. `url` is the REST base, like https://api.github.com."""

    def __init__(
        self,
        *,
        token: str | None = "test-token",
        rate_limit: int = 5000,
        graphql_limit: int = 5000,
        page_limit: int = PAGE_LIMIT,
        now: datetime = DEFAULT_NOW,
        html_url: str = "https://github.com",
        viewer: str = "fake-viewer",
        schema_path: Path = SCHEMA_PATH,
    ) -> None:
        self.token, self._viewer = token, viewer
        self._now = require_aware(now, "now")
        reset = self._now + timedelta(hours=1)
        self._core = Budget("core", rate_limit, rate_limit, reset)
        self._graphql = Budget("graphql", graphql_limit, graphql_limit, reset)
        self._lock = threading.RLock()
        self._store = Store()
        self._assignable: dict[int, frozenset[str]] = {}
        self._html, self._schema_path = html_url, schema_path
        self._page_limit = page_limit  # GitHub's is 99; a test may lower it to stay small
        self._scripts: list[tuple[str, re.Pattern[str], deque[ScriptedResponse]]] = []
        self._after_storing = []
        self._request_ids = count(1)
        self.requests: list[RecordedRequest] = []

    # -- lifecycle -----------------------------------------------------------------------------

    def on_bound(self) -> None:
        """Build the APIs, whose JSON holds the server's address."""
        writes = IssueWrites(self._store, self._assignable, self._viewer, lambda: self._now)
        self._rest = RestApi(self._store, RestJson(self.url, self._html), self._page_limit, writes)
        self._graphql_api = GraphQLApi(self._store, self._html, self._viewer, self._schema_path)
        for repo in self._store.repos.values():
            for issue in repo.issues.values():
                issue.json_cache = None  # URLs inside depend on the port

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    # -- clock and budgets -----------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        """Move the fake clock; a budget whose reset time has come is refilled, as on GitHub."""
        with self._lock:
            self._now = require_aware(value, "now")
            for budget in (self._core, self._graphql):
                if self._now >= budget.reset_at:
                    budget.remaining, budget.reset_at = budget.limit, self._now + timedelta(hours=1)

    @property
    def core_remaining(self) -> int:
        return self._core.remaining

    @core_remaining.setter
    def core_remaining(self, value: int) -> None:
        self._core.remaining = value

    @property
    def graphql_remaining(self) -> int:
        return self._graphql.remaining

    @graphql_remaining.setter
    def graphql_remaining(self, value: int) -> None:
        self._graphql.remaining = value

    @property
    def graphql_rate_limited_status(self) -> int:
        return GraphQLApi.rate_limited_status

    # -- scripting and recording -----------------------------------------------------------

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- request pipeline ------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one HTTP request (called by the server thread; usable directly in tests)."""
        parts = urlsplit(target)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        record = RecordedRequest(method, parts.path, dict(pairs), headers, body)
        with self._lock:
            self.requests.append(record)
            budget = self._graphql if parts.path == "/graphql" else self._core
            try:
                response = self._respond(method, parts.path, Query(pairs), headers, body, budget)
            except HttpError as error:
                response = _error_response(error)
            failed = (
                self.take_failure_after_storing(method, parts.path, body)
                if 200 <= response.status < 300
                else None
            )
            if failed is not None:
                response = _scripted_response(failed)
            record.status = response.status
            response.headers = {**self._common_headers(budget), **response.headers}
        return response

    def _respond(
        self,
        method: str,
        path: str,
        query: Query,
        headers: dict[str, str],
        body: bytes,
        budget: Budget,
    ) -> Response:
        scripted = self.take_script(method, path)
        if scripted is not None:
            return _scripted_response(scripted)
        self._check_auth(headers)
        version = headers.get("x-github-api-version")
        if version is not None and version not in API_VERSIONS:
            raise HttpError(
                400,
                f"API version {version!r} is not supported.",
                doc="https://docs.github.com/rest/about-the-rest-api/api-versions",
            )
        if path == "/graphql" and method == "POST":
            status, payload = self._graphql_api.handle(body, budget)
            return Response(status, dumps(payload))
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            return self._charged(lambda: self._rest.handle_write(method, path, body))
        if method != "GET":
            raise HttpError(404, "Not Found")
        if path.rstrip("/") == "/user":
            viewer = self._rest.render.user(self._store.actor(self._viewer))
            return self._rest_get_answer(Response(200, dumps(viewer)), headers)
        if path.rstrip("/") == "/rate_limit":
            return self._conditional(Response(200, dumps(self._rate_limit_json())), headers)
        return self._rest_get(path, query, headers)

    def _rest_get_answer(self, response: Response, headers: dict[str, str]) -> Response:
        return self._charged(lambda: self._conditional(response, headers))

    def _rest_get(self, path: str, query: Query, headers: dict[str, str]) -> Response:
        return self._charged(lambda: self._conditional(self._rest.handle(path, query), headers))

    def _charged(self, answer: Callable[[], Response]) -> Response:
        """A REST answer that costs one `core` point (a 304 is free), refused with GitHub's
        403 once the budget is spent."""
        if self._core.remaining <= 0:
            user_id = self._store.actor(self._viewer).db_id
            raise HttpError(
                403,
                f"API rate limit exceeded for user ID {user_id}.",
                doc=f"{_RATE_DOCS}#about-the-primary-rate-limit",
            )
        try:
            response = answer()
        except HttpError as error:
            response = _error_response(error)
        if response.status != 304:
            self._core.remaining -= 1
        return response

    def _check_auth(self, headers: dict[str, str]) -> None:
        if self.token is None:
            return
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        if not scheme:
            raise HttpError(401, "Requires authentication", doc="https://docs.github.com/rest")
        if scheme.lower() not in ("bearer", "token") or credential.strip() != self.token:
            raise HttpError(401, "Bad credentials", doc="https://docs.github.com/rest")

    @staticmethod
    def _conditional(response: Response, headers: dict[str, str]) -> Response:
        """Weak ETag on every 200; a matching If-None-Match gets 304 with no body."""
        if response.status != 200:
            return response
        etag = f'W/"{hashlib.sha256(response.body).hexdigest()}"'
        wanted = {t.strip().removeprefix("W/") for t in headers.get("if-none-match", "").split(",")}
        if etag.removeprefix("W/") in wanted or "*" in wanted:
            return Response(304, b"", {"ETag": etag})
        response.headers["ETag"] = etag
        return response

    def _rate_limit_json(self) -> dict[str, Any]:
        core = self._core.as_json()
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": core["reset"]}
        resources = {"core": core, "search": search, "graphql": self._graphql.as_json()}
        return {"resources": resources, "rate": core}

    def _common_headers(self, budget: Budget) -> dict[str, str]:
        return {
            "Date": format_datetime(self._now, usegmt=True),
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "x-github-api-version-selected": API_VERSIONS[0],
            "X-GitHub-Request-Id": f"FAKE:{next(self._request_ids):08X}",
            **budget.headers(),
        }


def _error_response(error: HttpError) -> Response:
    payload = {"message": error.message, "documentation_url": error.doc, **error.extra}
    payload["status"] = str(error.status)
    return Response(error.status, dumps(payload), dict(error.headers))


def _scripted_response(scripted: ScriptedResponse) -> Response:
    body = scripted.body
    if body is None:
        return Response(scripted.status, b"", dict(scripted.headers))
    if isinstance(body, bytes | str):
        raw = body.encode() if isinstance(body, str) else body
        return Response(
            scripted.status, raw, {"Content-Type": "text/html; charset=utf-8", **scripted.headers}
        )
    return Response(scripted.status, dumps(body), dict(scripted.headers))
