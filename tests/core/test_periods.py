from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.periods import (
    DEFAULT_PERIOD,
    MIN_YEAR,
    PERIOD_HELP,
    Period,
    PeriodError,
    PeriodKind,
    parse_period,
)

NOW = datetime(2026, 11, 5, 9, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
KOLKATA = ZoneInfo("Asia/Kolkata")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def span(text: str, tz: tzinfo = UTC, now: datetime = NOW) -> tuple[datetime, datetime, str]:
    p = parse_period(text, now=now, tz=tz)
    assert p.start.tzinfo is UTC and p.end.tzinfo is UTC
    return p.start, p.end, p.label


# --- every form, exact boundaries -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", (utc(2026, 10, 6, 9, 30), NOW, "last 30 days")),
        ("90d", (utc(2026, 8, 7, 9, 30), NOW, "last 90 days")),
        ("1d", (utc(2026, 11, 4, 9, 30), NOW, "last 1 day")),
        ("3660d", (NOW - timedelta(days=3660), NOW, "last 3660 days")),
        ("2w", (utc(2026, 10, 22, 9, 30), NOW, "last 2 weeks")),
        ("1W", (utc(2026, 10, 29, 9, 30), NOW, "last 1 week")),
        ("2026-Q3", (utc(2026, 7, 1), utc(2026, 10, 1), "2026-Q3")),
        ("2026q3", (utc(2026, 7, 1), utc(2026, 10, 1), "2026-Q3")),
        ("Q3-2026", (utc(2026, 7, 1), utc(2026, 10, 1), "2026-Q3")),
        ("2026-Q4", (utc(2026, 10, 1), utc(2027, 1, 1), "2026-Q4")),
        ("2026-H1", (utc(2026, 1, 1), utc(2026, 7, 1), "2026-H1")),
        ("2026h2", (utc(2026, 7, 1), utc(2027, 1, 1), "2026-H2")),
        ("h1-2025", (utc(2025, 1, 1), utc(2025, 7, 1), "2025-H1")),
        ("2026", (utc(2026, 1, 1), utc(2027, 1, 1), "2026")),
        ("2026-10", (utc(2026, 10, 1), utc(2026, 11, 1), "2026-10")),
        ("2026-2", (utc(2026, 2, 1), utc(2026, 3, 1), "2026-02")),
        ("2024-02", (utc(2024, 2, 1), utc(2024, 3, 1), "2024-02")),
        ("2026-12", (utc(2026, 12, 1), utc(2027, 1, 1), "2026-12")),
        (
            "2026-10-01..2026-12-31",
            (utc(2026, 10, 1), utc(2027, 1, 1), "2026-10-01..2026-12-31"),
        ),
        (
            "2026-10-01 .. 2026-10-01",
            (utc(2026, 10, 1), utc(2026, 10, 2), "2026-10-01..2026-10-01"),
        ),
        ("this-month", (utc(2026, 11, 1), utc(2026, 12, 1), "2026-11")),
        ("last-month", (utc(2026, 10, 1), utc(2026, 11, 1), "2026-10")),
        ("this-quarter", (utc(2026, 10, 1), utc(2027, 1, 1), "2026-Q4")),
        ("Last Quarter", (utc(2026, 7, 1), utc(2026, 10, 1), "2026-Q3")),
        ("this-half", (utc(2026, 7, 1), utc(2027, 1, 1), "2026-H2")),
        ("last-half", (utc(2026, 1, 1), utc(2026, 7, 1), "2026-H1")),
        ("this-year", (utc(2026, 1, 1), utc(2027, 1, 1), "2026")),
        ("last-year", (utc(2025, 1, 1), utc(2026, 1, 1), "2025")),
    ],
)
def test_every_form_in_utc(text: str, expected: tuple[datetime, datetime, str]) -> None:
    assert span(text) == expected


def test_the_longest_range_is_3660_days() -> None:
    start, end, _ = span("2016-01-01..2026-01-07")
    assert end - start == timedelta(days=3660)


def test_case_and_surrounding_whitespace_do_not_matter() -> None:
    assert span("  2026-q3\n") == span("2026-Q3")
    assert span("\t30D ") == span("30d")


def test_trailing_periods_end_at_now_whatever_its_zone() -> None:
    now = datetime(2026, 11, 5, 10, 30, tzinfo=BERLIN)  # 09:30 UTC
    p = parse_period("30d", now=now, tz=BERLIN)
    assert (p.start, p.end) == (utc(2026, 10, 6, 9, 30), NOW)
    assert p.kind is PeriodKind.TRAILING


def test_default_period_parses() -> None:
    assert span(DEFAULT_PERIOD)[2] == "last 90 days"


# --- calendar boundaries in the organisation's zone -----------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        # Berlin is UTC+1 in winter (CET), UTC+2 in summer (CEST, 2026-03-29..2026-10-25)
        ("2026", utc(2025, 12, 31, 23), utc(2026, 12, 31, 23)),
        ("2026-Q1", utc(2025, 12, 31, 23), utc(2026, 3, 31, 22)),
        ("2026-Q3", utc(2026, 6, 30, 22), utc(2026, 9, 30, 22)),
        ("2026-Q4", utc(2026, 9, 30, 22), utc(2026, 12, 31, 23)),
        ("2026-H1", utc(2025, 12, 31, 23), utc(2026, 6, 30, 22)),
        ("2026-10", utc(2026, 9, 30, 22), utc(2026, 10, 31, 23)),
        ("2026-10-01..2026-12-31", utc(2026, 9, 30, 22), utc(2026, 12, 31, 23)),
        ("2026-03-29..2026-03-29", utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)),
    ],
)
def test_calendar_boundaries_are_midnight_in_the_zone(
    text: str, start: datetime, end: datetime
) -> None:
    assert span(text, BERLIN)[:2] == (start, end)


def test_a_year_crossing_dst_keeps_its_real_length() -> None:
    q1 = parse_period("2026-Q1", now=NOW, tz=BERLIN)
    assert q1.end - q1.start == timedelta(days=90, hours=-1)  # spring forward lost an hour
    q4 = parse_period("2026-Q4", now=NOW, tz=BERLIN)
    assert q4.end - q4.start == timedelta(days=92, hours=1)  # autumn gave it back
    year = parse_period("2026", now=NOW, tz=BERLIN)
    assert year.end - year.start == timedelta(days=365)
    assert not year.contains(utc(2025, 12, 31, 22, 59))
    assert year.contains(utc(2025, 12, 31, 23, 0))
    assert year.contains(utc(2026, 12, 31, 22, 59))
    assert not year.contains(utc(2026, 12, 31, 23, 0))


def test_a_day_starting_in_a_dst_gap_starts_at_the_transition() -> None:
    # Brazil sprang forward at midnight: 2018-11-04 began at 01:00 local (-02) = 03:00 UTC
    p = parse_period("2018-11-04..2018-11-04", now=NOW, tz=SAO_PAULO)
    assert (p.start, p.end) == (utc(2018, 11, 4, 3), utc(2018, 11, 5, 2))


def test_a_range_of_days_that_never_happened_is_rejected() -> None:
    # Samoa skipped 2011-12-30 when it moved across the date line
    with pytest.raises(PeriodError, match=r'"2011-12-30\.\.2011-12-30": no time passes'):
        parse_period("2011-12-30..2011-12-30", now=NOW, tz=ZoneInfo("Pacific/Apia"))


# --- bare Q3 / H2 and this-/last- are relative to now, read in the zone -----------------------


@pytest.mark.parametrize(
    ("text", "now", "label"),
    [
        ("Q3", NOW, "2026-Q3"),
        ("q1", utc(2025, 6, 1), "2025-Q1"),
        ("Q4", utc(2026, 1, 15), "2026-Q4"),  # later this year: still this year's
        ("H2", NOW, "2026-H2"),
        ("h1", utc(2030, 12, 31), "2030-H1"),
    ],
)
def test_bare_quarter_and_half_take_the_year_of_now(text: str, now: datetime, label: str) -> None:
    assert parse_period(text, now=now).label == label


def test_the_current_year_is_read_in_the_zone() -> None:
    new_years_eve = utc(2026, 12, 31, 20)  # already 2027-01-01 01:30 in Kolkata
    assert parse_period("Q1", now=new_years_eve).label == "2026-Q1"
    in_kolkata = parse_period("Q1", now=new_years_eve, tz=KOLKATA)
    assert in_kolkata.label == "2027-Q1"
    assert in_kolkata.start == utc(2026, 12, 31, 18, 30)
    assert parse_period("this-quarter", now=new_years_eve, tz=KOLKATA).label == "2027-Q1"
    assert parse_period("last-year", now=new_years_eve, tz=KOLKATA).label == "2026"


# --- previous() --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2026-Q3", "2026-Q2", utc(2026, 4, 1), utc(2026, 7, 1)),
        ("2026-Q1", "2025-Q4", utc(2025, 10, 1), utc(2026, 1, 1)),
        ("2026-H1", "2025-H2", utc(2025, 7, 1), utc(2026, 1, 1)),
        ("2026-H2", "2026-H1", utc(2026, 1, 1), utc(2026, 7, 1)),
        ("2026", "2025", utc(2025, 1, 1), utc(2026, 1, 1)),
        ("2026-01", "2025-12", utc(2025, 12, 1), utc(2026, 1, 1)),
        ("2026-03", "2026-02", utc(2026, 2, 1), utc(2026, 3, 1)),
        ("2026-10-01..2026-12-31", "2026-07-01..2026-09-30", utc(2026, 7, 1), utc(2026, 10, 1)),
        ("2026-03-01..2026-03-01", "2026-02-28..2026-02-28", utc(2026, 2, 28), utc(2026, 3, 1)),
        ("2024-03-01..2024-03-31", "2024-01-30..2024-02-29", utc(2024, 1, 30), utc(2024, 3, 1)),
        ("30d", "previous 30 days", utc(2026, 9, 6, 9, 30), utc(2026, 10, 6, 9, 30)),
        ("2w", "previous 2 weeks", utc(2026, 10, 8, 9, 30), utc(2026, 10, 22, 9, 30)),
    ],
)
def test_previous_is_the_same_kind_of_period_just_before(
    text: str, label: str, start: datetime, end: datetime
) -> None:
    p = parse_period(text, now=NOW)
    before = p.previous()
    assert (before.start, before.end, before.label) == (start, end, label)
    assert before.kind is p.kind


def test_previous_of_calendar_periods_keeps_the_zone() -> None:
    q3 = parse_period("2026-Q3", now=NOW, tz=BERLIN)
    assert (q3.previous().start, q3.previous().end) == (utc(2026, 3, 31, 22), q3.start)
    year = parse_period("2026", now=NOW, tz=BERLIN)
    assert year.previous().start == utc(2024, 12, 31, 23)
    rng = parse_period("2026-10-01..2026-12-31", now=NOW, tz=BERLIN)
    assert rng.previous().label == "2026-07-01..2026-09-30"
    assert rng.previous().start == utc(2026, 6, 30, 22)


def test_previous_of_a_previous_trailing_period_names_its_end() -> None:
    twice = parse_period("30d", now=NOW).previous().previous()
    assert (twice.start, twice.end) == (utc(2026, 8, 7, 9, 30), utc(2026, 9, 6, 9, 30))
    assert twice.label == "30 days to 2026-09-06 09:30 UTC"
    assert parse_period("2w", now=NOW).previous().previous().label.startswith("2 weeks to ")


def test_previous_of_a_hand_built_period_is_the_same_duration_before() -> None:
    p = Period(utc(2026, 1, 1, 12), utc(2026, 1, 2), "sprint 7")
    before = p.previous()
    assert (before.start, before.end) == (utc(2026, 1, 1), utc(2026, 1, 1, 12))
    assert before.label == "12:00:00 to 2026-01-01 12:00 UTC"
    assert Period(utc(2026, 1, 1), utc(2026, 1, 3), "x").previous().label == (
        "2 days to 2026-01-01 00:00 UTC"
    )


# --- Period itself -----------------------------------------------------------------------------


def test_period_is_half_open_and_stored_in_utc() -> None:
    p = Period(datetime(2026, 1, 1, tzinfo=BERLIN), datetime(2026, 1, 2, tzinfo=BERLIN), "d")
    assert p.start == utc(2025, 12, 31, 23) and p.start.tzinfo is UTC
    assert p.contains(p.start) and not p.contains(p.end)
    assert p.contains(datetime(2026, 1, 1, 23, 59, tzinfo=BERLIN))


def test_period_rejects_naive_and_empty_or_reversed_spans() -> None:
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        Period(datetime(2026, 1, 1), utc(2026, 1, 2), "x")  # noqa: DTZ001
    with pytest.raises(ValueError, match="start before it ends"):
        Period(utc(2026, 1, 2), utc(2026, 1, 2), "x")
    with pytest.raises(ValueError, match="start before it ends"):
        Period(utc(2026, 1, 3), utc(2026, 1, 2), "x")
    with pytest.raises(ValueError, match="moment must be timezone-aware"):
        Period(utc(2026, 1, 1), utc(2026, 1, 2), "x").contains(datetime(2026, 1, 1))  # noqa: DTZ001


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="now must be timezone-aware") as info:
        parse_period("30d", now=datetime(2026, 1, 1))  # noqa: DTZ001
    assert not isinstance(info.value, PeriodError)


def test_help_is_one_line_naming_every_form() -> None:
    assert "\n" not in PERIOD_HELP
    for form in ("30d", "12w", "2026-Q3", "Q3", "2026-H1", "H2", "2026", "2026-10", ".."):
        assert form in PERIOD_HELP
    assert "this-" in PERIOD_HELP and "last-" in PERIOD_HELP


# --- errors ------------------------------------------------------------------------------------

FORMS = "(periods look like 30d, 2026-Q3, Q3, 2026-H1, 2026, 2026-10-01..2026-12-31)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no period given"),
        ("   ", "no period given"),
        ("0d", '"0d": days must be 1..3660'),
        ("3661d", '"3661d": days must be 1..3660'),
        ("0w", '"0w": weeks must be 1..522'),
        ("523w", '"523w": weeks must be 1..522'),
        ("Q5", '"Q5": quarters are Q1..Q4'),
        ("Q0", '"Q0": quarters are Q1..Q4'),
        ("2026-Q5", '"2026-Q5": quarters are Q1..Q4'),
        ("2026-H3", '"2026-H3": halves are H1 and H2'),
        ("H0", '"H0": halves are H1 and H2'),
        ("2026-13", '"2026-13": months are 01..12'),
        ("2026-00", '"2026-00": months are 01..12'),
        ("1899", '"1899": years are 1900..2999'),
        ("3000-Q1", '"3000": years are 1900..2999'),
        (
            "2026-12-31..2026-10-01",
            '"2026-12-31..2026-10-01": the range ends (2026-10-01) before it starts (2026-12-31)',
        ),
        ("2016-01-01..2026-01-08", '"2016-01-01..2026-01-08": a range is at most 3660 days'),
        ("2026-02-30..2026-03-31", '"2026-02-30": not a date (day is out of range for month)'),
        ("2026-01-01..2026-13-01", '"2026-13-01": not a date (month must be in 1..12)'),
        ("2026-1-1..2026-02-01", '"2026-1-1": dates are written YYYY-MM-DD'),
        ("2026-01-01..soon", '"soon": dates are written YYYY-MM-DD'),
        ("2026-10-01", '"2026-10-01": a single date is not a period; for one day write '),
        ("banana", '"banana": not a period'),
        ("-5d", '"-5d": not a period'),
        ("30 days", '"30 days": not a period'),
        ("1.5d", '"1.5d": not a period'),
        ("٣٠d", '"٣٠d": not a period'),  # Arabic-Indic digits are not ASCII digits
        ("next-quarter", '"next-quarter": not a period'),
        ("x" * 80, '"' + "x" * 39 + '…": not a period'),
    ],
)
def test_errors_name_the_bad_part_and_show_the_forms(text: str, message: str) -> None:
    with pytest.raises(PeriodError) as info:
        parse_period(text, now=NOW)
    assert str(info.value).startswith(message)
    assert str(info.value).endswith(FORMS)
    assert isinstance(info.value, ValueError)


def test_the_example_message_is_exact() -> None:
    with pytest.raises(PeriodError) as info:
        parse_period("Q5", now=NOW)
    assert str(info.value) == f'"Q5": quarters are Q1..Q4 {FORMS}'
    assert (info.value.part, info.value.problem) == ("Q5", "quarters are Q1..Q4")


def test_period_error_survives_pickling() -> None:
    error = PeriodError("Q5", "quarters are Q1..Q4")
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


# --- properties --------------------------------------------------------------------------------

ZONES = st.sampled_from(
    [
        UTC,
        BERLIN,
        SAO_PAULO,  # DST used to start at midnight
        KOLKATA,  # +05:30
        ZoneInfo("America/St_Johns"),  # -03:30 with DST
        ZoneInfo("Australia/Lord_Howe"),  # half-hour DST
    ]
)  # not Pacific/Apia: a day it skipped makes an empty range, rejected (tested above)
NOWS = st.datetimes(
    min_value=datetime(1901, 1, 1),  # noqa: DTZ001
    max_value=datetime(2998, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
YEARS = st.integers(1900, 2999)
DATES = st.dates(date(1900, 1, 1), date(2999, 12, 31))


def _part_of_year(letter: str, parts: int) -> st.SearchStrategy[str]:
    number = st.integers(1, parts).map(lambda n: f"{letter}{n}")
    return st.one_of(
        number,
        st.tuples(YEARS, number).map(lambda t: f"{t[0]}-{t[1]}"),
        st.tuples(YEARS, number).map(lambda t: f"{t[0]}{t[1]}"),
        st.tuples(number, YEARS).map(lambda t: f"{t[0]}-{t[1]}"),
    )


VALID = st.one_of(
    st.integers(1, 3660).map(lambda n: f"{n}d"),
    st.integers(1, 522).map(lambda n: f"{n}w"),
    _part_of_year("Q", 4),
    _part_of_year("H", 2),
    YEARS.map(str),
    st.tuples(YEARS, st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
    st.tuples(DATES, st.integers(0, 3659))
    .filter(lambda t: t[0] + timedelta(days=t[1]) <= date(2999, 12, 31))
    .map(lambda t: f"{t[0]}..{t[0] + timedelta(days=t[1])}"),
    st.tuples(
        st.sampled_from(["this", "last"]), st.sampled_from(["month", "quarter", "half", "year"])
    ).map("-".join),
)


@st.composite
def period_texts(draw: st.DrawFn) -> str:
    text = draw(VALID)
    text = "".join(c.upper() if draw(st.booleans()) else c for c in text)
    return draw(st.sampled_from(["", " ", "\t"])) + text + draw(st.sampled_from(["", " ", "\n"]))


@given(period_texts(), NOWS, ZONES)
def test_every_valid_period_is_a_non_empty_half_open_interval(
    text: str, now: datetime, tz: tzinfo
) -> None:
    p = parse_period(text, now=now, tz=tz)
    assert p.start < p.end
    assert p.contains(p.start)
    assert not p.contains(p.end)
    assert p.start.tzinfo is UTC and p.end.tzinfo is UTC


@given(period_texts(), NOWS, ZONES)
def test_previous_ends_where_the_period_starts(text: str, now: datetime, tz: tzinfo) -> None:
    p = parse_period(text, now=now, tz=tz)
    before = p.previous()
    assert before.end == p.start
    assert before.start < before.end
    assert before.kind is p.kind
    assert before.previous().end == before.start
    if p.kind is PeriodKind.TRAILING:
        assert before.end - before.start == p.end - p.start
    if p.kind is PeriodKind.RANGE:  # the same number of days, which DST may lengthen or shorten
        days = (p.end.astimezone(tz).date() - p.start.astimezone(tz).date()).days
        first, last = (date.fromisoformat(d) for d in before.label.split(".."))
        assert (last - first).days + 1 == days


@given(period_texts(), NOWS, ZONES)
def test_calendar_and_range_labels_are_canonical(text: str, now: datetime, tz: tzinfo) -> None:
    p = parse_period(text, now=now, tz=tz)
    if p.kind is not PeriodKind.TRAILING:
        assert parse_period(p.label, now=now, tz=tz) == p
        before = p.previous()
        if int(before.label[:4]) >= MIN_YEAR:  # before 1900 is outside the grammar
            assert parse_period(before.label, now=now, tz=tz) == before
