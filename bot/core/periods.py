"""The period grammar: one way to name a stretch of time, for the CLI and for Slack.

Accepted forms (case-insensitive, surrounding whitespace ignored):

- ``30d``, ``Nd`` (1 ≤ N ≤ 3660): the trailing N×24 hours ending at ``now``;
- ``12w``, ``Nw`` (1 ≤ N ≤ 522): the trailing N weeks ending at ``now``;
- ``2026-Q3`` (also ``2026Q3``, ``Q3-2026``); bare ``Q3`` is the quarter of ``now``'s year;
- ``2026-H1`` (also ``2026H1``, ``H1-2026``); bare ``H2`` is the half of ``now``'s year;
- ``2026``: a calendar year; ``2026-10``: a calendar month;
- ``2026-10-01..2026-12-31``: a date range, both dates included, at most 3660 days;
- ``this-month``, ``last-month``, ``this-quarter``, ``last-quarter``, ``this-half``,
  ``last-half``, ``this-year``, ``last-year`` (a space works in place of the hyphen).

Years are 1900..2999. Calendar boundaries are midnight in the organisation's zone ``tz``;
every :class:`Period` holds UTC datetimes. A day that starts with a DST gap starts at the
transition. Everything here is deterministic for a given ``now`` and ``tz``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

DEFAULT_PERIOD = "90d"
MAX_DAYS = 3660
MAX_WEEKS = MAX_DAYS // 7
MIN_YEAR, MAX_YEAR = 1900, 2999

_FORMS = "periods look like 30d, 2026-Q3, Q3, 2026-H1, 2026, 2026-10-01..2026-12-31"

#: One line for CLI help and Slack usage messages.
PERIOD_HELP = (
    "30d or 12w (trailing, up to now), 2026-Q3 or Q3 (this year's), 2026-H1 or H2, "
    "2026, 2026-10, 2026-10-01..2026-12-31 (both days included), this-/last-month, "
    "-quarter, -half, -year; calendar periods start at midnight in the organisation's zone"
)


class PeriodError(ValueError):
    """Text that is not a period; the message names the bad part and shows the accepted forms."""

    def __init__(self, part: str, problem: str) -> None:
        shown = part if len(part) <= 40 else part[:39] + "…"
        super().__init__(f'"{shown}": {problem} ({_FORMS})' if part else f"{problem} ({_FORMS})")
        self.part = part
        self.problem = problem

    def __reduce__(self) -> tuple[type[PeriodError], tuple[str, str]]:
        return (PeriodError, (self.part, self.problem))


class PeriodKind(StrEnum):
    """What a period is; it decides what :meth:`Period.previous` means."""

    TRAILING = "trailing"  # Nd / Nw
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"
    RANGE = "range"  # whole days, both ends named
    SPAN = "span"  # any other start..end, e.g. built by hand


_MONTHS_IN = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}


@dataclass(frozen=True)
class Period:
    """The half-open interval ``[start, end)`` of UTC time, with its canonical ``label``.

    ``start`` and ``end`` must be tz-aware with ``start < end`` (ValueError otherwise); they
    are stored converted to UTC. ``kind`` and ``tz`` (the zone calendar boundaries were drawn
    in) only matter to :meth:`previous`.
    """

    start: datetime
    end: datetime
    label: str
    kind: PeriodKind = PeriodKind.SPAN
    tz: tzinfo = UTC

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            object.__setattr__(self, name, _utc(getattr(self, name), name))
        if self.start >= self.end:
            raise ValueError(f"a period must start before it ends: {self.start} >= {self.end}")

    def contains(self, moment: datetime) -> bool:
        """Whether ``start <= moment < end``; ``moment`` must be tz-aware (ValueError)."""
        return self.start <= _utc(moment, "moment") < self.end

    def previous(self) -> Period:
        """The period of the same kind and length just before: its ``end`` is this ``start``.

        2026-Q3 → 2026-Q2, 2026-H1 → 2025-H2, 2026 → 2025, 2026-10 → 2026-09; a date range
        → the same number of days before; a trailing or hand-built period → the same
        duration before.
        """
        if self.kind in _MONTHS_IN:
            first = self.start.astimezone(self.tz).date()
            months = first.year * 12 + first.month - 1 - _MONTHS_IN[self.kind]
            return _calendar(self.kind, months // 12, months % 12 + 1, self.tz)
        if self.kind is PeriodKind.RANGE:
            first = self.start.astimezone(self.tz).date()
            days = (self.end.astimezone(self.tz).date() - first).days
            return _range(first - timedelta(days=days), first - timedelta(days=1), self.tz)
        length = self.end - self.start
        return Period(self.start - length, self.start, self._previous_label(), self.kind, self.tz)

    def _previous_label(self) -> str:
        word, _, rest = self.label.partition(" ")
        if self.kind is PeriodKind.TRAILING and word == "last":
            return f"previous {rest}"
        length = self.end - self.start
        if self.kind is PeriodKind.TRAILING and word == "previous":
            span = rest
        elif length % timedelta(days=1) == timedelta():
            span = _plural(length.days, "day")
        else:
            span = str(length)
        return f"{span} to {self.start:%Y-%m-%d %H:%M} UTC"


def parse_period(text: str, *, now: datetime, tz: tzinfo = UTC) -> Period:
    """The :class:`Period` that ``text`` names (grammar in the module docstring).

    ``now`` must be tz-aware (ValueError); it ends trailing periods and supplies the year of
    bare ``Q3``/``H2`` and ``this-``/``last-`` forms, read in ``tz``. Raises
    :class:`PeriodError` for anything else. Deterministic for given arguments.
    """
    now = _utc(now, "now")
    stripped = text.strip()
    if not stripped:
        raise PeriodError("", "no period given")
    for pattern, build in _FORMS_TABLE:
        match = pattern.fullmatch(stripped)
        if match:
            return build(match, now, tz)
    raise PeriodError(stripped, "not a period")


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _midnight(day: date, tz: tzinfo) -> datetime:
    """The UTC instant ``day`` begins in ``tz`` (fold=0: after a gap, the transition)."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _calendar(kind: PeriodKind, year: int, month: int, tz: tzinfo) -> Period:
    """The month, quarter, half or year that begins on the 1st of ``month`` in ``year``."""
    after = year * 12 + month - 1 + _MONTHS_IN[kind]
    labels = {
        PeriodKind.MONTH: f"{year}-{month:02d}",
        PeriodKind.QUARTER: f"{year}-Q{(month - 1) // 3 + 1}",
        PeriodKind.HALF: f"{year}-H{(month - 1) // 6 + 1}",
        PeriodKind.YEAR: f"{year}",
    }
    start = _midnight(date(year, month, 1), tz)
    end = _midnight(date(after // 12, after % 12 + 1, 1), tz)
    return Period(start, end, labels[kind], kind, tz)


def _range(first: date, last: date, tz: tzinfo) -> Period:
    """The whole days ``first`` to ``last`` inclusive, as drawn in ``tz``."""
    label = f"{first.isoformat()}..{last.isoformat()}"
    start, end = _midnight(first, tz), _midnight(last + timedelta(days=1), tz)
    if start >= end:  # e.g. 2011-12-30 in Pacific/Apia, a day that never happened
        raise PeriodError(label, f"no time passes in it in {tz}")
    return Period(start, end, label, PeriodKind.RANGE, tz)


def _year(text: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(text, f"years are {MIN_YEAR}..{MAX_YEAR}")
    return year


def _date(text: str) -> date:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text, re.ASCII)
    if not match:
        raise PeriodError(text, "dates are written YYYY-MM-DD")
    year = _year(match[1])
    try:
        return date(year, int(match[2]), int(match[3]))
    except ValueError as exc:
        raise PeriodError(text, f"not a date ({exc})") from None


def _trailing(match: re.Match[str], now: datetime, tz: tzinfo) -> Period:
    count, unit = int(match[1]), match[2].lower()
    days_per, most, name = (1, MAX_DAYS, "day") if unit == "d" else (7, MAX_WEEKS, "week")
    if not 1 <= count <= most:
        raise PeriodError(match[0], f"{name}s must be 1..{most}")
    start = now - timedelta(days=count * days_per)
    return Period(start, now, f"last {_plural(count, name)}", PeriodKind.TRAILING, tz)


def _part_of_year(match: re.Match[str], now: datetime, tz: tzinfo) -> Period:
    year_text = match["year"] or match["year2"]
    letter, number = (match["letter"] or match["letter2"]).upper(), int(match["n"] or match["n2"])
    kind, parts = (PeriodKind.QUARTER, 4) if letter == "Q" else (PeriodKind.HALF, 2)
    if not 1 <= number <= parts:
        rule = "quarters are Q1..Q4" if parts == 4 else "halves are H1 and H2"
        raise PeriodError(match[0], rule)
    year = _year(year_text) if year_text else now.astimezone(tz).year
    return _calendar(kind, year, (number - 1) * 12 // parts + 1, tz)


def _whole_year(match: re.Match[str], now: datetime, tz: tzinfo) -> Period:
    return _calendar(PeriodKind.YEAR, _year(match[1]), 1, tz)


def _month(match: re.Match[str], now: datetime, tz: tzinfo) -> Period:
    year, month = _year(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise PeriodError(match[0], "months are 01..12")
    return _calendar(PeriodKind.MONTH, year, month, tz)


def _date_range(match: re.Match[str], now: datetime, tz: tzinfo) -> Period:
    first, last = _date(match[1]), _date(match[2])
    if last < first:
        raise PeriodError(match[0], f"the range ends ({last}) before it starts ({first})")
    if (last - first).days >= MAX_DAYS:
        raise PeriodError(match[0], f"a range is at most {MAX_DAYS} days")
    return _range(first, last, tz)


def _single_date(match: re.Match[str], now: datetime, tz: tzinfo) -> Period:
    day = match[0]
    raise PeriodError(day, f"a single date is not a period; for one day write {day}..{day}")


def _relative(match: re.Match[str], now: datetime, tz: tzinfo) -> Period:
    kind = PeriodKind(match[2].lower())
    local = now.astimezone(tz)
    months_in = _MONTHS_IN[kind]
    current = _calendar(kind, local.year, (local.month - 1) // months_in * months_in + 1, tz)
    return current if match[1].lower() == "this" else current.previous()


_Builder = Callable[[re.Match[str], datetime, tzinfo], Period]
_FORMS_TABLE: tuple[tuple[re.Pattern[str], _Builder], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE | re.ASCII), build)
    for pattern, build in (
        (r"(\d+)([dw])", _trailing),
        (
            r"(?:(?P<year>\d{4})-?)?(?P<letter>[QH])(?P<n>\d+)"
            r"|(?P<letter2>[QH])(?P<n2>\d+)-(?P<year2>\d{4})",
            _part_of_year,
        ),
        (r"(\d{4})", _whole_year),
        (r"(\d{4})-(\d{1,2})", _month),
        (r"(\S+?)\s*\.\.\s*(\S+)", _date_range),
        (r"\d{4}-\d{2}-\d{2}", _single_date),
        (r"(this|last)[- ](month|quarter|half|year)", _relative),
    )
)
