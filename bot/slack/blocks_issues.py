"""Block Kit for issues: the explained score card, its link unfurl, and orphan lists.

Pure presentation over :class:`~bot.app.services.Explanation` and :class:`~bot.app.services.Ranked`;
the same facts the CLI prints (``bot/cli/render.py``), in Slack's shapes and limits.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.app.results import Explanation, Ranked, top_contributions
from bot.core.models import Contribution, ScoreCard
from bot.core.permissions import PRIVATE_ISSUE
from bot.core.wording import priority_phrase, reason_weight
from bot.slack.blocks_kit import (
    ACTION_FLAG,
    ACTION_OPEN_ISSUE,
    ACTION_WHY,
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    Block,
    Unit,
    actions,
    button,
    clip,
    context,
    escape,
    fit_blocks,
    header,
    link,
    section,
    teams_text,
)

ORPHANS_HINT = "narrow it with `/impact orphans TEAM 25`, or run `impactbot orphans`"
_EVIDENCE_TEXT = 1500  # of a contribution's section, so its reason always shows
_ORPHAN_COLOUR, _CALM_COLOUR = "#d97706", "#2eb67d"


def score_card_blocks(exp: Explanation) -> list[Block]:
    """The score card of ``exp`` point by point: a header with the issue, the score and orphan
    status, benefiting teams, each contribution (points, reason, signal, evidence), why it is
    (not) orphaned, notes, and Flag / Open buttons. At most 50 blocks: contributions beyond
    that end in a pointer to ``impactbot explain``."""
    issue, card = exp.issue, exp.card
    head = [header(f"{issue.key} — {issue.title}"), _summary(exp), _teams(card)]
    head.append(section(f"*Why it scores {card.total:.1f}*"))
    tail = [_orphan_section(card)]
    if card.notes:
        tail.append(context(*(escape(n) for n in card.notes)))
    buttons = _card_buttons(exp)
    tail += [buttons] if buttons else []
    hint = f"run `impactbot explain {escape(issue.key)}` for every line"
    room = MAX_MESSAGE_BLOCKS - len(head) - len(tail)
    return [*head, *fit_blocks([_contribution(c) for c in card.contributions], room, hint), *tail]


def _card_buttons(exp: Explanation) -> Block | None:
    """Flag (open issues only) and Open in tracker (when the issue has a URL)."""
    issue = exp.issue
    flag = button("Flag as cross-team impact", ACTION_FLAG, value=issue.uid)
    opening = button("Open in tracker", ACTION_OPEN_ISSUE, url=issue.url) if issue.url else None
    return actions(flag if issue.is_open else None, opening)


def _summary(exp: Explanation) -> Block:
    card = exp.card
    surfaced = "above" if card.total >= exp.threshold else "below"
    fields = [
        f"*Score*\n{card.total:.1f} ({surfaced} the surfacing threshold {exp.threshold:g})",
        f"*Orphan*\n{_orphan_status(card)}",
        f"*Owner team*\n{escape(card.owner_team or 'none')}",
        f"*Incentive gap*\n{card.incentive_gap:.0%} of the benefit lands outside it",
    ]
    title = link(exp.issue.url, f"{exp.issue.key} — {exp.issue.title}")
    return section(f"*{clip(title, 1000)}*", fields=fields)


def _orphan_status(card: ScoreCard) -> str:
    if card.is_orphan:
        return f":warning: orphaned — {priority_phrase(card.total, card.orphan_score)}"
    return "not orphaned"


def _teams(card: ScoreCard) -> Block:
    return section(f"*Benefiting teams:* {teams_text(card.beneficiaries)}")


def _contribution(part: Contribution) -> Block:
    evidence = "; ".join(escape(e) for e in part.evidence)
    detail = f"_{escape(part.signal)}_" + (
        f" · {clip(evidence, _EVIDENCE_TEXT)}" if evidence else ""
    )
    return section(f"`{part.points:+.1f}` *{clip(escape(part.reason), 1000)}*\n{detail}")


def _orphan_section(card: ScoreCard) -> Block:
    if not card.orphan_findings:
        return section("Not an orphan: someone is on it, or nobody outside its team needs it.")
    lines = [
        f"• {escape(f.detail)} _({f.reason.value}, {reason_weight(f.weight)})_"
        for f in card.orphan_findings
    ]
    return section("*Why it is orphaned*\n" + "\n".join(lines))


def unfurl_attachment(exp: Explanation) -> Block:
    """A compact card for ``chat.unfurl``: the issue linked, score, benefiting teams and orphan
    status (with the orphan reasons), as one attachment with blocks."""
    issue, card = exp.issue, exp.card
    status = _orphan_status(card)
    if card.orphan_findings:
        status += " (" + ", ".join(f.reason.value.replace("_", " ") for f in card.orphan_findings)
        status += ")"
    text = (
        f"*{link(issue.url, f'{issue.key} — {issue.title}')}*\n"
        f"Score *{card.total:.1f}* · benefits {teams_text(card.beneficiaries)} · {status}"
    )
    return {
        "color": _ORPHAN_COLOUR if card.is_orphan else _CALM_COLOUR,
        "blocks": [section(clip(text, MAX_SECTION_TEXT))],
    }


def private_unfurl(key: str) -> Block:
    """The unfurl of an issue the channel may not read: its key and ``PRIVATE_ISSUE``."""
    return {
        "color": _CALM_COLOUR,
        "blocks": [section(f"*{escape(clip(key, 200, markup=False))}* — {PRIVATE_ISSUE}")],
    }


def private_notice(key: str) -> str:
    """What somebody the rule excludes hears about a restricted issue they asked about."""
    return (
        f"{key} is {PRIVATE_ISSUE}: its details are for its owning and benefiting teams, "
        "their managers and leadership."
    )


def orphans_blocks(
    rows: Sequence[Ranked], title: str, *, more_hint: str = ORPHANS_HINT
) -> list[Block]:
    """A header ``title`` and one section per orphan, ranked: link, orphan score and value,
    owner and benefiting teams, how long it has waited, top reasons, orphan reasons, and a
    Why? button. At most 50 blocks; the rest end in "…and N more — ``more_hint``"."""
    if not rows:
        return [header(title), section("No orphaned work above the surfacing threshold.")]
    items: list[Unit] = [orphan_item(rank, row) for rank, row in enumerate(rows, start=1)]
    return [header(title), *fit_blocks(items, MAX_MESSAGE_BLOCKS - 1, more_hint)]


def orphan_item(rank: int, row: Ranked) -> Block:
    """One orphan as one section (so a message holds 49 of them) with a Why? button; a row
    redacted for its reader shows its key alone."""
    if row.private:
        return section(f"*{rank}.* *{escape(clip(row.key, 200, markup=False))}* — {PRIVATE_ISSUE}")
    card = row.card
    others = [t for t in card.beneficiaries if t != card.owner_team]
    facts = [
        priority_phrase(card.total, card.orphan_score, bold="*"),
        f"{escape(card.owner_team or 'no owner')} → {teams_text(others)}",
        *waited(card),
    ]
    reasons = [escape(c.reason) for c in top_contributions(card)]
    reasons += [escape(f.detail) for f in card.orphan_findings]
    title = clip(link(row.url, f"{row.key} — {row.title}"), 1000)
    text = f"*{rank}.* *{title}*\n" + " · ".join(facts) + "".join(f"\n• {r}" for r in reasons)
    why = button("Why?", ACTION_WHY, value=card.issue_uid)
    return section(text, accessory=why)


def waited(card: ScoreCard) -> list[str]:
    """How long the item has waited, in the card's words: the cost-of-delay reason
    ("waiting 4.2 months") and the idle finding ("no human activity for 120 days")."""
    out = [
        escape(c.reason.split(":", 1)[0]) for c in card.contributions if c.signal == "cost_of_delay"
    ]
    out += [escape(f.detail) for f in card.orphan_findings if f.reason.value == "idle"]
    return out
