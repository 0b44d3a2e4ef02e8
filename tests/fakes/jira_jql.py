"""The slice of JQL the fake Jira understands, with Jira's own semantics and error texts.

Clauses: ``project``, ``key`` / ``issuekey``, ``labels``, ``updated``, ``created`` with
``= != > >= < <= in / not in``, joined by ``AND`` / ``OR`` and parentheses, then
``ORDER BY field [ASC|DESC], ...`` over ``updated``, ``created``, ``key``.

Dates are what Jira accepts — ``yyyy/MM/dd HH:mm``, ``yyyy-MM-dd HH:mm``, ``yyyy/MM/dd``,
``yyyy-MM-dd`` — read as wall-clock time in the *searching user's* time zone, to the minute
(seconds are refused, as Jira does). A query without any restriction is refused as
unbounded, as ``/search/jql`` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Protocol

UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<op>>=|<=|!=|=|>|<)|(?P<punct>[(),])'
    r'|(?P<word>[^\s()=<>!,"]+))'
)
_FIELDS = {"project", "key", "issuekey", "labels", "updated", "created"}
_ORDERABLE = {"updated", "created", "key", "issuekey"}


class JqlError(ValueError):
    """A query Jira would refuse with 400; ``str()`` is Jira's message."""


class Searchable(Protocol):
    project: str
    number: int
    labels: list[str]
    created: datetime
    updated: datetime


Predicate = Callable[[Searchable], bool]


@dataclass(frozen=True)
class Query:
    where: Predicate
    order: tuple[tuple[str, bool], ...]  # (field, ascending)

    def sort_key(self, issue: Searchable) -> tuple[Any, ...]:
        """A key sorting issues in this query's order (then by key, as Jira breaks ties)."""
        parts: list[Any] = []
        for field, ascending in (*self.order, ("key", True)):
            value = _order_value(issue, field)
            parts.append(value if ascending else _Reversed(value))
        return tuple(parts)


class _Reversed:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash(self.value)


def _order_value(issue: Searchable, field: str) -> Any:
    if field in ("key", "issuekey"):
        return (issue.project, issue.number)
    return getattr(issue, field)


def parse_jql(text: str, zone: tzinfo) -> Query:
    """``text`` as a query whose dates are read in ``zone``; raises ``JqlError``."""
    tokens = _tokenize(text)
    lowered = [t.lower() for t in tokens]
    split = next((i for i in range(len(tokens) - 1) if lowered[i : i + 2] == ["order", "by"]), None)
    where_tokens = tokens if split is None else tokens[:split]
    order = () if split is None else _order(tokens[split + 2 :])
    if not where_tokens:
        raise JqlError(UNBOUNDED)
    parser = _Parser(where_tokens, zone)
    predicate = parser.expression()
    if parser.pos != len(where_tokens):
        raise JqlError(
            f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got "
            f"'{where_tokens[parser.pos]}'."
        )
    return Query(predicate, order)


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise JqlError(
                f"Error in the JQL Query: The character '{text[pos]}' is a reserved "
                f"JQL character. (line 1, character {pos + 1})"
            )
        tokens.append(match.group(match.lastgroup or "word"))
        pos = match.end()
    return tokens


def _order(tokens: list[str]) -> tuple[tuple[str, bool], ...]:
    order: list[tuple[str, bool]] = []
    for part in " ".join(tokens).split(","):
        words = part.split()
        if not words or len(words) > 2 or words[0].lower() not in _ORDERABLE:
            raise JqlError(
                f"Error in the JQL Query: Not able to sort using field '{part.strip()}'."
            )
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if direction not in ("ASC", "DESC"):
            raise JqlError(
                f"Error in the JQL Query: Expecting 'ASC' or 'DESC' but got '{words[1]}'."
            )
        order.append((words[0].lower(), direction == "ASC"))
    if len(order) > 7:
        raise JqlError("The ORDER BY clause can contain a maximum of 7 fields.")
    return tuple(order)


class _Parser:
    def __init__(self, tokens: list[str], zone: tzinfo) -> None:
        self.tokens, self.zone, self.pos = tokens, zone, 0

    def _peek(self) -> str:
        return self.tokens[self.pos].lower() if self.pos < len(self.tokens) else ""

    def _take(self) -> str:
        if self.pos >= len(self.tokens):
            raise JqlError("Error in the JQL Query: Expecting a value but reached the end.")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def expression(self) -> Predicate:
        parts = [self._conjunction()]
        while self._peek() == "or":
            self.pos += 1
            parts.append(self._conjunction())
        return parts[0] if len(parts) == 1 else (lambda i: any(p(i) for p in parts))

    def _conjunction(self) -> Predicate:
        parts = [self._atom()]
        while self._peek() == "and":
            self.pos += 1
            parts.append(self._atom())
        return parts[0] if len(parts) == 1 else (lambda i: all(p(i) for p in parts))

    def _atom(self) -> Predicate:
        if self._peek() == "(":
            self.pos += 1
            inner = self.expression()
            if self._take() != ")":
                raise JqlError("Error in the JQL Query: Expecting ')'.")
            return inner
        field = self._take().lower()
        if field not in _FIELDS:
            raise JqlError(
                f"Field '{field}' does not exist or you do not have permission to view it."
            )
        op = self._take().lower()
        if op == "not" and self._peek() == "in":
            self.pos += 1
            op = "not in"
        if op in ("in", "not in"):
            values = self._list()
            test = _clause(field, "=", values, self.zone)
            return test if op == "in" else (lambda i: not test(i))
        if op not in ("=", "!=", ">", ">=", "<", "<="):
            raise JqlError(f"Error in the JQL Query: Expecting operator but got '{op}'.")
        return _clause(field, op, [_unquote(self._take())], self.zone)

    def _list(self) -> list[str]:
        if self._take() != "(":
            raise JqlError("Error in the JQL Query: Expecting '(' after IN.")
        values = [_unquote(self._take())]
        while self._peek() == ",":
            self.pos += 1
            values.append(_unquote(self._take()))
        if self._take() != ")":
            raise JqlError("Error in the JQL Query: Expecting ')' to close the list.")
        return values


def _unquote(token: str) -> str:
    return token[1:-1].replace('\\"', '"') if token.startswith('"') else token


def _clause(field: str, op: str, values: list[str], zone: tzinfo) -> Predicate:
    if field in ("updated", "created"):
        moment = jql_date(values[0], field, zone)
        compare = _COMPARE[op]
        return lambda i: compare(getattr(i, field), moment)
    if field == "project":
        wanted = {v.upper() for v in values}
        match: Predicate = lambda i: i.project.upper() in wanted  # noqa: E731
    elif field == "labels":
        labels = set(values)
        match = lambda i: bool(labels & set(i.labels))  # noqa: E731
    else:
        keys = {v.upper() for v in values}
        match = lambda i: f"{i.project}-{i.number}".upper() in keys  # noqa: E731
    if op == "=":
        return match
    if op == "!=":
        return lambda i: not match(i)
    raise JqlError(f"The operator '{op}' is not supported by the '{field}' field.")


_COMPARE: dict[str, Callable[[datetime, datetime], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def jql_date(value: str, field: str, zone: tzinfo) -> datetime:
    """A JQL date literal as an aware instant, read in ``zone``. A wall time that occurs
    twice (DST fall-back) is read as its *later* instant: the reading that makes a careless
    client miss updates, so tests catch it."""
    for fmt in _DATE_FORMATS:
        try:
            wall = datetime.strptime(value, fmt)  # noqa: DTZ007 - wall time in the user's zone
        except ValueError:
            continue
        return wall.replace(tzinfo=zone, fold=1)
    raise JqlError(
        f"Date value '{value}' for field '{field}' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
        "format e.g. '-5d', '4w 2d'."
    )
