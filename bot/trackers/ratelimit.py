"""Rate-limit and retry decisions, from response status and headers alone: the policy of
the HTTP layer's governor (``bot.trackers.http`` sends and sleeps; each family's
``dialect.py`` translates its tracker's headers into the names read here).

Pure: the caller passes ``now`` and a ``jitter`` in [0, 1) and does the sleeping. The rules
follow GitHub's documented behaviour, which other trackers share in part:

- ``Retry-After`` (seconds or an HTTP date) always wins;
- a primary limit (``x-ratelimit-remaining: 0``) waits until ``x-ratelimit-reset``;
- a secondary limit (403/429 without either header) waits at least a minute, then
  exponentially longer;
- 5xx and connection errors back off exponentially with full jitter, capped;
- any other 4xx is final: retrying cannot help.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

SECONDARY_MIN_WAIT = 60.0  # GitHub: wait at least a minute
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 300.0
    reset_margin: float = 1.0  # seconds added after a reset time, for clock skew


@dataclass(frozen=True)
class Verdict:
    """What to do with a response: ``retry`` after ``wait`` seconds, or not (``reason``)."""

    retry: bool
    wait: float = 0.0
    reason: str = ""


OK = Verdict(retry=False, reason="ok")
DEFAULT_POLICY = RetryPolicy()


def decide(
    status: int | None,
    headers: Mapping[str, str],
    *,
    attempt: int,
    now: datetime,
    jitter: float,
    message: str = "",
    policy: RetryPolicy = DEFAULT_POLICY,
) -> Verdict:
    """The verdict on one response (``status`` None = the connection failed).

    ``headers`` must have lower-case names; ``message`` is the error body's message, which
    tells a secondary rate limit (403) from a permission problem (403). ``attempt`` counts
    from 1. Deterministic for given arguments; never returns a negative wait.
    """
    if status is not None and status < 400:
        return OK
    if attempt >= policy.max_attempts:
        return Verdict(retry=False, reason=f"gave up after {attempt} attempts (last: {status})")
    retry_after = retry_after_seconds(headers, now)
    if retry_after is not None and status in (403, 429, 503):
        return Verdict(True, retry_after, "asked to retry after a while (Retry-After)")
    if status in (403, 429) and headers.get("x-ratelimit-remaining") == "0":
        reset = reset_time(headers)
        if reset is not None:
            wait = max(0.0, (reset - now).total_seconds()) + policy.reset_margin
            return Verdict(True, wait, "primary rate limit: waiting for the reset")
    if status == 429 or (status == 403 and "rate limit" in message.lower()):
        wait = backoff(attempt, jitter, policy, floor=SECONDARY_MIN_WAIT)
        return Verdict(True, wait, "secondary rate limit")
    if status is None or status >= 500:
        return Verdict(True, backoff(attempt, jitter, policy), f"server error {status}")
    return Verdict(retry=False, reason=f"HTTP {status}")


def backoff(attempt: int, jitter: float, policy: RetryPolicy, floor: float = 0.0) -> float:
    """Capped exponential backoff with full jitter: uniform in [floor, cap], where the cap
    doubles with every attempt from ``floor + base_delay`` up to ``max_delay``."""
    cap = max(floor, min(policy.max_delay, floor + policy.base_delay * 2.0 ** (attempt - 1)))
    return floor + (cap - floor) * min(max(jitter, 0.0), 1.0)


def retry_after_seconds(headers: Mapping[str, str], now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now`` (it may be seconds or an HTTP date)."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # ``-0000`` (RFC 5322 §3.3): UTC, local zone unknown
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def reset_time(headers: Mapping[str, str]) -> datetime | None:
    """``x-ratelimit-reset`` (epoch seconds) as an aware UTC datetime."""
    value = headers.get("x-ratelimit-reset", "").strip()
    if not value.isdigit():
        return None
    return EPOCH + timedelta(seconds=int(value))
