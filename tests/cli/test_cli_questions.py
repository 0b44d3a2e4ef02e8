"""One definition of the questions (bot.core.questions): the CLI and `/impact` take the same
options, with the same help, defaults, values and error sentences."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import click
import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.core.periods import parse_period
from bot.core.questions import QUESTIONS, unknown_option
from bot.core.slash import CreditCommand, ExportCommand, OrphansCommand, UsageError, usage_of
from bot.slack.command_text import parse_command

NOW = datetime(2026, 11, 5, 9, 30, tzinfo=UTC)

#: Options only the command line has (output formats, the ledger's write operations).
CLI_ONLY = {
    "credit": {"--explain", "--void", "--confirm", "--by", "--reason", "--json"},
    "orphans": {"--json"},
    "leaderboard": {"--limit", "--json"},
    "export": {"--format", "--output"},
}


def _cli(name: str) -> click.Command:
    return main.commands[name]


def _cli_flags(name: str) -> set[str]:
    return {
        flag
        for param in _cli(name).params
        if isinstance(param, click.Option)
        for flag in param.opts
    } - {"--help"}


def _help_flags(name: str) -> list[str]:
    """The options `/impact help NAME` lists under "Options:"."""
    listed = usage_of(name).split("Options:\n", 1)[1]
    return re.findall(r"^  (--[a-z]+) ", listed, re.MULTILINE)


def test_both_surfaces_offer_the_same_questions() -> None:
    assert set(QUESTIONS) == set(CLI_ONLY)
    assert all(name in main.commands for name in QUESTIONS)


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_the_cli_takes_exactly_the_definitions_options(name: str) -> None:
    defined = [o.flag for o in QUESTIONS[name].options]
    assert _cli_flags(name) - CLI_ONLY[name] == set(defined)
    by_flag = {p.opts[0]: p for p in _cli(name).params if isinstance(p, click.Option)}
    for option in QUESTIONS[name].options:
        param = by_flag[option.flag]
        assert param.metavar == option.metavar and param.default == option.default
        assert option.help[1:] in (param.help or "")


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_slack_help_lists_exactly_the_definitions_options(name: str) -> None:
    assert _help_flags(name) == [o.flag for o in QUESTIONS[name].options]
    for option in QUESTIONS[name].options:
        assert option.help_line() in usage_of(name)


def test_cli_help_shows_the_definitions_help() -> None:
    result = CliRunner().invoke(main, ["orphans", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for option in QUESTIONS["orphans"].options:
        assert option.flag in result.output and option.help[1:] in result.output


def _cli_values(name: str, *args: str) -> dict[str, object]:
    ctx = _cli(name).make_context(name, list(args))
    return dict(ctx.params)


@pytest.mark.parametrize(
    "words",
    [
        ("--period", "2026-Q3"),
        ("--team", "asr"),
        ("--team", "ASR", "--period", "last-month"),
        ("--period", "2026-10-01..2026-12-31", "--team", "data-labelling"),
    ],
)
def test_credit_words_mean_the_same_on_both_surfaces(words: tuple[str, ...]) -> None:
    slack = parse_command("credit " + " ".join(words), now=NOW)
    cli = _cli_values("credit", *words)
    assert isinstance(slack, CreditCommand)
    assert slack.team == cli["team"]
    assert slack.period == parse_period(str(cli["period"]), now=NOW)


def test_orphans_and_export_words_mean_the_same_on_both_surfaces() -> None:
    slack = parse_command("orphans --team asr --limit 10", now=NOW)
    assert isinstance(slack, OrphansCommand)
    cli = _cli_values("orphans", "--team", "asr", "--limit", "10")
    assert (slack.team, slack.limit) == (cli["team"], cli["limit"]) == ("asr", 10)
    assert slack == parse_command("orphans asr 10", now=NOW)  # the short form still works
    defaults = parse_command("orphans", now=NOW)
    assert (
        isinstance(defaults, OrphansCommand) and defaults.limit == _cli_values("orphans")["limit"]
    )
    export = parse_command("export --period 2026-H1", now=NOW)
    assert isinstance(export, ExportCommand)
    assert export.period == parse_period(
        str(_cli_values("export", "--period", "2026-H1")["period"]), now=NOW
    )


def test_a_slack_person_is_a_mention_in_either_form() -> None:
    short = parse_command("credit <@U0123|alice> 2026-Q3", now=NOW)
    long = parse_command("credit --person <@U0123|alice> --period 2026-Q3", now=NOW)
    assert short == long and isinstance(long, CreditCommand) and long.person == "U0123"
    bad = parse_command("credit --person alice", now=NOW)
    assert isinstance(bad, UsageError) and "is not a Slack mention" in bad.message


def _cli_error(name: str, *args: str) -> str:
    result = CliRunner().invoke(main, [name, *args])
    assert result.exit_code != 0 and "Traceback" not in result.output
    return " ".join(result.output.split())


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("credit", ("--periods", "2026-Q3")),
        ("orphans", ("--count", "3")),
        ("leaderboard", ("--team", "asr")),
        ("export", ("--since", "7d")),
    ],
)
def test_unknown_options_get_the_same_sentence(name: str, words: tuple[str, ...]) -> None:
    said = unknown_option(QUESTIONS[name], words[0])
    slack = parse_command(f"{name} {' '.join(words)}", now=NOW)
    assert isinstance(slack, UsageError) and slack.message == said
    assert slack.usage == usage_of(name)
    assert said in _cli_error(name, *words)


@pytest.mark.parametrize(
    ("name", "words", "says"),
    [
        ("credit", ("--period", "2026-Q5"), '--period: "2026-Q5": quarters are Q1..Q4'),
        ("credit", ("--team", "asr!"), '--team: "asr!" is not a team id'),
        ("orphans", ("--limit", "0"), '--limit: n must be 1..10000, got "0"'),
        ("leaderboard", ("--period", "fortnight"), '--period: "fortnight": not a period'),
    ],
)
def test_bad_values_get_the_same_sentence(name: str, words: tuple[str, ...], says: str) -> None:
    slack = parse_command(f"{name} {' '.join(words)}", now=NOW)
    assert isinstance(slack, UsageError) and slack.message.startswith(says)
    cli = CliRunner().invoke(main, [name, *words])
    assert cli.exit_code == 1
    [line] = [x for x in cli.output.splitlines() if x.startswith("error:")]
    assert line == f"error: {slack.message}"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("credit --period", "--period needs a value: --period PERIOD"),
        ("credit --team asr --team nlp", "give --team once"),
        ("credit asr --period 30d", '"asr" comes before the options'),
        ("credit --person <@U1|a> --team asr", "give --person or --team, not both"),
        ("orphans --team <#C1|general>", '--team: "#general" is not one team'),
    ],
)
def test_slack_option_errors(text: str, says: str) -> None:
    bad = parse_command(text, now=NOW)
    assert isinstance(bad, UsageError) and says in bad.message


def test_slack_lists_at_most_25_where_the_cli_may_ask_for_more() -> None:
    bad = parse_command("orphans --limit 26", now=NOW)
    assert isinstance(bad, UsageError) and '--limit: n must be 1..25, got "26"' in bad.message
    assert _cli_values("orphans", "--limit", "1000")["limit"] == 1000
