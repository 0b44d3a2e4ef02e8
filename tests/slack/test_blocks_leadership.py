"""The leadership digest's blocks: top orphans with Why?, the funnel per team, the caps."""

from __future__ import annotations

from bot.core.digest_leadership import FunnelCounts, FunnelLine, LeadershipDigest
from bot.slack.blocks_digest_clicks import ACTION_CLAIM
from bot.slack.blocks_kit import ACTION_WHY
from bot.slack.blocks_leadership import leadership_digest_blocks
from tests.slack.test_blocks_digest import check, elements, item, texts


def leadership(top: int = 3, teams: int = 3, more: int = 0) -> LeadershipDigest:
    return LeadershipDigest(
        period="2026-W45",
        top=tuple(item(n) for n in range(1, top + 1)),
        funnel=tuple(
            FunnelLine(f"team{n:03d}", 5, 2, n % 3, FunnelCounts(4, 2, 1)) for n in range(teams)
        ),
        more=more,
    )


def test_leadership_digest_top_orphans_and_funnel() -> None:
    blocks = check(leadership_digest_blocks(leadership()))
    text = texts(blocks)
    assert "leadership digest, 2026-W45" in blocks[0]["text"]["text"]
    assert [b["value"] for b in elements(blocks, ACTION_WHY)] == [
        item(n).issue_uid for n in (1, 2, 3)
    ]
    assert "`team000` 5 → 2 → 0  (4 → 2 → 1) ▼" in text
    assert "`team001` 5 → 2 → 1  (4 → 2 → 1)\n" in text
    assert "`team002` 5 → 2 → 2  (4 → 2 → 1) ▲" in text
    assert not elements(blocks, ACTION_CLAIM)  # leadership looks, managers claim


def test_leadership_digest_fits_a_big_organisation() -> None:
    blocks = check(leadership_digest_blocks(leadership(top=60, teams=150, more=4)))
    assert len(blocks) == 50
    assert "…and" in texts(blocks) and "`team149`" in texts(blocks)


def test_leadership_digest_with_nothing() -> None:
    text = texts(check(leadership_digest_blocks(leadership(top=0, teams=0))))
    assert "No orphaned work above the surfacing threshold." in text
    assert "No teams configured." in text
