"""The questions both ``/impact`` and the command line answer, and their options: said once.

Pure: no I/O, no clock (``now`` is a parameter). Each :class:`Question` names its options
(``--period``, ``--team``, ``--person``, ``--limit``) with a metavar, a help line, a default
and a check that turns the option's text into its value or raises :class:`OptionError`. The
Slack adapter (``bot.slack.command_text``) and the CLI (``bot.cli.questions``) both build
their grammar and their help from :data:`QUESTIONS`, so the two cannot drift; the error
wording of :func:`unknown_option`, :func:`missing_value` and :func:`check_option` is the
same on both surfaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.core.periods import DEFAULT_PERIOD, PERIOD_HELP, PeriodError, parse_period

DEFAULT_ORPHANS = 5
MAX_ORPHANS = 25  # the most one Slack message lists; the command line may ask for more
MAX_LIMIT = 10_000

TEAM_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}", re.ASCII | re.IGNORECASE)


class OptionError(ValueError):
    """An option's name or value is wrong; the message says what and how to fix it."""


Check = Callable[[str, datetime, tzinfo], object]


@dataclass(frozen=True)
class Option:
    """One option: ``--name METAVAR``; ``check(text, now, tz)`` gives its value or raises
    :class:`OptionError` (the message without the option's name)."""

    name: str
    metavar: str
    help: str
    check: Check
    default: str | None = None

    @property
    def flag(self) -> str:
        return f"--{self.name}"

    def help_line(self) -> str:
        """``help`` with its default, as both surfaces show it."""
        return self.help if self.default is None else f"{self.help} (default {self.default})"


@dataclass(frozen=True)
class Question:
    """A question both surfaces answer: its name, what it answers, and its options."""

    name: str
    summary: str
    options: tuple[Option, ...]

    def option(self, flag: str) -> Option:
        """The option spelled ``flag`` (``--team``); :class:`OptionError` for any other."""
        for option in self.options:
            if option.flag == flag.lower():
                return option
        raise OptionError(unknown_option(self, flag))


def _period(text: str, now: datetime, tz: tzinfo) -> object:
    try:
        return parse_period(text, now=now, tz=tz)
    except PeriodError as exc:
        raise OptionError(str(exc)) from None
    except ValueError:  # int() refusing thousands of digits
        raise OptionError(f'"{_clip(text)}" is not a period') from None


def _team(text: str, now: datetime, tz: tzinfo) -> object:
    if not TEAM_ID.fullmatch(text):
        raise OptionError(f'"{_clip(text)}" is not a team id (e.g. asr)')
    return text.lower()


def _person(text: str, now: datetime, tz: tzinfo) -> object:
    if not text.strip() or len(text) > 200:
        raise OptionError(f'"{_clip(text)}" is not a person')
    return text


def _limit(text: str, now: datetime, tz: tzinfo) -> object:
    return count_in(text, MAX_LIMIT)


def count_in(text: str, most: int) -> int:
    """The count ``text`` spells, 1..``most``; :class:`OptionError` otherwise."""
    count = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else 0
    if not 1 <= count <= most:
        raise OptionError(f'n must be 1..{most}, got "{_clip(text)}"')
    return count


def _clip(text: str, most: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


PERIOD = Option("period", "PERIOD", f"the period: {PERIOD_HELP}", _period, DEFAULT_PERIOD)
TEAM = Option("team", "TEAM", "a team id of teams.yaml (in Slack also a @user group)", _team)
PERSON = Option("person", "PERSON", "a person id of teams.yaml (in Slack a @mention)", _person)
LIMIT = Option(
    "limit",
    "N",
    f"how many, 1-{MAX_LIMIT} (in Slack 1-{MAX_ORPHANS})",
    _limit,
    str(DEFAULT_ORPHANS),
)

#: The questions both surfaces answer, by name.
QUESTIONS: dict[str, Question] = {
    q.name: q
    for q in (
        Question("credit", "credit earned by a person or a team", (PERSON, TEAM, PERIOD)),
        Question("orphans", "the top orphaned cross-team items", (TEAM, LIMIT)),
        Question("leaderboard", "who did the most cross-team work", (PERIOD,)),
        Question("export", "the credit ledger, for performance reviews", (PERIOD,)),
    )
}


def unknown_option(question: Question, word: str, extra: Sequence[str] = ()) -> str:
    """The message for an option ``question`` does not take; ``extra`` are the options one
    surface adds to the question's (the CLI's ``--json``)."""
    takes = ", ".join([*(o.flag for o in question.options), *extra])
    return f"'{question.name}' has no option \"{_clip(word)}\"; it takes {takes}"


def missing_value(option: Option) -> str:
    """The message for an option given without its value."""
    return f"{option.flag} needs a value: {option.flag} {option.metavar}"


def check_option(question: Question, flag: str, text: str, now: datetime, tz: tzinfo) -> object:
    """The value of ``flag text`` for ``question``; :class:`OptionError` naming the option."""
    option = question.option(flag)
    try:
        return option.check(text, now, tz)
    except OptionError as exc:
        raise OptionError(f"{option.flag}: {exc}") from None


def options_help(question: Question) -> list[str]:
    """One line per option, ``--flag METAVAR — help (default …)``, in definition order."""
    return [f"  {o.flag} {o.metavar} — {o.help_line()}" for o in question.options]
