"""The benchmark README's plain BM25 baseline, to print beside the engine in the same run.

BM25 (k1 = 1.2, b = 0.75) over summary + description, lower-cased alphanumeric tokens, a
short English stop list, IDF over the whole set, binary query terms. It is deliberately not
the product's code: it is the yardstick the product must beat.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

_TOKEN = re.compile(r"[a-z0-9]+")
_STOP_TEXT = (
    "a an and are as at be but by for from has have i if in is it its not of on or that the "
    "this to was were will with"
)
_STOP = frozenset(_STOP_TEXT.split())


def _tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOP]


class PlainBM25:
    """All documents at once, in stream order; a query sees only positions before its own."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        vocabulary: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        self.query_terms: list[list[int]] = []
        lengths = np.zeros(len(texts))
        for row, text in enumerate(texts):
            counts = Counter(_tokens(text))
            lengths[row] = sum(counts.values())
            ids = [vocabulary.setdefault(term, len(vocabulary)) for term in counts]
            self.query_terms.append(ids)
            rows += [row] * len(ids)
            cols += ids
            tfs += list(counts.values())
        tf = np.array(tfs, dtype=np.float64)
        row_index = np.array(rows, dtype=np.int64)
        col_index = np.array(cols, dtype=np.int64)
        df = np.bincount(col_index, minlength=len(vocabulary))
        idf = np.log(1 + (len(texts) - df + 0.5) / (df + 0.5))
        norm = k1 * (1 - b + b * lengths[row_index] / lengths.mean())
        weights = idf[col_index] * tf * (k1 + 1) / (tf + norm)
        shape = (len(texts), len(vocabulary))
        self.matrix = sparse.csc_matrix((weights, (row_index, col_index)), shape=shape)

    def rank(self, position: int, allowed: npt.NDArray[np.bool_] | None, k: int) -> list[int]:
        """The ``k`` best positions before ``position`` for the document at ``position``."""
        terms = self.query_terms[position]
        if not terms or position == 0:
            return []
        scores = np.asarray(self.matrix[:, terms].sum(axis=1)).ravel()[:position]
        if allowed is not None:
            scores[~allowed[:position]] = 0
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        top = top[scores[top] > 0]
        return [int(i) for i in top[np.lexsort((top, -scores[top]))]]
