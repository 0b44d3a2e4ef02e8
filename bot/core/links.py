"""Resolving issue references into an index of who points at whom.

References are written as keys (``acme/asr#12``, ``ASR-7``), sometimes pinned to a source.
``LinkIndex.build`` resolves each to an issue uid (``source:key``) where the store holds
exactly one match, and records every resolved edge in both directions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.models import Issue, IssueLink, IssueRef, LinkKind, NearDuplicate


@dataclass(frozen=True)
class Edge:
    """A resolved link: ``source_uid`` holds a link of ``kind`` to ``target_uid``."""

    source_uid: str
    kind: LinkKind
    target_uid: str
    evidence: str


@dataclass(frozen=True)
class LinkIndex:
    """Resolved edges by the issue they point at (``incoming``) and come from (``outgoing``)."""

    incoming: dict[str, tuple[Edge, ...]]
    outgoing: dict[str, tuple[Edge, ...]]

    @classmethod
    def build(
        cls, issues: Iterable[Issue], near_duplicates: Iterable[NearDuplicate] = ()
    ) -> LinkIndex:
        """Resolve every link of every issue; unresolvable references are dropped. Each
        near-duplicate pair between two of ``issues`` adds a ``LOOKS_LIKE`` edge both ways.

        Deterministic: edges keep the order of ``issues`` and of each issue's links, then
        the pairs' order.
        """
        issue_list = list(issues)
        by_uid = {i.uid for i in issue_list}
        by_key: dict[str, list[str]] = defaultdict(list)
        for issue in issue_list:
            by_key[issue.key.casefold()].append(issue.uid)
        incoming: dict[str, list[Edge]] = defaultdict(list)
        outgoing: dict[str, list[Edge]] = defaultdict(list)
        for issue in issue_list:
            for link in issue.links:
                target = resolve(link.target, by_uid, by_key, issue.source)
                if target is None or target == issue.uid:
                    continue
                edge = Edge(issue.uid, link.kind, target, link.evidence)
                incoming[target].append(edge)
                outgoing[issue.uid].append(edge)
        for pair in near_duplicates:
            if pair.uid not in by_uid or pair.other_uid not in by_uid:
                continue
            for one, other in ((pair.uid, pair.other_uid), (pair.other_uid, pair.uid)):
                edge = Edge(one, LinkKind.LOOKS_LIKE, other, _looks_like(pair))
                incoming[other].append(edge)
                outgoing[one].append(edge)
        return cls(
            incoming={k: tuple(v) for k, v in incoming.items()},
            outgoing={k: tuple(v) for k, v in outgoing.items()},
        )

    def into(self, uid: str) -> tuple[Edge, ...]:
        return self.incoming.get(uid, ())

    def out_of(self, uid: str) -> tuple[Edge, ...]:
        return self.outgoing.get(uid, ())


def resolve(
    ref: IssueRef, uids: set[str], by_key: dict[str, list[str]], home_source: str
) -> str | None:
    """The uid ``ref`` names: pinned source first, then the referrer's own source, then a
    key that only one source holds. None when nothing or more than one issue matches."""
    if ref.source is not None:
        uid = f"{ref.source}:{ref.key}"
        return uid if uid in uids else None
    candidates = by_key.get(ref.key.casefold(), [])
    home = [c for c in candidates if c.startswith(f"{home_source}:")]
    if len(home) == 1:
        return home[0]
    return candidates[0] if len(candidates) == 1 else None


def _looks_like(pair: NearDuplicate) -> str:
    words = ", ".join(pair.matched[:4])
    return f"texts alike ({pair.score:.2f}" + (f": {words})" if words else ")")


def link_to(key: str, kind: LinkKind, evidence: str, source: str | None = None) -> IssueLink:
    """Shorthand for building a link in parsers and tests."""
    return IssueLink(kind=kind, target=IssueRef(key=key, source=source), evidence=evidence)
