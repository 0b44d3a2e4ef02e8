"""Manager digests: what to say to whom — never how it looks.

The weekly loop, as pure functions (``now`` is always a parameter, tz-aware):

1. :func:`digest_item` turns a score card and its issue into a :class:`DigestItem`: score,
   the top reasons in plain words, benefiting teams, how long it has waited, its cost of delay.
2. ``bot.core.digest_routing.route`` decides who sees what, applying the managers' "not ours"
   and snooze decisions.
3. :func:`compose` builds one manager's :class:`ManagerDigest` — the top items, the credit
   their teams earned this period, and their teams' claims that stalled — or None when there
   is nothing to say (unless ``nothing_needs_you`` asks for the one-liner).
4. ``bot.core.digest_leadership.compose_leadership`` builds the org-wide digest: top orphans
   and the surfaced → claimed → done funnel per team, this period against the last.

Claims come from the store. Block Kit rendering lives in ``bot/slack/blocks_digest.py``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from bot.core.digest_dupes import DupeLine, lines_for_teams
from bot.core.identity import Directory
from bot.core.models import Issue, ScoreCard
from bot.core.orphans import last_human_activity
from bot.core.rules_teams import TeamsRules
from bot.core.signals import MODIFIERS

COST_OF_DELAY_SIGNAL = "cost_of_delay"
_REACH_SIGNAL = "reach"
MAX_REASONS = 3  # value reasons per item; the orphan reasons come on top


@dataclass(frozen=True)
class Claim:
    """A manager claiming an item for their ``team``, naming the ``assignee`` (person ids).
    ``done`` once the issue closed as completed; ``undone`` when the claim was taken back."""

    issue_uid: str
    team: str
    manager: str
    assignee: str
    at: datetime
    done: bool = False
    undone: bool = False

    @property
    def active(self) -> bool:
        """Claimed and still in progress: neither done nor undone."""
        return not (self.done or self.undone)


@dataclass(frozen=True)
class DigestItem:
    """One item as a digest states it. ``score`` is the card's total, ``orphan_score`` its
    orphan score; ``reasons`` are plain words, value first, then why it is orphaned;
    ``owner_candidates`` are the teams that plausibly own it (several when ambiguous);
    ``last_activity`` is the last human touch, when known (for stalled claims)."""

    issue_uid: str
    key: str
    title: str
    url: str | None
    score: float
    orphan_score: float
    reasons: tuple[str, ...]
    benefiting: tuple[str, ...]
    owner_team: str | None
    waited_days: int
    cost_of_delay: float
    owner_candidates: tuple[str, ...] = ()
    last_activity: datetime | None = None
    private: bool = False  # redacted for its reader (bot.app.privacy): its key alone means anything
    flag_notes: tuple[str, ...] = ()  # "person: note" of each flag with a note, earliest first

    @property
    def teams(self) -> tuple[str, ...]:
        """Every team the item concerns: owner, plausible owners and beneficiaries, sorted."""
        owners = {self.owner_team} if self.owner_team else set(self.owner_candidates)
        return tuple(sorted(owners | set(self.benefiting)))


@dataclass(frozen=True)
class StalledClaim:
    """A claim of the manager's team with no human activity for ``idle_days``."""

    item: DigestItem
    claim: Claim
    idle_days: int


@dataclass(frozen=True)
class ManagerDigest:
    """One manager's digest for ``period``: ``items`` ranked (``more`` left out beyond the
    cap), ``stalled`` claims of their teams, ``team_credit`` (team → points this period)."""

    manager: str
    teams: tuple[str, ...]
    period: str
    items: tuple[DigestItem, ...]
    stalled: tuple[StalledClaim, ...]
    team_credit: Mapping[str, float] = field(default_factory=dict)
    more: int = 0
    duplicates: tuple[DupeLine, ...] = ()  # "your team's X looks like Y in team Z's tracker"

    @property
    def nothing_needs_you(self) -> bool:
        """No item and no stalled claim: only recognition, or the one-line all-clear."""
        return not self.items and not self.stalled


_POSITIVE_RULES = (
    "items_per_digest",
    "snooze_weeks",
    "stalled_after_days",
    "undo_hours",
    "leadership_items",
)


@dataclass(frozen=True)
class DigestRules:
    """How digests route and what they hold. ValueError on nonsensical values."""

    items_per_digest: int = 5
    rise_to_resurface: float = 1.25  # a "not ours" returns at ≥ rise × its score back then
    snooze_weeks: int = 4
    nothing_needs_you: bool = False  # send a one-line "nothing needs you" instead of nothing
    stalled_after_days: int = 21
    undo_hours: int = 24  # Claim and Not ours can be undone this long from the message
    leadership_items: int = 10

    def __post_init__(self) -> None:
        for name in _POSITIVE_RULES:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.rise_to_resurface < 1:
            raise ValueError(f"rise_to_resurface must be at least 1, got {self.rise_to_resurface}")


DEFAULT_RULES = DigestRules()


# ------------------------------------------------------------------------ periods and items


def digest_period(now: datetime, tz: tzinfo) -> str:
    """The ISO week of ``now`` as the recipient's zone ``tz`` sees it, e.g. ``2026-W45``.
    ``now`` must be tz-aware (ValueError)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
    year, week, _ = now.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def digest_item(
    card: ScoreCard,
    issue: Issue,
    *,
    directory: Directory,
    now: datetime,
    max_reasons: int = MAX_REASONS,
) -> DigestItem:
    """``card`` of ``issue`` as a digest item. Reasons: up to ``max_reasons`` value reasons,
    largest first (the outside teams' reach summed into one), then every orphan finding,
    heaviest first. ``cost_of_delay`` is the cost-of-delay contribution's points;
    ``waited_days`` whole days since the issue was created. Deterministic for ``now``.
    ValueError when ``card`` is not the card of ``issue``."""
    if card.issue_uid != issue.uid:
        raise ValueError(f"the card of {card.issue_uid} is not the card of {issue.uid}")
    cost = sum(c.points for c in card.contributions if c.signal == COST_OF_DELAY_SIGNAL)
    return DigestItem(
        issue_uid=card.issue_uid,
        key=issue.key,
        title=issue.title,
        url=issue.url,
        score=card.total,
        orphan_score=card.orphan_score,
        reasons=(*_value_reasons(card, max_reasons), *_orphan_reasons(card)),
        benefiting=card.beneficiaries,
        owner_team=card.owner_team,
        waited_days=max(0, (now - issue.created_at).days),
        cost_of_delay=round(cost, 2),
        owner_candidates=directory.ownership(issue).candidates,
        last_activity=last_human_activity(issue, directory),
    )


def _value_reasons(card: ScoreCard, limit: int) -> list[str]:
    values = [c for c in card.contributions if c.signal not in MODIFIERS and c.points > 0]
    reach = [c for c in values if c.signal == _REACH_SIGNAL]
    scored = [(c.points, c.reason) for c in values if c.signal != _REACH_SIGNAL]
    if len(reach) == 1:
        scored.append((reach[0].points, reach[0].reason))
    elif reach:
        besides = f" besides {card.owner_team}" if card.owner_team else ""
        scored.append((sum(c.points for c in reach), f"{len(reach)} teams{besides} benefit"))
    scored.sort(key=lambda pair: -pair[0])
    return [reason for _, reason in scored[:limit]]


def _orphan_reasons(card: ScoreCard) -> list[str]:
    return [f.detail for f in sorted(card.orphan_findings, key=lambda f: -f.weight)]


def rank_items(items: Iterable[DigestItem]) -> list[DigestItem]:
    """Best first, as ``rank_orphans`` orders cards: orphan score, then score, then key."""
    return sorted(items, key=lambda i: (-i.orphan_score, -i.score, i.key, i.issue_uid))


# ------------------------------------------------------------------------------- managers


def managers_of(team: str, teams: TeamsRules) -> tuple[str, ...]:
    """The managers of ``team`` (empty for an unknown team)."""
    return next((t.managers for t in teams.teams if t.id == team), ())


def teams_managed_by(manager: str, teams: TeamsRules) -> tuple[str, ...]:
    """The teams ``manager`` manages, in teams.yaml order."""
    return tuple(t.id for t in teams.teams if manager in t.managers)


def all_managers(teams: TeamsRules) -> tuple[str, ...]:
    """Every manager of every team, once each, sorted: the digest audience."""
    return tuple(sorted({m for t in teams.teams for m in t.managers}))


# ----------------------------------------------------------------------------- composing


def compose(
    manager: str,
    routed: Sequence[DigestItem],
    *,
    teams: TeamsRules,
    period: str,
    now: datetime,
    claims: Sequence[Claim] = (),
    catalog: Mapping[str, DigestItem] | None = None,
    team_credit: Mapping[str, float] | None = None,
    rules: DigestRules = DEFAULT_RULES,
    duplicates: Mapping[str, Sequence[DupeLine]] | None = None,
) -> ManagerDigest | None:
    """``manager``'s digest: the ``items_per_digest`` best of ``routed`` (their
    ``digest_routing.route`` list), their teams' stalled claims (:func:`stalled_claims`;
    ``catalog`` maps issue uids to items of open issues), ``team_credit`` of their teams, and
    the strongest of their teams' lines in ``duplicates`` (team → lines about new cross-team
    near-duplicates, see ``digest_dupes.lines_by_team``). None when there is no item, no
    stalled claim, no new duplicate and no credit earned — unless ``rules.nothing_needs_you``,
    which keeps the digest (its renderer says so in one line)."""
    own = teams_managed_by(manager, teams)
    ranked = rank_items(routed)
    shown = tuple(ranked[: rules.items_per_digest])
    stalled = stalled_claims(claims, catalog or {}, teams=own, rules=rules, now=now)
    credit = _credit_of(own, team_credit or {})
    earned_any = any(points > 0 for points in credit.values())
    alike = lines_for_teams(own, duplicates or {})
    if not (shown or stalled or earned_any or alike or rules.nothing_needs_you):
        return None
    return ManagerDigest(
        manager=manager,
        teams=own,
        period=period,
        items=shown,
        stalled=stalled,
        team_credit=credit,
        more=len(ranked) - len(shown),
        duplicates=alike,
    )


def _credit_of(own: Sequence[str], earned: Mapping[str, float]) -> dict[str, float]:
    """The points each of the manager's teams earned, in their order (teams with none left out)."""
    return {t: earned[t] for t in own if t in earned}


def stalled_claims(
    claims: Sequence[Claim],
    catalog: Mapping[str, DigestItem],
    *,
    teams: Collection[str],
    rules: DigestRules = DEFAULT_RULES,
    now: datetime,
) -> tuple[StalledClaim, ...]:
    """Active claims of ``teams`` whose item had no human activity — counting the claim
    itself — for at least ``stalled_after_days``; longest idle first. The latest claim of an
    issue counts; issues missing from ``catalog`` (closed, unknown) are never stalled."""
    latest: dict[str, Claim] = {}
    for claim in claims:
        if claim.issue_uid not in latest or claim.at >= latest[claim.issue_uid].at:
            latest[claim.issue_uid] = claim
    stalled = []
    for uid, claim in latest.items():
        item = catalog.get(uid)
        if not claim.active or claim.team not in teams or item is None:
            continue
        quiet_since = max(claim.at, item.last_activity or claim.at)
        idle = (now - quiet_since).days
        if idle >= rules.stalled_after_days:
            stalled.append(StalledClaim(item, claim, idle))
    stalled.sort(key=lambda s: (-s.idle_days, s.item.key))
    return tuple(stalled)
