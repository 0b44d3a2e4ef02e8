"""Slack's text conventions, read purely: issue references in URLs and keys, and the
tokens of escaped command text (``<@U…|name>``, ``<!subteam^S…>``, ``<#C…>``, ``<url|label>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class IssueRefText:
    """An issue as the user named it: the key the store resolves, and the URL if one was given.

    ``key`` is ``owner/repo#N`` (GitHub), ``group/proj#N`` (GitLab) or ``ABC-12`` (Jira,
    Linear; upper-cased).
    """

    key: str
    url: str | None = None


# --------------------------------------------------------------------------- issue references

_NUM = r"[1-9][0-9]{0,9}"
_TAIL = r"/?(?:[?#].*)?"
_KEY = r"[A-Za-z][A-Za-z0-9_]{0,9}-" + _NUM
_PATH = r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+"
_HOST = r"(?P<host>[A-Za-z0-9.-]+(?::[0-9]+)?)"
_GITHUB_URL = re.compile(
    rf"https?://{_HOST}/(?P<path>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/issues/(?P<num>{_NUM}){_TAIL}",
    re.ASCII | re.IGNORECASE,
)
_GITLAB_URL = re.compile(
    rf"https?://{_HOST}/(?P<path>{_PATH})/-/(?:issues|work_items)/(?P<num>{_NUM}){_TAIL}",
    re.ASCII | re.IGNORECASE,
)
_JIRA_URL = re.compile(
    rf"https?://{_HOST}/(?:[^\s?#]*/)?browse/(?P<key>{_KEY}){_TAIL}", re.ASCII | re.IGNORECASE
)
_LINEAR_URL = re.compile(
    rf"https?://linear\.app/[^/\s?#]+/issue/(?P<key>{_KEY})(?:/[^\s?#]*)?{_TAIL}",
    re.ASCII | re.IGNORECASE,
)
_PATH_KEY = re.compile(rf"(?P<path>{_PATH})#(?P<num>{_NUM})", re.ASCII)
_PROJECT_KEY = re.compile(_KEY, re.ASCII)


def parse_issue_ref(text: str) -> IssueRefText | None:
    """The issue ``text`` names — a whole issue URL or bare key, already unescaped — or None.

    GitHub URLs give ``owner/repo#N`` (on a host with ``gitlab`` in its name, a GitLab key);
    GitLab ``…/group/proj/-/issues/N`` gives ``group/proj#N``; Jira ``…/browse/ABC-12`` and
    Linear ``linear.app/org/issue/ENG-42/…`` give the upper-cased key. Bare keys: path keys
    as written, project keys upper-cased. Never raises.
    """
    text = text.strip()
    if match := _LINEAR_URL.fullmatch(text) or _JIRA_URL.fullmatch(text):
        return IssueRefText(match["key"].upper(), text)
    if match := _GITLAB_URL.fullmatch(text) or _GITHUB_URL.fullmatch(text):
        return IssueRefText(f"{match['path']}#{match['num']}", text)
    if match := _PATH_KEY.fullmatch(text):
        return IssueRefText(text)
    if _PROJECT_KEY.fullmatch(text):
        return IssueRefText(text.upper())
    return None


# ------------------------------------------------------------------------------------- tokens

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
