"""Block Kit for credit: a person's or team's report, drillable by entry id, and the
leaderboard. Pure presentation over ``bot.app.results`` values (as ``render_credit.py``
prints them for the CLI).

People are shown by their directory id, or as a Slack mention when ``slack_ids`` maps the
id to a Slack user id.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.app.results import CreditReport, LeaderBoard, Line
from bot.core.credit import CreditEntry, EntryKind
from bot.core.issue_refs import parse_issue_ref
from bot.slack.blocks_kit import (
    MAX_MESSAGE_BLOCKS,
    Block,
    Unit,
    clip,
    context,
    escape,
    fit_blocks,
    header,
    link,
    section,
    teams_text,
)

CREDIT_HINT = "`/impact export` or `impactbot credit` list every line"
LEADERBOARD_HINT = "`impactbot leaderboard --limit N` shows more"
EXPLAIN_HINT = "Drill into a line with `impactbot credit --explain ENTRY`."


def credit_blocks(
    report: CreditReport,
    *,
    slack_ids: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
) -> list[Block]:
    """The report: header (subject, period), total (and given / received for teams), points
    by role, then one section per ledger line — entry id, points, role, person, the issue
    linked, benefiting teams, reason. At most 50 blocks; extra lines end in a pointer."""
    head = [header(f"Credit of {report.subject} — {report.period.label}"), _totals(report)]
    if report.by_role:
        head.append(section("*By role*", fields=[_role(r, p) for r, p in report.by_role.items()]))
    if not report.lines:
        return [*head, section("No credit in this period.")]
    lines: list[Unit] = [_line(line, slack_ids or {}, names or {}) for line in report.lines]
    room = MAX_MESSAGE_BLOCKS - len(head) - 1
    return [*head, *fit_blocks(lines, room, CREDIT_HINT), context(EXPLAIN_HINT)]


def _totals(report: CreditReport) -> Block:
    text = f"*{report.total:.1f}* points"
    if report.given is not None:
        text += (
            f"\nimpact given (its people's credit): *{report.given:.1f}* · impact received "
            f"(work that benefited it): *{report.received or 0:.1f}*"
        )
    return section(text)


def _role(role: str, points: float) -> str:
    return f"*{escape(role)}*\n{points:.1f}"


def _line(line: Line, slack_ids: Mapping[str, str], names: Mapping[str, str]) -> Block:
    entry = line.entry
    facts = [
        f"`#{line.entry_id}` *{entry.points:+.1f}* {escape(entry.role)}",
        person(entry.person_id, slack_ids, names),
        issue_link(entry),
        f"benefits {teams_text(entry.beneficiaries)}",
    ]
    if entry.kind is not EntryKind.MINT:
        facts.append(f"_{entry.kind.value}_")
    if entry.pending:
        facts.append("_waiting for a manager to confirm_")
    return section(" · ".join(facts) + f"\n{escape(clip(entry.reason, 1000, markup=False))}")


def person(
    person_id: str, slack_ids: Mapping[str, str], names: Mapping[str, str] | None = None
) -> str:
    """A Slack mention when the person's Slack id is known, else their teams.yaml name
    (``names``: person id → name), else their id; escaped."""
    slack = slack_ids.get(person_id)
    if slack and slack.isalnum():
        return f"<@{slack}>"
    return escape(clip((names or {}).get(person_id, person_id), 100))


def issue_link(entry: CreditEntry) -> str:
    """The entry's issue key, linked to the issue's URL when its evidence holds one."""
    key = entry.issue_uid.split(":", 1)[-1]
    for item in entry.evidence:
        ref = parse_issue_ref(item) if item.startswith(("https://", "http://")) else None
        if ref is not None and ref.key.lower() == key.lower():
            return link(ref.url, key)
    return f"`{escape(key)}`"


def leaderboard_blocks(
    board: LeaderBoard,
    *,
    slack_ids: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
) -> list[Block]:
    """The leaderboard of ``board``: a header with the period, one section per person
    (rank, person, points). At most 50 blocks; extra rows end in a pointer."""
    title = header(f"Cross-team impact leaderboard — {board.period.label}")
    if not board.rows:
        return [title, section("No credit in this period.")]
    ids = slack_ids or {}
    rows: list[Unit] = [
        section(f"*{rank}.* {person(who, ids, names)} — *{points:.1f}* points")
        for rank, (who, points) in enumerate(board.rows, start=1)
    ]
    return [title, *fit_blocks(rows, MAX_MESSAGE_BLOCKS - 1, LEADERBOARD_HINT)]
