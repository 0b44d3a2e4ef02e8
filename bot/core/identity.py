"""The identity map: tracker actors → people → teams, and what each team owns.

Built once from ``TeamsRules``; lookups are case-insensitive where trackers are (GitHub
logins, emails) and exact where they are not (Jira account ids).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.models import Actor, Issue, TrackerKind
from bot.core.rules_teams import Person, TeamsRules

_HANDLE_FIELD = {
    TrackerKind.GITHUB: "github",
    TrackerKind.JIRA: "jira",
    TrackerKind.LINEAR: "linear",
    TrackerKind.GITLAB: "gitlab",
}


def handle_field(person: Person, tracker: TrackerKind) -> str | None:
    """``person``'s handle in ``tracker``, as teams.yaml gives it (None: not given)."""
    handle: str | None = getattr(person, _HANDLE_FIELD[tracker])
    return handle


@dataclass(frozen=True)
class Ownership:
    """Who owns an issue and how sure we are.

    ``team`` is None when no rule claims the issue; ``candidates`` lists every team a rule
    points at (more than one means ownership is ambiguous), ``basis`` says which rule decided.
    """

    team: str | None
    candidates: tuple[str, ...]
    basis: str


@dataclass(frozen=True)
class Directory:
    """Resolves actors to people and teams; answers ownership questions."""

    rules: TeamsRules
    _by_handle: dict[tuple[TrackerKind, str], str] = field(default_factory=dict)
    _by_email: dict[str, str] = field(default_factory=dict)
    _by_name: dict[str, str] = field(default_factory=dict)
    _teams_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _bots: frozenset[str] = frozenset()
    _container_owner: dict[str, str] = field(default_factory=dict)
    _label_owners: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _component_owners: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _people: frozenset[str] = frozenset()

    @classmethod
    def build(cls, rules: TeamsRules) -> Directory:
        """Index ``rules`` for fast lookups."""
        by_handle: dict[tuple[TrackerKind, str], str] = {}
        by_email: dict[str, str] = {}
        by_name: dict[str, str] = {}
        for person in rules.people:
            for tracker, attr in _HANDLE_FIELD.items():
                handle = getattr(person, attr)
                if handle:
                    by_handle[(tracker, _norm(tracker, handle))] = person.id
            for email in person.emails:
                by_email[email.lower()] = person.id
            by_name.setdefault(person.name.casefold(), person.id)
        teams_of: dict[str, list[str]] = defaultdict(list)
        for team in rules.teams:
            for member in (*team.managers, *team.members):
                if team.id not in teams_of[member]:
                    teams_of[member].append(team.id)
        return cls(
            rules=rules,
            _by_handle=by_handle,
            _by_email=by_email,
            _by_name=by_name,
            _teams_of={p: tuple(t) for p, t in teams_of.items()},
            _bots=frozenset(b.lower() for b in rules.bots),
            _container_owner=_container_owners(rules),
            _label_owners=_owners_of(rules, "labels"),
            _component_owners=_owners_of(rules, "components"),
            _people=frozenset(p.id for p in rules.people),
        )

    def person_of(self, actor: Actor | None) -> str | None:
        """The person id behind ``actor``, or None if the identity map does not know them."""
        if actor is None:
            return None
        found = self._by_handle.get((actor.tracker, _norm(actor.tracker, actor.handle)))
        if found is None and actor.email:
            found = self._by_email.get(actor.email.lower())
        if found is None and actor.display_name and actor.tracker is TrackerKind.JIRA:
            # Only Jira CSV exports lack account ids; a GitHub profile name is user-chosen,
            # so matching on it would let anyone pass for anyone.
            found = self._by_name.get(actor.display_name.casefold())
        return found

    def name_of(self, actor: Actor | None) -> str:
        """How to show ``actor`` to a person: the identity map's name when it knows them, else
        the tracker's display name, else the handle (an account id or a UUID on some trackers,
        which mean nothing to a reader); "someone" for no actor."""
        if actor is None:
            return "someone"
        person = self.person_of(actor)
        if person is not None:
            return self.name_of_person(person)
        return actor.display_name or actor.handle

    def name_of_person(self, person_id: str) -> str:
        """The identity map's name of ``person_id`` (the id itself if unknown)."""
        return next((p.name for p in self.rules.people if p.id == person_id), person_id)

    def person_of_slack(self, user_id: str) -> str | None:
        """The person whose Slack user id is ``user_id``."""
        return next((p.id for p in self.rules.people if p.slack == user_id), None)

    def is_person(self, person_id: str) -> bool:
        """Whether ``person_id`` is a person of the identity map (``people`` in teams.yaml)."""
        return person_id in self._people

    def teams_of_person(self, person_id: str | None) -> tuple[str, ...]:
        return self._teams_of.get(person_id, ()) if person_id else ()

    def teams_of(self, actor: Actor | None) -> tuple[str, ...]:
        """Teams of the person behind ``actor`` (empty for unknown people and bots)."""
        if actor is None or self.is_bot(actor):
            return ()
        return self.teams_of_person(self.person_of(actor))

    def is_bot(self, actor: Actor) -> bool:
        """True for tracker-declared bots and handles listed under ``bots`` in teams.yaml."""
        return actor.is_bot or actor.handle.lower() in self._bots

    def label_owners(self, label: str) -> tuple[str, ...]:
        return self._label_owners.get(label.casefold(), ())

    def component_owners(self, component: str) -> tuple[str, ...]:
        return self._component_owners.get(component.casefold(), ())

    def ownership(self, issue: Issue) -> Ownership:
        """The owner team: by repo / project first, then components, then labels."""
        container_team = self._container_owner.get(issue.container.casefold())
        by_component = _distinct(t for c in issue.components for t in self.component_owners(c))
        by_label = _distinct(t for lb in issue.labels for t in self.label_owners(lb))
        if container_team:
            return Ownership(container_team, (container_team,), f"owns {issue.container}")
        for basis, teams in (("components", by_component), ("labels", by_label)):
            if len(teams) == 1:
                return Ownership(teams[0], teams, f"owns the {basis} of the issue")
            if teams:
                return Ownership(None, teams, f"{basis} are owned by several teams")
        return Ownership(None, (), "no team owns its repo, project, components or labels")


def _norm(tracker: TrackerKind, handle: str) -> str:
    # Jira account ids are case-sensitive opaque ids; the other trackers' handles are not.
    return handle if tracker is TrackerKind.JIRA else handle.casefold()


def _distinct(teams: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for team in teams:
        if team not in out:
            out.append(team)
    return tuple(out)


def _container_owners(rules: TeamsRules) -> dict[str, str]:
    owners: dict[str, str] = {}
    for team in rules.teams:
        for container in (*team.owns.repos, *team.owns.projects):
            owners.setdefault(container.casefold(), team.id)
    return owners


def _owners_of(rules: TeamsRules, kind: str) -> dict[str, tuple[str, ...]]:
    owners: dict[str, list[str]] = defaultdict(list)
    for team in rules.teams:
        for item in getattr(team.owns, kind):
            owners[item.casefold()].append(team.id)
    return {k: tuple(v) for k, v in owners.items()}
