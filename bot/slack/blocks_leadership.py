"""Block Kit for the leadership digest: org-wide top orphans (each with Why?), the
surfaced → claimed → done funnel per team, and likely duplicates new this week."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.digest import DigestItem
from bot.core.digest_dupes import DupePair
from bot.core.digest_leadership import FunnelLine, LeadershipDigest
from bot.slack.blocks_digest import fit_items, item_text, pair_section, shared_words, side_link
from bot.slack.blocks_kit import (
    ACTION_WHY,
    ELLIPSIS,
    MAX_MESSAGE_BLOCKS,
    Block,
    Unit,
    button,
    clip,
    divider,
    escape,
    header,
    section,
)

LEADERSHIP_HINT = "`impactbot orphans` lists them all"
_FUNNEL_LINES_PER_SECTION = 20
_FUNNEL_SECTIONS = 8  # at most 160 teams' lines; more end in "…and N more"
FUNNEL_HINT = "`impactbot funnel` lists every team"
_TREND = {1: " ▲", 0: "", -1: " ▼"}


def _pairs(pairs: Sequence[DupePair]) -> list[Block]:
    head = section("*Likely duplicates across teams*, new this week:")
    return [
        head,
        *(
            pair_section(
                f"{side_link(p.one)} ({escape(p.one.team or 'no team')}) ↔ {side_link(p.other)} "
                f"({escape(p.other.team or 'no team')}) — "
                f"{p.score:.2f}: {shared_words(p.matched)}",
                p.one.uid,
                p.other.uid,
            )
            for p in pairs
        ),
    ]


def leadership_digest_blocks(ld: LeadershipDigest) -> list[Block]:
    """Org-wide top orphans (each with a Why? button) and the surfaced → claimed → done
    funnel per team, the previous period in brackets and ▲/▼ when more/fewer got done.
    At most 50 blocks."""
    head = [
        header(f"Cross-team impact — leadership digest, {ld.period}"),
        section("*Top orphans across the organisation*"),
    ]
    if not ld.top:
        head.append(section("No orphaned work above the surfacing threshold."))
    tail: list[Block] = [
        divider(),
        section("*Funnel per team* — surfaced → claimed → done (previous period in brackets)"),
    ]
    lines = _funnel_lines(ld.funnel)
    chunks = [
        lines[i : i + _FUNNEL_LINES_PER_SECTION]
        for i in range(0, len(lines), _FUNNEL_LINES_PER_SECTION)
    ]
    tail += [section("\n".join(chunk)) for chunk in chunks]
    if not ld.funnel:
        tail.append(section("No teams configured."))
    if ld.duplicates:
        tail += _pairs(ld.duplicates)
    units: list[Unit] = [_leader_item(rank, item) for rank, item in enumerate(ld.top, start=1)]
    room = MAX_MESSAGE_BLOCKS - len(head) - len(tail)
    return [*head, *fit_items(units, room, ld.more, LEADERSHIP_HINT), *tail]


def _leader_item(rank: int, item: DigestItem) -> Block:
    why = button("Why?", ACTION_WHY, value=item.issue_uid)
    return section(item_text(item, rank), accessory=why)


def _funnel_lines(funnel: Sequence[FunnelLine]) -> list[str]:
    """One line per team, at most :data:`_FUNNEL_SECTIONS` sections' worth; when teams are
    left out the last line says how many."""
    room = _FUNNEL_LINES_PER_SECTION * _FUNNEL_SECTIONS
    if len(funnel) <= room:
        return [funnel_line(line) for line in funnel]
    shown = [funnel_line(line) for line in funnel[: room - 1]]
    return [*shown, f"{ELLIPSIS}and {len(funnel) - (room - 1)} more — {FUNNEL_HINT}"]


def funnel_line(line: FunnelLine) -> str:
    before = line.previous
    return (
        f"`{escape(clip(line.team, 80, markup=False))}` {line.surfaced} → {line.claimed} → "
        f"{line.done}  ({before.surfaced} → {before.claimed} → {before.done}){_TREND[line.trend]}"
    )
