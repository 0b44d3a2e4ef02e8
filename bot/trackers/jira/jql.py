"""The JQL the sync sends, and Jira's minute-precision dates. Pure.

JQL compares ``updated`` against a wall-clock minute read in the API user's time zone
(``GET /myself`` → ``timeZone``). A bound is therefore formatted in that zone and floored to
the minute, never later than the instant meant: at a DST fall-back, a wall time that occurs
twice is avoided by stepping an hour back, so either reading of it is early enough.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

ORDER = "ORDER BY updated ASC, key ASC"
_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)


def jql_minute(moment: datetime, zone: tzinfo) -> str:
    """``yyyy/MM/dd HH:mm`` in ``zone``: the latest minute whose every reading is at or
    before ``moment`` (an aware datetime)."""
    local = moment.astimezone(zone).replace(second=0, microsecond=0)
    wall = local.replace(tzinfo=None)
    first, second = (wall.replace(tzinfo=zone, fold=f) for f in (0, 1))
    if first.utcoffset() != second.utcoffset() and local.fold == 0:
        # The wall time happens twice and ``moment`` is in its first pass: Jira may read it
        # as the second, an hour too late.
        return jql_minute(moment - timedelta(hours=1), zone)
    return local.strftime("%Y/%m/%d %H:%M")


def search_jql(base: str, bound: str | None) -> str:
    """``base`` (a restriction such as ``project = "ASR"``) with the ``updated`` bound and
    the order the sync relies on."""
    where = f'{base} AND updated >= "{bound}"' if bound else base
    return f"{where} {ORDER}"


def project_clause(project: str) -> str:
    return f'project = "{project}"'


def user_clause(jql: str) -> str:
    """A configured JQL filter, bracketed so that the added bound applies to all of it.
    Raises ``ValueError`` when it orders the results itself (the sync must order them)."""
    if _ORDER_BY.search(jql):
        raise ValueError(f"the jql {jql!r} has an ORDER BY; leave ordering to impactbot")
    return f"({jql.strip()})"


def parse_time(text: str | None) -> datetime | None:
    """A cursor's ISO time (UTC) back as a datetime."""
    return datetime.fromisoformat(text).astimezone(UTC) if text else None
