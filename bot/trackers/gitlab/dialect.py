"""GitLab's rate-limit dialect, translated for the governor.

GitLab sends ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset`` (epoch seconds)
and ``RateLimit-ResetTime`` (an HTTP date) — on every answer on GitLab.com, on throttled ones
elsewhere — and a 429 with or without ``Retry-After`` when a limit is hit.
``bot.trackers.ratelimit.decide`` reads GitHub's names; ``gitlab_dialect`` renames them.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import httpx

RESOURCE = "api"  # GitLab has one budget per user for the REST API


def gitlab_dialect(response: httpx.Response) -> tuple[int, dict[str, str]]:
    """The governor's ``Normalise`` for GitLab: status as is, lower-case headers with
    ``ratelimit-*`` copied to ``x-ratelimit-*`` (reset in epoch seconds, from
    ``RateLimit-Reset`` or else ``RateLimit-ResetTime``). ``Retry-After`` passes through,
    and a bare 429 stays a 429, which the governor backs off from."""
    headers = {k.lower(): v for k, v in response.headers.items()}
    for name in ("limit", "remaining"):
        value = headers.get(f"ratelimit-{name}", "").strip()
        if value.isdigit():
            headers[f"x-ratelimit-{name}"] = value
    reset = _reset_epoch(headers)
    if reset is not None:
        headers["x-ratelimit-reset"] = str(reset)
    return response.status_code, headers


def _reset_epoch(headers: dict[str, str]) -> int | None:
    value = headers.get("ratelimit-reset", "").strip()
    if value.isdigit():
        return int(value)
    try:
        return int(parsedate_to_datetime(headers["ratelimit-resettime"]).timestamp())
    except (KeyError, TypeError, ValueError):
        return None
