"""Suggestions for a name that matched nothing: only names close enough to be a typo."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches

#: How alike (difflib's ratio, 0..1) a suggestion must be: ``acme/asr#12`` for ``acme/asr#21``
#: (0.82) or ``acme/labeling#9`` for ``acme/labelling#9`` (0.97) pass; ``acme/asr#12`` for
#: ``acme/x#1`` (0.74) does not.
CLOSENESS = 0.8


def close_matches(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """The ``limit`` candidates most like ``name`` (case-insensitive), best first; none when
    nothing is close (see ``CLOSENESS``)."""
    by_folded = {c.casefold(): c for c in candidates}
    found = get_close_matches(name.casefold(), list(by_folded), n=limit, cutoff=CLOSENESS)
    return [by_folded[f] for f in found]
