"""Jira Cloud's rate-limit headers in the governor's dialect.

Jira answers a limit with 429 (sometimes 503) and ``Retry-After`` in seconds, plus
``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` — the last an
ISO 8601 timestamp, where ``bot.trackers.ratelimit`` reads epoch seconds. Everything else
passes through with lower-case names.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx


def jira_dialect(response: httpx.Response) -> tuple[int, dict[str, str]]:
    """The governor's ``Normalise`` for Jira: status as is, ``x-ratelimit-reset`` as epoch
    seconds (dropped when it does not parse, so a bad header never stops a sync)."""
    headers = {name.lower(): value for name, value in response.headers.items()}
    reset = headers.pop("x-ratelimit-reset", None)
    epoch = reset_epoch(reset) if reset else None
    if epoch is not None:
        headers["x-ratelimit-reset"] = str(epoch)
    return response.status_code, headers


def reset_epoch(value: str) -> int | None:
    """``2024-06-01T12:01:00Z`` / ``…+00:00`` / ``…+0000`` (or epoch seconds already) as
    epoch seconds, rounded up; None when it is none of those."""
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # Jira documents UTC timestamps
    seconds = moment.timestamp()
    return int(seconds) + (0 if seconds.is_integer() else 1)
