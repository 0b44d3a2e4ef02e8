"""The ``/impact`` slash-command grammar: Slack's escaped command text in, a command value out.

Pure: no I/O and no clock (``now`` is a parameter, for periods). :func:`parse_command` never
raises for any text; malformed input becomes a :class:`UsageError` naming what is wrong.

Slack sends the text with ``should_escape: true``, so special tokens arrive wrapped in angle
brackets — ``<@U0123|alice>`` / ``<@U0123>`` (people), ``<!subteam^S0123|@team-asr>`` (user
groups), ``<#C0123|general>`` (channels), ``<https://…>`` / ``<https://…|label>`` (links) —
and literal ``&``, ``<``, ``>`` arrive as ``&amp;``, ``&lt;``, ``&gt;``.

Subcommands (case-insensitive; runs of whitespace count as one space):

- ``flag URL|KEY [note]`` · ``why URL|KEY`` · ``dupes URL|KEY``;
- ``orphans [team|@usergroup] [n]`` — ``n`` 1..25, default 5; a number is always the count;
- ``credit [@person|team|@usergroup] [period]`` — no subject means the caller; the text is
  read as a period first, so a team id that is also a period (``2026``, ``3d``) reads as one;
- ``leaderboard [period]`` · ``export [period]`` · ``audit [period]`` — periods as in
  :mod:`bot.core.periods`, default ``90d``;
- ``help [subcommand]``, or no text at all.

Issues are GitHub / GitHub Enterprise, GitLab, Jira or Linear issue URLs, or bare keys
``owner/repo#N`` / ``group/proj#N`` / ``ABC-123``; see :func:`parse_issue_ref`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from bot.core.periods import DEFAULT_PERIOD, PERIOD_HELP, Period, PeriodError, parse_period
from bot.core.slack_text import IssueRefText, Token, escape, parse_issue_ref
from bot.core.slack_text import tokens as split_tokens

COMMAND = "/impact"
DEFAULT_ORPHANS = 5
MAX_ORPHANS = 25
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
    (:func:`~bot.core.slack_text.escape`). ``usage`` is the concerned subcommand's usage, or
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

_ISSUE_HELP = "an issue link (GitHub, GitLab, Jira, Linear) or a key like acme/asr#12 or ASR-123"

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
        f"the top n orphaned items (1-{MAX_ORPHANS}, default {DEFAULT_ORPHANS})",
        "orphans asr 10",
    ),
    "credit": (
        "credit [@person|team|@usergroup] [period]",
        f"credit earned (yours by default) in a period (default {DEFAULT_PERIOD})",
        "credit @ana 2026-Q3",
    ),
    "leaderboard": ("leaderboard [period]", "who did the most cross-team work", "leaderboard 30d"),
    "export": ("export [period]", "the credit ledger, for performance reviews", "export 2026-H1"),
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
    """The usage text of one subcommand (``KeyError`` for an unknown name)."""
    synopsis, what, example = SUBCOMMANDS[name]
    lines = [f"{COMMAND} {synopsis} — {what}", f"    e.g. {COMMAND} {example}"]
    if name in _WITH_PERIOD:
        lines.append(f"Periods: {PERIOD_HELP}.")
    if name in _WITH_ISSUE:
        lines.append(f"Issues: {_ISSUE_HELP}.")
    return "\n".join(lines)


def _usage() -> str:
    lines = []
    for synopsis, what, example in SUBCOMMANDS.values():
        lines += [f"{COMMAND} {synopsis} — {what}", f"    e.g. {COMMAND} {example}"]
    return "\n".join([*lines, f"Issues: {_ISSUE_HELP}.", f"Periods: {PERIOD_HELP}."])


#: The whole help: every subcommand with an example, the issue forms and the period grammar.
USAGE = _usage()

# ------------------------------------------------------------------------------------ parsing


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
        raise _ParseError(f"`{ctx.name}` needs an issue: {_ISSUE_HELP}", ctx.name)
    first = ctx.args[0]
    ref = parse_issue_ref(first.value) if first.kind in ("word", "link") else None
    if ref is None:
        raise _ParseError(f"{_shown(first.plain())} is not {_ISSUE_HELP}", ctx.name)
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
    return LeaderboardCommand(_period(ctx, ctx.args))


def _export(ctx: _Context) -> Command:
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


_TEAM = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}", re.ASCII | re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_PERIODISH = re.compile(r"[0-9]|[qh][0-9]|(?:this|last)(?![a-z0-9_])", re.ASCII | re.IGNORECASE)


def _orphans(ctx: _Context) -> Command:
    """``orphans [team|@usergroup] [n]``, the two in either order."""
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
    count = int(digits) if len(digits) <= 4 else MAX_ORPHANS + 1
    if not 1 <= count <= MAX_ORPHANS:
        raise _ParseError(f"n must be 1..{MAX_ORPHANS}, got {_shown(digits)}", ctx.name)
    return count


def _team(ctx: _Context, token: Token, wanted: str) -> tuple[str | None, str | None]:
    """``(team id, None)`` or ``(None, user group id)``; ``_ParseError`` for anything else."""
    if token.kind == "usergroup":
        return None, token.value
    if token.kind == "word" and _TEAM.fullmatch(token.value):
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
    ``q1``, ``h2``, ``this``, ``last``) or is one whole is read as the period."""
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
