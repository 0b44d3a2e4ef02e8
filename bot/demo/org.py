"""The demo organisation "Acme AI": its teams, people, bots and what each team owns.

Shell code for ``impactbot demo``: deterministic for a given ``random.Random``; never reads
the global random state or the clock. ``teams_yaml`` renders the organisation as a
``rules/teams.yaml`` that validates against ``bot.core.rules_teams.TeamsRules``.
"""

from __future__ import annotations

import base64
import random
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import yaml

TrackerName = Literal["github", "jira"]
GITHUB_ORG = "acme"
JIRA_SITE = "https://acme.atlassian.net"
EMAIL_DOMAIN = "acme.ai"


@dataclass(frozen=True)
class Person:
    """A human: the identity map entry plus the handles the trackers show."""

    id: str
    name: str
    email: str
    slack: str
    github: str | None
    github_node: str
    github_name: str
    jira: str | None
    team: str | None


@dataclass(frozen=True)
class Bot:
    """An automation account; ``github`` is the GraphQL login gh prints (no ``[bot]``)."""

    name: str
    github: str | None = None
    jira: str | None = None


Actor = Person | Bot


@dataclass(frozen=True)
class Container:
    """A GitHub repo (``acme/vision-models``) or a Jira project (``ASR``) and its volume."""

    name: str
    tracker: TrackerName
    team: str
    volume: int
    title: str = ""


@dataclass(frozen=True)
class TeamSpec:
    id: str
    name: str
    size: int
    model_team: bool
    labels: tuple[str, ...]
    components: tuple[str, ...]


@dataclass(frozen=True)
class Org:
    teams: tuple[TeamSpec, ...]
    containers: tuple[Container, ...]
    people: tuple[Person, ...]
    leadership: tuple[Person, ...]
    externals: tuple[Person, ...]
    bots: dict[str, Bot]

    def members(self, team: str) -> list[Person]:
        """People of ``team``, manager first."""
        return [p for p in self.people if p.team == team]

    def manager(self, team: str) -> Person:
        return self.members(team)[0]

    def container(self, name: str) -> Container:
        return next(c for c in self.containers if c.name == name)

    def team_containers(self, team: str) -> list[Container]:
        return [c for c in self.containers if c.team == team]

    def team_spec(self, team: str) -> TeamSpec:
        return next(t for t in self.teams if t.id == team)

    def label_owner(self, label: str) -> str | None:
        return next((t.id for t in self.teams if label in t.labels), None)

    def component_owner(self, component: str) -> str | None:
        return next((t.id for t in self.teams if component in t.components), None)


_LABEL_OWNER = ("annotation",)
TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec("data-labelling", "Data Labelling", 5, False, _LABEL_OWNER, ("Labelling Data",)),
    TeamSpec("asr", "Speech Recognition", 6, True, ("asr",),
             ("Acoustic Model", "Decoder", "Speech Frontend")),
    TeamSpec("vision", "Computer Vision", 6, True, ("vision",), ()),
    TeamSpec("nlp", "Language Understanding", 5, True, ("nlp",),
             ("Tokenizer", "Intent Model", "NER")),
    TeamSpec("recsys", "Recommendations", 5, True, ("recsys",),
             ("Ranking", "Candidate Generation")),
    TeamSpec("training-infra", "Training Infrastructure", 6, False, ("gpu-cluster",),
             ("Training Infra",)),
    TeamSpec("platform", "Platform & DevTools", 5, False, ("ci",),
             ("CI/CD", "Dev Environment")),
)  # fmt: skip

CONTAINERS: tuple[Container, ...] = (
    Container("acme/labelling-tools", "github", "data-labelling", 420),
    Container("acme/vision-models", "github", "vision", 470),
    Container("acme/training-infra", "github", "training-infra", 440),
    Container("acme/devtools", "github", "platform", 330),
    Container("acme/ci-config", "github", "platform", 130),
    Container("ASR", "jira", "asr", 450, "Speech Recognition"),
    Container("NLP", "jira", "nlp", 380, "Language Understanding"),
    Container("RECSYS", "jira", "recsys", 380, "Recommendations"),
)

BOTS: dict[str, Bot] = {
    "actions": Bot("github-actions", github="github-actions"),
    "renovate": Bot("renovate", github="renovate"),
    "automation": Bot("Automation for Jira", jira="557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"),
}

_FIRST = [
    "Maria",
    "Jonas",
    "Aisha",
    "Tomasz",
    "Priya",
    "Lukas",
    "Mei",
    "Daniel",
    "Sofia",
    "Kwame",
    "Elena",
    "Rafael",
    "Yuki",
    "Omar",
    "Hannah",
    "Mateo",
    "Ingrid",
    "Ravi",
    "Chloe",
    "Felix",
    "Amara",
    "Nikolai",
    "Lea",
    "Diego",
    "Sanna",
    "Arjun",
    "Clara",
    "Emeka",
    "Ines",
    "Ben",
    "Zofia",
    "Hiro",
    "Leila",
    "Marco",
    "Freya",
    "Tariq",
    "Nora",
    "Pavel",
    "Ana",
    "Samuel",
    "Ayumi",
    "Kofi",
    "Greta",
    "Idris",
    "Lucia",
    "Tobias",
]
_LAST = [
    "Schmidt",
    "Okafor",
    "Nowak",
    "Iyer",
    "Becker",
    "Chen",
    "Alvarez",
    "Mensah",
    "Petrov",
    "Tanaka",
    "Haddad",
    "Weber",
    "Costa",
    "Lindqvist",
    "Rao",
    "Dubois",
    "Adeyemi",
    "Moreau",
    "Kowalski",
    "Nakamura",
    "Fischer",
    "Banerjee",
    "Silva",
    "Novak",
    "Ahmed",
    "Keller",
    "Horvat",
    "Sato",
    "Mueller",
    "Osei",
    "Romano",
    "Jensen",
    "Gupta",
    "Vogel",
    "Ibrahim",
    "Larsen",
    "Park",
    "Ortiz",
    "Berg",
    "Kim",
    "Hoffmann",
    "Nilsen",
    "Quist",
    "Mbeki",
    "Ferreira",
    "Wolff",
]
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_GITHUB_TEAMS = frozenset(c.team for c in CONTAINERS if c.tracker == "github")


def build_org(rng: random.Random) -> Org:
    """The fixed team layout with ~40 generated people; deterministic for the rng state."""
    names = _names(rng, sum(t.size for t in TEAMS) + 2 + 3)
    people: list[Person] = []
    for team in TEAMS:
        people += [_person(rng, names.pop(0), team.id, i) for i in range(team.size)]
    leadership = tuple(_person(rng, names.pop(0), None, 0) for _ in range(2))
    externals = tuple(_person(rng, names.pop(0), None, 0, external=True) for _ in range(3))
    return Org(TEAMS, CONTAINERS, tuple(people), leadership, externals, dict(BOTS))


def _names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    first, last = list(_FIRST), list(_LAST)
    rng.shuffle(first)
    rng.shuffle(last)
    if count > min(len(first), len(last)):
        raise ValueError(f"not enough demo names for {count} people")
    return list(zip(first[:count], last[:count], strict=True))


def _person(
    rng: random.Random,
    name: tuple[str, str],
    team: str | None,
    position: int,
    *,
    external: bool = False,
) -> Person:
    """One person; positions 1 and 2 of every team work in both trackers (the stories'
    cross-team cast), the rest mostly in their own team's tracker."""
    first, last = name
    both = position in (1, 2)
    on_github = both or team in _GITHUB_TEAMS or team is None or rng.random() < 0.6
    on_jira = not external and (both or team not in _GITHUB_TEAMS or rng.random() < 0.5)
    login = _login(rng, first, last)
    return Person(
        id=f"{first}.{last}".lower(),
        name=f"{first} {last}",
        email=f"{first}.{last}@{EMAIL_DOMAIN}".lower(),
        slack="U" + "".join(rng.choice(_ALNUM) for _ in range(10)),
        github=login if on_github else None,
        github_node=base64.b64encode(f"04:User{rng.randrange(10**6, 9 * 10**7)}".encode()).decode(),
        github_name="" if rng.random() < 0.1 else f"{first} {last}",
        jira=_jira_account(rng) if on_jira else None,
        team=team,
    )


def _login(rng: random.Random, first: str, last: str) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"{first[0]}{last}".lower()
    if style == 1:
        return f"{first}-{last}".lower()
    if style == 2:
        return f"{first.lower()}{rng.randrange(10, 99)}"
    return f"{first}{last[:3]}-acme".lower()


def _jira_account(rng: random.Random) -> str:
    """A Jira Cloud account id: 24 hex digits, or the older ``557058:<uuid>`` form."""
    if rng.random() < 0.3:
        return f"557058:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    return f"{rng.getrandbits(96):024x}"


def teams_yaml(org: Org, seed: int) -> str:
    """``rules/teams.yaml`` text for the organisation, with a header comment."""
    data: dict[str, Any] = {
        "teams": [_team_doc(org, t) for t in org.teams],
        "leadership": [p.id for p in org.leadership],
        "people": [_person_doc(p) for p in (*org.people, *org.leadership)],
        "bots": _bot_handles(org),
    }
    header = (
        "# Acme AI — the impactbot demo organisation.\n"
        f"# Generated by `python -m bot.demo.generator` (seed {seed}); edit freely.\n"
        "# Bots are listed as REST shows them (`name[bot]`) and as `gh --json` shows them\n"
        "# in comment authors (bare GraphQL login).\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _team_doc(org: Org, team: TeamSpec) -> dict[str, Any]:
    owned = org.team_containers(team.id)
    return {
        "id": team.id,
        "name": team.name,
        "managers": [org.manager(team.id).id],
        "slack_channel": f"#team-{team.id}",
        "members": [p.id for p in org.members(team.id)],
        "owns": {
            key: values
            for key, values in (
                ("repos", [c.name for c in owned if c.tracker == "github"]),
                ("projects", [c.name for c in owned if c.tracker == "jira"]),
                ("components", list(team.components)),
                ("labels", list(team.labels)),
            )
            if values
        },
    }


def _person_doc(person: Person) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": person.id, "name": person.name, "emails": [person.email]}
    doc["slack"] = person.slack
    if person.github:
        doc["github"] = person.github
    if person.jira:
        doc["jira"] = person.jira
    return doc


def _bot_handles(org: Org) -> list[str]:
    handles: list[str] = []
    for bot in org.bots.values():
        if bot.github:
            handles += [f"{bot.github}[bot]", bot.github]
        if bot.jira:
            handles.append(bot.jira)
    return handles
