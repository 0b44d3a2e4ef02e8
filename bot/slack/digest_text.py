"""Digests as plain text: the message's notification fallback (escaped for Slack) and the
terminal dry run (as written)."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.digest import DigestItem, ManagerDigest
from bot.core.digest_dupes import IssueSide
from bot.core.digest_leadership import LeadershipDigest
from bot.core.permissions import PRIVATE_ISSUE
from bot.core.wording import priority_phrase
from bot.slack.blocks_digest import team_phrase, waited
from bot.slack.blocks_kit import escape, link
from bot.slack.blocks_leadership import funnel_line

_Escape = Callable[[str], str]


def digest_text(d: ManagerDigest, *, markup: bool = True) -> str:
    """The digest as plain text: the message's notification fallback (``markup``: titles
    escaped for Slack) and the terminal dry run (``markup=False``: as written)."""
    esc = escape if markup else _same
    lines = [f"Cross-team work for your teams ({', '.join(map(esc, d.teams)) or '—'}) — {d.period}"]
    if d.nothing_needs_you:
        lines.append("Nothing needs you this week.")
    for rank, item in enumerate(d.items, start=1):
        lines += _item_lines(rank, item, esc)
    if d.more:
        lines.append(f"…and {d.more} more — /impact orphans TEAM lists the rest")
    earned = {t: p for t, p in d.team_credit.items() if p}
    if earned:
        parts = ", ".join(f"{esc(t)} {p:.1f}" for t, p in sorted(earned.items()))
        lines.append(f"Your teams earned {sum(earned.values()):.1f} points of credit: {parts}")
    if d.stalled:
        lines.append("Claimed but stalled:")
        lines += [
            f"- {esc(s.item.key)} — {esc(s.item.title)}: {esc(s.claim.team)} claimed it for "
            f"{esc(s.claim.assignee)}; no activity for {s.idle_days} days"
            for s in d.stalled
        ]
    if d.duplicates:
        lines.append("Looks alike across teams:")
        lines += [
            f"- your team's {esc(ln.ours.key)} — {esc(ln.ours.title)} looks like "
            f"{esc(ln.theirs.key)} — {esc(ln.theirs.title)} in "
            f"{team_phrase(ln.theirs) if markup else _team_plain(ln.theirs)} tracker "
            f"({ln.score:.2f})"
            for ln in d.duplicates
        ]
    return "\n".join(lines)


def leadership_text(ld: LeadershipDigest, *, markup: bool = True) -> str:
    """The leadership digest as plain text (fallback and dry run), as :func:`digest_text`."""
    esc = escape if markup else _same
    lines = [f"Cross-team impact — leadership digest, {ld.period}", "Top orphans:"]
    for rank, item in enumerate(ld.top, start=1):
        lines += _item_lines(rank, item, esc)
    if ld.more:
        lines.append(f"…and {ld.more} more")
    lines.append("Funnel per team — surfaced → claimed → done (previous period in brackets):")
    lines += [funnel_line(line).replace("`", "") for line in ld.funnel]
    if ld.duplicates:
        lines.append("Likely duplicates across teams, new this week:")
        lines += [
            f"- {esc(p.one.key)} ({esc(p.one.team or 'no team')}) <-> {esc(p.other.key)} "
            f"({esc(p.other.team or 'no team')}): {p.score:.2f}"
            for p in ld.duplicates
        ]
    return "\n".join(lines)


def _item_lines(rank: int, item: DigestItem, esc: _Escape) -> list[str]:
    if item.private:
        return [f"{rank}. {esc(item.key)} — {PRIVATE_ISSUE}"]
    owner = esc(item.owner_team) if item.owner_team else "none"
    lines = [
        f"{rank}. {esc(item.key)} — {esc(item.title)} "
        f"({priority_phrase(item.score, item.orphan_score)})",
        f"   benefits {', '.join(map(esc, item.benefiting)) or '—'} · owner {owner} · "
        f"{waited(item)}",
    ]
    if item.url:
        lines.insert(1, f"   {item.url if esc is _same else link(item.url, item.url)}")
    notes = [f"   - flagged by {esc(n)}" for n in item.flag_notes]
    return lines + [f"   - {esc(r)}" for r in item.reasons] + notes


def _team_plain(side: IssueSide) -> str:
    return f"team {side.team}'s" if side.team else "an unowned"


def _same(text: str) -> str:
    return text
