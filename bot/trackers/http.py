"""Sending tracker requests politely: the rate-limit governor shared by all connectors.

One ``Governor`` per credential. Before a request it waits while the budget it last saw is
spent; after a response it records the budget from the headers and asks the pure
``bot.trackers.ratelimit.decide`` whether and how long to wait before retrying. Sleeping,
the clock and jitter are injected so tests run without waiting.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from bot.errors import ImpactbotError
from bot.trackers.ratelimit import DEFAULT_POLICY, RetryPolicy, Verdict, decide, reset_time


class TrackerError(ImpactbotError):
    """A tracker answered with an error that retrying cannot fix (bad token, no access...)."""


class AmbiguousWriteError(TrackerError):
    """A write that is not safe to repeat failed in a way that does not say whether the
    tracker stored it: a 5xx, a timeout or a connection dropped after the request was sent.
    The caller must look for the write before sending it again."""


#: Transport failures that happen before a request leaves: repeating one cannot double a write.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class GovernorStats:
    requests: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    not_modified: int = 0
    waits: list[tuple[float, str]] = field(default_factory=list)


_this_thread = threading.local()


def requests_sent_here() -> int:
    """How many requests every ``Governor`` has sent from the calling thread so far (retries
    included). The sync engine reads it before and after a stream, which runs in one thread,
    to know what the stream spent whatever tracker it talks to."""
    return int(getattr(_this_thread, "sent", 0))


def _utc_now() -> datetime:
    return datetime.now(UTC)


#: Turns a tracker's answer into what ``bot.trackers.ratelimit.decide`` reads: a status and
#: lower-case headers in GitHub's dialect (``x-ratelimit-remaining``, ``x-ratelimit-reset`` in
#: epoch seconds, ``retry-after``). Trackers that say it differently (GitLab's
#: ``ratelimit-*``, Linear's millisecond resets and ``RATELIMITED`` errors on 400) pass their own.
Normalise = Callable[[httpx.Response], tuple[int, dict[str, str]]]


def github_dialect(response: httpx.Response) -> tuple[int, dict[str, str]]:
    """The default ``Normalise``: the status as is, header names lower-cased."""
    return response.status_code, {k.lower(): v for k, v in response.headers.items()}


class Governor:
    """Rate-limit state and retries for one credential; safe to share between threads."""

    def __init__(
        self,
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
        reserve: int = 0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _utc_now,
        jitter: Callable[[], float] = random.random,
        normalise: Normalise = github_dialect,
    ) -> None:
        self.policy = policy
        self._normalise = normalise
        self.reserve = reserve
        self.stats = GovernorStats()
        self.remaining: dict[str, int] = {}
        self._resets: dict[str, datetime] = {}
        self._blocked_until = 0.0  # epoch seconds: no request before then
        self._waited = threading.local()
        self._lock = threading.Lock()
        self._sleep, self._clock, self._jitter = sleep, clock, jitter

    def send(
        self,
        client: httpx.Client,
        request: httpx.Request,
        resource: str,
        *,
        repeatable: bool = True,
    ) -> httpx.Response:
        """Send ``request``, waiting out limits and retrying transient failures.

        Returns the final response, whatever its status (the caller judges 4xx). Raises
        ``TrackerError`` when the connection keeps failing. A request that is not
        ``repeatable`` (a POST that creates something) is repeated only after failures that
        prove it was not processed (rate limits, a connection never made); after an
        ambiguous one the governor backs off once and raises ``AmbiguousWriteError``.
        """
        attempt = 0
        while True:
            attempt += 1
            response, failure = self._attempt(client, request, resource)
            verdict = self._judge(response, resource, attempt)
            ambiguous = not repeatable and _ambiguous(response, failure)
            if not verdict.retry and not ambiguous:
                if response is None:
                    raise TrackerError(f"cannot reach {request.url.host}: {failure}")
                return response
            if verdict.retry:
                self._pause(verdict.wait, verdict.reason)
            if ambiguous:
                raise _ambiguous_write(request, response, failure)

    def _attempt(
        self, client: httpx.Client, request: httpx.Request, resource: str
    ) -> tuple[httpx.Response | None, httpx.TransportError | None]:
        """One send of ``request`` once the limits allow it: its response, or the transport
        failure that left none."""
        self._wait_if_blocked()
        self._wait_for_budget(resource)
        _this_thread.sent = requests_sent_here() + 1
        try:
            response = client.send(request)
            response.read()
        except httpx.TransportError as exc:
            return None, exc
        return response, None

    def send_once(
        self, client: httpx.Client, request: httpx.Request, resource: str
    ) -> httpx.Response:
        """``send`` for a request that must not be repeated blindly (``repeatable=False``)."""
        return self.send(client, request, resource, repeatable=False)

    def describe_budget(self) -> str:
        """What is left of each rate limit seen so far, e.g. ``core 4812 · graphql 4990``."""
        with self._lock:
            seen = sorted(self.remaining.items())
        return " · ".join(f"{name} {left:,}" for name, left in seen) or "budget unknown"

    def _judge(self, response: httpx.Response | None, resource: str, attempt: int) -> Verdict:
        with self._lock:
            self.stats.requests += 1
        if response is None:
            return decide(
                None,
                {},
                attempt=attempt,
                now=self._clock(),
                jitter=self._jitter(),
                policy=self.policy,
            )
        status, headers = self._normalise(response)
        server_now = _server_time(headers) or self._clock()
        self._observe(headers, resource, server_now)
        if status == 304:
            with self._lock:
                self.stats.not_modified += 1
        # Reset times are the server's: judge them by the server's Date, not by our clock.
        return decide(
            status,
            headers,
            attempt=attempt,
            now=server_now,
            jitter=self._jitter(),
            message=_message(response),
            policy=self.policy,
        )

    def _observe(self, headers: dict[str, str], resource: str, server_now: datetime) -> None:
        remaining = headers.get("x-ratelimit-remaining", "")
        if not remaining.isdigit():
            return
        reset = reset_time(headers)
        with self._lock:
            self.remaining[resource] = int(remaining)
            if reset is not None:  # kept on our clock, so that skew between clocks cancels
                self._resets[resource] = self._clock() + (reset - server_now)

    def _wait_for_budget(self, resource: str) -> None:
        with self._lock:
            left = self.remaining.get(resource)
            reset = self._resets.get(resource)
        if left is None or left > self.reserve or reset is None:
            return
        wait = (reset - self._clock()).total_seconds() + self.policy.reset_margin
        if wait > 0:
            self._pause(wait, f"{resource} budget spent: waiting for the reset")
        with self._lock:
            self.remaining.pop(resource, None)

    def _pause(self, seconds: float, reason: str) -> None:
        """Wait ``seconds``, and hold every other request on this credential until then:
        a limit hit by one thread applies to all of them."""
        with self._lock:
            self.stats.retries += 1
            self.stats.waited_seconds += seconds
            self.stats.waits.append((seconds, reason))
            until = self._clock().timestamp() + seconds
            self._blocked_until = max(self._blocked_until, until)
        self._sleep(seconds)
        self._waited.until = until  # this thread has served its wait

    def _wait_if_blocked(self) -> None:
        """Sleep out a pause another thread started, unless this thread already did."""
        with self._lock:
            blocked = self._blocked_until
        if blocked <= getattr(self._waited, "until", 0.0):
            return
        left = blocked - self._clock().timestamp()
        if left > 0:
            self._sleep(left)
        self._waited.until = blocked


def _ambiguous(response: httpx.Response | None, failure: httpx.TransportError | None) -> bool:
    """Whether a failed request may have been processed: a 5xx, or a transport failure
    after the connection was made (a timeout reading the answer, a dropped connection)."""
    if response is not None:
        return response.status_code >= 500
    return not isinstance(failure, _NOT_SENT)


def _ambiguous_write(
    request: httpx.Request,
    response: httpx.Response | None,
    failure: httpx.TransportError | None,
) -> AmbiguousWriteError:
    what = f"answered {response.status_code}" if response else f"failed: {failure}"
    return AmbiguousWriteError(
        f"{request.url.host} {what} when {request.method} {request.url.path} "
        "was sent; it may have been stored"
    )


def _server_time(headers: dict[str, str]) -> datetime | None:
    """The response's ``Date`` header, if it parses, always aware.

    A date that parses without a zone is read as UTC: RFC 5322 (section 3.3) gives ``-0000``
    as a UTC time whose local zone is unknown, and two ``Date`` headers, which httpx joins
    into one value, parse as the first date with no zone. Left naive, it would make every
    reset computed from it raise ``TypeError`` and end the stream.
    """
    try:
        moment = parsedate_to_datetime(headers["date"]) if "date" in headers else None
    except (TypeError, ValueError):
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _message(response: httpx.Response) -> str:
    """The ``message`` of a JSON error body, or the start of the text."""
    if response.status_code < 400:
        return ""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("message", "")) if isinstance(body, dict) else ""
