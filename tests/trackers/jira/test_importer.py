"""The Jira Cloud "Export → CSV (all fields)" importer, on text shaped like a real export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest

from bot.core.models import (
    Actor,
    Issue,
    IssueLink,
    IssueRef,
    IssueState,
    LinkKind,
    StateReason,
    TrackerKind,
)
from bot.errors import ConfigurationError, ImportFileError
from bot.trackers.jira.importer import parse_jira_csv

# Column names repeat exactly as Jira writes them (one column per value); cells with commas,
# quotes or newlines are quoted. Record 2 spans lines 2-5 (multi-line description and comment).
EXPORT = (
    "\ufeff"
    "Summary,Issue key,Issue id,Issue Type,Status,Project key,Project name,Resolution,"
    "Assignee,Assignee Id,Reporter,Reporter Id,Created,Updated,Resolved,Component/s,"
    "Component/s,Labels,Labels,Labels,Description,Watchers,Watchers,Votes,"
    "Custom field (Story Points),Inward issue link (Blocks),Outward issue link (Blocks),"
    "Outward issue link (Blocks),Inward issue link (Duplicate),Outward issue link (Duplicate),"
    "Outward issue link (Relates),Inward issue link (Cloners),Comment,Comment,Status Category\n"
    "Speech labels use the old taxonomy,DATA-42,10042,Bug,In Progress,DATA,Data Platform,,"
    "Ada Lovelace,557058:ada,Grace Hopper,5b10ac8d82e05b22cc7d4ef5,12/Mar/24 3:45 PM,"
    "14/Mar/24 9:05 AM,,Taxonomy,Annotation,cross-team,data-quality,,"
    '"Since the taxonomy change, ""speech"" segments are mislabelled.\n'
    "See acme/asr#1 and https://github.com/acme/asr/issues/2, also ML-7.\n"
    '{code}UTF-8 ABC-1{code}",557058:ada,5b10ac8d82e05b22cc7d4ef5,4,3,ML-1,ML-2,,,,OPS-3,,'
    '"13/Mar/24 10:00 AM;557058:ada;This also hits ML-9; and ML-1.\nSecond line.",,In Progress\n'
    "Duplicate report of label drift,DATA-43,10043,Bug,Done,DATA,Data Platform,Duplicate,,,"
    "Alan Turing,5c0f8d0b1a2b3c4d5e6f7a8b,13/Mar/24 11:00 AM,15/Mar/24 4:30 PM,"
    "15/Mar/24 4:30 PM,Taxonomy,,,,,,,,0,,,,,,DATA-42,,,,,Done\n"
    "Retrain ASR on fixed labels,ML-5,10105,Story,Won't Do,ML,Models,Won't Do,,,"
    "Alan Turing,5c0f8d0b1a2b3c4d5e6f7a8b,2024-03-01 09:00,2024-03-20 17:15,"
    "2024-03-20 17:15,,,ml,,,,,,1,2.5,,,,,,,,,,Done\n"
    "Drop the legacy label set,ML-6,10106,Task,Closed,ML,Models,,,,"
    "Alan Turing,,01/Apr/24 08:00,02/Apr/24 08:30,,,,,,,,,,,,,,,,,,,,,Done\n"
)
BERLIN = "Europe/Berlin"


def parse(
    text: str = EXPORT,
    *,
    source: str = "jira",
    timezone: str | tzinfo = BERLIN,
    date_format: str | None = None,
    site_url: str | None = None,
) -> list[Issue]:
    return parse_jira_csv(
        text, source=source, timezone=timezone, date_format=date_format, site_url=site_url
    )


def test_fixture_is_rectangular() -> None:
    rows = list(csv.reader(io.StringIO(EXPORT, newline="")))
    assert {len(row) for row in rows} == {len(rows[0])}


def test_open_issue_fields() -> None:
    issue = parse(source="jira-acme", site_url="https://acme.atlassian.net/")[0]
    assert (issue.source, issue.key, issue.container) == ("jira-acme", "DATA-42", "DATA")
    assert issue.url == "https://acme.atlassian.net/browse/DATA-42"
    assert issue.title == "Speech labels use the old taxonomy"
    assert issue.body.startswith('Since the taxonomy change, "speech" segments')
    assert issue.state is IssueState.OPEN and issue.state_reason is None
    assert issue.labels == ("cross-team", "data-quality")
    assert issue.components == ("Taxonomy", "Annotation")
    assert issue.assignees == (
        Actor(tracker=TrackerKind.JIRA, handle="557058:ada", display_name="Ada Lovelace"),
    )
    assert issue.author == Actor(
        tracker=TrackerKind.JIRA, handle="5b10ac8d82e05b22cc7d4ef5", display_name="Grace Hopper"
    )
    assert issue.created_at == datetime(2024, 3, 12, 14, 45, tzinfo=UTC)
    assert issue.updated_at == datetime(2024, 3, 14, 8, 5, tzinfo=UTC)
    assert issue.closed_at is None
    assert (issue.reactions, issue.story_points) == (4, 3.0)


def test_comment_cells_keep_semicolons_and_newlines() -> None:
    (comment,) = parse()[0].comments
    assert comment.author == Actor(tracker=TrackerKind.JIRA, handle="557058:ada")
    assert comment.created_at == datetime(2024, 3, 13, 9, 0, tzinfo=UTC)
    assert comment.body == "This also hits ML-9; and ML-1.\nSecond line."


def test_links_from_columns_then_text() -> None:
    links = parse(source="jira-acme")[0].links

    def link(kind: LinkKind, key: str, source: str | None, evidence: str) -> IssueLink:
        return IssueLink(kind=kind, target=IssueRef(key=key, source=source), evidence=evidence)

    body = "mentioned in the description of DATA-42"
    assert links == (
        link(LinkKind.BLOCKED_BY, "ML-1", "jira-acme", "Inward issue link (Blocks) of DATA-42"),
        link(LinkKind.BLOCKS, "ML-2", "jira-acme", "Outward issue link (Blocks) of DATA-42"),
        link(LinkKind.RELATES, "OPS-3", "jira-acme", "Outward issue link (Relates) of DATA-42"),
        link(LinkKind.REFERENCES, "acme/asr#1", None, body),
        link(LinkKind.REFERENCES, "acme/asr#2", None, body),
        link(LinkKind.REFERENCES, "ML-7", "jira-acme", body),
        link(
            LinkKind.REFERENCES,
            "ML-9",
            "jira-acme",
            "mentioned in a comment by 557058:ada on 2024-03-13",
        ),
    )


def test_resolved_duplicate() -> None:
    issue = parse(source="jira-acme")[1]
    assert issue.state is IssueState.CLOSED and issue.state_reason is StateReason.DUPLICATE
    assert issue.closed_at == datetime(2024, 3, 15, 15, 30, tzinfo=UTC)
    assert issue.assignees == () and issue.reactions == 0 and issue.story_points is None
    assert issue.links == (
        IssueLink(
            kind=LinkKind.DUPLICATES,
            target=IssueRef(key="DATA-42", source="jira-acme"),
            evidence="Outward issue link (Duplicate) of DATA-43",
        ),
    )


def test_iso_dates_and_wont_do() -> None:
    issue = parse()[2]
    assert issue.state_reason is StateReason.NOT_PLANNED
    assert issue.created_at == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert issue.closed_at == datetime(2024, 3, 20, 16, 15, tzinfo=UTC)
    assert issue.story_points == 2.5 and issue.labels == ("ml",)


def test_done_category_without_resolution_is_closed_without_reason() -> None:
    issue = parse()[3]
    assert issue.state is IssueState.CLOSED and issue.state_reason is None
    assert issue.closed_at is None  # no Resolved date in the export
    assert issue.author == Actor(
        tracker=TrackerKind.JIRA, handle="Alan Turing", display_name="Alan Turing"
    )
    # 24-hour "dd/MMM/yy HH:mm", in summer time (UTC+2)
    assert issue.created_at == datetime(2024, 4, 1, 6, 0, tzinfo=UTC)


def test_file_without_bom_parses_the_same() -> None:
    assert parse(EXPORT.removeprefix("\ufeff")) == parse()


def test_crlf_line_endings() -> None:
    assert parse(EXPORT.replace("\n", "\r\n"))[0].key == "DATA-42"


@pytest.mark.parametrize(
    ("resolution", "expected"),
    [
        ("Done", StateReason.COMPLETED),
        ("Fixed", StateReason.COMPLETED),
        ("Complete", StateReason.COMPLETED),
        ("Deployed", StateReason.COMPLETED),
        ("Won’t Fix", StateReason.NOT_PLANNED),
        ("Cannot Reproduce", StateReason.NOT_PLANNED),
        ("Obsolete", StateReason.NOT_PLANNED),
        ("Declined", StateReason.NOT_PLANNED),
        ("Duplicate", StateReason.DUPLICATE),
    ],
)
def test_resolution_mapping(resolution: str, expected: StateReason) -> None:
    text = minimal(f"A,ABC-1,01/Jan/24 9:00 AM,01/Jan/24 9:00 AM,{resolution}")
    assert parse(text)[0].state_reason is expected


def test_unresolved_resolution_is_open() -> None:
    text = minimal("A,ABC-1,01/Jan/24 9:00 AM,01/Jan/24 9:00 AM,Unresolved")
    assert parse(text)[0].state is IssueState.OPEN


# ------------------------------------------------------------------ time zones


def minimal(*rows: str, header: str = "Summary,Issue key,Created,Updated,Resolution") -> str:
    return "\n".join([header, *rows]) + "\n"


def created(value: str, tz: str | tzinfo = BERLIN, date_format: str | None = None) -> datetime:
    text = minimal(f"A,ABC-1,{value},{value},")
    return parse(text, timezone=tz, date_format=date_format)[0].created_at


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("12/Mar/24 3:45 PM", datetime(2024, 3, 12, 14, 45, tzinfo=UTC)),
        ("12/Mar/24 12:05 AM", datetime(2024, 3, 11, 23, 5, tzinfo=UTC)),
        ("12/Jul/24 3:45 PM", datetime(2024, 7, 12, 13, 45, tzinfo=UTC)),
        ("2024-03-12 15:45", datetime(2024, 3, 12, 14, 45, tzinfo=UTC)),
        ("12/Mar/24 15:45", datetime(2024, 3, 12, 14, 45, tzinfo=UTC)),
        # 02:30 does not exist on 31 March 2024 in Berlin: read with the winter offset
        ("31/Mar/24 2:30 AM", datetime(2024, 3, 31, 1, 30, tzinfo=UTC)),
        # 02:30 happens twice on 27 October 2024: the first (summer time) is taken
        ("27/Oct/24 2:30 AM", datetime(2024, 10, 27, 0, 30, tzinfo=UTC)),
    ],
)
def test_dates_are_read_in_the_zone_and_returned_in_utc(local: str, utc: datetime) -> None:
    assert created(local) == utc
    assert created(local).tzinfo is UTC


def test_other_zones_and_tzinfo_objects() -> None:
    assert created("12/Mar/24 3:45 PM", "America/New_York") == datetime(
        2024, 3, 12, 19, 45, tzinfo=UTC
    )
    fixed = timezone(timedelta(hours=5, minutes=30))
    assert created("12/Mar/24 3:45 PM", fixed) == datetime(2024, 3, 12, 10, 15, tzinfo=UTC)


def test_date_format_overrides_the_defaults() -> None:
    assert created("12.03.2024 15:45", date_format="%d.%m.%Y %H:%M") == datetime(
        2024, 3, 12, 14, 45, tzinfo=UTC
    )
    with pytest.raises(ImportFileError) as caught:
        created("12/Mar/24 3:45 PM", date_format="%d.%m.%Y %H:%M")
    assert "'%d.%m.%Y %H:%M'" in caught.value.detail


def test_unknown_time_zone() -> None:
    with pytest.raises(ConfigurationError, match="Mars/Olympus"):
        created("12/Mar/24 3:45 PM", "Mars/Olympus")


# ------------------------------------------------------------------------ errors


def error_of(text: str) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        parse(text)
    return caught.value


@pytest.mark.parametrize("column", ["Summary", "Issue key", "Created", "Updated"])
def test_missing_required_column(column: str) -> None:
    header = ",".join(c for c in ["Summary", "Issue key", "Created", "Updated", "Resolution"])
    header = header.replace(column, "Other")
    error = error_of(minimal("A,ABC-1,01/Jan/24 9:00 AM,01/Jan/24 9:00 AM,", header=header))
    assert (error.row, error.field) == (1, column)
    assert f"missing column {column!r}" in str(error)


def test_needs_resolution_or_status_category() -> None:
    text = minimal(
        "A,ABC-1,01/Jan/24 9:00 AM,01/Jan/24 9:00 AM", header="Summary,Issue key,Created,Updated"
    )
    assert error_of(text).field == "Resolution"
    text = text.replace("Updated", "Updated,Status Category").replace("AM\n", "AM,Done\n")
    assert parse(text)[0].state is IssueState.CLOSED


def test_bad_date_names_record_field_value_and_option() -> None:
    text = EXPORT.replace("2024-03-20 17:15,2024-03-20 17:15", "2024/03/20 17:15,2024-03-20 17:15")
    error = error_of(text)
    # the header is record 1 and DATA-42's record spans four lines, so ML-5 is record 4, line 7
    assert (error.row, error.field) == (4, "Updated")
    message = str(error)
    assert message.startswith("row 4, field 'Updated': cannot read '2024/03/20 17:15' as a date")
    assert "'%d/%b/%y %I:%M %p'" in message and "--date-format" in message
    assert "(line 7)" in message


def test_empty_required_date() -> None:
    error = error_of(minimal("A,ABC-1,,01/Jan/24 9:00 AM,"))
    assert (error.row, error.field) == (2, "Created")


def test_duplicate_issue_key() -> None:
    row = "A,ABC-1,01/Jan/24 9:00 AM,01/Jan/24 9:00 AM,"
    error = error_of(minimal(row, "B,ABC-2,01/Jan/24 9:00 AM,01/Jan/24 9:00 AM,", row))
    assert (error.row, error.field) == (4, "Issue key")
    assert "ABC-1 appears twice (first in row 2)" in error.detail


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (",ABC-1,01/Jan/24 9:00 AM,01/Jan/24 9:00 AM,", "Summary"),
        ("A,,01/Jan/24 9:00 AM,01/Jan/24 9:00 AM,", "Issue key"),
        ("A,not a key,01/Jan/24 9:00 AM,01/Jan/24 9:00 AM,", "Issue key"),
    ],
)
def test_empty_summary_or_key(row: str, field: str) -> None:
    error = error_of(minimal(row))
    assert (error.row, error.field) == (2, field)


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("Comment", "no date here"),
        ("Comment", "01/Jan/24 9:00 AM without separators"),
        ("Votes", "many"),
        ("Votes", "-1"),
        ("Custom field (Story Points)", "nan"),
        ("Outward issue link (Blocks)", "see ABC-2"),
    ],
)
def test_bad_cells(column: str, cell: str) -> None:
    header = f"Summary,Issue key,Created,Updated,Resolution,{column}"
    error = error_of(minimal(f"A,ABC-1,01/Jan/24 9:00 AM,01/Jan/24 9:00 AM,,{cell}", header=header))
    assert (error.row, error.field) == (2, column)
    assert repr(cell)[:20] in error.detail


def test_empty_file() -> None:
    assert "empty" in str(error_of(""))
    assert parse(minimal()) == []


def test_blank_lines_are_skipped_but_counted() -> None:
    text = minimal("", "A,ABC-1,01/Jan/24 9:00 AM,bad,")
    assert error_of(text).row == 3
