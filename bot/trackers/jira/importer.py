"""Import of Jira Cloud's "Export → CSV (all fields)" (pure: takes the already-read text).

Jira repeats a column name once per value (``Labels``, ``Component/s``, ``Comment``,
``Watchers``, ``Outward issue link (Blocks)``...), so columns are grouped by header name.
Dates carry no time zone and follow the exporting user's locale; they are read in the
``timezone`` given and returned in UTC. A time that does not exist or occurs twice at a DST
change is read with ``fold=0`` (the offset in force before the change).

Rows in errors: ``row`` is the 1-based CSV *record* number, the header being record 1 (a
record spans several lines when a cell holds newlines); the message names the line too.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.models import (
    Actor,
    Comment,
    Issue,
    IssueLink,
    IssueRef,
    IssueState,
    LinkKind,
    StateReason,
    TrackerKind,
)
from bot.core.references import TextReference, reference_links
from bot.errors import ConfigurationError, ImportFileError

#: Formats tried in order when no ``date_format`` is given (Jira's ``dd/MMM/yy h:mm a`` first).
DEFAULT_DATE_FORMATS = ("%d/%b/%y %I:%M %p", "%Y-%m-%d %H:%M", "%d/%b/%y %H:%M")
REQUIRED_COLUMNS = ("Summary", "Issue key", "Created", "Updated")
_STORY_POINTS = ("Custom field (Story Points)", "Custom field (Story point estimate)")
_LINK_COLUMN = re.compile(r"^(?P<way>Inward|Outward) issue link \((?P<type>.+)\)$")
_KEY = re.compile(r"^[A-Z][A-Z0-9_]+-[0-9]+$")
_LINK_KINDS = {
    ("Outward", "blocks"): LinkKind.BLOCKS,
    ("Inward", "blocks"): LinkKind.BLOCKED_BY,
    ("Outward", "duplicate"): LinkKind.DUPLICATES,
    ("Inward", "duplicate"): LinkKind.DUPLICATED_BY,
}
_NOT_PLANNED = {
    "won't do", "won't fix", "cannot reproduce", "incomplete", "declined", "obsolete",
}  # fmt: skip


class _Record:
    """One CSV record, with cells looked up by column name."""

    def __init__(self, cells: list[str], columns: dict[str, list[int]], row: int, line: int):
        self.cells, self.columns, self.row, self.line = cells, columns, row, line

    def all(self, name: str) -> list[str]:
        """The non-empty, stripped values of every column called ``name``."""
        values = (self.cells[i].strip() for i in self.columns.get(name, []) if i < len(self.cells))
        return [value for value in values if value]

    def one(self, name: str) -> str:
        """The first non-empty value of column ``name``, or ``""``."""
        values = self.all(name)
        return values[0] if values else ""

    def error(self, message: str, name: str) -> ImportFileError:
        return ImportFileError(f"{message} (line {self.line})", row=self.row, field=name)


def parse_jira_csv(
    text: str,
    *,
    source: str = "jira",
    timezone: str | tzinfo,
    date_format: str | None = None,
    site_url: str | None = None,
) -> list[Issue]:
    """Convert a Jira CSV export to issues, in file order.

    ``timezone`` (a zoneinfo name or ``tzinfo``) is the zone the export's dates were written
    in; ``date_format`` (a ``strptime`` format) replaces :data:`DEFAULT_DATE_FORMATS`;
    ``site_url`` (``https://acme.atlassian.net``) gives each issue ``{site_url}/browse/KEY``.
    An issue is closed iff its Resolution is set or its Status Category is Done. Link columns
    and references in summary, description and comments become links; Jira targets carry
    ``source`` (unless a URL on a host other than ``site_url``'s), others ``None``.

    Raises :class:`~bot.errors.ImportFileError` on the first problem (missing column, empty
    summary or key, bad date, number or comment cell, duplicate key), naming record and column;
    :class:`~bot.errors.ConfigurationError` for an unknown time zone.
    """
    zone = _zone(timezone)
    formats = (date_format,) if date_format else DEFAULT_DATE_FORMATS
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None:
        raise ImportFileError("the file is empty; expected a Jira CSV export with a header row")
    columns = _columns(header)
    site = site_url.rstrip("/") if site_url else None
    parse = _Parser(zone=zone, formats=formats, source=source, site=site)
    return _issues(reader, columns, parse)


class _CsvRows(Protocol):
    """What ``csv.reader`` gives: rows of cells, and the physical line it has read up to."""

    @property
    def line_num(self) -> int: ...

    def __iter__(self) -> Iterator[list[str]]: ...


def _issues(reader: _CsvRows, columns: dict[str, list[int]], parse: _Parser) -> list[Issue]:
    """Every non-blank record after the header as an issue; a key seen twice is an error."""
    issues: list[Issue] = []
    first_row: dict[str, int] = {}
    start_line = reader.line_num + 1
    for row, cells in enumerate(reader, start=2):
        record = _Record(cells, columns, row, start_line)
        start_line = reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        issue = parse.issue(record)
        if issue.key in first_row:
            message = f"issue {issue.key} appears twice (first in row {first_row[issue.key]})"
            raise record.error(message, "Issue key")
        first_row[issue.key] = row
        issues.append(issue)
    return issues


def _zone(timezone: str | tzinfo) -> tzinfo:
    if not isinstance(timezone, str):
        return timezone
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"unknown time zone {timezone!r}; use an IANA name such as 'Europe/Berlin'"
        ) from None


def _columns(header: list[str]) -> dict[str, list[int]]:
    columns: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        columns.setdefault(name.strip(), []).append(index)
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            raise ImportFileError(
                f"missing column {name!r}; export with Export → CSV (all fields)", row=1, field=name
            )
    if "Resolution" not in columns and "Status Category" not in columns:
        raise ImportFileError(
            "missing column 'Resolution' (or 'Status Category'): needed to tell open from closed",
            row=1,
            field="Resolution",
        )
    return columns


class _Parser:
    """Turns records into issues; holds the settings shared by every record."""

    def __init__(self, *, zone: tzinfo, formats: tuple[str, ...], source: str, site: str | None):
        self.zone, self.formats, self.source, self.site = zone, formats, source, site

    def issue(self, rec: _Record) -> Issue:
        key, title = rec.one("Issue key"), rec.one("Summary")
        if not _KEY.match(key):
            raise rec.error(f"{key!r} is not a Jira issue key like ABC-123", "Issue key")
        if not title:
            raise rec.error("empty summary", "Summary")
        resolution, comments = _resolution(rec), self._comments(rec)
        closed = bool(resolution) or rec.one("Status Category").lower() == "done"
        resolved = self._date(rec, "Resolved")
        return Issue(
            source=self.source,
            key=key,
            url=f"{self.site}/browse/{key}" if self.site else None,
            title=title,
            body=rec.one("Description"),
            state=IssueState.CLOSED if closed else IssueState.OPEN,
            state_reason=_state_reason(resolution) if closed else None,
            container=rec.one("Project key") or key.rsplit("-", 1)[0],
            labels=tuple(dict.fromkeys(rec.all("Labels"))),
            components=tuple(dict.fromkeys(rec.all("Component/s"))),
            author=_actor(rec.one("Reporter Id"), rec.one("Reporter")),
            assignees=_assignees(rec),
            created_at=self._required_date(rec, "Created"),
            updated_at=self._required_date(rec, "Updated"),
            closed_at=resolved if closed else None,
            comments=comments,
            reactions=int(_number(rec, "Votes", int) or 0),
            story_points=_story_points(rec),
            links=self._links(rec, key, comments),
        )

    def _required_date(self, rec: _Record, name: str) -> datetime:
        value = self._date(rec, name)
        if value is None:
            raise rec.error("empty date", name)
        return value

    def _date(self, rec: _Record, name: str) -> datetime | None:
        value = rec.one(name)
        if not value:
            return None
        parsed = self.parse_date(value)
        if parsed is None:
            raise rec.error(self._date_problem(value), name)
        return parsed

    def parse_date(self, value: str) -> datetime | None:
        """``value`` read with the first matching format in the zone, as UTC; else ``None``."""
        for fmt in self.formats:
            try:
                local = datetime.strptime(value.strip(), fmt).replace(tzinfo=self.zone)
            except ValueError:
                continue
            return local.astimezone(UTC)
        return None

    def _date_problem(self, value: str) -> str:
        expected = " or ".join(repr(fmt) for fmt in self.formats)
        return (
            f"cannot read {value!r} as a date; expected {expected} "
            "(pass --date-format with the strptime format your Jira uses)"
        )

    def _comments(self, rec: _Record) -> tuple[Comment, ...]:
        comments = []
        for cell in rec.all("Comment"):
            when, _, rest = cell.partition(";")
            account, sep, body = rest.partition(";")
            account = account.strip()
            created = self.parse_date(when)
            if created is None or not sep:
                raise rec.error(
                    f"cannot read comment {cell[:40]!r}: expected 'DATE;ACCOUNT ID;TEXT' with "
                    f"DATE like {self.formats[0]!r} (see --date-format)",
                    "Comment",
                )
            author = Actor(tracker=TrackerKind.JIRA, handle=account) if account else None
            comments.append(Comment(author=author, created_at=created, body=body))
        return tuple(comments)

    def _links(
        self, rec: _Record, key: str, comments: tuple[Comment, ...]
    ) -> tuple[IssueLink, ...]:
        """Link-column links first, then references in the text to issues not yet linked."""
        links = self._column_links(rec, key)
        texts = [(rec.one("Summary"), f"mentioned in the summary of {key}")]
        texts.append((rec.one("Description"), f"mentioned in the description of {key}"))
        for c in comments:
            who = c.author.handle if c.author else "unknown"
            texts.append((c.body, f"mentioned in a comment by {who} on {c.created_at.date()}"))
        linked = {link.target.key for link in links}
        return (
            *links,
            *reference_links(texts, exclude=key, source_of=self._ref_source, skip=linked),
        )

    def _column_links(self, rec: _Record, key: str) -> list[IssueLink]:
        links: dict[str, IssueLink] = {}
        for name in rec.columns:
            kind = _link_kind(name)
            if kind is None:
                continue
            for target in rec.all(name):
                if not _KEY.match(target):
                    raise rec.error(f"{target!r} is not a Jira issue key", name)
                if target != key and target not in links:
                    ref = IssueRef(key=target, source=self.source)
                    links[target] = IssueLink(kind=kind, target=ref, evidence=f"{name} of {key}")
        return list(links.values())

    def _ref_source(self, ref: TextReference) -> str | None:
        if ref.tracker is not TrackerKind.JIRA:
            return None
        if ref.host is None or self.site is None:
            return self.source
        return self.source if ref.host == _host(self.site) else None


def _link_kind(column: str) -> LinkKind | None:
    """The kind of link a ``(In|Out)ward issue link (TYPE)`` column holds; else ``None``."""
    match = _LINK_COLUMN.match(column)
    if match is None:
        return None
    return _LINK_KINDS.get((match["way"], match["type"].lower()), LinkKind.RELATES)


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].lower()


def _resolution(rec: _Record) -> str:
    """The Resolution, normalised to lower case; ``""`` when unresolved."""
    name = rec.one("Resolution").lower().replace("’", "'")
    return "" if name == "unresolved" else name


def _state_reason(name: str) -> StateReason | None:
    if not name:
        return None
    if name == "duplicate":
        return StateReason.DUPLICATE
    return StateReason.NOT_PLANNED if name in _NOT_PLANNED else StateReason.COMPLETED


def _actor(account_id: str, name: str) -> Actor | None:
    if not (account_id or name):
        return None
    return Actor(tracker=TrackerKind.JIRA, handle=account_id or name, display_name=name or None)


def _assignees(rec: _Record) -> tuple[Actor, ...]:
    actor = _actor(rec.one("Assignee Id"), rec.one("Assignee"))
    return (actor,) if actor else ()


def _number(rec: _Record, name: str, kind: Callable[[str], float]) -> float | None:
    value = rec.one(name)
    if not value:
        return None
    try:
        number = kind(value)
    except ValueError:
        raise rec.error(f"{value!r} is not a number", name) from None
    if not 0 <= number < math.inf:
        raise rec.error(f"{value!r} is not a finite number of at least 0", name)
    return number


def _story_points(rec: _Record) -> float | None:
    for name in _STORY_POINTS:
        if rec.one(name):
            return _number(rec, name, float)
    return None
