from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.issue_refs import IssueRefText
from bot.core.periods import PERIOD_HELP, Period, parse_period
from bot.core.slash import (
    MAX_NOTE,
    SUBCOMMANDS,
    USAGE,
    AuditCommand,
    Command,
    CreditCommand,
    DupesCommand,
    ExportCommand,
    FlagCommand,
    HelpCommand,
    LeaderboardCommand,
    OrphansCommand,
    UsageError,
    WhyCommand,
    usage_of,
)
from bot.slack.command_text import parse_command

NOW = datetime(2026, 11, 5, 9, 30, tzinfo=UTC)


def parse(text: str) -> Command:
    return parse_command(text, now=NOW)


def period(text: str) -> Period:
    return parse_period(text, now=NOW)


def error(text: str) -> UsageError:
    result = parse(text)
    assert isinstance(result, UsageError), result
    return result


GH = "https://github.com/acme/asr/issues/12"

# --- flag, why, dupes ---------------------------------------------------------------------------


def test_flag_with_a_slack_link_and_a_note() -> None:
    result = parse(f"flag <{GH}> mislabels   every ASR batch")
    assert result == FlagCommand(IssueRefText("acme/asr#12", GH), "mislabels every ASR batch")


def test_flag_with_a_labelled_link_and_no_note() -> None:
    result = parse(f"flag <{GH}|acme/asr#12>")
    assert result == FlagCommand(IssueRefText("acme/asr#12", GH), "")


def test_flag_note_is_unescaped_and_readable() -> None:
    text = (
        "flag ASR-7 R&amp;D says &lt;b&gt; <@U0123ABC|alice> <@W42> <#C01|general> "
        "<!subteam^S0123|@team-asr> <https://x.example/doc|the doc> <https://y.example> <!here>"
    )
    result = parse(text)
    assert isinstance(result, FlagCommand)
    assert result.ref == IssueRefText("ASR-7")
    assert result.note == (
        "R&D says <b> @alice @W42 #general @team-asr the doc (https://x.example/doc) "
        "https://y.example @here"
    )


def test_entities_are_unescaped_once() -> None:
    result = parse("flag ASR-7 &amp;lt; stays escaped text")
    assert isinstance(result, FlagCommand)
    assert result.note == "&lt; stays escaped text"


def test_flag_note_length_is_capped() -> None:
    assert isinstance(parse("flag ASR-7 " + "x" * MAX_NOTE), FlagCommand)
    bad = error("flag ASR-7 " + "x" * (MAX_NOTE + 1))
    assert f"at most {MAX_NOTE}" in bad.message
    assert bad.usage == usage_of("flag")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"why <{GH}>", WhyCommand(IssueRefText("acme/asr#12", GH))),
        ("why acme/asr#12", WhyCommand(IssueRefText("acme/asr#12"))),
        (
            "WHY <https://acme.atlassian.net/browse/ABC-12|ABC-12>",
            WhyCommand(IssueRefText("ABC-12", "https://acme.atlassian.net/browse/ABC-12")),
        ),
        ("dupes asr-3", DupesCommand(IssueRefText("ASR-3"))),
        (
            "  Dupes   <https://linear.app/acme/issue/ENG-42/slug>  ",
            DupesCommand(IssueRefText("ENG-42", "https://linear.app/acme/issue/ENG-42/slug")),
        ),
    ],
)
def test_issue_subcommands(text: str, expected: Command) -> None:
    assert parse(text) == expected


def test_links_with_escaped_ampersands_keep_their_query() -> None:
    result = parse("why <https://jira.example.com/browse/ABC-1?a=1&amp;b=2>")
    assert result == WhyCommand(
        IssueRefText("ABC-1", "https://jira.example.com/browse/ABC-1?a=1&b=2")
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("flag", "`flag` needs an issue"),
        ("why", "`why` needs an issue"),
        ("dupes", "`dupes` needs an issue"),
        ("why <https://example.com/page>", '"https://example.com/page" is not an issue link'),
        ("why <@U0123ABC|alice>", '"@alice" is not an issue link'),
        ("why the-thing", '"the-thing" is not an issue link'),
        ("why ASR-1 ASR-2", '`why` takes one issue; unexpected "ASR-2"'),
        ("dupes ASR-1 please", '`dupes` takes one issue; unexpected "please"'),
    ],
)
def test_issue_subcommand_errors(text: str, says: str) -> None:
    bad = error(text)
    assert says in bad.message
    name = text.split()[0]
    assert bad.usage == usage_of(name)
    assert "Issues:" in bad.usage


# --- orphans -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("orphans", OrphansCommand(None, 5, None)),
        ("orphans asr", OrphansCommand("asr", 5, None)),
        ("orphans ASR", OrphansCommand("asr", 5, None)),
        ("orphans 10", OrphansCommand(None, 10, None)),
        ("orphans asr 25", OrphansCommand("asr", 25, None)),
        ("orphans 1 data-labelling", OrphansCommand("data-labelling", 1, None)),
        ("orphans <!subteam^S0123|@team-asr>", OrphansCommand(None, 5, "S0123")),
        ("orphans <!subteam^S0123> 7", OrphansCommand(None, 7, "S0123")),
        ("Orphans\t asr \n 3", OrphansCommand("asr", 3, None)),
    ],
)
def test_orphans(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("orphans 0", 'n must be 1..25, got "0"'),
        ("orphans 26", 'n must be 1..25, got "26"'),
        ("orphans " + "9" * 5000, "n must be 1..25"),
        ("orphans asr 5 6", "at most a team and a count"),
        ("orphans 5 6", "one count, not two"),
        ("orphans asr vision", "one team at a time"),
        ("orphans <#C0123|general>", '"#general" is a channel; name a team id'),
        ("orphans <@U0123|bob>", '"@bob" is a person; name a team id'),
        ("orphans @asr", '"@asr" is not a Slack mention'),
        ("orphans -5", '"-5" is not a team id'),
        ("orphans #asr", '"#asr" is not a team id'),
    ],
)
def test_orphans_errors(text: str, says: str) -> None:
    bad = error(text)
    assert says in bad.message
    assert bad.usage == usage_of("orphans")


# --- credit, leaderboard, export ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("credit", CreditCommand(None, None, None, period("90d"))),
        ("credit 30d", CreditCommand(None, None, None, period("30d"))),
        ("credit this quarter", CreditCommand(None, None, None, period("this-quarter"))),
        ("credit <@U0123ABC|alice>", CreditCommand("U0123ABC", None, None, period("90d"))),
        ("credit <@W0123ABC> 2026-Q3", CreditCommand("W0123ABC", None, None, period("2026-Q3"))),
        ("credit asr", CreditCommand(None, "asr", None, period("90d"))),
        ("credit asr last month", CreditCommand(None, "asr", None, period("last-month"))),
        ("CREDIT Asr 2026-H1", CreditCommand(None, "asr", None, period("2026-H1"))),
        (
            "credit <!subteam^S0123|@team-asr> q3",
            CreditCommand(None, None, "S0123", period("2026-Q3")),
        ),
        (
            "credit asr 2026-10-01 .. 2026-12-31",
            CreditCommand(None, "asr", None, period("2026-10-01..2026-12-31")),
        ),
    ],
)
def test_credit(text: str, expected: Command) -> None:
    assert parse(text) == expected


def test_credit_period_in_the_organisations_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    result = parse_command("credit asr 2026-Q3", now=NOW, tz=berlin)
    assert isinstance(result, CreditCommand)
    assert result.period == parse_period("2026-Q3", now=NOW, tz=berlin)
    assert result.period.start == datetime(2026, 6, 30, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("credit 2026-Q5", '"2026-Q5": quarters are Q1..Q4'),
        ("credit this mnth", '"this mnth": not a period'),
        ("credit asr 2026-Q5", '"2026-Q5": quarters are Q1..Q4'),
        ("credit asr nope", '"nope": not a period'),
        ("credit <@U1|bob> <#C1|general>", '"#general" is not a period'),
        ("credit 99999d", "days must be 1..3660"),
        ("credit " + "1" * 5000 + "d", "is not a period"),
        ("credit @alice", '"@alice" is not a Slack mention'),
        ("credit <#C0123|general>", '"#general" is a channel; name a @person'),
        ("credit asr! 30d", '"asr!" is not a @person, a team id'),
        ("credit <https://example.com>", '"https://example.com" is not a @person'),
    ],
)
def test_credit_errors(text: str, says: str) -> None:
    bad = error(text)
    assert says in bad.message
    assert bad.usage == usage_of("credit")
    assert PERIOD_HELP in bad.usage


@pytest.mark.parametrize("name", ["leaderboard", "export"])
def test_period_subcommands(name: str) -> None:
    kind = LeaderboardCommand if name == "leaderboard" else ExportCommand
    assert parse(name) == kind(period("90d"))
    assert parse(f"{name.upper()} 2026-Q3") == kind(period("2026-Q3"))
    assert parse(f"{name} last quarter") == kind(period("last-quarter"))
    bad = error(f"{name} fortnight")
    assert bad.message.startswith('"fortnight": not a period')
    assert bad.usage == usage_of(name)
    assert "is not a period" in error(f"{name} <@U1>").message


# --- help, unknown subcommands -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "help", "HELP"])
def test_help(text: str) -> None:
    assert parse(text) == HelpCommand(None)


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_help_on_each_subcommand(name: str) -> None:
    assert parse(f"help {name.upper()}") == HelpCommand(name)


def test_help_on_unknown_topic() -> None:
    bad = error("help frobnicate")
    assert 'no help on "frobnicate"' in bad.message
    assert bad.usage == USAGE


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("frobnicate", 'unknown subcommand "frobnicate"; try `/impact help`'),
        ("<@U0123|bob> credit", 'unknown subcommand "@bob"'),
        ("&lt;script&gt;", 'unknown subcommand "&lt;script&gt;"'),  # escaped again to show
        ("*bold* `x`", 'unknown subcommand "∗bold∗"'),
        ("x" * 200, "…"),
        (f"<{GH}>", "say what to do with acme/asr#12 first"),
        ("ASR-12", "say what to do with ASR-12 first"),
    ],
)
def test_unknown_subcommands(text: str, says: str) -> None:
    bad = error(text)
    assert says in bad.message
    assert bad.usage == USAGE
    assert len(bad.message) < 120


def test_usage_lists_every_subcommand_with_an_example_and_the_period_help() -> None:
    for name in SUBCOMMANDS:
        assert f"/impact {name}" in USAGE
        assert usage_of(name).splitlines()[1].startswith("    e.g. /impact ")
    assert PERIOD_HELP in USAGE
    assert "<" not in USAGE and "&" not in USAGE  # safe to show in mrkdwn as is


def test_every_example_parses_to_a_command() -> None:
    for line in USAGE.splitlines():
        if line.strip().startswith("e.g. /impact "):
            example = line.strip().removeprefix("e.g. /impact ")
            example = example.replace("@ana", "<@U0ANA|ana>")  # as Slack sends a mention
            assert not isinstance(parse(example), UsageError), example


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_command("credit", now=datetime(2026, 1, 1))  # noqa: DTZ001


# --- never raises -------------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        *SUBCOMMANDS,
        "CREDIT",
        "asr",
        "30d",
        "2026-Q3",
        "this",
        "quarter",
        "25",
        "0",
        "99999",
        "ASR-1",
        "acme/asr#1",
        GH,
        f"<{GH}>",
        f"<{GH}|label>",
        "<@U0123ABC|alice>",
        "<@U0123ABC>",
        "<!subteam^S0123|@team-asr>",
        "<#C0123|general>",
        "<!here>",
        "&amp;",
        "&lt;",
        "<",
        ">",
        "|",
        "<>",
        "..",
    ]
)
_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(_WORDS, st.text(max_size=8)), max_size=6).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, days=st.integers(min_value=-3650, max_value=3650))
def test_parse_command_never_raises(text: str, days: int) -> None:
    result = parse_command(text, now=NOW + timedelta(days=days))
    # Every member of the Command union, so a new subcommand is covered without a list edit.
    kinds = get_args(Command)
    assert isinstance(result, kinds)
    if isinstance(result, UsageError):
        assert result.message and result.usage
    if isinstance(result, OrphansCommand):
        assert 1 <= result.limit <= 25


def test_audit_takes_a_period() -> None:
    parsed = parse_command("audit 7d", now=NOW)
    assert isinstance(parsed, AuditCommand) and parsed.period.start == NOW - timedelta(days=7)
    assert isinstance(parse_command("AUDIT", now=NOW), AuditCommand)
    bad = parse_command("audit someday", now=NOW)
    assert isinstance(bad, UsageError) and "audit [period]" in bad.usage
