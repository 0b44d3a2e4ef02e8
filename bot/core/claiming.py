"""Who may claim what from a digest, and for whom: pure rules over the directory.

A manager claims for the teams they manage, among items those teams own (or plausibly own)
or benefit from, and assigns a member of those teams; ``claims:`` in teams.yaml widens
either half (``items: any``, ``assignees: anyone``). Every refusal is a sentence saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.digest import DigestItem, teams_managed_by
from bot.core.identity import Directory


@dataclass(frozen=True)
class ClaimScope:
    """What ``manager`` may do with one item: the teams they may claim it for (most
    concerned first: the owner, then benefiting teams) and the people they may assign
    (person ids, in teams.yaml order). ``refusal`` says why they may not claim it at all."""

    teams: tuple[str, ...]
    people: tuple[str, ...]
    refusal: str | None = None


@dataclass(frozen=True)
class ClaimCheck:
    """The team a claim is booked to, or a refusal saying why it may not be made."""

    team: str | None
    refusal: str | None = None


def claim_scope(manager: str | None, item: DigestItem, directory: Directory) -> ClaimScope:
    """What ``manager`` (a person id; None for someone the identity map lacks) may claim."""
    rules = directory.rules
    managed = teams_managed_by(manager, rules) if manager else ()
    if not managed:
        return ClaimScope((), (), "Only a team's manager can claim from a digest.")
    concerned = _concerned(item)
    teams = tuple(t for t in concerned if t in managed)
    if not teams and rules.claims.items == "any":
        teams = managed
    if not teams:
        return ClaimScope(
            (),
            (),
            f"None of your teams ({', '.join(managed)}) owns or benefits from {item.key}: "
            f"a manager of {', '.join(concerned) or 'its owning team'} can claim it.",
        )
    if rules.claims.assignees == "anyone":
        return ClaimScope(teams, tuple(p.id for p in rules.people))
    members = {m for t in rules.teams if t.id in teams for m in (*t.managers, *t.members)}
    return ClaimScope(teams, tuple(p.id for p in rules.people if p.id in members))


def check_claim(
    manager: str | None, assignee: str, item: DigestItem, directory: Directory
) -> ClaimCheck:
    """Whether ``manager`` may claim ``item`` for ``assignee`` (person ids), and the team
    it is booked to: the first team of the scope the assignee belongs to (else, when any
    assignee is allowed, the first team of the scope)."""
    scope = claim_scope(manager, item, directory)
    if scope.refusal:
        return ClaimCheck(None, scope.refusal)
    if assignee not in scope.people:
        return ClaimCheck(
            None,
            f"{_name(assignee, directory)} is not in a team you can claim {item.key} for "
            f"({', '.join(scope.teams)}): assign one of its members.",
        )
    theirs = directory.teams_of_person(assignee)
    return ClaimCheck(next((t for t in scope.teams if t in theirs), scope.teams[0]))


def _concerned(item: DigestItem) -> tuple[str, ...]:
    """The item's owner (or plausible owners), then the teams it benefits, once each."""
    owners = (item.owner_team,) if item.owner_team else item.owner_candidates
    return tuple(dict.fromkeys((*owners, *item.benefiting)))


def _name(person_id: str, directory: Directory) -> str:
    return next((p.name for p in directory.rules.people if p.id == person_id), person_id)
