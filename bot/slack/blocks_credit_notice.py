"""The "did this help your team?" message a benefiting team's manager gets."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks_kit import button, escape, section

ACTION_CONFIRM = "credit_confirm"  # value: the issue uid


def confirm_blocks(issue_uid: str, title: str, team: str) -> list[dict[str, Any]]:
    """A question and one button; confirming lets the item's pending credit count."""
    text = (
        f"*{escape(title)}* was completed, and impactbot credits it as helping "
        f"*{escape(team)}*. Did it help your team?"
    )
    confirm = button("Yes, this helped us", ACTION_CONFIRM, value=issue_uid)
    return [section(text, accessory=confirm)] if confirm else [section(text)]
