"""A local fake of Linear's GraphQL API (api.linear.app/graphql) that really speaks HTTP.

    with FakeLinear(api_key="lin_api_k") as linear:
        eng = linear.workspace.add_issue("ENG", title="Crash", created_at=T0)
        client = httpx.Client(); client.post(linear.url, headers={"Authorization": "lin_api_k"})

Per request, in this order: scripted answers (`script`), authentication (`Authorization`
holding the key as is, or `Bearer <key>`; else HTTP 400 `AUTHENTICATION_ERROR`), parsing,
validation against the real schema and the complexity cap (see `linear_graphql`), the two
hourly budgets (requests, and complexity points charged by each query's cost): a spent budget
answers `rate_limited_status` (400 by default, as Linear does; 429 can be chosen) with a
`RATELIMITED` error. Every answer carries `X-RateLimit-Requests-Limit/-Remaining/-Reset`,
`X-RateLimit-Complexity-Limit/-Remaining/-Reset` (resets in epoch milliseconds) and a `Date`
from the fake clock; executed queries carry `X-Complexity`. Budgets refill when the clock
(`now`, moved only by tests) passes their reset; Linear refills continuously (leaky bucket),
the fake in one step at the reset it announced, which is what a client may rely on.

`fail_after_storing` makes a mutation run and then answer a failure (match it with
``body_regex``, e.g. ``commentCreate``; every request goes to ``/graphql``): ``server_error``
is a 500 with a GraphQL ``errors`` list whose ``extensions.code`` is ``INTERNAL_SERVER_ERROR``
(Linear reports errors in ``errors`` with ``extensions``, "Working with the GraphQL API":
https://developers.linear.app/docs/graphql/working-with-the-graphql-api), ``DROP`` a
connection closed with no answer. ``commentCreate`` takes a client-chosen ``id`` ("The
identifier in UUID v4 format", schema.graphql) and ``comment(id:)`` answers "Entity not found"
for an unknown one.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from tests.fakes.linear_graphql import (
    LinearApi,
    LinearGraphQLError,
    error,
    schema_available,
)
from tests.fakes.linear_model import Workspace
from tests.fakes.serving import DROP, QuietHandler, ServedFake, StoredThenFailed

__all__ = [
    "DROP",
    "FakeLinear",
    "Recorded",
    "Scripted",
    "rate_limited",
    "schema_available",
    "server_error",
]

DEFAULT_NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Scripted:
    """An answer given instead of normal service: a dict body is sent as JSON, a str as text."""

    status: int
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)


def rate_limited(status: int = 400) -> Scripted:
    """Linear's answer to a spent budget, without the budget headers (see `FakeLinear`)."""
    return Scripted(status, {"errors": [error("Rate limit exceeded", "RATELIMITED")]})


def server_error(status: int = 500) -> Scripted:
    """A 5xx with a GraphQL error list (see the module docstring)."""
    body = {"errors": [error("Internal server error", "INTERNAL_SERVER_ERROR")]}
    return Scripted(status, body)


@dataclass
class Recorded:
    """One request as the fake saw it; `status` and `complexity` filled once answered."""

    headers: dict[str, str]
    body: bytes
    status: int = 0
    complexity: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Budget:
    limit: int
    remaining: int
    reset_at: datetime

    def headers(self, name: str) -> dict[str, str]:
        reset_ms = int(self.reset_at.timestamp() * 1000)
        return {
            f"X-RateLimit-{name}-Limit": str(self.limit),
            f"X-RateLimit-{name}-Remaining": str(max(self.remaining, 0)),
            f"X-RateLimit-{name}-Reset": str(reset_ms),
        }


class _Handler(QuietHandler):
    """POST goes to ``FakeLinear.handle``; GET answers 405."""

    def do_POST(self) -> None:  # noqa: N802 (http.server names it)
        headers, body = self.read_request()
        status, raw, out = self.server.fake.handle(self.path, headers, body)
        self.send_answer(status, out, raw)

    def do_GET(self) -> None:  # noqa: N802 (http.server names it)
        self.send_answer(405, {}, b"")


class FakeLinear(StoredThenFailed[Scripted], ServedFake):
    """A fake Linear on 127.0.0.1, port 0 (see the module docstring); `url` is the GraphQL
    endpoint, like https://api.linear.app/graphql."""

    handler = _Handler
    url_path = "/graphql"

    def __init__(
        self,
        *,
        api_key: str = "lin_api_test",
        now: datetime = DEFAULT_NOW,
        requests_per_hour: int = 5_000,
        complexity_per_hour: int = 3_000_000,
        rate_limited_status: int = 400,
        viewer: str = "Impactbot",
    ) -> None:
        self.api_key = api_key
        self._now = now
        self._lock = threading.RLock()
        self.workspace = Workspace()
        self.viewer = self.workspace.add_user(viewer, app=True)
        self.api = LinearApi(self.workspace, viewer=self.viewer, now=lambda: self._now)
        reset = now + timedelta(hours=1)
        self.requests_budget = _Budget(requests_per_hour, requests_per_hour, reset)
        self.complexity_budget = _Budget(complexity_per_hour, complexity_per_hour, reset)
        self.rate_limited_status = rate_limited_status
        self.requests: list[Recorded] = []
        self._scripts: deque[tuple[re.Pattern[str] | None, Scripted]] = deque()
        self._after_storing = []

    # -- clock, scripts ----------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        """Move the clock; a budget whose reset has come is refilled."""
        with self._lock:
            self._now = value
            for budget in (self.requests_budget, self.complexity_budget):
                if value >= budget.reset_at:
                    budget.remaining, budget.reset_at = budget.limit, value + timedelta(hours=1)

    def script(self, *answers: Scripted, body_regex: str | None = None) -> None:
        """The next requests (those whose body ``re.search``es ``body_regex``, if given) get
        these answers, in order, before any other handling."""
        pattern = re.compile(body_regex) if body_regex else None
        with self._lock:
            self._scripts.extend((pattern, answer) for answer in answers)

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- serving ------------------------------------------------------------------------------

    def handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes, dict[str, str]]:
        """Answer one POST: ``(status, body, headers)``."""
        record = Recorded(headers, body)
        with self._lock:
            self.requests.append(record)
            status, payload, extra = self._answer(path, headers, body, record)
            ok = status == 200 and isinstance(payload, dict) and not payload.get("errors")
            failed = self.take_failure_after_storing("POST", path, body) if ok else None
            if failed is not None:
                status, payload, extra = failed.status, failed.body or b"", failed.headers
            record.status = status
            out = {
                "Content-Type": "application/json; charset=utf-8",
                "Date": format_datetime(self._now, usegmt=True),
                **self.requests_budget.headers("Requests"),
                **self.complexity_budget.headers("Complexity"),
                **extra,
            }
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return status, raw, out

    def _answer(
        self, path: str, headers: dict[str, str], body: bytes, record: Recorded
    ) -> tuple[int, Any, dict[str, str]]:
        scripted = self._take_script(body)
        if scripted is not None:
            text = (
                scripted.body
                if isinstance(scripted.body, dict | list)
                else str(scripted.body or "")
            )
            return (
                scripted.status,
                text.encode() if isinstance(text, str) else text,
                scripted.headers,
            )
        if path.split("?")[0].rstrip("/") != "/graphql":
            return 404, {"errors": [error("Not found", "NOT_FOUND")]}, {}
        if not self._authorised(headers.get("authorization", "")):
            message = "Authentication required, not authenticated"
            return 400, {"errors": [error(message, "AUTHENTICATION_ERROR")]}, {}
        if self.requests_budget.remaining <= 0:
            return self._limited()
        try:
            doc, request, cost = self.api.prepare(body)
        except LinearGraphQLError as refused:
            self.requests_budget.remaining -= 1
            return refused.status, {"errors": refused.errors}, {}
        if cost > self.complexity_budget.remaining:
            return self._limited()
        self.requests_budget.remaining -= 1
        self.complexity_budget.remaining -= cost
        record.complexity = cost
        return 200, self.api.execute(doc, request), {"X-Complexity": str(cost)}

    def _take_script(self, body: bytes) -> Scripted | None:
        text = body.decode("utf-8", "replace")
        for entry in self._scripts:
            pattern, answer = entry
            if pattern is None or pattern.search(text):
                self._scripts.remove(entry)
                return answer
        return None

    def _limited(self) -> tuple[int, Any, dict[str, str]]:
        return self.rate_limited_status, rate_limited().body, {}

    def _authorised(self, value: str) -> bool:
        return bool(self.api_key) and value.strip().removeprefix("Bearer ").strip() == self.api_key
