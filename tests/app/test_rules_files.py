"""Rules validation: shipped rules pass, broken files are caught with file, path, problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.app.rules_files import check_rules_dir, load_rules
from bot.core.dupes import DuplicateRules
from bot.core.rules import format_loc, parse_rules
from bot.core.rules_credit import CreditRules
from bot.core.rules_scoring import ScoringRules
from bot.errors import RulesError
from tests.builders import TEAMS

SHIPPED = Path(__file__).resolve().parents[2] / "rules"


def _folder(tmp_path: Path, **files: object) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        text = data if isinstance(data, str) else yaml.safe_dump(data)
        (tmp_path / f"{name}.yaml").write_text(text)
    return tmp_path


def _messages(directory: Path) -> list[str]:
    return [str(p) for p in check_rules_dir(directory)[1]]


def test_shipped_rules_are_valid() -> None:
    rules, problems = check_rules_dir(SHIPPED)
    assert problems == [] and rules is not None


def test_shipped_scoring_and_credit_spell_out_the_defaults() -> None:
    rules = load_rules(SHIPPED)
    assert rules.scoring == ScoringRules()
    assert rules.credit == CreditRules()
    assert rules.duplicates == DuplicateRules()


def test_missing_optional_files_mean_defaults(tmp_path: Path) -> None:
    rules = load_rules(_folder(tmp_path, teams=TEAMS))
    assert rules.scoring == ScoringRules()


def test_every_problem_is_reported_at_once_with_file_and_path(tmp_path: Path) -> None:
    teams = yaml.safe_load(yaml.safe_dump(TEAMS))
    teams["teams"][3]["owns"]["repos"] = "acme/nlp"  # a string, not a list
    teams["teams"][1]["colour"] = "red"
    scoring = {"weights": {"reach_per_team": -1}, "surfacing_treshold": 3}
    credit = {"roles": {"resolver": 0.9}}
    messages = _messages(_folder(tmp_path, teams=teams, scoring=scoring, credit=credit))
    assert "teams.yaml: teams[1].colour: Extra inputs are not permitted" in messages
    assert any(m.startswith("teams.yaml: teams[3].owns.repos:") for m in messages)
    assert any(m.startswith("scoring.yaml: weights.reach_per_team:") for m in messages)
    assert "scoring.yaml: surfacing_treshold: Extra inputs are not permitted" in messages
    assert any("role shares must sum to 1.0" in m for m in messages)


def test_cross_references_are_checked(tmp_path: Path) -> None:
    teams = yaml.safe_load(yaml.safe_dump(TEAMS))
    teams["teams"][0]["managers"] = ["ghost"]
    teams["teams"][2]["owns"]["repos"] = ["acme/asr"]  # owned by asr already
    teams["leadership"] = ["nobody"]
    teams["people"][1]["github"] = "MARA"  # mara's login, differently cased
    messages = _messages(_folder(tmp_path, teams=teams))
    assert "teams.yaml: teams[0].managers[0]: unknown person 'ghost'" in messages
    assert "teams.yaml: teams[2].owns.repos[0]: 'acme/asr' is already owned by team 'asr'" in (
        messages
    )
    assert "teams.yaml: leadership[0]: unknown person 'nobody'" in messages
    assert "teams.yaml: people[1].github: 'MARA' also belongs to 'mara'" in messages


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    folder = _folder(tmp_path, teams=TEAMS, scoring="weights:\n  reach_per_team: [1\n")
    [message] = _messages(folder)
    assert message.startswith("scoring.yaml: line 3")
    assert "invalid YAML" in message


def test_missing_teams_file_and_missing_folder(tmp_path: Path) -> None:
    assert _messages(tmp_path) == ["teams.yaml: (top level): file is missing"]
    assert _messages(tmp_path / "nope")[0].endswith("not a directory")


def test_a_non_mapping_document_is_a_problem(tmp_path: Path) -> None:
    assert _messages(_folder(tmp_path, teams=TEAMS, credit="- a\n- b\n")) == [
        "credit.yaml: (top level): must be a mapping of keys"
    ]


def test_load_rules_raises_with_every_problem(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED, tmp_path / "r")
    (tmp_path / "r" / "scoring.yaml").write_text("effort:\n  labels:\n    size/XS: 0\n")
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path / "r")
    assert caught.value.problems == [
        "scoring.yaml: effort.labels: Value error, size of 'size/XS' must be positive, got 0.0"
    ]


def test_format_loc() -> None:
    assert format_loc(("teams", 3, "owns", "repos")) == "teams[3].owns.repos"
    assert format_loc(()) == ""


def test_parse_rules_accepts_empty_documents() -> None:
    assert parse_rules({}).teams.teams == ()


def test_shipped_teams_yaml_is_the_demo_organisation() -> None:
    from datetime import UTC, datetime

    from bot.demo import generate_demo

    generated = generate_demo(datetime(2026, 11, 1, tzinfo=UTC)).teams_yaml
    assert (SHIPPED / "teams.yaml").read_text() == generated, (
        "rules/teams.yaml drifted from the demo generator: regenerate it with "
        "`python -m bot.demo.generator --out DIR` and copy DIR/teams.yaml"
    )


def test_a_key_given_twice_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    text = yaml.safe_dump(TEAMS, sort_keys=False) + "leadership: [mara]\n"
    (tmp_path / "teams.yaml").write_text(text)
    line = text.count("\n")  # the appended key is the last line
    first = text.splitlines().index("leadership:") + 1
    assert _messages(tmp_path) == [
        f"teams.yaml: line {line}, column 1: invalid YAML: key 'leadership' is given twice "
        f"(first on line {first})"
    ]
    with pytest.raises(RulesError, match="given twice"):
        load_rules(tmp_path)


def test_a_key_given_twice_inside_a_nested_mapping_is_caught(tmp_path: Path) -> None:
    (tmp_path / "teams.yaml").write_text(yaml.safe_dump(TEAMS))
    (tmp_path / "credit.yaml").write_text("caps:\n  period_days: 30\n  period_days: 90\n")
    assert _messages(tmp_path) == [
        "credit.yaml: line 3, column 3: invalid YAML: key 'period_days' is given twice "
        "(first on line 2)"
    ]


def test_privacy_keys_are_checked_with_everything_else(tmp_path: Path) -> None:
    sources = {"jira": {"projects": ["ASR"], "visibility": "secret"},
               "github": {"repos": ["acme/asr"], "unfurl": "everything"}}  # fmt: skip
    messages = _messages(_folder(tmp_path / "schema", teams=TEAMS, sources=sources))
    assert any("jira[0].visibility" in m for m in messages)
    assert any("github.unfurl" in m for m in messages)
    sources = {"jira": {"projects": ["ASR"], "visible_to": {"teams": ["ghost"]}},
               "github": {"repos": ["acme/asr"], "visible_to": {"people": ["nobody"]}}}  # fmt: skip
    messages = _messages(_folder(tmp_path / "refs", teams=TEAMS, sources=sources))
    assert messages == [
        "sources.yaml: github.visible_to.people[0]: unknown person 'nobody'",
        "sources.yaml: jira[0].visible_to.teams[0]: unknown team 'ghost'",
    ]


def test_jira_is_restricted_unless_marked_public_and_unknown_sources_get_defaults(
    tmp_path: Path,
) -> None:
    from bot.core.models import Visibility
    from bot.core.privacy_rules import DEFAULT_PRIVACY, UnfurlMode

    sources = {"jira": [{"source": "jira", "projects": ["ASR"]},
                        {"source": "wiki", "projects": ["DOC"], "visibility": "public",
                         "unfurl": "full", "visible_to": {"teams": ["asr"]}}]}  # fmt: skip
    rules = load_rules(_folder(tmp_path, teams=TEAMS, sources=sources))
    jira, wiki = rules.sources.jira
    assert jira.visibility is Visibility.RESTRICTED and wiki.visibility is Visibility.PUBLIC
    assert rules.sources.privacy_of("wiki").unfurl is UnfurlMode.FULL
    assert rules.sources.privacy_of("wiki").visible_to.teams == ("asr",)
    assert rules.sources.privacy_of("jira-csv") == DEFAULT_PRIVACY
