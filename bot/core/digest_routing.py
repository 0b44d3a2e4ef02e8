"""Who sees which digest item: routing, and the managers' decisions that hold items back.

:func:`route` sends an item to the managers of its benefiting teams and of its plausible owner
team(s) — nobody else. A manager's latest "not ours" hides the item from that manager until
its score reaches ``rise_to_resurface`` × the score it had when they declined; a snooze hides
it until ``until``. Undone decisions count for nothing. Items with an active claim are routed
to nobody (they belong to the claiming team now). The shell records decisions with
:func:`decide_not_ours` / :func:`decide_snooze` and checks :func:`can_undo` before an undo.
Pure: ``now`` is always a parameter, tz-aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.digest import DEFAULT_RULES, Claim, DigestItem, DigestRules, managers_of, rank_items
from bot.core.rules_teams import TeamsRules


class DecisionKind(StrEnum):
    """What a manager decided about an item from their digest."""

    NOT_OURS = "not_ours"
    SNOOZE = "snooze"


class UndoKind(StrEnum):
    """What an Undo button in a digest message takes back."""

    CLAIM = "claim"
    NOT_OURS = "not_ours"


@dataclass(frozen=True)
class Decision:
    """A manager's "not ours" or snooze on one item. ``score`` is the item's score when they
    decided (a "not ours" item returns when it rises enough); ``until`` ends a snooze (None:
    ``snooze_weeks`` after ``at``). ``undone`` decisions are as if never made."""

    manager: str
    issue_uid: str
    kind: DecisionKind
    at: datetime
    score: float
    until: datetime | None = None
    undone: bool = False


def recipients(item: DigestItem, teams: TeamsRules) -> set[str]:
    """Managers of the item's benefiting teams and of its (plausible) owner team(s)."""
    return {m for team in item.teams for m in managers_of(team, teams)}


def route(
    items: Iterable[DigestItem],
    *,
    teams: TeamsRules,
    decisions: Sequence[Decision] = (),
    claims: Sequence[Claim] = (),
    rules: DigestRules = DEFAULT_RULES,
    now: datetime,
) -> dict[str, list[DigestItem]]:
    """Manager → the items for them, ranked, uncapped, with suppressions applied (see the
    module docstring). Managers with nothing are left out; an item listed twice counts once.
    Decisions made after ``now`` are ignored. Deterministic for ``now``."""
    latest = _latest_decisions(decisions, now)
    claimed = {c.issue_uid for c in claims if not c.undone}
    routed: dict[str, list[DigestItem]] = {}
    seen: set[str] = set()
    for item in items:
        if item.issue_uid in claimed or item.issue_uid in seen:
            continue
        seen.add(item.issue_uid)
        for manager in recipients(item, teams):
            if not _suppressed(item, latest.get((manager, item.issue_uid)), rules, now):
                routed.setdefault(manager, []).append(item)
    return {m: rank_items(routed[m]) for m in sorted(routed)}


def _latest_decisions(
    decisions: Sequence[Decision], now: datetime
) -> dict[tuple[str, str], Decision]:
    latest: dict[tuple[str, str], Decision] = {}
    for decision in decisions:
        if decision.undone or decision.at > now:
            continue
        key = (decision.manager, decision.issue_uid)
        if key not in latest or decision.at >= latest[key].at:
            latest[key] = decision
    return latest


def _suppressed(
    item: DigestItem, decision: Decision | None, rules: DigestRules, now: datetime
) -> bool:
    if decision is None:
        return False
    if decision.kind is DecisionKind.SNOOZE:
        return now < snooze_until(decision, rules)
    return item.score < rules.rise_to_resurface * decision.score


def snooze_until(decision: Decision, rules: DigestRules) -> datetime:
    """When a snooze ends: its ``until``, else ``snooze_weeks`` after it was made."""
    return decision.until or decision.at + timedelta(weeks=rules.snooze_weeks)


def decide_not_ours(manager: str, item: DigestItem, *, now: datetime) -> Decision:
    """The "not ours" decision of ``manager`` on ``item``, remembering its score now."""
    return Decision(manager, item.issue_uid, DecisionKind.NOT_OURS, now, item.score)


def decide_snooze(
    manager: str, item: DigestItem, *, rules: DigestRules = DEFAULT_RULES, now: datetime
) -> Decision:
    """A snooze of ``item`` by ``manager`` for ``snooze_weeks`` from ``now``."""
    until = now + timedelta(weeks=rules.snooze_weeks)
    return Decision(manager, item.issue_uid, DecisionKind.SNOOZE, now, item.score, until)


def can_undo(at: datetime, *, rules: DigestRules = DEFAULT_RULES, now: datetime) -> bool:
    """Whether a claim or "not ours" made at ``at`` may still be undone at ``now``."""
    return at <= now <= at + timedelta(hours=rules.undo_hours)
