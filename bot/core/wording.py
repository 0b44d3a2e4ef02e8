"""How impactbot names its two numbers, the same on every surface.

An item has a **value** (the score card's total: cross-team points; the surfacing threshold
applies to it) and an **orphan priority** (value × how orphaned it is, 0–100 %: the share of
that value nobody is rewarded for doing; lists are ranked by it). Each orphan reason *adds* its
weight to "how orphaned", capped at 100 %. Saying all of this where the numbers first appear
lets a reader understand them without the README. Pure: strings in, strings out.
"""

from __future__ import annotations


def orphaned_share(value: float, priority: float) -> float:
    """How orphaned an item is, 0..1: its priority as a share of its value."""
    return priority / value if value > 0 else 0.0


def priority_phrase(value: float, priority: float, *, bold: str = "") -> str:
    """``priority 61 = value 87 × 70% orphaned``; ``bold`` wraps the priority (``*`` for
    Slack mrkdwn, ``""`` for plain text)."""
    share = orphaned_share(value, priority)
    return f"priority {bold}{priority:.0f}{bold} = value {value:.0f} × {share:.0%} orphaned"


def reason_weight(weight: float) -> str:
    """An orphan reason's weight as what it adds: ``+40% orphaned`` (never ``×0.4``)."""
    return f"+{weight:.0%} orphaned"
