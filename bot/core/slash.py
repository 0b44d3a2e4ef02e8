"""The ``/impact`` slash command's vocabulary: the command values and the help text.

Pure. The options of the questions both surfaces answer (``credit``, ``orphans``,
``leaderboard``, ``export``) come from :mod:`bot.core.questions`, so ``/impact help`` and the
CLI's ``--help`` say the same; reading Slack's escaped text into these values is the Slack
adapter's job (``bot.slack.command_text``).

Subcommands: ``flag URL|KEY [note]`` · ``why URL|KEY`` · ``dupes URL|KEY`` ·
``orphans [team|@usergroup] [n]`` · ``credit [@person|team|@usergroup] [period]`` ·
``leaderboard [period]`` · ``export [period]`` · ``audit [period]`` · ``help [subcommand]``;
the questions also take their options (``credit --team asr --period 2026-Q3``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.issue_refs import IssueRefText
from bot.core.periods import DEFAULT_PERIOD, PERIOD_HELP, Period
from bot.core.questions import DEFAULT_ORPHANS, MAX_ORPHANS, QUESTIONS, options_help

COMMAND = "/impact"
MAX_NOTE = 1000  # characters of a flag's note


@dataclass(frozen=True)
class FlagCommand:
    ref: IssueRefText
    note: str = ""


@dataclass(frozen=True)
class WhyCommand:
    ref: IssueRefText


@dataclass(frozen=True)
class DupesCommand:
    ref: IssueRefText


@dataclass(frozen=True)
class OrphansCommand:
    """``team`` is a team id; ``usergroup`` a Slack user group id (``S0123``); at most one."""

    team: str | None = None
    limit: int = DEFAULT_ORPHANS
    usergroup: str | None = None


@dataclass(frozen=True)
class CreditCommand:
    """Whose credit: ``person`` (a Slack user id), ``team`` (a team id) or ``usergroup`` (a
    Slack user group id) — at most one; all ``None`` means the caller's own."""

    person: str | None
    team: str | None
    usergroup: str | None
    period: Period


@dataclass(frozen=True)
class LeaderboardCommand:
    period: Period


@dataclass(frozen=True)
class ExportCommand:
    period: Period


@dataclass(frozen=True)
class AuditCommand:
    period: Period


@dataclass(frozen=True)
class HelpCommand:
    """``topic`` is a known subcommand name (lower case), or ``None`` for the whole help."""

    topic: str | None = None


@dataclass(frozen=True)
class UsageError:
    """Text that is not a command: what is wrong, and the usage to show beside it.

    A value, not an exception. ``message`` is mrkdwn: the user's own words in it are escaped
    (:func:`~bot.slack.text.escape`). ``usage`` is the concerned subcommand's usage, or
    :data:`USAGE` when the subcommand itself is unknown.
    """

    message: str
    usage: str


Command = (
    FlagCommand
    | WhyCommand
    | DupesCommand
    | OrphansCommand
    | CreditCommand
    | LeaderboardCommand
    | ExportCommand
    | AuditCommand
    | HelpCommand
    | UsageError
)

ISSUE_HELP = "an issue link (GitHub, GitLab, Jira, Linear) or a key like acme/asr#12 or ASR-123"

#: Each subcommand's synopsis, what it does, and an example.
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "flag": (
        "flag URL|KEY [note]",
        "flag an issue as cross-team impact",
        "flag https://github.com/acme/asr/issues/12 mislabels every ASR batch",
    ),
    "why": ("why URL|KEY", "why an issue scores as it does", "why ASR-123"),
    "orphans": (
        "orphans [team|@usergroup] [n]",
        f"n is 1-{MAX_ORPHANS}, default {DEFAULT_ORPHANS}",
        "orphans asr 10",
    ),
    "credit": (
        "credit [@person|team|@usergroup] [period]",
        f"yours by default, in the last {DEFAULT_PERIOD} by default",
        "credit @ana 2026-Q3",
    ),
    "leaderboard": ("leaderboard [period]", "ranked by points", "leaderboard 30d"),
    "export": ("export [period]", "sent to you as a file", "export 2026-H1"),
    "dupes": ("dupes URL|KEY", "likely duplicates of an issue in other trackers", "dupes ML-7"),
    "audit": (
        "audit [period]",
        "who claimed, declined, snoozed, undid, exported, voided (leadership)",
        "audit 7d",
    ),
    "help": ("help [subcommand]", "this help, or one subcommand's", "help credit"),
}
_WITH_PERIOD = frozenset({"credit", "leaderboard", "export", "audit"})
_WITH_ISSUE = frozenset({"flag", "why", "dupes"})


def usage_of(name: str) -> str:
    """The usage text of one subcommand (``KeyError`` for an unknown name); a question's
    lists its options as :mod:`bot.core.questions` defines them."""
    lines = _synopsis(name)
    question = QUESTIONS.get(name)
    if question is not None:
        lines += ["Options:", *options_help(question)]
    elif name in _WITH_PERIOD:
        lines.append(f"Periods: {PERIOD_HELP}.")
    if name in _WITH_ISSUE:
        lines.append(f"Issues: {ISSUE_HELP}.")
    return "\n".join(lines)


def _synopsis(name: str) -> list[str]:
    """``/impact synopsis — what``, the option form of a question, and an example."""
    synopsis, what, example = SUBCOMMANDS[name]
    question = QUESTIONS.get(name)
    if question is None:
        return [f"{COMMAND} {synopsis} — {what}", f"    e.g. {COMMAND} {example}"]
    flags = " ".join(f"[{o.flag} {o.metavar}]" for o in question.options)
    return [
        f"{COMMAND} {synopsis} — {question.summary}; {what}",
        f"    e.g. {COMMAND} {example}",
        f"    or: {COMMAND} {name} {flags}",
    ]


def _usage() -> str:
    lines = [line for name in SUBCOMMANDS for line in _synopsis(name)]
    return "\n".join([*lines, f"Issues: {ISSUE_HELP}.", f"Periods: {PERIOD_HELP}."])


#: The whole help: every subcommand with an example, the issue forms and the period grammar.
USAGE = _usage()
