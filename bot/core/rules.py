"""The rules schema: what an operator configures in ``rules/*.yaml``.

Every model forbids unknown keys, so a typo is an error rather than a silently ignored
setting. ``validate_rules`` checks the three files together and returns *every* problem at
once, each naming file, path (``teams[3].owns.repos``) and what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.dupes.rules import DuplicateRules
from bot.core.models import BenefitKind, OrphanReason
from bot.core.privacy_rules import DEFAULT_PRIVACY, JiraPrivacy, SourcePrivacy


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- teams.yaml


class Owns(_Rule):
    """What a team owns; an issue in an owned repo/project belongs to the team."""

    repos: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()


class Team(_Rule):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    managers: tuple[str, ...] = ()
    slack_channel: str | None = Field(default=None, pattern=r"^#[a-z0-9_-]+$|^C[A-Z0-9]+$")
    members: tuple[str, ...] = ()
    owns: Owns = Owns()


class Person(_Rule):
    """One human across systems: the identity map."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    emails: tuple[str, ...] = ()
    slack: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]+$")
    github: str | None = None
    jira: str | None = Field(default=None, description="Jira Cloud account id")
    linear: str | None = None
    gitlab: str | None = None

    @field_validator("emails")
    @classmethod
    def _emails_look_like_emails(cls, emails: tuple[str, ...]) -> tuple[str, ...]:
        for email in emails:
            if "@" not in email:
                raise ValueError(f"{email!r} is not an email address")
        return tuple(e.lower() for e in emails)


class ClaimRules(_Rule):
    """Who a manager may claim for from a digest. By default a manager claims items that a
    team they manage owns (or plausibly owns) or benefits from, and assigns members of those
    teams; each key widens one half of that."""

    items: Literal["related", "any"] = Field(
        default="related",
        description="related: items their teams own or benefit from; any: every item",
    )
    assignees: Literal["team", "anyone"] = Field(
        default="team",
        description="team: members of the teams they claim for; anyone: anyone in people",
    )


class TeamsRules(_Rule):
    teams: tuple[Team, ...] = ()
    leadership: tuple[str, ...] = ()
    leadership_groups: tuple[Annotated[str, StringConstraints(pattern=r"^S[A-Z0-9]+$")], ...] = (
        Field(default=(), description="Slack user group ids whose members count as leadership")
    )
    people: tuple[Person, ...] = ()
    bots: tuple[str, ...] = Field(
        default=(), description="tracker handles of bot accounts (any tracker)"
    )
    claims: ClaimRules = ClaimRules()


# -------------------------------------------------------------- scoring.yaml


class Weights(_Rule):
    reach_per_team: float = Field(default=12.0, ge=0)
    owner_benefit: float = Field(default=3.0, ge=0)
    incentive_gap: float = Field(default=0.5, ge=0)
    reactions: float = Field(default=2.0, ge=0)
    reactions_cap: float = Field(default=10.0, ge=0)
    commenter: float = Field(default=1.0, ge=0)
    commenters_cap: float = Field(default=6.0, ge=0)


def _default_benefit_strength() -> dict[BenefitKind, float]:
    return {
        BenefitKind.REPORTED: 1.0,
        BenefitKind.LINK: 1.0,
        BenefitKind.DUPLICATE: 1.0,
        BenefitKind.FLAG: 1.0,
        BenefitKind.LABEL: 0.6,
        BenefitKind.COMPONENT: 0.6,
        BenefitKind.COMMENT: 0.5,
    }


class CostOfDelay(_Rule):
    per_month: float = Field(default=0.08, ge=0)
    max_multiplier: float = Field(default=0.6, ge=0)


class Effort(_Rule):
    default: float = Field(default=3.0, gt=0)
    exponent: float = Field(default=0.35, ge=0, le=1)
    labels: dict[str, float] = Field(
        default_factory=lambda: {
            "size/XS": 1.0,
            "size/S": 2.0,
            "size/M": 3.0,
            "size/L": 5.0,
            "size/XL": 8.0,
        }
    )
    use_story_points: bool = True

    @field_validator("labels")
    @classmethod
    def _positive_sizes(cls, labels: dict[str, float]) -> dict[str, float]:
        for label, size in labels.items():
            if size <= 0:
                raise ValueError(f"size of {label!r} must be positive, got {size}")
        return labels


def _default_orphan_reason_weights() -> dict[OrphanReason, float]:
    return {
        OrphanReason.UNASSIGNED: 0.4,
        OrphanReason.IDLE: 0.3,
        OrphanReason.BOUNCED: 0.2,
        OrphanReason.AMBIGUOUS_OWNER: 0.2,
        OrphanReason.NO_OWNER: 0.4,
        OrphanReason.OWNER_NOT_BENEFICIARY: 0.3,
    }


class Orphans(_Rule):
    idle_days: int = Field(default=45, ge=1)
    bounce_count: int = Field(default=2, ge=1)
    reasons: dict[OrphanReason, float] = Field(default_factory=_default_orphan_reason_weights)
    min_factor: float = Field(default=0.3, ge=0, le=1)


class ScoringRules(_Rule):
    surfacing_threshold: float = Field(default=40.0, ge=0)
    weights: Weights = Weights()
    benefit_strength: dict[BenefitKind, float] = Field(default_factory=_default_benefit_strength)
    label_signals: dict[str, float] = Field(
        default_factory=lambda: {
            "taxonomy": 8.0,
            "data-quality": 6.0,
            "shared-infra": 6.0,
            "tech-debt": 2.0,
        }
    )
    cost_of_delay: CostOfDelay = CostOfDelay()
    effort: Effort = Effort()
    orphans: Orphans = Orphans()


# --------------------------------------------------------------- credit.yaml


def _default_role_shares() -> dict[str, float]:
    return {"resolver": 0.5, "reviewer": 0.15, "flagger": 0.15, "sponsor": 0.1, "reporter": 0.1}


class Caps(_Rule):
    per_person_per_period: float = Field(default=300.0, gt=0)
    period_days: int = Field(default=90, ge=1)


class AntiGaming(_Rule):
    ignore_bots: bool = True
    no_credit_for_own_team_flags: bool = True
    min_benefiting_teams: int = Field(default=2, ge=1)
    require_manager_confirmation: bool = False


class CreditRules(_Rule):
    roles: dict[str, float] = Field(default_factory=_default_role_shares)
    flagger_decay: float = Field(default=0.5, gt=0, le=1)
    caps: Caps = Caps()
    anti_gaming: AntiGaming = AntiGaming()

    @field_validator("roles")
    @classmethod
    def _shares_sum_to_one(cls, roles: dict[str, float]) -> dict[str, float]:
        known = set(_default_role_shares())
        for role, share in roles.items():
            if role not in known:
                raise ValueError(f"unknown role {role!r} (known: {', '.join(sorted(known))})")
            if share < 0:
                raise ValueError(f"share of {role!r} must not be negative")
        if roles and abs(sum(roles.values()) - 1.0) > 1e-6:
            raise ValueError(f"role shares must sum to 1.0, got {sum(roles.values()):g}")
        return roles


# --------------------------------------------------------------- sources.yaml

_REPO = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"


class GitHubSources(SourcePrivacy):
    """What to sync from GitHub (github.com or one GitHub Enterprise Server)."""

    source: str = Field(default="github", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    repos: tuple[Annotated[str, StringConstraints(pattern=_REPO)], ...] = ()
    orgs: tuple[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$")], ...] = ()
    exclude_repos: tuple[Annotated[str, StringConstraints(pattern=_REPO)], ...] = ()
    overlap_seconds: int = Field(default=5, ge=0, le=3600)
    concurrency: int = Field(default=4, ge=1, le=16)
    sweep_days: int = Field(default=7, ge=1)


_SOURCE_NAME = r"^[a-z0-9][a-z0-9_-]*$"
_JIRA_PROJECT = r"^[A-Z][A-Z0-9_]{1,9}$"


def _compiles(pattern: str | None) -> str | None:
    """A ``key_pattern`` must be a regular expression (matched whole against a key)."""
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
    return pattern


class JiraSources(JiraPrivacy):
    """One Jira Cloud site to sync (``rules/sources.yaml`` → ``jira``)."""

    source: str = Field(default="jira", pattern=_SOURCE_NAME)
    site: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s]+(/[^\s]*)?$",
        description="site URL; JIRA_URL when unset",
    )
    projects: tuple[Annotated[str, StringConstraints(pattern=_JIRA_PROJECT)], ...] = ()
    jql: str | None = Field(default=None, min_length=1, description="replaces `projects`")
    story_points_field: str | None = Field(default=None, pattern=r"^customfield_\d+$")
    overlap_minutes: int = Field(default=5, ge=1, le=1440)
    page_size: int = Field(default=100, ge=1, le=5000)
    concurrency: int = Field(default=4, ge=1, le=16)
    key_pattern: str | None = Field(
        default=None, description="regex of keys that belong to this site; default: projects"
    )
    _check_pattern = field_validator("key_pattern")(_compiles)

    @model_validator(mode="after")
    def _projects_or_jql(self) -> JiraSources:
        if not self.projects and not self.jql:
            raise ValueError("give `projects` or a `jql`")
        return self


class LinearSources(SourcePrivacy):
    """The Linear workspace of ``LINEAR_API_KEY`` (``rules/sources.yaml`` → ``linear``)."""

    source: str = Field(default="linear", pattern=_SOURCE_NAME)
    teams: tuple[Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,10}$")], ...] = Field(
        default=(), description="team keys; empty: every team the key can read"
    )
    window_days: int = Field(default=30, ge=1, le=3650)
    overlap_seconds: int = Field(default=60, ge=0, le=3600)
    page_size: int = Field(default=50, ge=1, le=250)
    concurrency: int = Field(default=2, ge=1, le=16)
    key_pattern: str | None = None
    _check_pattern = field_validator("key_pattern")(_compiles)


class GitLabSources(SourcePrivacy):
    """One GitLab instance (``rules/sources.yaml`` → ``gitlab``)."""

    source: str = Field(default="gitlab", pattern=_SOURCE_NAME)
    url: str | None = Field(
        default=None, pattern=r"^https?://[^/\s]+(/[^\s]*)?$", description="GITLAB_URL if unset"
    )
    groups: tuple[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$")], ...
    ] = ()
    projects: tuple[
        Annotated[
            str, StringConstraints(pattern=r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*/[A-Za-z0-9_.-]+$")
        ],
        ...,
    ] = ()
    exclude_projects: tuple[str, ...] = ()
    overlap_seconds: int = Field(default=5, ge=0, le=3600)
    page_size: int = Field(default=100, ge=1, le=100)
    concurrency: int = Field(default=4, ge=1, le=16)
    key_pattern: str | None = None
    _check_pattern = field_validator("key_pattern")(_compiles)

    @model_validator(mode="after")
    def _something_to_sync(self) -> GitLabSources:
        if not self.groups and not self.projects:
            raise ValueError("give `groups` or `projects`")
        return self


def _one_or_many(value: Any) -> Any:
    """``jira:`` (and the others) take one mapping or a list of them."""
    return [value] if isinstance(value, dict) else value


class SourcesRules(_Rule):
    github: GitHubSources | None = None
    jira: tuple[JiraSources, ...] = ()
    linear: tuple[LinearSources, ...] = ()
    gitlab: tuple[GitLabSources, ...] = ()

    _wrap_jira = field_validator("jira", mode="before")(_one_or_many)
    _wrap_linear = field_validator("linear", mode="before")(_one_or_many)
    _wrap_gitlab = field_validator("gitlab", mode="before")(_one_or_many)

    @model_validator(mode="after")
    def _source_names_unique(self) -> SourcesRules:
        seen: set[str] = set()
        for name in self.source_names():
            if name in seen:
                raise ValueError(f"source name {name!r} is used twice: give each a `source`")
            seen.add(name)
        return self

    def source_names(self) -> list[str]:
        """Every configured source name, GitHub first."""
        names = [self.github.source] if self.github else []
        names += [s.source for s in self.jira]
        names += [s.source for s in self.linear]
        return names + [s.source for s in self.gitlab]

    def privacy_of(self, source: str) -> SourcePrivacy:
        """The privacy keys of ``source``; the defaults for a source with no section (an
        imported file's)."""
        sections: list[SourcePrivacy] = [self.github] if self.github else []
        sections += [*self.jira, *self.linear, *self.gitlab]
        found = next((s for s in sections if getattr(s, "source", None) == source), None)
        return found or DEFAULT_PRIVACY


# --------------------------------------------------------------- all together


class Rules(_Rule):
    teams: TeamsRules = TeamsRules()
    scoring: ScoringRules = ScoringRules()
    credit: CreditRules = CreditRules()
    sources: SourcesRules = SourcesRules()
    duplicates: DuplicateRules = DuplicateRules()


class RuleProblem(_Rule):
    """One thing wrong with a rules folder."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '(top level)'}: {self.message}"


class RulesInvalidError(Exception):
    """Raised by ``parse_rules`` with every problem found."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


RULE_FILES: dict[str, type[BaseModel]] = {
    "teams.yaml": TeamsRules,
    "scoring.yaml": ScoringRules,
    "credit.yaml": CreditRules,
    "sources.yaml": SourcesRules,
    "duplicates.yaml": DuplicateRules,
}


def format_loc(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as ``teams[3].owns.repos``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_rules(documents: Mapping[str, Any]) -> Rules:
    """Validate parsed YAML documents (file name → data; missing files mean defaults).

    Raises ``RulesInvalidError`` listing every problem in every file, schema and cross-references
    alike. Deterministic; performs no I/O.
    """
    problems: list[RuleProblem] = []
    parsed: dict[str, BaseModel] = {}
    for file, model in RULE_FILES.items():
        data = documents.get(file)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            problems.append(RuleProblem(file=file, path="", message="must be a mapping of keys"))
            continue
        try:
            parsed[file] = model.model_validate(data)
        except ValidationError as exc:
            problems.extend(
                RuleProblem(file=file, path=format_loc(err["loc"]), message=err["msg"])
                for err in exc.errors()
            )
    teams = parsed.get("teams.yaml")
    if isinstance(teams, TeamsRules):
        problems.extend(check_team_references(teams))
        sources = parsed.get("sources.yaml")
        if isinstance(sources, SourcesRules):
            problems.extend(check_visible_to(sources, teams))
    if problems:
        raise RulesInvalidError(problems)
    return Rules.model_validate({file.removesuffix(".yaml"): rule for file, rule in parsed.items()})


def check_team_references(rules: TeamsRules) -> list[RuleProblem]:
    """Cross-reference checks the schema alone cannot express."""
    problems: list[RuleProblem] = []
    problems += _duplicates("teams", [t.id for t in rules.teams], "team id")
    problems += _duplicates("people", [p.id for p in rules.people], "person id")
    people = {p.id for p in rules.people}
    for i, team in enumerate(rules.teams):
        for field in ("managers", "members"):
            for j, person in enumerate(getattr(team, field)):
                if person not in people:
                    problems.append(
                        _problem(f"teams[{i}].{field}[{j}]", f"unknown person {person!r}")
                    )
    for i, person in enumerate(rules.leadership):
        if person not in people:
            problems.append(_problem(f"leadership[{i}]", f"unknown person {person!r}"))
    problems += _owned_twice(rules)
    problems += _identities_twice(rules)
    return problems


def check_visible_to(sources: SourcesRules, teams: TeamsRules) -> list[RuleProblem]:
    """Every ``visible_to`` names teams and people of teams.yaml."""
    known = {"teams": {t.id for t in teams.teams}, "people": {p.id for p in teams.people}}
    sections: list[tuple[str, SourcePrivacy]] = (
        [("github", sources.github)] if sources.github else []
    )
    for kind in ("jira", "linear", "gitlab"):
        sections += [(f"{kind}[{i}]", s) for i, s in enumerate(getattr(sources, kind))]
    problems = []
    for path, section in sections:
        for field, ids in (
            ("teams", section.visible_to.teams),
            ("people", section.visible_to.people),
        ):
            problems += [
                RuleProblem(
                    file="sources.yaml",
                    path=f"{path}.visible_to.{field}[{j}]",
                    message=f"unknown {field[:-1] if field == 'teams' else 'person'} {name!r}",
                )
                for j, name in enumerate(ids)
                if name not in known[field]
            ]
    return problems


def _problem(path: str, message: str) -> RuleProblem:
    return RuleProblem(file="teams.yaml", path=path, message=message)


def _duplicates(path: str, values: list[str], what: str) -> list[RuleProblem]:
    seen: set[str] = set()
    problems = []
    for i, value in enumerate(values):
        if value in seen:
            problems.append(_problem(f"{path}[{i}].id", f"duplicate {what} {value!r}"))
        seen.add(value)
    return problems


def _owned_twice(rules: TeamsRules) -> list[RuleProblem]:
    """A repo or project owned by two teams makes ownership ambiguous: reject it."""
    problems = []
    for kind in ("repos", "projects"):
        owner: dict[str, str] = {}
        for i, team in enumerate(rules.teams):
            for j, item in enumerate(getattr(team.owns, kind)):
                key = item.lower()
                if key in owner and owner[key] != team.id:
                    problems.append(
                        _problem(
                            f"teams[{i}].owns.{kind}[{j}]",
                            f"{item!r} is already owned by team {owner[key]!r}",
                        )
                    )
                owner.setdefault(key, team.id)
    return problems


def _identities_twice(rules: TeamsRules) -> list[RuleProblem]:
    problems = []
    for field in ("slack", "github", "jira", "linear", "gitlab"):
        seen: dict[str, str] = {}
        for i, person in enumerate(rules.people):
            handle = getattr(person, field)
            if handle is None:
                continue
            key = handle.lower()
            if key in seen:
                problems.append(
                    _problem(f"people[{i}].{field}", f"{handle!r} also belongs to {seen[key]!r}")
                )
            seen[key] = person.id
    return problems
