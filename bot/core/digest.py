"""Manager and leadership digests: what to say to whom — never how it looks.

The weekly loop, as pure functions (``now`` is always a parameter, tz-aware):

1. :func:`digest_item` turns a score card and its issue into a :class:`DigestItem`: score,
   the top reasons in plain words, benefiting teams, how long it has waited, its cost of delay.
2. :func:`route` decides who sees what. An item goes to the managers of its benefiting teams
   and of its plausible owner team(s) — nobody else. A manager's latest "not ours" hides the
   item from that manager until its score reaches ``rise_to_resurface`` × the score it had
   when they declined; a snooze hides it until ``until``. Undone decisions count for nothing.
   Items with an active claim are routed to nobody (they belong to the claiming team now).
3. :func:`compose` builds one manager's :class:`ManagerDigest` — the top items, the credit
   their teams earned this period, and their teams' claims that stalled — or None when there
   is nothing to say (unless ``nothing_needs_you`` asks for the one-liner).
4. :func:`compose_leadership` builds the org-wide :class:`LeadershipDigest`: top orphans and
   the surfaced → claimed → done funnel per team, this period against the last.

Decisions and claims are per manager and come from the store; the shell records them with
:func:`decide_not_ours` / :func:`decide_snooze` and checks :func:`can_undo` before an undo.
Block Kit rendering lives in ``bot/slack/blocks_digest.py``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import NamedTuple

from bot.core.digest_dupes import DupeLine, DupePair, lines_for_teams, strongest_new_pairs
from bot.core.identity import Directory
from bot.core.models import Issue, ScoreCard
from bot.core.orphans import last_human_activity
from bot.core.rules import TeamsRules
from bot.core.signals import MODIFIERS

COST_OF_DELAY_SIGNAL = "cost_of_delay"
_REACH_SIGNAL = "reach"
MAX_REASONS = 3  # value reasons per item; the orphan reasons come on top


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


class FunnelCounts(NamedTuple):
    """Items surfaced to a team in a period, how many of them were claimed, how many done."""

    surfaced: int = 0
    claimed: int = 0
    done: int = 0


@dataclass(frozen=True)
class FunnelLine:
    """One team's funnel this period, and the period before."""

    team: str
    surfaced: int
    claimed: int
    done: int
    previous: FunnelCounts

    @property
    def trend(self) -> int:
        """+1, 0 or -1: whether more, as many or fewer items got done than the period before."""
        return (self.done > self.previous.done) - (self.done < self.previous.done)


@dataclass(frozen=True)
class LeadershipDigest:
    """Org-wide top orphans (``more`` left out beyond the cap) and the funnel per team."""

    period: str
    top: tuple[DigestItem, ...]
    funnel: tuple[FunnelLine, ...]
    more: int = 0
    duplicates: tuple[DupePair, ...] = ()  # the strongest new pairs across teams


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


# ------------------------------------------------------------------------------- routing


def managers_of(team: str, teams: TeamsRules) -> tuple[str, ...]:
    """The managers of ``team`` (empty for an unknown team)."""
    return next((t.managers for t in teams.teams if t.id == team), ())


def teams_managed_by(manager: str, teams: TeamsRules) -> tuple[str, ...]:
    """The teams ``manager`` manages, in teams.yaml order."""
    return tuple(t.id for t in teams.teams if manager in t.managers)


def all_managers(teams: TeamsRules) -> tuple[str, ...]:
    """Every manager of every team, once each, sorted: the digest audience."""
    return tuple(sorted({m for t in teams.teams for m in t.managers}))


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
    """``manager``'s digest: the ``items_per_digest`` best of ``routed`` (their :func:`route`
    list), their teams' stalled claims (see :func:`stalled_claims`; ``catalog`` maps issue
    uids to items of open issues) and ``team_credit`` of their teams.

    ``duplicates`` maps teams to their lines about new cross-team near-duplicates (see
    ``digest_dupes.lines_by_team``); the strongest of the manager's teams are listed.

    None when there is no item, no stalled claim, no new duplicate and no credit earned —
    unless
    ``rules.nothing_needs_you``, which keeps the digest (its renderer says so in one line).
    """
    own = teams_managed_by(manager, teams)
    ranked = rank_items(routed)
    shown = tuple(ranked[: rules.items_per_digest])
    stalled = stalled_claims(claims, catalog or {}, teams=own, rules=rules, now=now)
    earned = team_credit or {}
    credit = {t: earned[t] for t in own if t in earned}
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


# ---------------------------------------------------------------------------- leadership


def count_funnel(
    surfaced: Mapping[str, Iterable[str]], *, claims: Sequence[Claim], done: Collection[str]
) -> dict[str, FunnelCounts]:
    """Team → funnel counts for one period. ``surfaced`` maps each issue uid surfaced in the
    period to the teams it concerns (:attr:`DigestItem.teams`); an item counts as claimed
    when it has a claim that was not undone (by any team), as done when its uid is in
    ``done``. Each team counts an item once."""
    claimed = {c.issue_uid for c in claims if not c.undone}
    counts: dict[str, FunnelCounts] = {}
    for uid, item_teams in surfaced.items():
        for team in set(item_teams):
            s, c, d = counts.get(team, FunnelCounts())
            counts[team] = FunnelCounts(s + 1, c + (uid in claimed), d + (uid in done))
    return counts


def compose_leadership(
    items: Iterable[DigestItem],
    *,
    teams: TeamsRules,
    period: str,
    current: Mapping[str, FunnelCounts],
    previous: Mapping[str, FunnelCounts],
    claims: Sequence[Claim] = (),
    rules: DigestRules = DEFAULT_RULES,
    duplicates: Sequence[DupePair] = (),
    now: datetime | None = None,
) -> LeadershipDigest:
    """The leadership digest: the ``leadership_items`` best unclaimed items org-wide, one
    funnel line per team (every team in ``teams``, then any other counted), by team id, and
    the strongest of ``duplicates`` found in the week before ``now`` across teams."""
    claimed = {c.issue_uid for c in claims if not c.undone}
    ranked = rank_items({i.issue_uid: i for i in items if i.issue_uid not in claimed}.values())
    top = tuple(ranked[: rules.leadership_items])
    names = sorted({t.id for t in teams.teams} | set(current) | set(previous))
    funnel = tuple(_funnel_line(name, current, previous) for name in names)
    alike = strongest_new_pairs(duplicates, now=now) if now is not None else ()
    return LeadershipDigest(
        period=period, top=top, funnel=funnel, more=len(ranked) - len(top), duplicates=alike
    )


def _funnel_line(
    team: str, current: Mapping[str, FunnelCounts], previous: Mapping[str, FunnelCounts]
) -> FunnelLine:
    now = current.get(team, FunnelCounts())
    before = previous.get(team, FunnelCounts())
    return FunnelLine(team, now.surfaced, now.claimed, now.done, before)
