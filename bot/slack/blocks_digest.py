"""Block Kit for digests: a manager's weekly digest with Claim / Not ours / Snooze, the
replacements an item gets after a click (with Undo), and the leadership digest.

Pure presentation over :mod:`bot.core.digest`. Every block of an item carries a block id
naming the issue (``digest:item:<uid>``, ``digest:actions:<uid>``): the Claim select
has no value of its own, so its block id says which issue was claimed, and
:func:`replace_item` swaps an item for its replacement in the posted message. Buttons carry
the issue uid as their value; Undo carries ``claim:<uid>`` or ``not_ours:<uid>``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from bot.core.claiming import claim_scope
from bot.core.digest import (
    DigestItem,
    FunnelLine,
    LeadershipDigest,
    ManagerDigest,
    StalledClaim,
    UndoKind,
)
from bot.core.digest_dupes import DupeLine, DupePair, IssueSide
from bot.core.identity import Directory
from bot.core.permissions import PRIVATE_ISSUE
from bot.core.wording import priority_phrase
from bot.slack.blocks_credit import person
from bot.slack.blocks_dupes import ACTION_NOT_DUPLICATE, pair_value
from bot.slack.blocks_kit import (
    ACTION_WHY,
    ELLIPSIS,
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    Block,
    Unit,
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    header,
    link,
    more_pointer,
    section,
    teams_text,
)

ACTION_CLAIM = "digest_claim"  # static_select of Slack ids; the issue uid is in its block id
MAX_SELECT_OPTIONS = 100  # Block Kit's limit for a static select
MAX_OPTION_TEXT = 75
Assignee = tuple[str, str]  # (Slack user id, display name)
ACTION_NOT_OURS = "digest_not_ours"  # value: the issue uid
ACTION_SNOOZE = "digest_snooze"  # value: the issue uid
ACTION_UNDO = "digest_undo"  # value: "claim:<uid>" or "not_ours:<uid>"

DIGEST_HINT = "`/impact orphans TEAM` lists the rest"
LEADERSHIP_HINT = "`impactbot orphans` lists them all"
_ITEM_BLOCK, _ACTIONS_BLOCK = "digest:item:", "digest:actions:"
_MAX_BLOCK_ID = 255
_STALLED_SHOWN = 10
_FUNNEL_LINES_PER_SECTION = 20
_FUNNEL_SECTIONS = 8  # at most 160 teams' lines; more end in "…and N more"
FUNNEL_HINT = "`impactbot funnel` lists every team"
_TREND = {1: " ▲", 0: "", -1: " ▼"}
_Escape = Callable[[str], str]


# ------------------------------------------------------------------- ids and values


def item_block_ids(issue_uid: str) -> tuple[str, str] | None:
    """The block ids of an item's section and action row; None when the uid is too long
    for a block id (the item then shows without a Claim select)."""
    ids = (_ITEM_BLOCK + issue_uid, _ACTIONS_BLOCK + issue_uid)
    return ids if len(ids[1]) <= _MAX_BLOCK_ID else None


def issue_uid_of(block_id: str) -> str | None:
    """The issue uid a digest block id names, or None for any other block id."""
    for prefix in (_ITEM_BLOCK, _ACTIONS_BLOCK):
        if block_id.startswith(prefix) and len(block_id) > len(prefix):
            return block_id[len(prefix) :]
    return None


def undo_value(kind: UndoKind, issue_uid: str) -> str:
    """The Undo button's value: what to undo, and on which issue."""
    return f"{kind.value}:{issue_uid}"


def parse_undo(value: str) -> tuple[UndoKind, str] | None:
    """``(kind, issue uid)`` from an Undo button's value; None when it is not one."""
    kind, sep, uid = value.partition(":")
    if not sep or not uid or kind not in {k.value for k in UndoKind}:
        return None
    return UndoKind(kind), uid


def replace_item(
    blocks: Sequence[Block], issue_uid: str, replacement: Sequence[Block]
) -> list[Block]:
    """``blocks`` with the item of ``issue_uid`` (every block whose block id names it)
    replaced by ``replacement``, where the item was; unchanged when the item is absent."""
    ids = item_block_ids(issue_uid) or ()
    at = next((i for i, b in enumerate(blocks) if b.get("block_id") in ids), None)
    if at is None:
        return list(blocks)
    kept = [b for b in blocks if b.get("block_id") not in ids]
    return [*kept[:at], *replacement, *kept[at:]]


# --------------------------------------------------------------------- manager digest


def digest_blocks(
    d: ManagerDigest,
    *,
    slack_ids: Mapping[str, str] | None = None,
    snooze_weeks: int = 4,
    picker: Callable[[DigestItem], Sequence[Assignee]] | None = None,
) -> list[Block]:
    """The manager's digest: header with the period; each item (title linked, score,
    benefiting teams, reasons, "waiting N days · cost of delay +X") with Claim…, Not ours and
    Snooze; the credit their teams earned; their teams' stalled claims. A digest with no item
    says "Nothing needs you" in one line. At most 50 blocks: items that do not fit end in
    "…and N more". ``picker`` gives the people each item's Claim… select offers."""
    ids = slack_ids or {}
    head = [
        header(f"Cross-team work for your teams — {d.period}"),
        context(
            f"Orphaned, high-value work your teams ({teams_text(d.teams)}) benefit from or "
            "could own. Claim it for someone, say it is not yours, or snooze it."
        ),
    ]
    if d.nothing_needs_you:
        head.append(section("Nothing needs you this week. :white_check_mark:"))
    tail = [divider(), _recognition(d)]
    if d.stalled:
        tail.append(_stalled(d.stalled, ids))
    if d.duplicates:
        tail += _alike(d.duplicates)
    units: list[Unit] = [
        item_blocks(
            item,
            rank=rank,
            snooze_weeks=snooze_weeks,
            assignees=picker(item) if picker else (),
        )
        for rank, item in enumerate(d.items, start=1)
    ]
    room = MAX_MESSAGE_BLOCKS - len(head) - len(tail)
    return [*head, *_fit_items(units, room, d.more, DIGEST_HINT), *tail]


def item_blocks(
    item: DigestItem,
    *,
    rank: int | None = None,
    snooze_weeks: int = 4,
    assignees: Sequence[Assignee] = (),
) -> tuple[Block, ...]:
    """One item as it first appears: its section and its action row (Claim… a select of
    ``assignees`` — the people the manager may assign — then Not ours, Snooze; no select
    when there is nobody to offer). Also what Undo restores."""
    ids = item_block_ids(item.issue_uid)
    text = _item_text(item, rank)
    if ids is None:
        row = actions(*_buttons(item, snooze_weeks))
        return (section(text), row) if row else (section(text),)
    claim = _claim_select(assignees)
    row = {
        "type": "actions",
        "block_id": ids[1],
        "elements": [*([claim] if claim else []), *_buttons(item, snooze_weeks)],
    }
    return ({**section(text), "block_id": ids[0]}, row)


def _claim_select(assignees: Sequence[Assignee]) -> Block | None:
    """A static select of at most 100 people (Block Kit's limit), valued by Slack id."""
    options = [
        {
            "text": {"type": "plain_text", "text": clip(name, MAX_OPTION_TEXT, markup=False)},
            "value": slack_id,
        }
        for slack_id, name in assignees[:MAX_SELECT_OPTIONS]
    ]
    if not options:
        return None
    return {
        "type": "static_select",
        "action_id": ACTION_CLAIM,
        "placeholder": {"type": "plain_text", "text": "Claim… pick an assignee", "emoji": True},
        "options": options,
    }


def assignee_options(
    manager: str | None, item: DigestItem, directory: Directory, slack_ids: Mapping[str, str]
) -> list[Assignee]:
    """(Slack id, name) of the people ``manager`` may assign ``item`` to (see
    ``bot.core.claiming``), in teams.yaml order; people without a Slack id are left out."""
    scope = claim_scope(manager, item, directory)
    names = {p.id: p.name for p in directory.rules.people}
    return [(slack_ids[p], names[p]) for p in scope.people if p in slack_ids]


def claim_picker(
    manager: str, directory: Directory, slack_ids: Mapping[str, str]
) -> Callable[[DigestItem], Sequence[Assignee]]:
    """``assignee_options`` of ``manager`` for each item of their digest."""
    return lambda item: assignee_options(manager, item, directory, slack_ids)


def _buttons(item: DigestItem, snooze_weeks: int) -> list[Block]:
    weeks = f"{snooze_weeks} week" + ("" if snooze_weeks == 1 else "s")
    found = [
        button("Not ours", ACTION_NOT_OURS, value=item.issue_uid),
        button(f"Snooze {weeks}", ACTION_SNOOZE, value=item.issue_uid),
    ]
    return [b for b in found if b is not None]


def _item_text(item: DigestItem, rank: int | None) -> str:
    prefix = f"*{rank}.* " if rank is not None else ""
    if item.private:
        return f"{prefix}*{escape(clip(item.key, 200, markup=False))}* — {PRIVATE_ISSUE}"
    title = clip(link(item.url, f"{item.key} — {item.title}"), 1000)
    owner = escape(item.owner_team) if item.owner_team else _no_owner(item)
    facts = [
        priority_phrase(item.score, item.orphan_score, bold="*"),
        f"benefits {teams_text(item.benefiting)}",
        f"owner {owner}",
    ]
    reasons = "".join(f"\n• {escape(clip(r, 300, markup=False))}" for r in item.reasons)
    reasons += "".join(
        f"\n• flagged by {escape(clip(n, 300, markup=False))}" for n in item.flag_notes
    )
    return clip(
        f"{prefix}*{title}*\n" + " · ".join(facts) + reasons + f"\n_{_waited(item)}_",
        MAX_SECTION_TEXT,
    )


def _no_owner(item: DigestItem) -> str:
    if item.owner_candidates:
        return f"unclear ({teams_text(item.owner_candidates)})"
    return "none"


def _waited(item: DigestItem) -> str:
    days = f"{item.waited_days} day" + ("" if item.waited_days == 1 else "s")
    return f"waiting {days} · cost of delay +{item.cost_of_delay:.1f}"


def _fit_items(units: Sequence[Unit], room: int, extra: int, hint: str) -> list[Block]:
    """Units that fit in ``room`` blocks; when some are left out — or ``extra`` items were
    never given — a last block says how many more there are."""
    flat = [unit if isinstance(unit, tuple) else (unit,) for unit in units]
    if not extra and sum(len(u) for u in flat) <= room:
        return [b for u in flat for b in u]
    kept: list[Block] = []
    shown = 0
    for unit in flat:
        if len(kept) + len(unit) > room - 1:
            break
        kept += unit
        shown += 1
    return [*kept, more_pointer(len(flat) - shown + extra, hint)]


def _recognition(d: ManagerDigest) -> Block:
    earned = {t: p for t, p in d.team_credit.items() if p}
    if not earned:
        return section(
            "*Recognition* — no cross-team credit for your teams this period yet. "
            "Claimed work that gets done earns it, for whoever fixes, flags and sponsors it."
        )
    parts = ", ".join(f"{escape(t)} {p:.1f}" for t, p in sorted(earned.items()))
    total = sum(earned.values())
    return section(
        f"*Recognition* — your teams earned *{total:.1f}* points of cross-team credit "
        f"this period: {parts}"
    )


def _alike(lines: Sequence[DupeLine]) -> list[Block]:
    """One section per pair, each with "Not a duplicate"."""
    head = section("*Looks alike across teams* — two teams may be working on the same thing:")
    return [
        head,
        *(
            _pair_section(
                f"your team's {_side(line.ours)} looks like {_side(line.theirs)} in "
                f"{_team(line.theirs)} tracker ({line.score:.2f}: {_words(line.matched)})",
                line.ours.uid,
                line.theirs.uid,
            )
            for line in lines
        ),
    ]


def _pairs(pairs: Sequence[DupePair]) -> list[Block]:
    head = section("*Likely duplicates across teams*, new this week:")
    return [
        head,
        *(
            _pair_section(
                f"{_side(p.one)} ({escape(p.one.team or 'no team')}) ↔ {_side(p.other)} "
                f"({escape(p.other.team or 'no team')}) — {p.score:.2f}: {_words(p.matched)}",
                p.one.uid,
                p.other.uid,
            )
            for p in pairs
        ),
    ]


def _pair_section(text: str, uid: str, other_uid: str) -> Block:
    refuse = button("Not a duplicate", ACTION_NOT_DUPLICATE, value=pair_value(uid, other_uid))
    return section(clip(text, MAX_SECTION_TEXT), accessory=refuse)


def _side(side: IssueSide) -> str:
    return link(side.url, f"{side.key} — {clip(side.title, 80, markup=False)}")


def _team(side: IssueSide) -> str:
    return f"team {escape(side.team)}'s" if side.team else "an unowned"


def _words(matched: Sequence[str]) -> str:
    return ", ".join(escape(w) for w in matched[:4]) or "—"


def _stalled(stalled: Sequence[StalledClaim], slack_ids: Mapping[str, str]) -> Block:
    lines = [_stalled_line(s, slack_ids) for s in stalled[:_STALLED_SHOWN]]
    if len(stalled) > _STALLED_SHOWN:
        lines.append(f"…and {len(stalled) - _STALLED_SHOWN} more")
    return section(clip("*Claimed but stalled*\n" + "\n".join(lines), MAX_SECTION_TEXT))


def _stalled_line(s: StalledClaim, slack_ids: Mapping[str, str]) -> str:
    title = clip(link(s.item.url, f"{s.item.key} — {s.item.title}"), 500)
    return (
        f"• {title} — {escape(s.claim.team)} claimed it for {person(s.claim.assignee, slack_ids)}"
        f" on {s.claim.at:%Y-%m-%d}; no activity for {s.idle_days} days"
    )


# ------------------------------------------------------------ an item after a click


def claimed_item_blocks(item: DigestItem, assignee_slack_id: str, by_slack_id: str) -> list[Block]:
    """What replaces ``item`` once claimed: who claimed it for whom, and Undo."""
    text = (
        f":white_check_mark: *{clip(link(item.url, f'{item.key} — {item.title}'), 1000)}*\n"
        f"Claimed by {_mention(by_slack_id)} for {_mention(assignee_slack_id)}."
    )
    return [_after_click(item, text, UndoKind.CLAIM)]


def not_ours_item_blocks(item: DigestItem) -> list[Block]:
    """What replaces ``item`` after Not ours, with Undo."""
    text = (
        f"~{clip(escape(f'{item.key} — {item.title}'), 1000)}~\n"
        "Not yours: it will not come back to you unless its score rises materially."
    )
    return [_after_click(item, text, UndoKind.NOT_OURS)]


def snoozed_item_blocks(item: DigestItem, until: datetime) -> list[Block]:
    """What replaces ``item`` after Snooze: when it comes back."""
    text = (
        f":zzz: {clip(escape(f'{item.key} — {item.title}'), 1000)}\n"
        f"Snoozed: it comes back after {until:%Y-%m-%d}."
    )
    return [_keep_id(item, section(text))]


def _after_click(item: DigestItem, text: str, kind: UndoKind) -> Block:
    undo = button("Undo", ACTION_UNDO, value=undo_value(kind, item.issue_uid))
    return _keep_id(item, section(text, accessory=undo))


def _keep_id(item: DigestItem, block: Block) -> Block:
    # The replacement keeps the item's block id, so a later Undo can find and restore it.
    ids = item_block_ids(item.issue_uid)
    return {**block, "block_id": ids[0]} if ids else block


def _mention(slack_id: str) -> str:
    return f"<@{slack_id}>" if slack_id.isalnum() else escape(clip(slack_id, 100))


# ---------------------------------------------------------------- leadership digest


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
    return [*head, *_fit_items(units, room, ld.more, LEADERSHIP_HINT), *tail]


def _leader_item(rank: int, item: DigestItem) -> Block:
    why = button("Why?", ACTION_WHY, value=item.issue_uid)
    return section(_item_text(item, rank), accessory=why)


def _funnel_lines(funnel: Sequence[FunnelLine]) -> list[str]:
    """One line per team, at most :data:`_FUNNEL_SECTIONS` sections' worth; when teams are
    left out the last line says how many."""
    room = _FUNNEL_LINES_PER_SECTION * _FUNNEL_SECTIONS
    if len(funnel) <= room:
        return [_funnel_line(line) for line in funnel]
    shown = [_funnel_line(line) for line in funnel[: room - 1]]
    return [*shown, f"{ELLIPSIS}and {len(funnel) - (room - 1)} more — {FUNNEL_HINT}"]


def _funnel_line(line: FunnelLine) -> str:
    before = line.previous
    return (
        f"`{escape(clip(line.team, 80, markup=False))}` {line.surfaced} → {line.claimed} → "
        f"{line.done}  ({before.surfaced} → {before.claimed} → {before.done}){_TREND[line.trend]}"
    )


# ------------------------------------------------------------------------ plain text


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
            f"{_team(ln.theirs) if markup else _team_plain(ln.theirs)} tracker ({ln.score:.2f})"
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
    lines += [_funnel_line(line).replace("`", "") for line in ld.funnel]
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
        f"{_waited(item)}",
    ]
    if item.url:
        lines.insert(1, f"   {item.url if esc is _same else link(item.url, item.url)}")
    notes = [f"   - flagged by {esc(n)}" for n in item.flag_notes]
    return lines + [f"   - {esc(r)}" for r in item.reasons] + notes


def _team_plain(side: IssueSide) -> str:
    return f"team {side.team}'s" if side.team else "an unowned"


def _same(text: str) -> str:
    return text
