"""Human output for credit queries (rich); JSON shapes for ``--json``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape as esc
from rich.table import Table

from bot.app.results import AuditListing, CreditReport, Funnel, LeaderBoard
from bot.core.credit import CreditEntry
from bot.core.models import Issue
from bot.core.periods import Period

#: How a person id reads: their teams.yaml name (``Directory.name_of_person``), else the id.
Names = Callable[[str], str]


def _as_is(person_id: str) -> str:
    return person_id


def print_report(console: Console, report: CreditReport, names: Names = _as_is) -> None:
    """The report's totals and one row per line, people by name."""
    console.print(
        f"[bold]Credit of {report.subject}[/] — {report.period.label}: "
        f"[bold]{report.total:.1f}[/] points"
    )
    if report.given is not None:
        console.print(
            f"impact given (its people's credit): {report.given:.1f}; "
            f"impact received (work that benefited it): {report.received or 0:.1f}"
        )
    if report.by_role:
        console.print("by role: " + ", ".join(f"{r} {p:.1f}" for r, p in report.by_role.items()))
    table = Table(show_lines=False, expand=True)
    for column in ("entry", "person", "role", "points", "issue", "benefiting teams", "kind"):
        table.add_column(column, overflow="fold")
    for line in report.lines:
        e = line.entry
        table.add_row(
            str(line.entry_id),
            esc(names(e.person_id)),
            e.role,
            f"{e.points:+.1f}",
            e.issue_uid.split(":", 1)[1],
            ", ".join(e.beneficiaries),
            e.kind.value,
        )
    if report.lines:
        console.print(table)
        console.print("[dim]drill into a line with `impactbot credit --explain ENTRY`[/]")
    else:
        console.print("No credit in this period.")


def report_json(report: CreditReport, names: Names = _as_is) -> str:
    """The report as JSON; each entry keeps its ``person_id`` and adds ``name`` beside it."""
    return json.dumps(
        {
            "subject": report.subject,
            "period": _period_json(report.period),
            "total": report.total,
            "by_role": report.by_role,
            "given": report.given,
            "received": report.received,
            "entries": [
                {"id": line.entry_id, **entry_json(line.entry, names)} for line in report.lines
            ],
        },
        indent=2,
    )


def entry_json(entry: CreditEntry, names: Names = _as_is) -> dict[str, Any]:
    """The entry's fields, and ``name``: how its ``person_id`` reads."""
    data: dict[str, Any] = json.loads(entry.model_dump_json())
    data["name"] = names(entry.person_id)
    return data


def print_leaderboard(console: Console, board: LeaderBoard, names: Names = _as_is) -> None:
    table = Table(title=f"Cross-team impact leaderboard — {board.period.label}")
    table.add_column("#", justify="right")
    table.add_column("person")
    table.add_column("points", justify="right")
    for rank, (person, points) in enumerate(board.rows, start=1):
        table.add_row(str(rank), esc(names(person)), f"{points:.1f}")
    console.print(table if board.rows else "No credit in this period.")


def leaderboard_json(board: LeaderBoard, names: Names = _as_is) -> str:
    """The board as JSON: each row's ``person`` id, its ``name`` and ``points``."""
    rows = [{"person": p, "name": names(p), "points": v} for p, v in board.rows]
    return json.dumps({"period": board.period.label, "rows": rows}, indent=2)


def print_entry(
    console: Console,
    entry_id: int,
    entry: CreditEntry,
    issue: Issue | None,
    names: Names = _as_is,
) -> None:
    """Everything behind one ledger line: who (by name), what, why, and the evidence."""
    console.print(
        f"[bold]entry {entry_id}[/] ({entry.kind.value}): {esc(names(entry.person_id))} as "
        f"{entry.role}, {entry.points:+.2f} points ({entry.share:.0%} share)"
    )
    console.print(f"issue: {esc(issue.key + ' — ' + issue.title) if issue else entry.issue_uid}")
    if issue and issue.url:
        console.print(issue.url)
    console.print(f"booked to team: {entry.team_id or '(none: in no team)'}")
    console.print(f"benefiting teams: {', '.join(entry.beneficiaries)}")
    console.print(f"reason: {esc(entry.reason)}")
    for item in entry.evidence:
        console.print(f"  • {esc(item)}")
    if entry.reverses:
        console.print(f"compensates: {entry.reverses}")
    if entry.pending:
        console.print("waiting for a benefiting team's manager to confirm")
    console.print(f"[dim]recorded {entry.at:%Y-%m-%d %H:%M} UTC; key {entry.natural_key}[/]")


def funnel_json(funnel: Funnel) -> str:
    """The funnel as JSON: per team this period's counts and the previous period's."""
    before = {row.team: row for row in funnel.previous}

    def counts(row: object | None) -> dict[str, int]:
        return {name: getattr(row, name, 0) for name in ("surfaced", "claimed", "done")}

    return json.dumps(
        {
            "period": _period_json(funnel.period),
            "teams": [
                {"team": row.team, **counts(row), "previous": counts(before.get(row.team))}
                for row in funnel.rows
            ],
        },
        indent=2,
    )


def print_funnel(console: Console, funnel: Funnel) -> None:
    table = Table(
        title=f"Surfaced → claimed → done — {funnel.period.label} (previous period in brackets)"
    )
    for column in ("team", "surfaced", "claimed", "done"):
        table.add_column(column, justify="right" if column != "team" else "left")
    before = {row.team: row for row in funnel.previous}
    for row in funnel.rows:
        old = before.get(row.team)
        table.add_row(
            row.team,
            *(
                f"{now} ({getattr(old, name) if old else 0})"
                for name, now in (
                    ("surfaced", row.surfaced),
                    ("claimed", row.claimed),
                    ("done", row.done),
                )
            ),
        )
    console.print(table)


def print_audit(console: Console, listing: AuditListing, names: Names = _as_is) -> None:
    """The audit rows as a table; who acted reads by name."""
    since = f" since {listing.since:%Y-%m-%d %H:%M} UTC" if listing.since else ""
    if not listing.records:
        console.print(f"Nothing in the audit log{since}.")
        return
    table = Table(title=f"Audit log{since}", expand=True)
    for column in ("when (UTC)", "who", "what", "on", "why"):
        table.add_column(column, overflow="fold")
    for r in listing.records:
        table.add_row(
            f"{r.at:%Y-%m-%d %H:%M:%S}",
            esc(names(r.actor)),
            esc(r.action),
            esc(r.subject),
            esc(r.detail),
        )
    console.print(table)


def audit_json(listing: AuditListing, names: Names = _as_is) -> str:
    """The rows as JSON; ``actor`` keeps the id, ``actor_name`` is how it reads."""
    return json.dumps(
        {
            "since": listing.since.isoformat() if listing.since else None,
            "records": [
                {
                    "id": r.id,
                    "at": r.at.isoformat(),
                    "actor": r.actor,
                    "actor_name": names(r.actor),
                    "action": r.action,
                    "subject": r.subject,
                    "detail": r.detail,
                }
                for r in listing.records
            ],
        },
        indent=2,
    )


def _period_json(period: Period) -> dict[str, str]:
    return {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()}
