"""Scoring signals, registered through one extension point.

A *value signal* turns the facts about an issue into contributions (points with a reason
and evidence). A *modifier* scales the value found so far — cost of delay, effort — and
reports the difference as its own contribution, so the card still sums to the total.
Built-ins register exactly as a new signal would; ``tests/core/test_signals.py`` requires a
test for every registered name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import BenefitEvidence, Contribution, Issue
from bot.core.rules_scoring import ScoringRules

_DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class SignalInput:
    """The facts one issue is scored on (all pure data)."""

    issue: Issue
    owner_team: str | None
    evidence: tuple[BenefitEvidence, ...]
    strengths: Mapping[str, float]  # team → benefit strength
    human_commenters: tuple[str, ...]
    rules: ScoringRules
    now: datetime

    @property
    def outside_teams(self) -> list[str]:
        return sorted(t for t in self.strengths if t != self.owner_team)


ValueSignal = Callable[[SignalInput], list[Contribution]]
Modifier = Callable[[SignalInput, float], Contribution | None]

VALUE_SIGNALS: dict[str, ValueSignal] = {}
MODIFIERS: dict[str, Modifier] = {}


def value_signal(name: str) -> Callable[[ValueSignal], ValueSignal]:
    """Register a value signal under ``name`` (unique)."""

    def register(fn: ValueSignal) -> ValueSignal:
        if name in VALUE_SIGNALS or name in MODIFIERS:
            raise ValueError(f"signal {name!r} is already registered")
        VALUE_SIGNALS[name] = fn
        return fn

    return register


def modifier(name: str) -> Callable[[Modifier], Modifier]:
    """Register a modifier under ``name``; modifiers run in registration order."""

    def register(fn: Modifier) -> Modifier:
        if name in VALUE_SIGNALS or name in MODIFIERS:
            raise ValueError(f"signal {name!r} is already registered")
        MODIFIERS[name] = fn
        return fn

    return register


def _evidence_for(inp: SignalInput, team: str) -> tuple[str, ...]:
    return tuple(e.detail for e in inp.evidence if e.team == team)


@value_signal("reach")
def reach(inp: SignalInput) -> list[Contribution]:
    """Points for every benefiting team other than the owner, by strength of evidence."""
    per_team = inp.rules.weights.reach_per_team
    return [
        Contribution(
            signal="reach",
            points=per_team * inp.strengths[team],
            reason=f"team {team} benefits",
            evidence=_evidence_for(inp, team),
        )
        for team in inp.outside_teams
    ]


@value_signal("owner_benefit")
def owner_benefit(inp: SignalInput) -> list[Contribution]:
    """A few points when the owning team benefits as well (it has its own incentive)."""
    owner = inp.owner_team
    if owner is None or owner not in inp.strengths:
        return []
    points = inp.rules.weights.owner_benefit * inp.strengths[owner]
    return [
        Contribution(
            signal="owner_benefit",
            points=points,
            reason=f"the owning team {owner} benefits too",
            evidence=_evidence_for(inp, owner),
        )
    ]


def incentive_gap_share(strengths: Mapping[str, float], owner: str | None) -> float:
    """Share of the benefit that lands outside the owning team (0 when nobody benefits)."""
    total = sum(strengths.values())
    if total <= 0:
        return 0.0
    inside = strengths.get(owner, 0.0) if owner else 0.0
    return (total - inside) / total


@value_signal("incentive_gap")
def incentive_gap(inp: SignalInput) -> list[Contribution]:
    """Benefit that lands outside the owner is the work nobody is rewarded for doing: the
    outside reach earns ``weights.incentive_gap`` × the gap share more."""
    share = incentive_gap_share(inp.strengths, inp.owner_team)
    outside = sum(inp.strengths[t] for t in inp.outside_teams) * inp.rules.weights.reach_per_team
    if share <= 0 or outside <= 0:
        return []
    owner = inp.owner_team or "no team"
    return [
        Contribution(
            signal="incentive_gap",
            points=inp.rules.weights.incentive_gap * share * outside,
            reason=f"{share:.0%} of the benefit lands outside the owning team ({owner})",
            evidence=tuple(inp.outside_teams),
        )
    ]


def _label_matches(label: str, signal_label: str) -> bool:
    # "area/taxonomy" and "taxonomy" both match the signal "taxonomy".
    label, signal_label = label.casefold(), signal_label.casefold()
    return label == signal_label or label.rsplit("/", 1)[-1].rsplit(":", 1)[-1] == signal_label


@value_signal("labels")
def label_signals(inp: SignalInput) -> list[Contribution]:
    """Configured label weights (e.g. taxonomy, shared-infra), once per matching label."""
    out = []
    for signal_label, weight in inp.rules.label_signals.items():
        matched = [lb for lb in inp.issue.labels if _label_matches(lb, signal_label)]
        if matched and weight > 0:
            out.append(
                Contribution(
                    signal="labels",
                    points=weight,
                    reason=f"labelled {signal_label}",
                    evidence=tuple(matched),
                )
            )
    return out


@value_signal("engagement")
def engagement(inp: SignalInput) -> list[Contribution]:
    """Reactions / votes and distinct human commenters, log-damped and capped."""
    weights = inp.rules.weights
    out = []
    if inp.issue.reactions > 0:
        points = min(weights.reactions_cap, weights.reactions * math.log2(1 + inp.issue.reactions))
        out.append(
            Contribution(
                signal="engagement",
                points=points,
                reason=_count(inp.issue.reactions, "reaction / vote", "reactions / votes"),
            )
        )
    if inp.human_commenters:
        count = len(inp.human_commenters)
        out.append(
            Contribution(
                signal="engagement",
                points=min(weights.commenters_cap, weights.commenter * count),
                reason=f"{count} {'person' if count == 1 else 'people'} commented",
                evidence=inp.human_commenters,
            )
        )
    return out


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def months_waiting(issue: Issue, now: datetime) -> float:
    """Months from creation to ``now`` (open) or to closing (closed); never negative."""
    end = issue.closed_at if (issue.closed_at and not issue.is_open) else now
    return max(0.0, (end - issue.created_at).total_seconds() / 86400 / _DAYS_PER_MONTH)


@modifier("cost_of_delay")
def cost_of_delay(inp: SignalInput, value: float) -> Contribution | None:
    """Value grows with waiting time, up to ``max_multiplier`` times more (WSJF's cost of
    delay): the longer cross-team harm goes on, the more fixing it is worth."""
    if value <= 0 or not inp.issue.is_open:
        return None
    months = months_waiting(inp.issue, inp.now)
    rules = inp.rules.cost_of_delay
    multiplier = min(rules.max_multiplier, rules.per_month * months)
    if multiplier <= 0:
        return None
    return Contribution(
        signal="cost_of_delay",
        points=value * multiplier,
        reason=f"waiting {months:.1f} months: the cost of delay adds {multiplier:.0%}",
        evidence=(f"created {inp.issue.created_at:%Y-%m-%d}",),
    )


def effort_units(issue: Issue, rules: ScoringRules) -> tuple[float, str]:
    """The issue's size in effort units and where it came from (size label, story points,
    or the default)."""
    sizes = {k.casefold(): v for k, v in rules.effort.labels.items()}
    labelled = [(sizes[lb.casefold()], lb) for lb in issue.labels if lb.casefold() in sizes]
    if labelled:
        size, label = max(labelled)
        return size, f"label {label}"
    if rules.effort.use_story_points and issue.story_points:
        return issue.story_points, f"{issue.story_points:g} story points"
    return rules.effort.default, "no size given: default"


@modifier("effort")
def effort(inp: SignalInput, value: float) -> Contribution | None:
    """Cheap items rise and big ones sink (RICE / WSJF divide by effort), damped by
    ``effort.exponent`` so size never dominates impact."""
    if value <= 0:
        return None
    units, source = effort_units(inp.issue, inp.rules)
    factor = (inp.rules.effort.default / units) ** inp.rules.effort.exponent
    if math.isclose(factor, 1.0):
        return None
    direction = "small" if factor > 1 else "large"
    return Contribution(
        signal="effort",
        points=value * (factor - 1),
        reason=f"{direction} effort ({units:g} units, {source}): ×{factor:.2f}",
        evidence=(source,),
    )
