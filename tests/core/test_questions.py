"""The questions' one definition: each option checks its own text, and the help is its."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.periods import parse_period
from bot.core.questions import QUESTIONS, OptionError, check_option, options_help
from bot.core.slash import USAGE, usage_of

NOW = datetime(2026, 11, 5, 9, 30, tzinfo=UTC)


def test_values_are_checked_by_the_definition() -> None:
    credit = QUESTIONS["credit"]
    assert check_option(credit, "--period", "2026-Q3", NOW, UTC) == parse_period("2026-Q3", now=NOW)
    assert check_option(credit, "--TEAM", "ASR", NOW, UTC) == "asr"
    assert check_option(QUESTIONS["orphans"], "--limit", "25", NOW, UTC) == 25


@pytest.mark.parametrize(
    ("name", "flag", "text", "says"),
    [
        ("credit", "--period", "Q5", '--period: "Q5": quarters are Q1..Q4'),
        ("credit", "--period", "1" * 5000 + "d", "is not a period"),
        ("credit", "--team", "a b", '--team: "a b" is not a team id'),
        ("orphans", "--limit", "0", '--limit: n must be 1..10000, got "0"'),
        ("orphans", "--limit", "٣", "n must be 1..10000"),
        (
            "orphans",
            "--period",
            "30d",
            "'orphans' has no option \"--period\"; it takes --team, --limit",
        ),
    ],
)
def test_bad_values_and_names_say_what_is_wrong(name: str, flag: str, text: str, says: str) -> None:
    with pytest.raises(OptionError) as bad:
        check_option(QUESTIONS[name], flag, text, NOW, UTC)
    assert says in str(bad.value)


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_the_help_is_generated_from_the_definition(name: str) -> None:
    question = QUESTIONS[name]
    usage = usage_of(name)
    assert question.summary in usage
    assert "\n".join(options_help(question)) in usage
    flags = " ".join(f"[{o.flag} {o.metavar}]" for o in question.options)
    assert f"/impact {name} {flags}" in usage and f"/impact {name} {flags}" in USAGE
