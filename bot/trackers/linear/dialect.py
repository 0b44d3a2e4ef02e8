"""Linear's rate-limit dialect, translated for the governor.

Linear sends two budgets on every answer: requests (``X-RateLimit-Requests-Remaining`` /
``-Reset``) and complexity points (``X-RateLimit-Complexity-Remaining`` / ``-Reset``), with
resets in epoch MILLISECONDS, and the cost of the query just run in ``X-Complexity``. A spent
budget answers HTTP 400 (sometimes 429) with a GraphQL error whose ``extensions.code`` is
``RATELIMITED``. ``linear_dialect`` turns that into what ``bot.trackers.ratelimit.decide`` reads:
a 429 with ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset`` in epoch seconds.
"""

from __future__ import annotations

import math
from typing import Any

import httpx

RATE_LIMITED = "RATELIMITED"


def linear_dialect(response: httpx.Response) -> tuple[int, dict[str, str]]:
    """``(status, lower-case headers)`` in GitHub's dialect; see the module docstring.

    The budget counts as spent when requests are at 0, or when fewer complexity points remain
    than the last query cost (the next one, alike, would be refused); the reset given is that
    budget's. Other headers pass through unchanged.
    """
    headers = {name.lower(): value for name, value in response.headers.items()}
    requests_left = _int(headers.get("x-ratelimit-requests-remaining"))
    points_left = _int(headers.get("x-ratelimit-complexity-remaining"))
    cost = _int(headers.get("x-complexity")) or 0
    requests_reset = _seconds(headers.get("x-ratelimit-requests-reset"))
    points_reset = _seconds(headers.get("x-ratelimit-complexity-reset"))
    points_spent = points_left is not None and (points_left <= 0 or points_left < cost)
    status = response.status_code
    limited = status in (400, 429) and _rate_limited(response)
    if limited:
        status = 429
    remaining, reset = requests_left, requests_reset
    if requests_left == 0:
        pass  # the requests budget is spent: its reset applies
    elif points_spent:
        remaining, reset = 0, points_reset
    elif limited:  # refused without saying which budget: wait for the later reset
        resets = [r for r in (requests_reset, points_reset) if r is not None]
        remaining, reset = 0, max(resets, default=None)
    if remaining is not None:
        headers["x-ratelimit-remaining"] = str(remaining)
    if reset is not None:
        headers["x-ratelimit-reset"] = str(reset)
    return status, headers


def error_codes(body: Any) -> list[str]:
    """The ``extensions.code`` of each GraphQL error in a decoded body."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    return [
        str((error.get("extensions") or {}).get("code", ""))
        for error in errors
        if isinstance(error, dict)
    ]


def _rate_limited(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return RATE_LIMITED in error_codes(body)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def _seconds(milliseconds: str | None) -> int | None:
    """Epoch milliseconds as epoch seconds, rounded up (never wake before the reset)."""
    value = _int(milliseconds)
    return math.ceil(value / 1000) if value is not None else None
