from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app.results import CreditReport, Explanation, LeaderBoard, Line, Ranked
from bot.core.credit import CreditEntry, EntryKind
from bot.core.models import Contribution, OrphanFinding, OrphanReason, ScoreCard
from bot.core.periods import parse_period
from bot.core.slash import USAGE, UsageError
from bot.slack import blocks_kit
from bot.slack.blocks import (
    ACTION_FLAG,
    ACTION_OPEN_ISSUE,
    ACTION_WHY,
    CALLBACK_HOME,
    clip,
    credit_blocks,
    escape,
    fit_blocks,
    home_view,
    leaderboard_blocks,
    notice_blocks,
    orphans_blocks,
    score_card_blocks,
    unfurl_attachment,
    usage_blocks,
)
from bot.slack.blocks_kit import header, link, section
from bot.slack.command_text import parse_command
from tests.builders import NOW, issue

try:
    from slack_sdk.models.blocks import Block as SdkBlock
    from slack_sdk.models.views import View as SdkView
except ImportError:  # the lead adds slack_sdk to pyproject; until then only our own checks
    SdkBlock = None  # type: ignore[assignment,misc]
    SdkView = None  # type: ignore[assignment,misc]

GH = "https://github.com/acme/labelling/issues/1"
ACTION_IDS = {v for k, v in vars(blocks_kit).items() if k.startswith("ACTION_")}
PERIOD = parse_period("30d", now=NOW)
LONG = "x" * 10_000

# --- builders of real inputs ---------------------------------------------------------------------


def card(
    uid: str = "github:acme/labelling#1",
    *,
    contributions: Sequence[Contribution] | None = None,
    findings: Sequence[OrphanFinding] | None = None,
    beneficiaries: tuple[str, ...] = ("asr", "vision"),
    notes: tuple[str, ...] = (),
) -> ScoreCard:
    parts = contributions if contributions is not None else default_contributions()
    found = findings if findings is not None else default_findings()
    return ScoreCard(
        issue_uid=uid,
        computed_at=NOW,
        total=sum(c.points for c in parts),
        orphan_score=12.5 if found else 0.0,
        owner_team="labelling",
        beneficiaries=beneficiaries,
        incentive_gap=0.8,
        contributions=tuple(parts),
        orphan_findings=tuple(found),
        notes=notes,
    )


def default_contributions() -> list[Contribution]:
    return [
        Contribution(signal="reach", points=10, reason="team asr benefits", evidence=(GH,)),
        Contribution(signal="reach", points=10, reason="team vision benefits"),
        Contribution(
            signal="cost_of_delay",
            points=6,
            reason="waiting 4.9 months: the cost of delay adds 30%",
            evidence=("created 2026-06-04",),
        ),
    ]


def default_findings() -> list[OrphanFinding]:
    return [
        OrphanFinding(reason=OrphanReason.UNASSIGNED, detail="nobody is assigned", weight=1),
        OrphanFinding(reason=OrphanReason.IDLE, detail="no human activity for 120 days", weight=1),
    ]


def explanation(**fields: Any) -> Explanation:
    the_issue = fields.pop("issue", None) or issue(url=GH, title="Taxonomy mislabels <b> & co")
    return Explanation(issue=the_issue, card=card(the_issue.uid, **fields), threshold=20)


def ranked(n: int, **fields: Any) -> Ranked:
    key = f"acme/labelling#{n}"
    return Ranked(
        card=card(f"github:{key}", **fields),
        key=key,
        title=f"Orphan {n}",
        url=f"https://github.com/acme/labelling/issues/{n}",
    )


def entry(n: int, *, kind: EntryKind = EntryKind.MINT, **fields: Any) -> CreditEntry:
    data: dict[str, Any] = {
        "natural_key": f"mint|github:acme/labelling#{n}|c|resolver|ana",
        "kind": kind,
        "person_id": "ana",
        "team_id": "asr",
        "role": "resolver",
        "share": 0.5,
        "points": 4.0 if kind is EntryKind.MINT else -4.0,
        "issue_uid": f"github:acme/labelling#{n}",
        "closure": "2026-10-01T00:00:00+00:00",
        "beneficiaries": ("asr", "vision"),
        "reason": f"resolver of acme/labelling#{n}",
        "evidence": (f"https://github.com/acme/labelling/issues/{n}", "merged pull request"),
        "at": datetime(2026, 10, 1, tzinfo=UTC),
    }
    data.update(fields)
    return CreditEntry(**data)


def report(count: int = 3, **fields: Any) -> CreditReport:
    data: dict[str, Any] = {
        "subject": "person ana",
        "period": PERIOD,
        "total": 4.0 * count,
        "by_role": {"resolver": 4.0 * count},
        "lines": [Line(i + 1, entry(i + 1)) for i in range(count)],
    }
    data.update(fields)
    return CreditReport(**data)


# --- checks every test applies -------------------------------------------------------------------


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def check(blocks: list[dict[str, Any]], limit: int = 50) -> list[dict[str, Any]]:
    """Slack's limits, our action ids, and (when installed) slack_sdk's own validation."""
    assert 1 <= len(blocks) <= limit
    for block in blocks:
        kind = block["type"]
        if kind == "section":
            assert 1 <= len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        if kind == "header":
            assert 1 <= len(block["text"]["text"]) <= 150
        if kind == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 2000 for e in block["elements"])
        if SdkBlock is not None:
            SdkBlock.parse(block).validate_json()  # type: ignore[union-attr]
    for node in walk(blocks):
        if "action_id" in node:
            assert node["action_id"] in ACTION_IDS
    return blocks


def texts(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(n["text"] for n in walk(blocks) if isinstance(n.get("text"), str))


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for n in walk(blocks) if n.get("type") == "button"]


def pointer(blocks: list[dict[str, Any]]) -> str:
    last = blocks[-1]
    assert last["type"] == "context"
    text: str = last["elements"][0]["text"]
    return text


# --- primitives ----------------------------------------------------------------------------------


def test_escape() -> None:
    assert escape("a & <b> <!channel>") == "a &amp; &lt;b&gt; &lt;!channel&gt;"
    assert escape("*bold* `code` ~strike~ &lt;") == "∗bold∗ ˋcodeˋ ∼strike∼ &amp;lt;"


@pytest.mark.parametrize("limit", [1, 2, 10, 3000])
def test_clip_keeps_within_the_limit(limit: int) -> None:
    clipped = clip(LONG, limit)
    assert len(clipped) == limit
    assert clipped.endswith("…")
    assert clip("short", limit) == "short"[:limit] or len("short") > limit


def test_clip_never_splits_an_entity_or_a_link() -> None:
    assert clip("abcdef&amp;ghij", 9) == "abcdef…"
    assert clip("ab <https://x.example/abc|label> tail", 20) == "ab …"
    assert clip("ab &lt;b", 7, markup=False) == "ab &lt…"
    assert clip("a < b and more text", 10, markup=False) == "a < b and…"
    with pytest.raises(ValueError, match="at least 1"):
        clip("x", 0)


def test_link() -> None:
    assert (
        link("https://x.example/a?b=1&c=2", "A <b>")
        == "<https://x.example/a?b=1&amp;c=2|A &lt;b&gt;>"
    )
    assert link("https://x.example/a|b>c", "t") == "<https://x.example/a%7Cb%3Ec|t>"
    assert link("javascript:alert(1)", "t") == "t"
    assert link(None, "a&b") == "a&amp;b"
    assert link("https://x.example/" + "a" * 2000, "t") == "t"


def test_fit_blocks_keeps_what_fits_and_points_to_the_rest() -> None:
    items = [section(str(i)) for i in range(10)]
    assert fit_blocks(items, 10, "hint") == items
    fitted = fit_blocks(items, 5, "use `/impact x`")
    assert fitted[:4] == items[:4]
    assert pointer(fitted) == "…and 6 more — use `/impact x`"
    assert pointer(fit_blocks(items, 1, "h")) == "…and 10 more — h"
    with pytest.raises(ValueError, match="at least 1"):
        fit_blocks(items, 0, "h")


def test_fit_blocks_keeps_an_items_blocks_together() -> None:
    a, b, c = section("a"), section("b"), section("c")
    fitted = fit_blocks([(a, b), (c, a), (b, c)], 4, "h")
    assert fitted[:2] == [a, b]
    assert pointer(fitted) == "…and 2 more — h"


def test_header_is_plain_clipped_and_never_empty() -> None:
    block = header("T & <b> " + LONG)
    assert block["text"]["type"] == "plain_text"
    assert block["text"]["text"].startswith("T & <b> x")
    assert len(block["text"]["text"]) == 150
    assert header("   ")["text"]["text"] == "impactbot"


def test_section_caps_fields_at_ten() -> None:
    block = section("t", fields=[str(i) for i in range(14)])
    assert len(block["fields"]) == 10
    assert block["fields"][-1]["text"] == "…and 5 more"


# --- score card and unfurl -----------------------------------------------------------------------


def test_score_card_structure() -> None:
    exp = explanation(notes=("no bounce history",))
    blocks = check(score_card_blocks(exp))
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"] == "acme/labelling#1 — Taxonomy mislabels <b> & co"
    summary = blocks[1]
    assert (
        f"<{GH}|acme/labelling#1 — Taxonomy mislabels &lt;b&gt; &amp; co>"
        in summary["text"]["text"]
    )
    fields = [f["text"] for f in summary["fields"]]
    assert fields[0] == "*Score*\n26.0 (above the surfacing threshold 20)"
    assert fields[1] == "*Orphan*\n:warning: orphaned — priority 12 = value 26 × 48% orphaned"
    assert "labelling" in fields[2] and "80%" in fields[3]
    body = texts(blocks)
    assert "*Benefiting teams:* asr, vision" in body
    assert "`+10.0` *team asr benefits*\n_reach_ · " + GH in body
    assert "`+6.0` *waiting 4.9 months" in body
    assert "• nobody is assigned _(unassigned, +100% orphaned)_" in body
    assert "no bounce history" in body
    flag, open_ = buttons(blocks)
    assert flag["action_id"] == ACTION_FLAG and flag["value"] == "github:acme/labelling#1"
    assert open_["action_id"] == ACTION_OPEN_ISSUE and open_["url"] == GH


def test_score_card_of_a_closed_issue_without_url_or_orphan_findings() -> None:
    closed = issue(state="closed", closed_at=NOW)
    blocks = check(score_card_blocks(explanation(issue=closed, findings=[])))
    assert buttons(blocks) == []
    assert "not orphaned" in texts(blocks)
    assert "Not an orphan: someone is on it" in texts(blocks)


def test_score_card_with_many_contributions_fits_and_keeps_its_tail() -> None:
    parts = [Contribution(signal="label", points=1, reason=f"labelled l{i}") for i in range(200)]
    blocks = check(score_card_blocks(explanation(contributions=parts)))
    assert len(blocks) == 50
    assert blocks[-1]["type"] == "actions"
    assert "*Why it is orphaned*" in blocks[-2]["text"]["text"]
    assert "run `impactbot explain acme/labelling#1` for every line" in pointer(blocks[:-2])


def test_score_card_clips_a_huge_reason_and_evidence() -> None:
    parts = [Contribution(signal="reach", points=1, reason=LONG, evidence=(LONG, LONG))]
    blocks = check(score_card_blocks(explanation(contributions=parts)))
    line = next(b for b in blocks if b["type"] == "section" and "`+1.0`" in b["text"]["text"])
    assert len(line["text"]["text"]) <= 3000
    assert "…" in line["text"]["text"] and "_reach_" in line["text"]["text"]


def test_score_card_escapes_tracker_text() -> None:
    parts = [Contribution(signal="s", points=1, reason="<!channel> & <@U1>", evidence=("<x>",))]
    body = texts(check(score_card_blocks(explanation(contributions=parts))))
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in body and "&lt;x&gt;" in body
    assert "<!channel>" not in body


def test_unfurl_attachment_is_compact() -> None:
    attachment = unfurl_attachment(explanation())
    assert attachment["color"] == "#d97706"
    check(attachment["blocks"])
    text = attachment["blocks"][0]["text"]["text"]
    assert f"<{GH}|acme/labelling#1 — Taxonomy" in text
    assert "Score *26.0* · benefits asr, vision · :warning: orphaned" in text
    assert "(unassigned, idle)" in text
    calm = unfurl_attachment(explanation(findings=[]))
    assert calm["color"] == "#2eb67d"
    assert "not orphaned" in calm["blocks"][0]["text"]["text"]


# --- orphans -------------------------------------------------------------------------------------


def test_orphans_structure() -> None:
    blocks = check(orphans_blocks([ranked(1), ranked(2)], "Top orphans for asr"))
    assert blocks[0] == header("Top orphans for asr")
    first = blocks[1]["text"]["text"]
    assert first.startswith("*1.* *<https://github.com/acme/labelling/issues/1|acme/labelling#1")
    assert "priority *12* = value 26 × 48% orphaned" in first
    assert "labelling → asr, vision" in first
    assert "waiting 4.9 months · no human activity for 120 days" in first
    assert "\n• team asr benefits\n• team vision benefits\n• waiting" in first
    assert "\n• nobody is assigned" in first
    why = blocks[2]["accessory"]
    assert why["action_id"] == ACTION_WHY and why["value"] == "github:acme/labelling#2"


def test_two_hundred_orphans_fit_in_one_message() -> None:
    blocks = check(orphans_blocks([ranked(i) for i in range(1, 201)], "All"))
    assert len(blocks) == 50
    assert "*48.*" in blocks[-2]["text"]["text"]
    assert pointer(blocks).startswith("…and 152 more — narrow it with `/impact orphans TEAM 25`")


def test_orphans_custom_hint_and_empty_list() -> None:
    blocks = orphans_blocks([ranked(i) for i in range(1, 60)], "t", more_hint="see the digest")
    assert pointer(blocks) == "…and 11 more — see the digest"
    empty = check(orphans_blocks([], "t"))
    assert "No orphaned work" in texts(empty)


def test_orphan_with_a_huge_title_and_reason_is_clipped() -> None:
    row = Ranked(
        card=card(contributions=[Contribution(signal="reach", points=1, reason=LONG)]),
        key="acme/labelling#1",
        title=LONG,
        url=GH,
    )
    text = check(orphans_blocks([row], "t"))[1]["text"]["text"]
    assert len(text) <= 3000 and text.endswith("…")


# --- credit and leaderboard ----------------------------------------------------------------------


def test_credit_structure() -> None:
    reversal = entry(9, kind=EntryKind.REVERSAL, reason="acme/labelling#9 was reopened")
    pending = entry(10, pending=True, evidence=("merged pull request",))
    the_report = report(
        2,
        by_role={"resolver": 8.0, "flagger": 1.5},
        lines=[Line(1, entry(1)), Line(2, reversal), Line(3, pending)],
    )
    blocks = check(credit_blocks(the_report, slack_ids={"ana": "U0ANA"}))
    assert blocks[0]["text"]["text"] == "Credit of person ana — last 30 days"
    assert blocks[1]["text"]["text"] == "*8.0* points"
    assert [f["text"] for f in blocks[2]["fields"]] == ["*resolver*\n8.0", "*flagger*\n1.5"]
    first = blocks[3]["text"]["text"]
    assert first.startswith("`#1` *+4.0* resolver · <@U0ANA> · ")
    assert "<https://github.com/acme/labelling/issues/1|acme/labelling#1>" in first
    assert "benefits asr, vision" in first and "\nresolver of acme/labelling#1" in first
    assert "*-4.0*" in blocks[4]["text"]["text"] and "_reversal_" in blocks[4]["text"]["text"]
    third = blocks[5]["text"]["text"]
    assert "`acme/labelling#10`" in third and "waiting for a manager to confirm" in third
    assert "impactbot credit --explain ENTRY" in texts(blocks[-1:])


def test_team_credit_shows_given_and_received() -> None:
    blocks = check(credit_blocks(report(1, subject="team asr", given=3.0, received=7.25)))
    assert "impact given (its people's credit): *3.0*" in blocks[1]["text"]["text"]
    assert "(work that benefited it): *7.2*" in blocks[1]["text"]["text"]
    assert "ana" in texts(blocks)  # no Slack id known: the directory id


def test_empty_credit() -> None:
    blocks = check(credit_blocks(report(0, by_role={})))
    assert texts(blocks).endswith("No credit in this period.")


def test_many_credit_lines_and_roles_fit() -> None:
    roles = {f"role-{i}": float(i) for i in range(15)}
    blocks = check(credit_blocks(report(300, by_role=roles)))
    assert len(blocks) == 50
    assert len(blocks[2]["fields"]) == 10
    assert pointer(blocks[:-1]).startswith("…and 255 more — `/impact export`")


def test_credit_escapes_people_and_reasons() -> None:
    odd = entry(1, person_id="a<b>", reason="R&D <!here>", beneficiaries=("x&y",))
    body = texts(check(credit_blocks(report(1, lines=[Line(1, odd)]))))
    assert "a&lt;b&gt;" in body and "R&amp;D &lt;!here&gt;" in body and "x&amp;y" in body


def test_leaderboard() -> None:
    board = LeaderBoard(PERIOD, [("ana", 12.5), ("lena", 3.0)])
    blocks = check(leaderboard_blocks(board, slack_ids={"lena": "U0LENA"}))
    assert blocks[0]["text"]["text"] == "Cross-team impact leaderboard — last 30 days"
    assert blocks[1]["text"]["text"] == "*1.* ana — *12.5* points"
    assert blocks[2]["text"]["text"] == "*2.* <@U0LENA> — *3.0* points"
    assert "No credit" in texts(check(leaderboard_blocks(LeaderBoard(PERIOD, []))))
    many = check(leaderboard_blocks(LeaderBoard(PERIOD, [(f"p{i}", 1.0) for i in range(80)])))
    assert pointer(many) == "…and 32 more — `impactbot leaderboard --limit N` shows more"


# --- usage, notices, App Home --------------------------------------------------------------------


def test_usage_blocks() -> None:
    parsed = parse_command("credit 2026 x&lt;*y*&gt;", now=NOW)  # Slack's `credit 2026 x<*y*>`
    assert isinstance(parsed, UsageError)
    blocks = check(usage_blocks(parsed.message, parsed.usage))
    assert blocks[0]["text"]["text"].startswith(':warning: "2026 x&lt;∗y∗&gt;": not a period')
    assert blocks[1]["text"]["text"].startswith("```\n/impact credit")
    assert blocks[1]["text"]["text"].endswith("\n```")
    full = check(usage_blocks(None, USAGE))
    assert len(full) == 1 and "/impact leaderboard" in full[0]["text"]["text"]
    assert "…" in check(usage_blocks(None, LONG))[0]["text"]["text"]


def test_notice_blocks_show_mrkdwn_as_given_and_are_never_empty() -> None:
    text = f"No issue {escape('<@U1> & *x*')}; try `/impact help`"
    assert check(notice_blocks(text))[0]["text"]["text"] == (
        "No issue &lt;@U1&gt; &amp; ∗x∗; try `/impact help`"
    )
    assert check(notice_blocks(""))[0]["text"]["text"]
    assert len(check(notice_blocks(LONG))[0]["text"]["text"]) == 3000


def test_home_view_structure() -> None:
    view = home_view(
        person_name="Ana",
        credit=report(2),
        flags=[("acme/asr#3", "ASR <drift>")],
        team_orphans=[ranked(1)],
    )
    assert view["type"] == "home" and view["callback_id"] == CALLBACK_HOME
    blocks = check(view["blocks"], 100)
    body = texts(blocks)
    assert blocks[0]["text"]["text"] == "Cross-team impact — Ana"
    assert "*Your credit* — last 30 days: *8.0* points\nresolver 8.0" in body
    assert "`#2` *+4.0* resolver" in body
    assert "• `acme/asr#3` ASR &lt;drift&gt;" in body
    assert "*1.* *<https://github.com/acme/labelling/issues/1|" in body
    if SdkView is not None:
        SdkView(**view).validate_json()


def test_home_view_for_a_newcomer() -> None:
    view = home_view(person_name="Newcomer", credit=None, flags=[], team_orphans=[])
    body = texts(check(view["blocks"], 100))
    assert "No credit yet" in body and "None yet" in body and "Nothing orphaned" in body


def test_home_view_stays_within_one_hundred_blocks() -> None:
    view = home_view(
        person_name="P" * 500,
        credit=report(300),
        flags=[(f"acme/asr#{i}", f"title {i}") for i in range(300)],
        team_orphans=[ranked(i) for i in range(1, 301)],
    )
    blocks = check(view["blocks"], 100)
    assert len(blocks) == 100
    pointers = [b for b in blocks if b["type"] == "context" and "more —" in texts([b])]
    assert len(pointers) == 3
    if SdkView is not None:
        SdkView(**view).validate_json()


def test_slack_sdk_accepts_every_builder() -> None:
    if SdkBlock is None:
        pytest.skip("slack_sdk is not installed: Block Kit validated by our own checks only")
    for built in (
        score_card_blocks(explanation()),
        orphans_blocks([ranked(i) for i in range(1, 80)], "t"),
        credit_blocks(report(80)),
        leaderboard_blocks(LeaderBoard(PERIOD, [("ana", 1.0)])),
        usage_blocks("m", USAGE),
        notice_blocks("n"),
    ):
        for block in built:
            SdkBlock.parse(block).validate_json()  # type: ignore[union-attr]
