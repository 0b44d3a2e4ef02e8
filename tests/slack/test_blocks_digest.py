from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_sdk.models.blocks import Block as SdkBlock

from bot.core.digest import Claim, DigestItem, ManagerDigest, StalledClaim, compose, digest_item
from bot.core.digest_leadership import (
    FunnelCounts,
    compose_leadership,
)
from bot.core.digest_routing import route
from bot.core.rules_scoring import ScoringRules
from bot.core.rules_teams import TeamsRules
from bot.core.scoring import score_issues
from bot.slack.blocks_digest import claim_picker, digest_blocks
from bot.slack.blocks_digest_clicks import (
    ACTION_CLAIM,
    ACTION_NOT_OURS,
    ACTION_SNOOZE,
    ACTION_UNDO,
    issue_uid_of,
)
from bot.slack.blocks_kit import ACTION_WHY
from bot.slack.blocks_leadership import leadership_digest_blocks
from tests.builders import NOW, TEAMS, directory, issue
from tests.slack.test_blocks import walk

ACTION_IDS = {ACTION_CLAIM, ACTION_NOT_OURS, ACTION_SNOOZE, ACTION_UNDO, ACTION_WHY}
ORG = TeamsRules.model_validate(TEAMS)
UID = "github:acme/labelling#1"


def item(n: int = 1, **fields: Any) -> DigestItem:
    data: dict[str, Any] = {
        "issue_uid": f"github:acme/labelling#{n}",
        "key": f"acme/labelling#{n}",
        "title": f"Taxonomy mislabels things, part {n}",
        "url": f"https://github.com/acme/labelling/issues/{n}",
        "score": 61.4,
        "orphan_score": 42.0,
        "reasons": ("2 teams besides labelling benefit", "nobody is assigned"),
        "benefiting": ("asr", "vision"),
        "owner_team": "labelling",
        "waited_days": 150,
        "cost_of_delay": 16.96,
        "owner_candidates": ("labelling",),
    }
    data.update(fields)
    return DigestItem(**data)


def digest(count: int = 3, **fields: Any) -> ManagerDigest:
    data: dict[str, Any] = {
        "manager": "omar",
        "teams": ("asr",),
        "period": "2026-W45",
        "items": tuple(item(n) for n in range(1, count + 1)),
        "stalled": (),
        "team_credit": {"asr": 12.5},
    }
    data.update(fields)
    return ManagerDigest(**data)


def stalled(n: int = 7, idle: int = 30) -> StalledClaim:
    claim = Claim(item(n).issue_uid, "asr", "omar", "ana", NOW - timedelta(days=idle))
    return StalledClaim(item(n), claim, idle)


# --- checks every test applies ----------------------------------------------------------


def check(blocks: list[dict[str, Any]], limit: int = 50) -> list[dict[str, Any]]:
    """Slack's limits, slack_sdk's own validation, known action ids, unique block ids."""
    assert 1 <= len(blocks) <= limit
    for block in blocks:
        if block["type"] == "section":
            assert 1 <= len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert 1 <= len(block["text"]["text"]) <= 150
        if block["type"] == "context":
            assert all(len(e["text"]) <= 2000 for e in block["elements"])
        parsed = SdkBlock.parse(block)
        assert parsed is not None
        parsed.validate_json()
    for node in walk(blocks):
        if "action_id" in node:
            assert node["action_id"] in ACTION_IDS
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)) and all(len(b) <= 255 for b in block_ids)
    return blocks


def texts(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(n["text"] for n in walk(blocks) if isinstance(n.get("text"), str))


def elements(blocks: list[dict[str, Any]], action_id: str) -> list[dict[str, Any]]:
    return [n for n in walk(blocks) if n.get("action_id") == action_id]


# --- the manager digest ------------------------------------------------------------------


SLACK = {"ana": "UANA", "omar": "UOMAR", "vera": "UVERA", "lena": "ULENA"}


def test_digest_states_each_item_with_its_actions() -> None:
    picker = claim_picker("omar", directory(), SLACK)
    blocks = check(digest_blocks(digest(), picker=picker))
    assert blocks[0]["type"] == "header" and "2026-W45" in blocks[0]["text"]["text"]
    text = texts(blocks)
    assert "<https://github.com/acme/labelling/issues/1|acme/labelling#1 — Taxonomy" in text
    assert "= value 61 ×" in text and "priority *" in text and "benefits asr, vision" in text
    assert "• 2 teams besides labelling benefit\n• nobody is assigned" in text
    assert "waiting 150 days · cost of delay +17.0" in text
    claims = elements(blocks, ACTION_CLAIM)
    assert [c["type"] for c in claims] == ["static_select"] * 3
    # Omar manages ASR, which the items benefit: he may assign ASR's people, nobody else.
    offered = [(o["value"], o["text"]["text"]) for o in claims[0]["options"]]
    assert offered == [("UOMAR", "Omar"), ("UANA", "Ana")]
    rows = [b for b in blocks if b["type"] == "actions"]
    assert [issue_uid_of(r["block_id"]) for r in rows] == [item(n).issue_uid for n in (1, 2, 3)]
    assert [b["value"] for b in elements(blocks, ACTION_NOT_OURS)] == [
        item(n).issue_uid for n in (1, 2, 3)
    ]
    snooze = elements(blocks, ACTION_SNOOZE)[0]
    assert snooze["text"]["text"] == "Snooze 4 weeks" and snooze["value"] == UID


def test_without_anyone_to_offer_there_is_no_claim_select() -> None:
    blocks = check(digest_blocks(digest(1)))
    assert elements(blocks, ACTION_CLAIM) == [] and elements(blocks, ACTION_NOT_OURS)
    unrelated = claim_picker("vik", directory(), SLACK)  # Vision's manager: not concerned
    assert unrelated(item(1, benefiting=("asr",))) == []


def test_snooze_label_follows_the_rules() -> None:
    blocks = digest_blocks(digest(1), snooze_weeks=1)
    assert elements(blocks, ACTION_SNOOZE)[0]["text"]["text"] == "Snooze 1 week"


def test_recognition_and_stalled_claims() -> None:
    blocks = check(
        digest_blocks(
            digest(1, stalled=(stalled(),), team_credit={"asr": 12.5, "vision": 4.0}),
            slack_ids={"ana": "U0ANA"},
        )
    )
    text = texts(blocks)
    assert "your teams earned *16.5* points" in text and "asr 12.5, vision 4.0" in text
    assert "*Claimed but stalled*" in text
    assert "asr claimed it for <@U0ANA> on 2026-10-02; no activity for 30 days" in text
    assert not elements(blocks[-1:], ACTION_CLAIM)  # stalled items carry no actions


def test_no_credit_yet_is_said_kindly() -> None:
    text = texts(check(digest_blocks(digest(1, team_credit={}))))
    assert "no cross-team credit for your teams this period yet" in text


def test_nothing_needs_you_is_one_line() -> None:
    blocks = check(digest_blocks(digest(0, team_credit={})))
    assert "Nothing needs you this week." in texts(blocks)
    assert not elements(blocks, ACTION_CLAIM)


def test_markup_in_titles_and_reasons_is_escaped() -> None:
    hostile = item(title="<!channel> & <b>bold</b>", reasons=("<@U123> said so",))
    text = texts(check(digest_blocks(digest(items=(hostile,)))))
    assert "&lt;!channel&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in text
    assert "&lt;@U123&gt; said so" in text and "<!channel>" not in text


def test_at_most_50_blocks_and_a_pointer_to_the_rest() -> None:
    d = digest(40, more=5, stalled=tuple(stalled(n) for n in range(100, 130)))
    blocks = check(digest_blocks(d, picker=claim_picker("omar", directory(), SLACK)))
    assert len(blocks) == 50
    shown = len(elements(blocks, ACTION_CLAIM))
    pointer = next(b for b in blocks if "more —" in texts([b]))
    assert f"and {40 - shown + 5} more — `/impact orphans TEAM`" in texts([pointer])
    assert "…and 20 more" in texts(blocks[-1:])  # stalled list capped at 10 lines


def test_items_left_out_by_the_cap_are_counted() -> None:
    blocks = check(digest_blocks(digest(2, more=3)))
    assert "…and 3 more" in texts(blocks)


def test_long_uid_drops_only_the_claim_select() -> None:
    long_item = item(issue_uid="github:" + "x" * 300)
    blocks = check(digest_blocks(digest(items=(long_item,))))
    assert not elements(blocks, ACTION_CLAIM)
    assert elements(blocks, ACTION_NOT_OURS)[0]["value"] == long_item.issue_uid


def test_ambiguous_owner_is_named() -> None:
    unclear = item(owner_team=None, owner_candidates=("nlp", "recsys"))
    assert "owner unclear (nlp, recsys)" in texts(digest_blocks(digest(items=(unclear,))))


# --- end to end over real models ---------------------------------------------------------


def test_real_cards_routed_composed_and_rendered() -> None:
    issues = [
        issue(url="https://github.com/acme/labelling/issues/1", title="Taxonomy is wrong"),
        issue("acme/asr#2", author="ana", refs=("acme/labelling#1",)),
        issue("acme/vision#3", author="vera", refs=("acme/labelling#1",)),
    ]
    dirs = directory()
    cards = score_issues(issues, directory=dirs, rules=ScoringRules(), now=NOW)
    items = [digest_item(c, i, directory=dirs, now=NOW) for c, i in zip(cards, issues, strict=True)]
    orphans = [i for i in items if i.orphan_score > 0 and i.issue_uid == UID]
    routed = route(orphans, teams=ORG, now=NOW)
    d = compose("vik", routed["vik"], teams=ORG, period="2026-W44", now=NOW)
    assert d is not None
    blocks = check(digest_blocks(d, picker=claim_picker("vik", dirs, {"vera": "UVERA"})))
    assert "Taxonomy is wrong" in texts(blocks) and elements(blocks, ACTION_CLAIM)
    ld = compose_leadership(
        items, teams=ORG, period="2026-W44", current={"asr": FunnelCounts(1, 0, 0)}, previous={}
    )
    check(leadership_digest_blocks(ld))
