"""`/impact audit` blocks: recorded strings are never live mrkdwn, long logs end in a pointer."""

from __future__ import annotations

from datetime import timedelta

from bot.app.results import AuditListing, AuditRow
from bot.slack.blocks_audit import AUDIT_HINT, audit_blocks
from tests.builders import NOW


def _row(i: int, detail: str = "why") -> AuditRow:
    return AuditRow(i, NOW + timedelta(minutes=i), "ana", "not_ours", f"github:a/b#{i}", detail)


def test_subjects_and_reasons_are_escaped() -> None:
    listing = AuditListing(None, None, (_row(1, "<!channel> <https://evil|click> & co"),))
    [_, block] = audit_blocks(listing, "7d", slack_ids={"ana": "UANA"})
    text = block["text"]["text"]
    assert "&lt;!channel&gt; &lt;https://evil|click&gt; &amp; co" in text
    assert text.startswith("`2026-11-01 12:01` <@UANA> *not_ours* github:a/b#1")


def test_newest_first_and_a_pointer_past_fifty_blocks() -> None:
    blocks = audit_blocks(AuditListing(None, None, tuple(_row(i) for i in range(80))), "90d")
    assert len(blocks) == 50 and "github:a/b#79" in blocks[1]["text"]["text"]
    assert "and 32 more" in str(blocks[-1]) and AUDIT_HINT in str(blocks[-1])


def test_who_acted_reads_by_name_when_there_is_no_slack_id() -> None:
    listing = AuditListing(None, None, (_row(1),))
    [_, block] = audit_blocks(listing, "7d", slack_ids={}, names={"ana": "Ana Lima"})
    text = block["text"]["text"]
    assert text.startswith("`2026-11-01 12:01` Ana Lima *not_ours*") and " ana " not in text
