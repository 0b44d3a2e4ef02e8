"""Credit: who gets how much when commons work is done. Pure rules over one item at a time.

``plan_credit`` compares what the ledger already holds for an item with what its current
state deserves and returns only the entries to *append*: a mint for a new completed closure,
reversals for mints whose closure no longer stands (reopened, or closed again as not
planned). It is idempotent — planning again after appending returns nothing — and depends
only on the item's state, never on the order in which data arrived.

Natural keys make every entry unique: ``mint|<issue>|<closure>|<role>|<person>`` and
``reversal|<mint key>`` / ``void|<mint key>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime

from bot.core.identity import Directory
from bot.core.models import Actor, Flag, Frozen, Issue, ScoreCard, StateReason
from bot.core.rules_credit import CreditRules


class EntryKind(StrEnum):
    MINT = "mint"
    REVERSAL = "reversal"  # the closure it paid for no longer stands
    VOID = "void"  # leadership withdrew it, with a reason


class CreditEntry(Frozen):
    """One append-only ledger row. Reversals and voids carry negative points."""

    natural_key: str
    kind: EntryKind
    person_id: str
    team_id: str | None
    role: str
    share: float
    points: float
    issue_uid: str
    closure: str  # ISO time of the closure a mint pays for
    beneficiaries: tuple[str, ...]
    reason: str
    evidence: tuple[str, ...] = ()
    at: AwareDatetime  # when it was earned (the closure) or withdrawn (reversal, void)
    reverses: str | None = None
    pending: bool = False  # waiting for a benefiting team's manager to confirm


@dataclass(frozen=True)
class CreditItem:
    """What credit is decided on for one issue."""

    issue: Issue
    card_at_close: ScoreCard | None  # the score as of its closing; None while open
    flags: tuple[Flag, ...] = ()
    sponsor: str | None = None  # the manager who claimed it
    claimed_for: str | None = None  # the team it was claimed for
    surfaced: bool = False  # shown to managers above the threshold before it closed


@dataclass(frozen=True)
class Holder:
    person_id: str
    weight: float
    evidence: str


def plan_credit(
    item: CreditItem,
    ledger: Sequence[CreditEntry],
    *,
    directory: Directory,
    rules: CreditRules,
    threshold: float,
    spent: Mapping[str, float],
    now: datetime,
) -> list[CreditEntry]:
    """Entries to append for ``item`` given its ``ledger`` entries so far.

    ``spent`` is each person's counted points inside the cap window before this closure.
    Deterministic; returns [] when the ledger already matches the item's state.
    """
    closure = completed_closure(item.issue)
    settled = {e.reverses for e in ledger if e.reverses}
    out = [
        reverse(entry, now=now, kind=EntryKind.REVERSAL, reason=_why_reversed(item.issue))
        for entry in ledger
        if entry.kind is EntryKind.MINT
        and entry.natural_key not in settled
        and entry.closure != closure
    ]
    already = any(e.kind is EntryKind.MINT and e.closure == closure for e in ledger)
    if closure and not already:
        out += mint(
            item, directory=directory, rules=rules, threshold=threshold, spent=spent, now=now
        )
    return out


def mint(
    item: CreditItem,
    *,
    directory: Directory,
    rules: CreditRules,
    threshold: float,
    spent: Mapping[str, float],
    now: datetime,
) -> list[CreditEntry]:
    """The mint for a completed closure; [] when it is not eligible (see ``why_not``)."""
    if why_not(item, directory=directory, rules=rules, threshold=threshold):
        return []
    if item.card_at_close is None:
        return []
    card = item.card_at_close
    roles = role_holders(item, directory=directory, rules=rules)
    shares = _normalised_shares(rules.roles, roles)
    closure = completed_closure(item.issue) or ""
    entries: list[CreditEntry] = []
    budget = dict(spent)
    for role, holders in roles.items():
        total = sum(h.weight for h in holders)
        for holder in holders:
            share = shares[role] * holder.weight / total
            team, why = book_to(holder.person_id, item, card, directory)
            entry = _entry(item, card, role, holder, share, closure, now, rules)
            evidence = (*entry.evidence, why) if why else entry.evidence
            entry = entry.model_copy(update={"team_id": team, "evidence": evidence})
            entries.append(_capped(entry, budget, rules))
    return entries


def book_to(
    person_id: str, item: CreditItem, card: ScoreCard, directory: Directory
) -> tuple[str | None, str | None]:
    """The team a person's credit for ``item`` is booked to, and — when they belong to
    several teams — a sentence saying why that one: the team it was claimed for, else the
    team that owns it, else the first of their teams it benefits, else their first team."""
    teams = directory.teams_of_person(person_id)
    if len(teams) < 2:
        return (teams[0] if teams else None), None
    choices = (
        (item.claimed_for, "the team it was claimed for"),
        (card.owner_team, "the team that owns it"),
        (next((t for t in teams if t in card.beneficiaries), None), "a team it benefits"),
        (teams[0], "the first of their teams in teams.yaml"),
    )
    team, why = next((t, why) for t, why in choices if t in teams)
    others = ", ".join(t for t in teams if t != team)
    return team, f"booked to team {team}, {why} (also a member of {others})"


def why_not(
    item: CreditItem, *, directory: Directory, rules: CreditRules, threshold: float
) -> str | None:
    """Why an item earns no credit, or None when it is eligible."""
    card = item.card_at_close
    if card is None or completed_closure(item.issue) is None:
        return "not closed as completed"
    if not (eligibility_flags(item, directory) or item.surfaced or card.total >= threshold):
        ignored = f" ({len(item.flags)} flag(s) from its own team or no team)" if item.flags else ""
        return (
            f"neither flagged by another team nor surfaced{ignored}, "
            f"and its score {card.total:g} < {threshold:g}"
        )
    teams = len(card.beneficiaries)
    if teams < rules.anti_gaming.min_benefiting_teams:
        return f"{teams} benefiting team(s), fewer than {rules.anti_gaming.min_benefiting_teams}"
    return None


def eligibility_flags(item: CreditItem, directory: Directory) -> tuple[Flag, ...]:
    """The flags that make an item eligible for credit: those of people in the identity map
    who belong to some team, but not to the team that owns the item. An engineer flagging
    their own team's work, or someone outside every team, cannot unlock credit."""
    owner = item.card_at_close.owner_team if item.card_at_close else None
    return tuple(
        flag
        for flag in item.flags
        if directory.is_person(flag.person_id)
        and (teams := directory.teams_of_person(flag.person_id))
        and owner not in teams
    )


def role_holders(
    item: CreditItem, *, directory: Directory, rules: CreditRules
) -> dict[str, list[Holder]]:
    """People in each role (roles nobody holds are left out), after the anti-gaming rules."""
    issue = item.issue
    ignore_bots = rules.anti_gaming.ignore_bots
    merged = [pr for pr in issue.closed_by if pr.merged]
    resolvers = _people([pr.author for pr in merged], directory, ignore_bots, "merged pull request")
    if not resolvers:
        resolvers = _people(list(issue.assignees), directory, ignore_bots, "assignee at closing")
    resolver_ids = {h.person_id for h in resolvers}
    reviewers = [
        h
        for h in _people(
            [r for pr in merged for r in pr.reviewers],
            directory,
            ignore_bots,
            "reviewed the pull request",
        )
        if h.person_id not in resolver_ids
    ]
    roles = {
        "resolver": resolvers,
        "reviewer": reviewers,
        "flagger": _flaggers(item, directory, rules),
        "sponsor": [Holder(item.sponsor, 1.0, "claimed it from a digest")] if item.sponsor else [],
        "reporter": _people([issue.author], directory, ignore_bots, "reported it"),
    }
    return {role: holders for role, holders in roles.items() if holders and role in rules.roles}


def _people(
    actors: Sequence[Actor | None], directory: Directory, ignore_bots: bool, evidence: str
) -> list[Holder]:
    found: dict[str, Holder] = {}
    for actor in actors:
        if actor is None or (ignore_bots and directory.is_bot(actor)):
            continue
        person = directory.person_of(actor)
        if person is not None:
            found.setdefault(person, Holder(person, 1.0, evidence))
    return list(found.values())


def _flaggers(item: CreditItem, directory: Directory, rules: CreditRules) -> list[Holder]:
    """Earliest first, each later one ``flagger_decay`` times the previous; flaggers from the
    owning team earn nothing when ``no_credit_for_own_team_flags`` is on."""
    owner = item.card_at_close.owner_team if item.card_at_close else None
    holders: list[Holder] = []
    for flag in sorted(item.flags, key=lambda f: (f.at, f.person_id)):
        own = owner is not None and owner in directory.teams_of_person(flag.person_id)
        if own and rules.anti_gaming.no_credit_for_own_team_flags:
            continue
        if all(h.person_id != flag.person_id for h in holders):
            weight = rules.flagger_decay ** len(holders)
            holders.append(Holder(flag.person_id, weight, f"flagged it on {flag.at:%Y-%m-%d}"))
    return holders


def _normalised_shares(
    shares: Mapping[str, float], roles: Mapping[str, object]
) -> dict[str, float]:
    """Shares of the roles somebody holds, scaled to sum to 1 (an empty role's share goes
    to the others, so an item's entries add up to its points)."""
    held = {role: shares[role] for role in roles}
    total = sum(held.values())
    return {role: share / total for role, share in held.items()} if total else {}


def _entry(
    item: CreditItem,
    card: ScoreCard,
    role: str,
    holder: Holder,
    share: float,
    closure: str,
    now: datetime,
    rules: CreditRules,
) -> CreditEntry:
    issue = item.issue
    evidence = tuple(e for e in (issue.url, holder.evidence) if e)
    evidence += tuple(pr.url or pr.key for pr in issue.closed_by if pr.merged)
    return CreditEntry(
        natural_key=f"mint|{issue.uid}|{closure}|{role}|{holder.person_id}",
        kind=EntryKind.MINT,
        person_id=holder.person_id,
        team_id=None,
        role=role,
        share=round(share, 6),
        points=round(card.total * share, 4),
        issue_uid=issue.uid,
        closure=closure,
        beneficiaries=card.beneficiaries,
        reason=f"{role} of {issue.key}, completed {closure[:10]}, scoring {card.total:g}",
        evidence=evidence,
        at=issue.closed_at or now,  # credit counts in the period the work was done
        pending=rules.anti_gaming.require_manager_confirmation,
    )


def _capped(entry: CreditEntry, budget: dict[str, float], rules: CreditRules) -> CreditEntry:
    left = max(0.0, rules.caps.per_person_per_period - budget.get(entry.person_id, 0.0))
    budget[entry.person_id] = budget.get(entry.person_id, 0.0) + min(entry.points, left)
    if entry.points <= left:
        return entry
    return entry.model_copy(
        update={
            "points": round(left, 4),
            "reason": f"{entry.reason}; capped at {rules.caps.per_person_per_period:g} points "
            f"per {rules.caps.period_days} days",
        }
    )


def reverse(entry: CreditEntry, *, now: datetime, kind: EntryKind, reason: str) -> CreditEntry:
    """The compensating entry for ``entry``: same person, role and item, negated points."""
    return entry.model_copy(
        update={
            "natural_key": f"{kind.value}|{entry.natural_key}",
            "kind": kind,
            "points": -entry.points,
            "reason": reason,
            "at": now,
            "reverses": entry.natural_key,
        }
    )


def completed_closure(issue: Issue) -> str | None:
    """The ISO closing time when the issue is closed as completed (or without a reason);
    None while open or when closed as not planned or duplicate."""
    done = issue.state_reason in (None, StateReason.COMPLETED)
    if issue.is_open or not done or issue.closed_at is None:
        return None
    return issue.closed_at.isoformat()


def _why_reversed(issue: Issue) -> str:
    if issue.is_open:
        return f"{issue.key} was reopened"
    reason = issue.state_reason.value.replace("_", " ") if issue.state_reason else "completed"
    return f"{issue.key} was closed again ({reason})"
