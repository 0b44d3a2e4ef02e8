"""Slack's text conventions: the tokens of escaped command text (``<@U…|name>``,
``<!subteam^S…>``, ``<#C…>``, ``<url|label>``), and escaping for mrkdwn and back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

TokenKind = Literal["word", "link", "user", "usergroup", "channel", "special"]


@dataclass(frozen=True)
class Token:
    """One piece of command text: ``value`` is the word, URL or id; ``label`` what Slack
    showed for it (may be empty)."""

    kind: TokenKind
    value: str
    label: str = ""

    def plain(self) -> str:
        """How the token reads as plain text (for notes and messages)."""
        if self.kind == "word":
            return self.value
        if self.kind == "link":
            return f"{self.label} ({self.value})" if self.label else self.value
        if self.kind in ("user", "usergroup"):
            return "@" + (self.label or self.value).lstrip("@")
        if self.kind == "channel":
            return "#" + (self.label or self.value)
        return "@" + self.value


_TOKEN = re.compile(r"<[^<>]*>|[^\s<]+|<")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_USER = re.compile(r"@([UW][A-Z0-9]+)(?:\|(.*))?", re.ASCII | re.DOTALL)
_USERGROUP = re.compile(r"!subteam\^([A-Z0-9]+)(?:\|(.*))?", re.ASCII | re.DOTALL)
_CHANNEL = re.compile(r"#([CG][A-Z0-9]+)(?:\|(.*))?", re.ASCII | re.DOTALL)
_SPECIALS: tuple[tuple[TokenKind, re.Pattern[str]], ...] = (
    ("user", _USER),
    ("usergroup", _USERGROUP),
    ("channel", _CHANNEL),
)


# Slack's formatting markers, replaced by look-alikes that format nothing: mrkdwn has no escape
# for them, and a quoted ``*`` or backtick would end the bot's own bold or code span early.
_INERT = str.maketrans({"*": "\u2217", "`": "\u02cb", "~": "\u223c"})


def escape(text: str) -> str:
    """``text`` — anything that came from a tracker, a rules file or a user — made inert for
    Slack mrkdwn, blocks and a message's top-level ``text`` alike: ``&``, ``<``, ``>`` become
    entities (``&`` first), so no ``<!channel>``, ``<@U…>``, ``<url|label>`` or entity is
    live; ``*``, backtick and ``~`` become look-alikes (∗ ˋ ∼), so nothing quoted turns bold,
    code or struck through. The one function every message goes through for such strings.
    """
    entities = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return entities.translate(_INERT)


def unescape(text: str) -> str:
    """Undo Slack's escaping of ``&``, ``<``, ``>`` (in one pass, so ``&amp;lt;`` → ``&lt;``)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m[1]], text)


def tokens(text: str) -> list[Token]:
    """Split command text into words and Slack's bracketed special tokens."""
    return [token(raw) for raw in _TOKEN.findall(text)]


def token(raw: str) -> Token:
    if not (raw.startswith("<") and raw.endswith(">") and len(raw) > 1):
        return Token("word", unescape(raw))
    inner = raw[1:-1]
    for kind, pattern in _SPECIALS:
        if match := pattern.fullmatch(inner):
            return Token(kind, match[1], unescape(match[2] or ""))
    if inner.startswith("!"):
        return Token("special", unescape(inner[1:].split("|", 1)[0]))
    url, _, label = inner.partition("|")
    return Token("link", unescape(url), unescape(label))
