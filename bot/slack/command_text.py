"""Slack's ``/impact`` text in, a command value out: the Slack adapter's half of the grammar.

Pure: no I/O and no clock (``now`` is a parameter, for periods). :func:`parse_command` never
raises for any text; malformed input becomes a :class:`~bot.core.slash.UsageError` naming
what is wrong. The command values, the help and the questions' options live in the core
(:mod:`bot.core.slash`, :mod:`bot.core.questions`); only reading Slack's text is done here.

Slack sends the text with ``should_escape: true``, so special tokens arrive wrapped in angle
brackets — ``<@U0123|alice>`` / ``<@U0123>`` (people), ``<!subteam^S0123|@team-asr>`` (user
groups), ``<#C0123|general>`` (channels), ``<https://…>`` / ``<https://…|label>`` (links) —
and literal ``&``, ``<``, ``>`` arrive as ``&amp;``, ``&lt;``, ``&gt;``.

Each question takes its positional form (``credit @alice 2026-Q3``, ``orphans asr 10``: a
number is always the count; text that reads as a period is the period) or the options of
:data:`~bot.core.questions.QUESTIONS` (``credit --team asr --period 2026-Q3``), the same
words as on the command line. Subcommands are case-insensitive; runs of whitespace count as
one space.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from bot.core.issue_refs import IssueRefText, parse_issue_ref
from bot.core.periods import DEFAULT_PERIOD, Period, PeriodError, parse_period
from bot.core.questions import (
    DEFAULT_ORPHANS,
    MAX_ORPHANS,
    QUESTIONS,
    TEAM_ID,
    OptionError,
    check_option,
    count_in,
    missing_value,
)
from bot.core.slash import (
    COMMAND,
    ISSUE_HELP,
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
from bot.slack.text import Token, escape
from bot.slack.text import tokens as split_tokens


class _ParseError(Exception):
    """Internal: a parse failure, turned into a :class:`UsageError` by :func:`parse_command`."""

    def __init__(self, message: str, name: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage_of(name) if name else USAGE


def _shown(text: str, most: int = 40) -> str:
    """The user's ``text`` quoted for a message: clipped, and escaped for Slack."""
    text = " ".join(text.split())
    return f'"{escape(text if len(text) <= most else text[: most - 1] + "…")}"'


@dataclass(frozen=True)
class _Context:
    name: str
    args: list[Token]
    now: datetime
    tz: tzinfo


def parse_command(text: str, *, now: datetime, tz: tzinfo = UTC) -> Command:
    """The command in ``text`` (as Slack sends it, escaped), or a :class:`UsageError`.

    ``now`` (tz-aware; ``ValueError`` otherwise — a programming error, not bad input) ends
    trailing periods; calendar periods are drawn in ``tz``. Never raises for any ``text``.
    Deterministic for given arguments.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
    tokens = split_tokens(text)
    if not tokens:
        return HelpCommand()
    head, args = tokens[0], tokens[1:]
    name = head.value.lower() if head.kind == "word" else ""
    parser = _PARSERS.get(name)
    try:
        if parser is None:
            raise _ParseError(_unknown(head), None)
        return parser(_Context(name, args, now, tz))
    except _ParseError as bad:
        return UsageError(bad.message, bad.usage)


def _unknown(head: Token) -> str:
    ref = parse_issue_ref(head.value) if head.kind in ("word", "link") else None
    if ref is not None:
        return f"say what to do with {ref.key} first: `flag`, `why` or `dupes`"
    return f"unknown subcommand {_shown(head.plain())}; try `{COMMAND} help`"


def _issue(ctx: _Context) -> IssueRefText:
    """The issue the first argument names; ``_ParseError`` when it is missing or unrecognised."""
    if not ctx.args:
        raise _ParseError(f"`{ctx.name}` needs an issue: {ISSUE_HELP}", ctx.name)
    first = ctx.args[0]
    ref = parse_issue_ref(first.value) if first.kind in ("word", "link") else None
    if ref is None:
        raise _ParseError(f"{_shown(first.plain())} is not {ISSUE_HELP}", ctx.name)
    return ref


def _only_issue(ctx: _Context) -> IssueRefText:
    ref = _issue(ctx)
    if len(ctx.args) > 1:
        extra = " ".join(t.plain() for t in ctx.args[1:])
        raise _ParseError(f"`{ctx.name}` takes one issue; unexpected {_shown(extra)}", ctx.name)
    return ref


def _flag(ctx: _Context) -> Command:
    ref = _issue(ctx)
    note = " ".join(" ".join(t.plain() for t in ctx.args[1:]).split())
    if len(note) > MAX_NOTE:
        raise _ParseError(f"the note has {len(note)} characters; at most {MAX_NOTE}", ctx.name)
    return FlagCommand(ref, note)


def _why(ctx: _Context) -> Command:
    return WhyCommand(_only_issue(ctx))


def _dupes(ctx: _Context) -> Command:
    return DupesCommand(_only_issue(ctx))


def _help(ctx: _Context) -> Command:
    if not ctx.args:
        return HelpCommand()
    topic = ctx.args[0].plain().lower()
    if len(ctx.args) > 1 or topic not in SUBCOMMANDS:
        known = ", ".join(SUBCOMMANDS)
        raise _ParseError(f"no help on {_shown(topic)}; subcommands: {known}", None)
    return HelpCommand(topic)


def _leaderboard(ctx: _Context) -> Command:
    if _has_options(ctx):
        return LeaderboardCommand(_given_period(ctx, _options(ctx)))
    return LeaderboardCommand(_period(ctx, ctx.args))


def _export(ctx: _Context) -> Command:
    if _has_options(ctx):
        return ExportCommand(_given_period(ctx, _options(ctx)))
    return ExportCommand(_period(ctx, ctx.args))


def _audit(ctx: _Context) -> Command:
    return AuditCommand(_period(ctx, ctx.args))


def _period(ctx: _Context, tokens: list[Token]) -> Period:
    """The period ``tokens`` spell (``90d`` when none); ``_ParseError`` naming the bad part."""
    if any(t.kind != "word" for t in tokens):
        odd = next(t for t in tokens if t.kind != "word")
        raise _ParseError(f"{_shown(odd.plain())} is not a period", ctx.name)
    text = " ".join(t.value for t in tokens) or DEFAULT_PERIOD
    try:
        return parse_period(text, now=ctx.now, tz=ctx.tz)
    except ValueError as exc:  # PeriodError, or int() refusing thousands of digits
        message = (
            escape(str(exc)) if isinstance(exc, PeriodError) else f"{_shown(text)} is not a period"
        )
        raise _ParseError(message, ctx.name) from None


_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_PERIODISH = re.compile(r"[0-9]|[qh][0-9]|(?:this|last)(?![a-z0-9_])", re.ASCII | re.IGNORECASE)


def _orphans(ctx: _Context) -> Command:
    """``orphans [team|@usergroup] [n]``, the two in either order, or its options."""
    if _has_options(ctx):
        return _orphans_options(ctx)
    if len(ctx.args) > 2:
        raise _ParseError("`orphans` takes at most a team and a count", ctx.name)
    team: str | None = None
    usergroup: str | None = None
    limit: int | None = None
    for token in ctx.args:
        if token.kind == "word" and _DIGITS.fullmatch(token.value):
            if limit is not None:
                raise _ParseError("give one count, not two", ctx.name)
            limit = _count(ctx, token.value)
        elif team or usergroup:
            raise _ParseError("one team at a time", ctx.name)
        else:
            team, usergroup = _team(ctx, token, "a team id (e.g. asr) or a @user group")
    return OrphansCommand(team, DEFAULT_ORPHANS if limit is None else limit, usergroup)


def _count(ctx: _Context, digits: str) -> int:
    """The count ``digits`` spell: 1..25, the most one Slack message lists."""
    try:
        return count_in(digits, MAX_ORPHANS)
    except OptionError as exc:
        raise _ParseError(escape(str(exc)), ctx.name) from None


def _team(ctx: _Context, token: Token, wanted: str) -> tuple[str | None, str | None]:
    """``(team id, None)`` or ``(None, user group id)``; ``_ParseError`` for anything else."""
    if token.kind == "usergroup":
        return None, token.value
    if token.kind == "word" and TEAM_ID.fullmatch(token.value):
        return token.value.lower(), None
    shown = _shown(token.plain())
    if token.kind in ("channel", "user"):
        what = "a channel" if token.kind == "channel" else "a person"
        raise _ParseError(f"{shown} is {what}; name {wanted}", ctx.name)
    if token.kind == "word" and token.value.startswith("@"):
        problem = "is not a Slack mention: pick it from the @ autocomplete"
        raise _ParseError(f"{shown} {problem}", ctx.name)
    raise _ParseError(f"{shown} is not {wanted}", ctx.name)


def _credit(ctx: _Context) -> Command:
    """``credit [@person|team|@usergroup] [period]``; text that starts like a period (a digit,
    ``q1``, ``h2``, ``this``, ``last``) or is one whole is read as the period; or its
    options."""
    if _has_options(ctx):
        return _credit_options(ctx)
    args = ctx.args
    first = args[0] if args else None
    if first is None or (
        first.kind == "word" and (_PERIODISH.match(first.value) or _is_period(ctx, args))
    ):
        return CreditCommand(None, None, None, _period(ctx, args))
    if first.kind == "user":
        return CreditCommand(first.value, None, None, _period(ctx, args[1:]))
    team, usergroup = _team(ctx, first, "a @person, a team id (e.g. asr) or a @user group")
    return CreditCommand(None, team, usergroup, _period(ctx, args[1:]))


def _is_period(ctx: _Context, tokens: list[Token]) -> bool:
    try:
        _period(ctx, tokens)
    except _ParseError:
        return False
    return True


_Parser = Callable[[_Context], Command]
_PARSERS: dict[str, _Parser] = {
    "flag": _flag,
    "why": _why,
    "dupes": _dupes,
    "orphans": _orphans,
    "credit": _credit,
    "leaderboard": _leaderboard,
    "export": _export,
    "audit": _audit,
    "help": _help,
}


# ---------------------------------------------------------------- options (bot.core.questions)

_Given = dict[str, list[Token]]


def _has_options(ctx: _Context) -> bool:
    return any(t.kind == "word" and t.value.startswith("--") for t in ctx.args)


def _options(ctx: _Context) -> _Given:
    """Each option given (``--flag``) → the tokens of its value; ``_ParseError`` for an option
    the question does not take, one given twice or without a value, or words before the first."""
    question = QUESTIONS[ctx.name]
    given: _Given = {}
    current: list[Token] | None = None
    for token in ctx.args:
        if token.kind == "word" and token.value.startswith("--"):
            flag, has_value, value = token.value.partition("=")
            try:
                option = question.option(flag)
            except OptionError as exc:
                raise _ParseError(escape(str(exc)), ctx.name) from None
            if option.flag in given:
                raise _ParseError(f"give {option.flag} once", ctx.name)
            current = given[option.flag] = [Token("word", value)] if has_value else []
        elif current is None:
            shown = _shown(token.plain())
            raise _ParseError(f"{shown} comes before the options; start with an option", ctx.name)
        else:
            current.append(token)
    for flag, tokens in given.items():
        if not tokens or tokens == [Token("word", "")]:
            raise _ParseError(missing_value(question.option(flag)), ctx.name)
    return given


def _option_value(ctx: _Context, flag: str, tokens: list[Token]) -> object:
    """The value of ``flag``'s word(s), checked by the question's definition."""
    if any(t.kind != "word" for t in tokens) or (len(tokens) > 1 and flag != "--period"):
        shown = _shown(" ".join(t.plain() for t in tokens))
        raise _ParseError(f"{flag}: {shown} is not one {flag[2:]}", ctx.name)
    text = " ".join(t.value for t in tokens)
    try:
        return check_option(QUESTIONS[ctx.name], flag, text, ctx.now, ctx.tz)
    except OptionError as exc:
        raise _ParseError(escape(str(exc)), ctx.name) from None


def _given_period(ctx: _Context, given: _Given) -> Period:
    tokens = given.get("--period") or [Token("word", DEFAULT_PERIOD)]
    period = _option_value(ctx, "--period", tokens)
    assert isinstance(period, Period)
    return period


def _given_team(ctx: _Context, given: _Given) -> tuple[str | None, str | None]:
    """``(team id, None)``, ``(None, user group id)`` or ``(None, None)`` when not given."""
    tokens = given.get("--team")
    if tokens is None:
        return None, None
    if len(tokens) == 1 and tokens[0].kind == "usergroup":
        return None, tokens[0].value
    return str(_option_value(ctx, "--team", tokens)), None


def _orphans_options(ctx: _Context) -> Command:
    given = _options(ctx)
    team, usergroup = _given_team(ctx, given)
    limit = _given_limit(ctx, given.get("--limit"))
    return OrphansCommand(team, DEFAULT_ORPHANS if limit is None else limit, usergroup)


def _given_limit(ctx: _Context, tokens: list[Token] | None) -> int | None:
    """``--limit N`` checked by the definition, then against what one Slack message lists."""
    if tokens is None:
        return None
    _option_value(ctx, "--limit", tokens)
    try:
        return count_in(tokens[0].value, MAX_ORPHANS)
    except OptionError as exc:
        raise _ParseError(f"--limit: {escape(str(exc))}", ctx.name) from None


def _credit_options(ctx: _Context) -> Command:
    given = _options(ctx)
    if "--person" in given and "--team" in given:
        raise _ParseError("give --person or --team, not both", ctx.name)
    team, usergroup = _given_team(ctx, given)
    return CreditCommand(_given_person(ctx, given), team, usergroup, _given_period(ctx, given))


def _given_person(ctx: _Context, given: _Given) -> str | None:
    """The Slack user id of ``--person @someone``: in Slack a person is a mention."""
    tokens = given.get("--person")
    if tokens is None:
        return None
    if len(tokens) == 1 and tokens[0].kind == "user":
        return tokens[0].value
    shown = _shown(" ".join(t.plain() for t in tokens))
    raise _ParseError(
        f"--person: {shown} is not a Slack mention: pick it from the @ autocomplete", ctx.name
    )
