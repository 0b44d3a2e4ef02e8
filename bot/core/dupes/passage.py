"""Picking the short stretch of an issue's text that best shows why it matched."""

from __future__ import annotations

import re
from collections.abc import Sequence

_ELLIPSIS = "…"
_MIN_WIDTH = 20


def passage(text: str, matched: Sequence[str], *, width: int = 160) -> str:
    """The stretch of ``text`` (at most ``width`` characters plus ellipses) that holds the
    most distinct ``matched`` words, found case-insensitively; whitespace is collapsed.

    Without any match it is the start of the text. Raises ``ValueError`` when ``width`` is
    below 20 characters, too short to show anything readable.
    """
    if width < _MIN_WIDTH:
        raise ValueError(f"width must be at least {_MIN_WIDTH} characters, got {width}")
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    hits = _occurrences(flat, matched)
    start = _best_start(hits, width)
    return _cut(flat, start, width)


def _occurrences(flat: str, matched: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, word) of every occurrence of every matched word and of its parts."""
    wanted = {w.lower() for phrase in matched for w in (phrase, *phrase.split()) if w.strip()}
    hits = []
    lowered = flat.lower()
    for word in wanted:
        for found in re.finditer(re.escape(word), lowered):
            hits.append((found.start(), found.end(), word))
    return sorted(hits)


def _best_start(hits: list[tuple[int, int, str]], width: int) -> int:
    """Where a window holding the most distinct words begins (a little before the first)."""
    best, best_count = 0, 0
    for i, (start, _, _) in enumerate(hits):
        inside = {word for s, e, word in hits[i:] if e - start <= width - 10 and s >= start}
        if len(inside) > best_count:
            best, best_count = max(start - 10, 0), len(inside)
    return best


def _cut(flat: str, start: int, width: int) -> str:
    """``width`` characters from ``start``, trimmed to whole words, with ellipses."""
    if start > 0:
        space = flat.find(" ", start, start + 10)
        start = space + 1 if space != -1 else start
    end = min(start + width, len(flat))
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > start else end
    body = flat[start:end].strip()
    return (_ELLIPSIS if start > 0 else "") + body + (_ELLIPSIS if end < len(flat) else "")
