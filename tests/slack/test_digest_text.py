"""Digests as plain text: the notification fallback for Slack and the terminal's dry run."""

from __future__ import annotations

from bot.slack.digest_text import digest_text, leadership_text
from tests.slack.test_blocks_digest import digest, item, stalled
from tests.slack.test_blocks_leadership import leadership


def test_digest_text_for_slack_and_for_the_terminal() -> None:
    d = digest(items=(item(title="A & <B>"),), stalled=(stalled(),), more=2)
    for_slack = digest_text(d)
    assert (
        "acme/labelling#1 — A &amp; &lt;B&gt; (priority 42 = value 61 × 68% orphaned)" in for_slack
    )
    assert "https://github.com/acme/labelling/issues/1" in for_slack
    assert "waiting 150 days · cost of delay +17.0" in for_slack
    assert "…and 2 more" in for_slack and "Your teams earned 12.5 points" in for_slack
    assert "Claimed but stalled:" in for_slack and "no activity for 30 days" in for_slack
    assert "A & <B>" in digest_text(d, markup=False)
    assert "Nothing needs you this week." in digest_text(digest(0))


def test_leadership_text() -> None:
    text = leadership_text(leadership(top=1, teams=1, more=2))
    assert "1. acme/labelling#1" in text and "…and 2 more" in text
    assert "team000 5 → 2 → 0  (4 → 2 → 1) ▼" in text
