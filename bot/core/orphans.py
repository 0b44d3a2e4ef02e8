"""Orphan detection: valuable work that nobody is rewarded for doing.

``find_orphan_reasons`` lists why an issue looks orphaned; ``orphan_factor`` turns those
reasons into a 0..1 multiplier (0 = not an orphan); ``rank_orphans`` orders score cards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from bot.core.identity import Directory, Ownership
from bot.core.models import Issue, OrphanFinding, OrphanReason, ScoreCard
from bot.core.rules_scoring import Orphans

_Adder = Callable[[OrphanReason, str], None]

# Said when the issue's source gave no history of moves (file exports and Linear's connector
# carry none). It states only what is true of this issue, never what another source might do.
BOUNCE_DATA_UNAVAILABLE = (
    "bounces between teams are not visible: this issue's source gave no history of moves"
)


def last_human_activity(issue: Issue, directory: Directory) -> datetime:
    """When a human last touched the issue: its creation by a human author, or a human
    comment. Never the tracker's ``updated`` field, which bots and syncs move; a bot's
    comment never counts. Falls back to creation time when no human activity is known."""
    times = [c.created_at for c in issue.comments if c.author and not directory.is_bot(c.author)]
    return max([issue.created_at, *times])


def find_orphan_reasons(
    issue: Issue,
    *,
    ownership: Ownership,
    beneficiaries: Iterable[str],
    directory: Directory,
    rules: Orphans,
    now: datetime,
) -> tuple[tuple[OrphanFinding, ...], tuple[str, ...]]:
    """Orphan findings for an open issue, plus notes about what could not be checked.

    Closed issues are never orphans. Deterministic for a given ``now``.
    """
    if not issue.is_open:
        return (), ()
    weights = rules.reasons
    findings: list[OrphanFinding] = []
    notes: list[str] = []

    def add(reason: OrphanReason, detail: str) -> None:
        findings.append(OrphanFinding(reason=reason, detail=detail, weight=weights.get(reason, 0)))

    humans = [a for a in issue.assignees if not directory.is_bot(a)]
    if not humans:
        add(OrphanReason.UNASSIGNED, "nobody is assigned")
    idle_days = (now - last_human_activity(issue, directory)).days
    if idle_days >= rules.idle_days:
        add(OrphanReason.IDLE, f"no human activity for {idle_days} days")
    if issue.ownership_changes is None:
        notes.append(BOUNCE_DATA_UNAVAILABLE)
    elif len(issue.ownership_changes) >= rules.bounce_count:
        moves = " → ".join(
            [issue.ownership_changes[0].from_container]
            + [m.to_container for m in issue.ownership_changes]
        )
        add(OrphanReason.BOUNCED, f"moved {len(issue.ownership_changes)} times: {moves}")
    _ownership_reasons(ownership, set(beneficiaries), add)
    return tuple(findings), tuple(notes)


def _ownership_reasons(ownership: Ownership, beneficiaries: set[str], add: _Adder) -> None:
    if ownership.team is None and len(ownership.candidates) > 1:
        add(OrphanReason.AMBIGUOUS_OWNER, f"{ownership.basis}: {', '.join(ownership.candidates)}")
    elif ownership.team is None:
        add(OrphanReason.NO_OWNER, ownership.basis)
    elif beneficiaries and ownership.team not in beneficiaries:
        add(
            OrphanReason.OWNER_NOT_BENEFICIARY,
            f"the owning team {ownership.team} is not among the teams that benefit",
        )


def orphan_factor(findings: Iterable[OrphanFinding], rules: Orphans) -> float:
    """Sum of the findings' weights, capped at 1; below ``min_factor`` it is not an orphan."""
    factor = min(1.0, sum(f.weight for f in findings))
    return factor if factor >= rules.min_factor else 0.0


def rank_orphans(
    cards: Iterable[ScoreCard],
    *,
    threshold: float,
    team: str | None = None,
    limit: int | None = None,
) -> list[ScoreCard]:
    """Orphans scoring at least ``threshold``, best first (orphan score, then total, then
    key for stable ties). With ``team``, only items that team owns or benefits from."""
    chosen = [
        c
        for c in cards
        if c.is_orphan
        and c.total >= threshold
        and (team is None or team == c.owner_team or team in c.beneficiaries)
    ]
    chosen.sort(key=lambda c: (-c.orphan_score, -c.total, c.issue_uid))
    return chosen[:limit] if limit is not None else chosen
