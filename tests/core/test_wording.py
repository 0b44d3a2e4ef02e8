"""The two numbers read the same everywhere: value, and priority = value × how orphaned."""

from __future__ import annotations

from bot.core.wording import orphaned_share, priority_phrase, reason_weight


def test_priority_is_said_with_the_value_it_comes_from() -> None:
    assert priority_phrase(87, 60.9) == "priority 61 = value 87 × 70% orphaned"
    assert priority_phrase(87, 60.9, bold="*") == "priority *61* = value 87 × 70% orphaned"


def test_a_reason_says_what_it_adds_not_a_multiplier() -> None:
    assert reason_weight(0.4) == "+40% orphaned"
    assert "×" not in reason_weight(1.0)


def test_nothing_of_no_value_is_orphaned() -> None:
    assert orphaned_share(0, 0) == 0.0
    assert orphaned_share(50, 25) == 0.5
