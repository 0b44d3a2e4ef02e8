"""The duplicate index: incremental BM25F over title and body, fused with time and components.

A query scores every indexed document sharing one of the query's heaviest terms, with BM25F
(a boosted title field, per-field length normalisation, IDF over the current pool), divides
by the query's score against itself so that 1 means "says everything the query says", blends
in the share of the query's title found in the candidate's title, then raises candidates
filed close in time to the query and those sharing a component.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from bot.core.dupes.doc import DupeDoc
from bot.core.dupes.postings import Column, Floats, Ints, Postings
from bot.core.dupes.rules import DuplicateRules

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MATCHED_SHOWN = 6


@dataclass(frozen=True)
class Candidate:
    """An indexed issue that may duplicate the query.

    ``score`` is in [0, 1]; at or above ``DuplicateRules.report_threshold`` it is worth
    telling a person. ``matched`` holds the shared words that weighed most, as written.
    """

    uid: str
    score: float
    matched: tuple[str, ...]


@dataclass(frozen=True)
class _QueryTerm:
    term: str
    weight: float  # IDF times the saturated query frequency
    idf: float
    title: float  # occurrences in the query's title
    body: float  # occurrences in the query's body


class DuplicateIndex:
    """A pool of analysed issues to search for duplicates; add and remove one at a time."""

    def __init__(self, rules: DuplicateRules) -> None:
        self.rules = rules
        self._reset()

    def _reset(self) -> None:
        # Per slot: the uid and terms of the document there (None once removed); keeping
        # only these, not whole documents, holds memory to what a removal needs.
        self._uids: list[str | None] = []
        self._terms: list[tuple[str, ...]] = []
        self._slot_of: dict[str, int] = {}
        self._postings: dict[str, Postings] = {}
        self._df: dict[str, int] = {}
        self._by_component: dict[str, Postings] = {}
        self._container_code: dict[str, int] = {}
        self._title_length = Column()
        self._body_length = Column()
        self._days = Column()
        self._container = Column()
        self._alive = Column()
        self._length_sums = [0.0, 0.0]
        self._norm_cache: tuple[tuple[float, ...], Floats, Floats] | None = None

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, uid: object) -> bool:
        return uid in self._slot_of

    def add(self, doc: DupeDoc) -> None:
        """Index ``doc``; a document with the same uid is replaced. Cost: its distinct terms."""
        if not isinstance(doc, DupeDoc):
            raise TypeError(f"DuplicateIndex.add takes a DupeDoc (from analyse), got {doc!r}")
        self.remove(doc.uid)
        slot = len(self._uids)
        counts = _field_counts(doc)
        self._uids.append(doc.uid)
        self._terms.append(tuple(sys.intern(term) for term in counts))
        self._slot_of[doc.uid] = slot
        for term, (title, body) in counts.items():
            self._postings.setdefault(term, Postings()).append(slot, title, body)
            self._df[term] = self._df.get(term, 0) + 1
        for component in doc.components:
            self._by_component.setdefault(component, Postings()).append(slot, 1, 0)
        code = self._container_code.setdefault(doc.container, len(self._container_code))
        self._title_length.append(sum(title for title, _ in counts.values()))
        self._body_length.append(sum(body for _, body in counts.values()))
        self._days.append(_days(doc.created_at))
        self._container.append(code)
        self._alive.append(1.0)
        self._length_sums[0] += self._title_length.values[slot]
        self._length_sums[1] += self._body_length.values[slot]

    def remove(self, uid: str) -> None:
        """Forget the document with this uid; nothing happens if there is none."""
        slot = self._slot_of.pop(uid, None)
        if slot is None:
            return
        self._uids[slot] = None
        self._alive[slot] = 0.0
        for term in self._terms[slot]:
            self._df[term] -= 1
        self._terms[slot] = ()
        self._length_sums[0] -= self._title_length.values[slot]
        self._length_sums[1] -= self._body_length.values[slot]
        if len(self._uids) - len(self._slot_of) > max(1024, len(self._slot_of)):
            self._compact()

    def _compact(self) -> None:
        """Drop the dead slots, so postings do not grow without bound; answers are unchanged."""
        alive = self._alive.values > 0
        new_slot = np.cumsum(alive) - 1
        for table in (self._postings, self._by_component):
            for term, postings in list(table.items()):
                if not postings.keep(alive, new_slot):
                    del table[term]
        for column in (self._title_length, self._body_length, self._days, self._container):
            column.keep(alive)
        self._alive.keep(alive)
        self._df = {term: n for term, n in self._df.items() if n > 0}
        self._uids = [uid for uid in self._uids if uid is not None]
        self._terms = [terms for terms, live in zip(self._terms, alive, strict=True) if live]
        self._slot_of = {uid: slot for slot, uid in enumerate(self._uids) if uid is not None}

    def query(
        self,
        doc: DupeDoc,
        *,
        k: int = 10,
        containers: Collection[str] | None = None,
        exclude: Collection[str] = (),
    ) -> list[Candidate]:
        """The ``k`` indexed documents most likely to duplicate ``doc``, best first.

        Never returns ``doc.uid`` itself nor a uid in ``exclude``; with ``containers``, only
        documents in those containers are candidates. Only documents sharing at least one
        term with ``doc`` are returned. Deterministic; ties go to the earlier-added document.
        Raises ``ValueError`` when ``k`` is below 1.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if not isinstance(doc, DupeDoc):
            raise TypeError(f"DuplicateIndex.query takes a DupeDoc, got {doc!r}")
        chosen = self._query_terms(doc)
        if not chosen:
            return []
        scores, titles, parts = self._bm25f(chosen)
        self._mask(scores, doc, containers, exclude)
        slots = np.flatnonzero(scores > 0)
        if not len(slots):
            return []
        text = np.minimum(scores[slots] / self._self_score(doc, chosen), 1)
        title_idf = sum(q.idf for q in chosen if q.title)
        overlap = titles[slots] / title_idf if title_idf else np.zeros(len(slots))
        weight = self.rules.title_overlap_weight
        fused = self._fuse(doc, slots, (text + weight * overlap) / (1 + weight))
        top = _best(fused, slots, k)
        return [self._candidate(doc, int(slots[i]), float(fused[i]), parts) for i in top]

    def _query_terms(self, doc: DupeDoc) -> list[_QueryTerm]:
        rules, pool = self.rules, len(self._slot_of)
        chosen = []
        for term, (title, body) in _field_counts(doc).items():
            df = self._df.get(term, 0)
            if df == 0:
                continue
            idf = math.log(1 + (pool - df + 0.5) / (df + 0.5))
            tf = rules.title_weight * title + rules.body_weight * body
            saturated = (rules.query_k3 + 1) * tf / (rules.query_k3 + tf) if rules.query_k3 else 1
            chosen.append(_QueryTerm(term, idf * saturated, idf, title, body))
        chosen.sort(key=lambda q: (-q.weight, q.term))
        return chosen[: rules.max_query_terms]

    def _averages(self) -> tuple[float, float]:
        live = max(len(self._slot_of), 1)
        return max(self._length_sums[0] / live, 1.0), max(self._length_sums[1] / live, 1.0)

    def _bm25f(
        self, chosen: list[_QueryTerm]
    ) -> tuple[Floats, Floats, dict[str, tuple[Ints, Floats]]]:
        """Each slot's BM25F score; the IDF of the query's title terms in its title; and each
        term's (slots, contribution) for explanations."""
        rules = self.rules
        title_norm, body_norm = self._norms()
        scores = np.zeros(len(self._uids))
        titles = np.zeros(len(self._uids))
        parts = {}
        for query_term in chosen:
            slots, title, body = self._postings[query_term.term].read()
            tf = (
                rules.title_weight * title / title_norm[slots]
                + rules.body_weight * body / body_norm[slots]
            )
            contribution = query_term.weight * tf / (rules.k1 + tf)
            scores[slots] += contribution
            if query_term.title:
                titles[slots[title > 0]] += query_term.idf
            parts[query_term.term] = (slots, contribution)
        return scores, titles, parts

    def _norms(self) -> tuple[Floats, Floats]:
        """Each slot's BM25F length normalisation of title and body. They change with every
        add or remove, so they are kept until the pool changes (a run of queries after a
        run of adds computes them once)."""
        key = (len(self._uids), len(self._slot_of), *self._length_sums)
        if self._norm_cache is None or self._norm_cache[0] != key:
            rules = self.rules
            average_title, average_body = self._averages()
            title = 1 - rules.title_b + rules.title_b * self._title_length.values / average_title
            body = 1 - rules.body_b + rules.body_b * self._body_length.values / average_body
            self._norm_cache = (key, title, body)
        return self._norm_cache[1], self._norm_cache[2]

    def _self_score(self, doc: DupeDoc, chosen: list[_QueryTerm]) -> float:
        """What ``doc`` would score against itself: the scale that maps a match to [0, 1]."""
        rules = self.rules
        average_title, average_body = self._averages()
        title_norm = 1 - rules.title_b + rules.title_b * doc.title_length / average_title
        body_norm = 1 - rules.body_b + rules.body_b * doc.body_length / average_body
        total = 0.0
        for q in chosen:
            tf = rules.title_weight * q.title / title_norm + rules.body_weight * q.body / body_norm
            total += q.weight * tf / (rules.k1 + tf)
        return max(total, 1e-9)

    def _mask(
        self,
        scores: Floats,
        doc: DupeDoc,
        containers: Collection[str] | None,
        exclude: Collection[str],
    ) -> None:
        """Zero the scores of dead slots, the query itself, excluded uids, other containers."""
        scores[self._alive.values == 0] = 0
        for uid in (doc.uid, *exclude):
            slot = self._slot_of.get(uid)
            if slot is not None:
                scores[slot] = 0
        if containers is not None:
            codes = [self._container_code[c] for c in containers if c in self._container_code]
            scores[~np.isin(self._container.values, codes)] = 0

    def _fuse(self, doc: DupeDoc, slots: Ints, text: Floats) -> Floats:
        """Text similarity raised by time proximity and a shared component, in [0, 1]."""
        rules = self.rules
        gap = np.abs(self._days.values[slots] - _days(doc.created_at))
        if rules.time_decay == "exponential":
            near = np.exp(-gap / rules.time_scale_days)
        else:
            near = 1 / (1 + gap / rules.time_scale_days)
        shared = np.zeros(len(self._uids))
        for component in doc.components:
            if component in self._by_component:
                shared[self._by_component[component].read()[0]] = 1
        bonus = 1 + rules.time_weight * near + rules.component_weight * shared[slots]
        fused = text * bonus / (1 + rules.time_weight + rules.component_weight)
        calibrated: Floats = 1 - np.exp(-fused / rules.score_scale)
        return calibrated

    def _candidate(
        self, doc: DupeDoc, slot: int, score: float, parts: dict[str, tuple[Ints, Floats]]
    ) -> Candidate:
        uid = self._uids[slot]
        assert uid is not None  # masked scores exclude dead slots
        return Candidate(uid, min(max(score, 0.0), 1.0), _matched(doc, slot, parts))


def _matched(doc: DupeDoc, slot: int, parts: dict[str, tuple[Ints, Floats]]) -> tuple[str, ...]:
    """The query's surface forms of the terms that added most to this slot's score."""
    weights = []
    for term, (slots, contribution) in parts.items():
        i = int(np.searchsorted(slots, slot))
        if i < len(slots) and slots[i] == slot:
            weights.append((-float(contribution[i]), term))
    surfaces = dict(doc.surfaces)
    shown: list[str] = []
    for _, term in sorted(weights):
        surface = surfaces.get(term, term)
        if surface.lower() not in {s.lower() for s in shown}:
            shown.append(surface)
        if len(shown) == _MATCHED_SHOWN:
            break
    return tuple(shown)


def _field_counts(doc: DupeDoc) -> dict[str, tuple[int, int]]:
    counts = {term: (n, 0) for term, n in doc.title_terms}
    for term, n in doc.body_terms:
        counts[term] = (counts.get(term, (0, 0))[0], n)
    return counts


def _days(moment: datetime) -> float:
    return (moment - _EPOCH).total_seconds() / 86400


def _best(fused: Floats, slots: Ints, k: int) -> Ints:
    """Positions of the ``k`` best scores, best first, ties to the lower slot. Only the
    scores at or above the k-th best are sorted: a query may touch most of the pool."""
    if len(fused) > k:
        kth = np.partition(fused, len(fused) - k)[len(fused) - k]
        keep = np.flatnonzero(fused >= kth)
    else:
        keep = np.arange(len(fused))
    order: Ints = keep[np.lexsort((slots[keep], -fused[keep]))][:k]
    return order
