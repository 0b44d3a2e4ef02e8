"""The rules: what an operator configures in ``rules/*.yaml``, validated all together.

Each file has its schema beside this module — ``rules_teams`` (teams.yaml), ``rules_scoring``
(scoring.yaml), ``rules_credit`` (credit.yaml), ``rules_sources`` (sources.yaml) and
``dupes.rules`` (duplicates.yaml). Every model forbids unknown keys (``rules_base``), so a typo
is an error rather than a silently ignored setting. :func:`parse_rules` checks the files
together and raises *every* problem at once, each naming file, path
(``teams[3].owns.repos``) and what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.core.dupes.rules import DuplicateRules
from bot.core.privacy_rules import SourcePrivacy
from bot.core.rules_base import RuleModel
from bot.core.rules_credit import CreditRules
from bot.core.rules_scoring import ScoringRules
from bot.core.rules_sources import SourcesRules
from bot.core.rules_teams import TeamsRules


class Rules(RuleModel):
    teams: TeamsRules = TeamsRules()
    scoring: ScoringRules = ScoringRules()
    credit: CreditRules = CreditRules()
    sources: SourcesRules = SourcesRules()
    duplicates: DuplicateRules = DuplicateRules()


class RuleProblem(RuleModel):
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
