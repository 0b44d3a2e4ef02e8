"""Which teams benefit from an issue, and the evidence for each.

A team benefits when its people reported, flagged or commented on the issue, when it owns a
label or component on it, or when one of its issues references, is blocked by or duplicates
it. The owner team may benefit too; the incentive gap is about the benefit that does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.identity import Directory
from bot.core.links import Edge, LinkIndex
from bot.core.models import BenefitEvidence, BenefitKind, Flag, Issue, LinkKind

# An edge *into* this issue of these kinds means the other issue's team gains when it is done.
_INCOMING_BENEFIT = {
    LinkKind.REFERENCES: BenefitKind.LINK,
    LinkKind.BLOCKED_BY: BenefitKind.LINK,
    LinkKind.RELATES: BenefitKind.LINK,
    LinkKind.DUPLICATES: BenefitKind.DUPLICATE,
    LinkKind.LOOKS_LIKE: BenefitKind.DUPLICATE,  # another team filed a near-duplicate
}
# An edge *out of* this issue of these kinds means the same, seen from this side.
_OUTGOING_BENEFIT = {
    LinkKind.BLOCKS: BenefitKind.LINK,
    LinkKind.REFERENCED_BY: BenefitKind.LINK,
    LinkKind.DUPLICATED_BY: BenefitKind.DUPLICATE,
    LinkKind.RELATES: BenefitKind.LINK,
}


@dataclass(frozen=True)
class BenefitContext:
    """What beneficiary detection needs beyond the issue itself."""

    directory: Directory
    links: LinkIndex
    owner_of: Mapping[str, str | None]  # issue uid → owner team
    flags: Sequence[Flag] = ()


def find_beneficiaries(issue: Issue, ctx: BenefitContext) -> tuple[BenefitEvidence, ...]:
    """Every piece of evidence that some team benefits from ``issue``, deduplicated, in a
    stable order (reporter, labels, components, links, flags, comments)."""
    found: list[BenefitEvidence] = []
    found += _reporter(issue, ctx.directory)
    found += _owned_tags(issue, ctx.directory)
    found += _linked(issue, ctx)
    found += _flaggers(ctx)
    found += _commenters(issue, ctx.directory)
    return tuple(dict.fromkeys(found))


def team_strengths(
    evidence: Iterable[BenefitEvidence], strength: Mapping[BenefitKind, float]
) -> dict[str, float]:
    """Each team's benefit strength: the strongest kind of evidence it has (0..1 typically)."""
    teams: dict[str, float] = {}
    for item in evidence:
        value = strength.get(item.kind, 0.0)
        if value > 0:
            teams[item.team] = max(teams.get(item.team, 0.0), value)
    return teams


def _reporter(issue: Issue, directory: Directory) -> list[BenefitEvidence]:
    who = directory.name_of(issue.author)
    return [
        BenefitEvidence(team=t, kind=BenefitKind.REPORTED, detail=f"reported by {who}")
        for t in directory.teams_of(issue.author)
    ]


def _owned_tags(issue: Issue, directory: Directory) -> list[BenefitEvidence]:
    out = [
        BenefitEvidence(team=t, kind=BenefitKind.LABEL, detail=f"label {label!r}")
        for label in issue.labels
        for t in directory.label_owners(label)
    ]
    out += [
        BenefitEvidence(team=t, kind=BenefitKind.COMPONENT, detail=f"component {comp!r}")
        for comp in issue.components
        for t in directory.component_owners(comp)
    ]
    return out


def _linked(issue: Issue, ctx: BenefitContext) -> list[BenefitEvidence]:
    out: list[BenefitEvidence] = []
    for edge in ctx.links.into(issue.uid):
        kind = _INCOMING_BENEFIT.get(edge.kind)
        team = ctx.owner_of.get(edge.source_uid)
        if kind and team:
            out.append(BenefitEvidence(team=team, kind=kind, detail=_describe(edge, incoming=True)))
    for edge in ctx.links.out_of(issue.uid):
        kind = _OUTGOING_BENEFIT.get(edge.kind)
        team = ctx.owner_of.get(edge.target_uid)
        if kind and team:
            out.append(
                BenefitEvidence(team=team, kind=kind, detail=_describe(edge, incoming=False))
            )
    return out


def _describe(edge: Edge, *, incoming: bool) -> str:
    other = display_key(edge.source_uid if incoming else edge.target_uid)
    if edge.kind is LinkKind.REFERENCED_BY and not incoming:
        # A tracker's backlink says the same as the other issue's own mention: word it alike,
        # so that both collapse into one piece of evidence.
        return f"{other} references it"
    if edge.kind is LinkKind.LOOKS_LIKE:
        return f"{other} looks like a duplicate of it, {edge.evidence}"
    verb = edge.kind.value.replace("_", " ")
    return f"{other} {verb} it" if incoming else f"it {verb} {other}"


def display_key(uid: str) -> str:
    """The key part of an issue uid (``github:acme/asr#3`` → ``acme/asr#3``)."""
    return uid.split(":", 1)[1] if ":" in uid else uid


def _flaggers(ctx: BenefitContext) -> list[BenefitEvidence]:
    return [
        BenefitEvidence(
            team=t,
            kind=BenefitKind.FLAG,
            detail=f"flagged by {ctx.directory.name_of_person(flag.person_id)}",
        )
        for flag in ctx.flags
        for t in ctx.directory.teams_of_person(flag.person_id)
    ]


def _commenters(issue: Issue, directory: Directory) -> list[BenefitEvidence]:
    out = []
    for comment in issue.comments:
        for team in directory.teams_of(comment.author):
            who = directory.name_of(comment.author)
            out.append(
                BenefitEvidence(team=team, kind=BenefitKind.COMMENT, detail=f"comment by {who}")
            )
    return out
