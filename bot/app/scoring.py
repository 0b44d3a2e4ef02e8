"""Scoring: rescoring every stored issue (load, refresh duplicates, score, store the cards,
mint the credit they call for — each its own step), the orphans it finds, and why an
issue scored what it did.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.app.context import AppContext
from bot.app.credit_minting import mint_credit
from bot.app.duplicates import Duplicates, Refresh
from bot.app.results import (
    Explanation,
    MintSummary,
    Ranked,
    ScoreSummary,
    top_contributions,
)
from bot.core.identity import Directory
from bot.core.models import ScoreCard
from bot.core.orphans import rank_orphans
from bot.core.rules import Rules
from bot.core.scoring import score_issues
from bot.errors import ConfigurationError, UnknownIssueError
from bot.store import open_store
from bot.store.ports import UnitOfWork


class Scoring:
    """Scores, orphans and explanations over one configuration."""

    def __init__(self, ctx: AppContext, duplicates: Duplicates) -> None:
        self.ctx = ctx
        self.duplicates = duplicates

    def score(self, rules: Rules | None = None) -> ScoreSummary:
        """Rescore every stored issue with the current rules, store the cards, and append
        the credit that closed (or reopened) items call for."""
        rules = rules or self.ctx.rules()
        directory = self.ctx.directory_for(rules)
        now = self.ctx.clock()
        with open_store(self.ctx.settings.db_path) as store:
            issues = store.issues.all()
            found = self.duplicates.refresh_duplicates(store, rules, issues, now)
            flags = store.issues.flags()
            cards = score_issues(
                issues,
                directory=directory,
                rules=rules.scoring,
                now=now,
                flags=flags,
                near_duplicates=found.pairs,
            )
            with store.transaction():
                store_cards(store, rules, cards)
                minted = mint_credit(store, rules, directory, issues, cards, now)
        return summary(rules, cards, found, minted)

    def orphans(self, *, team: str | None = None, limit: int = 10) -> list[Ranked]:
        """Top orphans from the last scoring run (``score`` first); raises
        ``ConfigurationError`` for a ``team`` that is not in teams.yaml."""
        rules = self.ctx.rules()
        known = [t.id for t in rules.teams.teams]
        if team is not None and team not in known:
            raise ConfigurationError(
                f"no team {team!r} in {self.ctx.settings.rules_dir}/teams.yaml "
                f"(teams: {', '.join(known) or 'none'})"
            )
        threshold = rules.scoring.surfacing_threshold
        with open_store(self.ctx.settings.db_path) as store:
            cards = rank_orphans(
                store.scores.all(orphans_only=True),
                threshold=threshold,
                team=team,
                limit=limit,
            )
            return [_ranked(store, card) for card in cards]

    def uid_of(self, key: str) -> str:
        """The uid of the one stored issue ``key`` names (``UnknownIssueError`` otherwise)."""
        with open_store(self.ctx.settings.db_path) as store:
            return store.issues.resolve(key)

    def explain(self, key: str) -> Explanation:
        """The score card of the issue ``key`` (``owner/repo#N``, ``ABC-12`` or a uid)."""
        threshold = self.ctx.rules().scoring.surfacing_threshold
        with open_store(self.ctx.settings.db_path) as store:
            uid = store.issues.resolve(key)
            issue = store.issues.get(uid)
            card = store.scores.load(uid)
            if issue is None or card is None:
                raise UnknownIssueError(key, ["run `impactbot score` first"])
            flags = tuple(store.issues.flags().get(uid, ()))
        directory = self.ctx.directory()
        names = tuple(directory.name_of_person(f.person_id) for f in flags)
        return Explanation(issue, card, threshold, flags=flags, flagger_names=names)


def store_cards(store: UnitOfWork, rules: Rules, cards: Sequence[ScoreCard]) -> None:
    """Keep the scoring run's cards, and the directory they were scored with."""
    store.people.replace_directory(rules.teams)
    store.scores.replace_all(cards)


def summary(
    rules: Rules, cards: Sequence[ScoreCard], found: Refresh, minted: MintSummary
) -> ScoreSummary:
    """What one scoring run found, in numbers."""
    threshold = rules.scoring.surfacing_threshold
    orphans = [c for c in cards if c.is_orphan]
    return ScoreSummary(
        duplicates=len(found.pairs),
        issues=len(cards),
        orphans=len(orphans),
        surfaced=sum(1 for c in orphans if c.total >= threshold),
        threshold=threshold,
        credit=minted,
    )


def rescore_one(
    store: UnitOfWork, rules: Rules, directory: Directory, uid: str, now: datetime
) -> None:
    """Score one issue again (a new flag changes its card) from its neighbourhood alone."""
    issues = store.issues.neighbourhood(uid)
    if store.scores.load(uid) is None or not issues:
        return  # never scored: the next full scoring run will
    flags = store.issues.flags()
    cards = score_issues(
        issues,
        directory=directory,
        rules=rules.scoring,
        now=now,
        flags={uid: flags.get(uid, [])},
    )
    store.scores.replace(cards[0])


def _ranked(store: UnitOfWork, card: ScoreCard) -> Ranked:
    issue = store.issues.get(card.issue_uid)
    assert issue is not None, "score cards are only written for stored issues"
    return Ranked(card=card, key=issue.key, title=issue.title, url=issue.url)


def as_json(rows: Sequence[Ranked]) -> str:
    """Machine-readable orphans: stable keys, one object per item."""
    return json.dumps(
        [
            {
                "key": r.key,
                "uid": r.card.issue_uid,
                "title": r.title,
                "url": r.url,
                "score": r.card.total,
                "orphan_score": r.card.orphan_score,
                "owner_team": r.card.owner_team,
                "beneficiaries": list(r.card.beneficiaries),
                "incentive_gap": r.card.incentive_gap,
                "orphan_reasons": [f.reason.value for f in r.card.orphan_findings],
                "top_reasons": [c.reason for c in top_contributions(r.card)],
            }
            for r in rows
        ],
        indent=2,
    )
