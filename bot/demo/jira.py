"""Render planned Jira issues as a Jira Cloud "Export → CSV (all fields)" file.

Written with ``csv.writer`` (QUOTE_MINIMAL, CRLF rows). Multi-valued fields repeat their column
name (``Component/s``, ``Labels``, ``Watchers``, ``Watchers Id``, issue links, ``Comment``), padded
to the most any row uses, empty cells for the rest. Dates use Jira's default
``dd/MMM/yy h:mm a`` in the exporting user's time zone, without the zone. A comment cell is
``<date>;<author account id>;<body>``. Unassigned → empty ``Assignee``/``Assignee Id``;
unresolved → empty ``Resolution`` and ``Resolved``. Rows are newest first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.demo.org import Actor, Person
from bot.demo.plan import PlannedIssue

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LINK_COLUMNS = tuple(
    f"{side} issue link ({kind})"
    for kind in ("Blocks", "Duplicate", "Relates")
    for side in ("Inward", "Outward")
)
_REPEATED = ("Component/s", "Labels", "Watchers", "Watchers Id", *LINK_COLUMNS, "Comment")
_ISSUE_TYPES = {"bug": "Bug", "feature": "Story"}
_RESOLUTIONS = {"completed": "Done", "not_planned": "Won't Do", "duplicate": "Duplicate"}
_CATEGORIES = {"To Do": "To Do", "Backlog": "To Do", "In Progress": "In Progress"}
_POINTS = {"XS": "1.0", "S": "2.0", "M": "3.0", "L": "5.0", "XL": "8.0"}


def jira_date(moment: datetime, zone: ZoneInfo) -> str:
    """``12/Mar/24 3:45 PM`` in ``zone``; English month names whatever the locale."""
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    return f"{local.day:02d}/{MONTHS[local.month - 1]}/{local:%y} {hour}:{local:%M} {half}"


def render_jira(issues: Sequence[PlannedIssue], timezone: str) -> str:
    """The CSV text of ``issues`` (any number of projects) as Jira Cloud exports it."""
    zone = ZoneInfo(timezone)
    ordered = sorted(issues, key=lambda i: (i.created, i.key), reverse=True)
    ids = _issue_ids(issues)
    cells = [_cells(issue, ids[issue.key], zone) for issue in ordered]
    widths = {name: max([1, *(len(c[name]) for c in cells)]) for name in _REPEATED}
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(_header(widths))
    for row in cells:
        writer.writerow(_flatten(row, widths))
    return out.getvalue()


def _issue_ids(issues: Sequence[PlannedIssue]) -> dict[str, str]:
    """Jira's numeric issue ids: site-wide, growing with creation time, with gaps."""
    ids: dict[str, str] = {}
    for index, issue in enumerate(sorted(issues, key=lambda i: (i.created, i.key))):
        ids[issue.key] = str(10_000 + index * 3 + issue.number % 3)
    return ids


def _header(widths: dict[str, int]) -> list[str]:
    header: list[str] = []
    for name in _SCALARS_BEFORE:
        header.append(name)
    for name in ("Component/s", "Labels"):
        header += [name] * widths[name]
    header += ["Description", "Votes"]
    for name in ("Watchers", "Watchers Id"):
        header += [name] * widths[name]
    header.append("Custom field (Story Points)")
    for name in (*LINK_COLUMNS, "Comment"):
        header += [name] * widths[name]
    return header


_SCALARS_BEFORE = (
    "Summary", "Issue key", "Issue id", "Issue Type", "Status", "Status Category",
    "Project key", "Project name", "Priority", "Resolution", "Assignee", "Assignee Id",
    "Reporter", "Reporter Id", "Creator", "Creator Id", "Created", "Updated", "Resolved",
)  # fmt: skip

Cells = dict[str, list[str]]


def _cells(issue: PlannedIssue, issue_id: str, zone: ZoneInfo) -> Cells:
    """Column name → values (one value for scalar columns)."""
    status = _status(issue)
    assignee = issue.assignees[0] if issue.assignees else None
    watchers = _watchers(issue)
    cells: Cells = {
        "Summary": [issue.title],
        "Issue key": [issue.key],
        "Issue id": [issue_id],
        "Issue Type": [_ISSUE_TYPES.get(issue.kind, "Task")],
        "Status": [status],
        "Status Category": [_CATEGORIES.get(status, "Done" if issue.closed else "In Progress")],
        "Project key": [issue.container.name],
        "Project name": [issue.container.title],
        "Priority": [issue.priority],
        "Resolution": [_RESOLUTIONS[issue.reason or "completed"] if issue.closed else ""],
        "Assignee": [assignee.name if assignee else ""],
        "Assignee Id": [(assignee.jira or "") if assignee else ""],
        "Reporter": [_name(issue.author)],
        "Reporter Id": [issue.author.jira or ""],
        "Creator": [_name(issue.author)],
        "Creator Id": [issue.author.jira or ""],
        "Created": [jira_date(issue.created, zone)],
        "Updated": [jira_date(issue.updated, zone)],
        "Resolved": [jira_date(issue.closed, zone) if issue.closed else ""],
        "Component/s": list(issue.components),
        "Labels": list(dict.fromkeys(issue.labels)),
        "Description": [issue.body],
        "Votes": [str(issue.reactions.get("votes", 0))],
        "Watchers": [p.name for p in watchers],
        "Watchers Id": [p.jira or "" for p in watchers],
        "Custom field (Story Points)": [_POINTS.get(issue.size or "", "")],
        "Comment": [
            f"{jira_date(c.at, zone)};{c.author.jira or ''};{c.body}" for c in issue.comments
        ],
    }
    for column in LINK_COLUMNS:
        cells[column] = [key for name, key in issue.links if name == column]
    return cells


def _flatten(cells: Cells, widths: dict[str, int]) -> list[str]:
    row: list[str] = []
    for name in _header_names(widths):
        values = cells[name]
        row += values + [""] * (widths.get(name, 1) - len(values))
    return row


def _header_names(widths: dict[str, int]) -> list[str]:
    """Each column name once, in header order."""
    return list(dict.fromkeys(_header(widths)))


def _status(issue: PlannedIssue) -> str:
    if issue.closed:
        return "Done"
    if issue.status:
        return issue.status
    if issue.assignees:
        return ("In Progress", "In Progress", "In Review", "To Do")[issue.number % 4]
    return ("To Do", "To Do", "Backlog")[issue.number % 3]


def _name(actor: Actor) -> str:
    return actor.name


def _watchers(issue: PlannedIssue) -> list[Person]:
    """Jira auto-watches the reporter, the assignee and everyone who comments."""
    actors = [issue.author, *issue.assignees, *(c.author for c in issue.comments)]
    unique = dict.fromkeys(a for a in actors if isinstance(a, Person) and a.jira)
    return list(unique)
