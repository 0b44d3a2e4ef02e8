"""Pure Block Kit builders: results in, JSON-ready block lists out. No Slack client calls.

Listeners render every reply with these. The pieces live by concern —
:mod:`~bot.slack.blocks_kit` (limits, escaping, :func:`clip`, :func:`fit_blocks`, the
``ACTION_*`` / ``CALLBACK_*`` ids), :mod:`~bot.slack.blocks_issues` (score cards, unfurls,
orphans), :mod:`~bot.slack.blocks_credit` (credit, leaderboard) — and are re-exported here
with the usage, notice and App Home builders.

Every builder respects Slack's limits (50 blocks per message, 100 per view, 3,000 characters
per section text, 2,000 per context element or field, 150 per header, 10 fields per section),
cutting gracefully: long text ends in ``…``; lists end in "…and N more — <where to look>".
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.app.results import CreditReport, Line, Ranked
from bot.slack.blocks_credit import credit_blocks, issue_link, leaderboard_blocks
from bot.slack.blocks_issues import (
    ORPHANS_HINT,
    orphan_item,
    orphans_blocks,
    score_card_blocks,
    unfurl_attachment,
)
from bot.slack.blocks_kit import (
    ACTION_FLAG,
    ACTION_OPEN_ISSUE,
    ACTION_WHY,
    CALLBACK_HOME,
    MAX_MESSAGE_BLOCKS,
    MAX_VIEW_BLOCKS,
    Block,
    Unit,
    clip,
    context,
    divider,
    escape,
    fit_blocks,
    header,
    section,
)

__all__ = [
    "ACTION_FLAG",
    "ACTION_OPEN_ISSUE",
    "ACTION_WHY",
    "CALLBACK_HOME",
    "MAX_MESSAGE_BLOCKS",
    "MAX_VIEW_BLOCKS",
    "Block",
    "clip",
    "credit_blocks",
    "escape",
    "fit_blocks",
    "home_view",
    "leaderboard_blocks",
    "notice_blocks",
    "orphans_blocks",
    "score_card_blocks",
    "unfurl_attachment",
    "usage_blocks",
]

HOME_CREDIT_LINES = 10
HOME_FLAGS = 20
_CODE_FENCE = "```"


def usage_blocks(message: str | None, usage: str) -> list[Block]:
    """What went wrong (``message``, mrkdwn with the user's words escaped, if any) above the
    ``usage`` text in a code block."""
    blocks = [section(f":warning: {message}")] if message else []
    body = clip(escape(usage), 3000 - 2 * len(_CODE_FENCE) - 2)
    return [*blocks, section(f"{_CODE_FENCE}\n{body}\n{_CODE_FENCE}")]


def notice_blocks(text: str) -> list[Block]:
    """One plain, polite section for refusals and errors. ``text`` is mrkdwn: whatever in it
    came from a user, a rules file or a tracker was escaped by the caller."""
    return [section(text or "Something went wrong. Please try again.")]


def home_view(
    *,
    person_name: str,
    credit: CreditReport | None,
    flags: Sequence[tuple[str, str]],
    team_orphans: Sequence[Ranked],
) -> Block:
    """The App Home view (``{"type": "home", "callback_id": CALLBACK_HOME, "blocks": […]}``):
    the person's credit with its lines, the issues they flagged — ``flags`` as ``(key,
    title)`` pairs, as ``Services.flags_of`` gives them — and their team's orphans. At most
    100 blocks: each list is capped and ends in a pointer to the slash command."""
    blocks = [
        header(f"Cross-team impact — {person_name}"),
        *_credit_part(credit),
        divider(),
        section("*Issues you flagged*"),
        *_flags_part(flags),
        divider(),
        section("*Orphaned work your team could pick up*"),
    ]
    footer = context("Try `/impact help` for everything impactbot can do.")
    room = MAX_VIEW_BLOCKS - len(blocks) - 1
    blocks += _orphans_part(team_orphans, room)
    return {"type": "home", "callback_id": CALLBACK_HOME, "blocks": [*blocks, footer]}


def _credit_part(credit: CreditReport | None) -> list[Block]:
    if credit is None or not credit.lines:
        return [
            section(
                "*Your credit*\nNo credit yet. It comes when cross-team work you fixed, flagged "
                "or sponsored is completed — flag some with `/impact flag URL`."
            )
        ]
    roles = ", ".join(f"{escape(r)} {p:.1f}" for r, p in credit.by_role.items())
    summary = section(
        f"*Your credit* — {escape(credit.period.label)}: *{credit.total:.1f}* points\n{roles}"
    )
    lines: list[Unit] = [_credit_line(line) for line in credit.lines]
    return [summary, *fit_blocks(lines, HOME_CREDIT_LINES, "see `/impact credit` for all")]


def _credit_line(line: Line) -> Block:
    entry = line.entry
    return context(
        f"`#{line.entry_id}` *{entry.points:+.1f}* {escape(entry.role)} · "
        f"{issue_link(entry)} · {escape(clip(entry.reason, 300, markup=False))}"
    )


def _flags_part(flags: Sequence[tuple[str, str]]) -> list[Block]:
    if not flags:
        return [context("None yet: `/impact flag URL [note]` marks an issue as cross-team work.")]
    items: list[Unit] = [section(f"• `{escape(key)}` {escape(title)}") for key, title in flags]
    return fit_blocks(items, HOME_FLAGS, "older flags are not shown")


def _orphans_part(rows: Sequence[Ranked], room: int) -> list[Block]:
    if not rows:
        return [context("Nothing orphaned above the surfacing threshold for your team.")]
    items: list[Unit] = [orphan_item(rank, row) for rank, row in enumerate(rows, start=1)]
    return fit_blocks(items, room, ORPHANS_HINT)
