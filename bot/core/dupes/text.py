"""Turning tracker text into index terms.

Text arrives as trackers give it: Markdown (GitHub, GitLab, Linear), Jira wiki markup
(``{code}``, ``h1.``, ``[label|url]``), pasted logs and stack traces. ``terms`` strips the
markup, drops noise a human would not search for (URLs, numbers, timestamps, hex), keeps
identifiers whole *and* split into their parts (``org.apache.FooBar.doIt`` gives the whole
name, ``foobar.doit``, ``foobar``, ``foo``, ``bar``, ``doit``...), lower-cases, drops stop
words and applies a light suffix stemmer. Each term comes with the surface form it was read
from, so callers can show people the words as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

Term = tuple[str, str]  # (index term, surface form as it appears in the text)

_MARKUP_TAG = re.compile(
    r"\{(?:code|noformat|quote|panel|color|html|anchor)(?::[^}]*)?\}"  # Jira blocks
    r"|</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>"  # HTML tags
    r"|^\s*h[1-6]\.\s"  # Jira headings
    r"|^\s*bq\.\s",  # Jira block quotes
    re.MULTILINE,
)
_URL = re.compile(r"\b(?:https?|ftp|file|hdfs|s3a?)://\S+", re.IGNORECASE)
_LINK_TARGET = re.compile(r"\|[^\]\n]*\]|\]\([^)\n]*\)")  # [label|url] and [label](url)
_TIMESTAMP = re.compile(r"\d{2,4}[-/]\d{2}[-/]\d{2,4}[T ]?\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?")
_HEX = re.compile(r"\b0x[0-9a-fA-F]+\b")
_TOKEN = re.compile(r"(?<![A-Za-z0-9_$])[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_HEXISH = re.compile(r"^(?=.*\d)[0-9a-f]{6,}$")

_STOP_LIST = """a about above after again against all also am an and any are as at be because been
    before being below between both but by can cannot could did do does doing down during
    each either else etc even ever every few for from further get got had has have having
    he her here hers him his how however i if in into is it its itself just let like may me
    might more most much must my no nor not now of off on once one only or other our ours
    out over own please same see seem seems she should since so some still such than that
    the their them then there these they this those though through thus to too under until
    up upon us use used using very via was we were what when where whether which while who
    whom why will with within without would yet you your yours java scala py"""
STOP_WORDS = frozenset(_STOP_LIST.split())


def clean(text: str) -> str:
    """The text with markup, URLs and timestamps blanked out; words and identifiers kept."""
    text = _URL.sub(" ", text)
    text = _LINK_TARGET.sub(" ", text)
    text = _TIMESTAMP.sub(" ", text)
    text = _HEX.sub(" ", text)
    return _MARKUP_TAG.sub(" ", text)


def terms(text: str) -> list[Term]:
    """Every index term of ``text`` in reading order, repeated as often as it occurs."""
    found: list[Term] = []
    for match in _TOKEN.finditer(clean(text)):
        found.extend(_expand(match.group()))
    return found


def words(text: str) -> list[Term]:
    """One term per plain word or identifier, in order (no parts): the input for bigrams."""
    found: list[Term] = []
    for match in _TOKEN.finditer(clean(text)):
        head = _expand(match.group())
        if head:
            found.append(head[0])
    return found


@lru_cache(maxsize=262_144)
def _expand(raw: str) -> tuple[Term, ...]:
    """The terms one raw token stands for; the first is the token as a whole."""
    segments = [s for s in re.split(r"[.$]", raw) if _keep_part(s)]
    if not segments:
        return ()
    expanded: list[Term] = []
    if len(segments) > 1:
        expanded.append((".".join(segments).lower(), raw))
        if len(segments) > 2:
            tail = ".".join(segments[-2:])
            expanded.append((tail.lower(), tail))
    for segment in segments:
        expanded.extend(_segment_terms(segment))
    return tuple(expanded)


def _segment_terms(segment: str) -> Iterator[Term]:
    """A dotted-free identifier or word: itself, and its snake/camel parts when it has them."""
    pieces = [p for p in segment.split("_") if _keep_part(p)]
    if not pieces:
        return
    whole = "_".join(pieces)
    parts = [c for p in pieces for c in _CAMEL.findall(p) if _keep_part(c)]
    if len(parts) <= 1:
        word = whole.lower()
        if word not in STOP_WORDS and len(word) > 1:
            yield stem(word), whole
        return
    yield stem(whole.lower()), whole
    for part in parts:
        word = part.lower()
        if word not in STOP_WORDS and len(word) > 1:
            yield stem(word), part


def _keep_part(part: str) -> bool:
    """False for empty pieces, numbers and hex-like noise (ids, hashes, addresses)."""
    if not part or part.isdigit():
        return False
    return not _HEXISH.match(part.lower())


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A light suffix stemmer: plurals, -ing, -ed and a final -e, so that fail, fails,
    failed and failing meet, and so do create, creates, created and creating."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word
