"""An analysed issue: the term statistics the index needs, computed once per issue.

``analyse`` is the only way to make a ``DupeDoc``; ``to_json``/``from_json`` let the store
keep it, so an issue's text is analysed once, not at every query.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from bot.core.dupes.rules import DuplicateRules
from bot.core.dupes.text import Term, terms, words

TermCounts = tuple[tuple[str, int], ...]  # (term, occurrences), sorted by term
_FORMAT = 1


@dataclass(frozen=True)
class DupeDoc:
    """One issue as the duplicate index sees it; equal documents compare equal."""

    uid: str
    container: str
    created_at: datetime
    components: tuple[str, ...]
    title_terms: TermCounts
    body_terms: TermCounts
    surfaces: tuple[tuple[str, str], ...]  # term -> how it first appeared, sorted by term

    @property
    def title_length(self) -> int:
        """Term occurrences in the title (bigrams included)."""
        return sum(n for _, n in self.title_terms)

    @property
    def body_length(self) -> int:
        """Term occurrences in the body."""
        return sum(n for _, n in self.body_terms)

    def to_json(self) -> str:
        """A compact JSON text that ``from_json`` turns back into an equal document."""
        return json.dumps(
            {
                "format": _FORMAT,
                "uid": self.uid,
                "container": self.container,
                "created_at": self.created_at.isoformat(),
                "components": list(self.components),
                "title": [list(pair) for pair in self.title_terms],
                "body": [list(pair) for pair in self.body_terms],
                "surfaces": [list(pair) for pair in self.surfaces],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> DupeDoc:
        """The document ``to_json`` wrote; raises ``ValueError`` naming what is wrong."""
        try:
            data = json.loads(text)
            if data.get("format") != _FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}, expected {_FORMAT}")
            doc = cls(
                uid=_text(data["uid"]),
                container=_text(data["container"]),
                created_at=_aware(datetime.fromisoformat(data["created_at"])),
                components=tuple(_text(c) for c in data["components"]),
                title_terms=_counts(data["title"]),
                body_terms=_counts(data["body"]),
                surfaces=tuple((_text(t), _text(s)) for t, s in data["surfaces"]),
            )
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
            raise ValueError(f"not a stored duplicate document: {error!r}") from error
        return doc


def analyse(
    uid: str,
    *,
    title: str,
    body: str,
    container: str,
    created_at: datetime,
    components: Sequence[str] = (),
    rules: DuplicateRules,
) -> DupeDoc:
    """Analyse one issue's text for the duplicate index.

    Deterministic. Raises ``ValueError`` for an empty ``uid`` or ``container`` and for a
    naive ``created_at`` (time proximity needs real instants).
    """
    if not uid or not container:
        raise ValueError("a duplicate document needs a non-empty uid and container")
    _aware(created_at)
    title_found = terms(title)
    if rules.title_bigrams:
        title_found += _bigrams(words(title))
    body_found = terms(body[: rules.max_body_chars])
    surfaces: dict[str, str] = {}
    for term, surface in title_found + body_found:
        surfaces.setdefault(term, surface)
    return DupeDoc(
        uid=uid,
        container=container,
        created_at=created_at,
        components=tuple(sorted({c.strip().lower() for c in components if c.strip()})),
        title_terms=_count(title_found),
        body_terms=_count(body_found),
        surfaces=tuple(sorted(surfaces.items())),
    )


def _bigrams(sequence: list[Term]) -> list[Term]:
    return [(f"{a} {b}", f"{sa} {sb}") for (a, sa), (b, sb) in pairwise(sequence)]


def _count(found: list[Term]) -> TermCounts:
    return tuple(sorted(Counter(term for term, _ in found).items()))


def _counts(rows: Any) -> TermCounts:
    pairs = tuple((_text(t), n) for t, n in rows)
    if any(not isinstance(n, int) or n < 1 for _, n in pairs):
        raise ValueError("term counts must be positive integers")
    return pairs


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"created_at must be timezone-aware, got {moment.isoformat()}")
    return moment
