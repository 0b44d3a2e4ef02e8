"""Credit notices, pure: the thanks a credited person gets, and the one message per run that
asks a benefiting team's manager to confirm what is pending.

Both are bounded — at most a screenful of items, then "…and N more" — and every title, role
and team in them is escaped, in the blocks and in the top-level ``text`` alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.app.results import Ask
from bot.core.credit import CreditEntry
from bot.slack.blocks_kit import (
    ELLIPSIS,
    button,
    clip,
    escape,
    more_pointer,
    section,
    teams_text,
)

ACTION_CONFIRM = "credit_confirm"  # value: the issue uid

THANKS_SHOWN = 15  # credit lines in one thanks message: a screenful
ASKS_SHOWN = 15  # items in one confirmation message
THANKS_HINT = "`/impact credit` lists all of your credit"
ASKS_HINT = "an impactbot admin confirms any of them with `impactbot credit --confirm KEY --by YOU`"


def thanks_text(entries: Sequence[CreditEntry], titles: Mapping[str, str]) -> str:
    """The thanks for ``entries`` (one person's fresh mints), mrkdwn: at most
    :data:`THANKS_SHOWN` lines, then how many more."""
    lines = [":tada: You earned cross-team impact credit:"]
    for e in entries[:THANKS_SHOWN]:
        pending = " (counts once a benefiting team's manager confirms)" if e.pending else ""
        title = clip(escape(titles.get(e.issue_uid, e.issue_uid)), 300)
        lines.append(
            f"• {e.points:.0f} points as {escape(e.role)} for {title}, which helped "
            f"{teams_text(e.beneficiaries)}{pending}"
        )
    if len(entries) > THANKS_SHOWN:
        lines.append(f"{ELLIPSIS}and {len(entries) - THANKS_SHOWN} more — {THANKS_HINT}")
    return "\n".join(lines)


def confirm_text(asks: Sequence[Ask]) -> str:
    """The notification text of a confirmation message (escaped)."""
    if len(asks) == 1:
        return f"Did {clip(escape(asks[0].title), 300)} help {teams_text(asks[0].teams)}?"
    return f"{len(asks)} completed items wait for you to confirm that they helped your teams"


def confirm_blocks(asks: Sequence[Ask]) -> list[dict[str, Any]]:
    """One message for all of a manager's pending items: a question, then per item its title,
    the teams it helped and a button; at most :data:`ASKS_SHOWN` items, then how many more.
    Confirming lets the item's pending credit count."""
    intro = section("Cross-team work was completed for your teams. *Did it help them?*")
    shown = [_ask(a) for a in asks[:ASKS_SHOWN]]
    if len(asks) > ASKS_SHOWN:
        shown.append(more_pointer(len(asks) - ASKS_SHOWN, ASKS_HINT))
    return [intro, *shown]


def _ask(ask: Ask) -> dict[str, Any]:
    text = f"*{clip(escape(ask.title), 1000)}* — credited as helping *{teams_text(ask.teams)}*"
    confirm = button("Yes, this helped us", ACTION_CONFIRM, value=ask.issue_uid)
    return section(text, accessory=confirm) if confirm else section(text)
