"""The use cases. The CLI (and later the scheduler and Slack listeners) call these and
nothing else; each opens its own unit of work on the store and reads the clock once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bot.app.audit import AuditUseCases
from bot.app.credit import CreditUseCases
from bot.app.credit_records import mint_credit
from bot.app.duplicates import DuplicateUseCases
from bot.app.privacy import Sight, load_sight
from bot.app.results import (
    Explanation,
    ImportResult,
    Ranked,
    ScoreSummary,
    SourceSync,
    SyncOutcome,
    top_contributions,
)
from bot.app.rules_files import check_rules_dir, load_rules
from bot.config import Settings
from bot.core.identity import Directory
from bot.core.models import ScoreCard, Visibility
from bot.core.orphans import rank_orphans
from bot.core.permissions import Audience
from bot.core.privacy_rules import UnfurlMode
from bot.core.rules import JiraSources, RuleProblem, Rules
from bot.core.scoring import score_issues
from bot.errors import ConfigurationError, ImportFileError, UnknownIssueError
from bot.store import Store, open_store
from bot.trackers.file_import import ImportFormat, read_export
from bot.trackers.http import Governor
from bot.trackers.registry import (
    ConfiguredSource,
    build_connector,
    configured_sources,
    source_map,
)
from bot.trackers.sync import Connector, ProgressDisplay, run_sync

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: the only place the shell reads it."""
    return datetime.now(UTC)


class Services(CreditUseCases, DuplicateUseCases, AuditUseCases):
    """impactbot's use cases over one configuration."""

    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self._rules_cache: tuple[object, Rules] | None = None
        self._learned_slack: dict[str, str] | None = None

    # ---------------------------------------------------------------- operate

    def backup(self, target: Path) -> int:
        """Back the database up to ``target`` (which must not exist); returns its size."""
        if target.exists():
            raise ConfigurationError(f"{target} exists: choose a new file for the backup")
        if not self.settings.db_path.exists():
            raise ConfigurationError(f"no database at {self.settings.db_path} to back up")
        with open_store(self.settings.db_path) as store:
            store.backup_to(target)
        return target.stat().st_size

    # ------------------------------------------------------------------ rules

    def check_rules(self, directory: Path | None = None) -> list[RuleProblem]:
        """Every problem in a rules folder (the configured one by default)."""
        return check_rules_dir(directory or self.settings.rules_dir)[1]

    def rules(self) -> Rules:
        """The validated rules, re-read only when a rules file changed (a long-running bot
        answers many requests between edits)."""
        stamp = _rules_stamp(self.settings.rules_dir)
        cached = self._rules_cache
        if cached is None or cached[0] != stamp:
            rules = load_rules(self.settings.rules_dir)
            cached = (stamp, with_slack_ids(rules, self.learned_slack_ids()))
            self._rules_cache = cached
        return cached[1]

    def learned_slack_ids(self) -> dict[str, str]:
        """Slack ids found from people's emails (see ``bot.slack.people.fill_slack_ids``),
        read once per process and kept up to date by ``remember_slack_ids``."""
        if self._learned_slack is None:
            self._learned_slack = {}
            if self.settings.db_path.exists():
                with open_store(self.settings.db_path) as store:
                    self._learned_slack = store.learned_slack_ids()
        return self._learned_slack

    def remember_slack_ids(self, learned: dict[str, str]) -> None:
        """Use newly learned Slack ids from now on (the rules are merged again)."""
        self._learned_slack = {**self.learned_slack_ids(), **learned}
        self._rules_cache = None

    # ----------------------------------------------------------------- import

    def import_file(
        self,
        path: Path,
        *,
        fmt: ImportFormat | None = None,
        source: str | None = None,
        timezone: str | None = None,
        date_format: str | None = None,
        site_url: str | None = None,
        visibility: Visibility = Visibility.RESTRICTED,
    ) -> ImportResult:
        """Import one export file, all or nothing; raises ``ImportFileError`` naming the
        row and field at fault, in which case the store is unchanged. Its issues take
        ``visibility``: an export does not say who may read them, so restricted unless the
        operator says public."""
        fmt = fmt or ImportFormat.from_path(path)
        try:
            content = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportFileError(f"cannot read the file: {exc}", file=str(path)) from exc
        try:
            export = read_export(
                content,
                fmt,
                source=source,
                timezone=timezone,
                date_format=date_format,
                site_url=site_url,
            )
        except ImportFileError as exc:
            raise exc.in_file(str(path)) from exc
        issues = [i.model_copy(update={"visibility": visibility}) for i in export.issues]
        now = self.clock()
        with open_store(self.settings.db_path) as store, store.transaction():
            store.upsert_issues(issues)
            store.audit.record(
                "cli", "import", str(path), f"{len(issues)} issues from a {fmt.value} file", now
            )
        return ImportResult(
            path=path,
            format=fmt,
            source=issues[0].source if issues else (source or fmt.default_source),
            issues=len(issues),
            links=sum(len(i.links) for i in issues),
            warnings=tuple(export.warnings),
        )

    # ------------------------------------------------------------------- sync

    def sync(
        self,
        *,
        source: str | None = None,
        full: bool = False,
        sweep: bool | None = None,
        progress: Callable[[Callable[[], str]], ProgressDisplay] | None = None,
        http: httpx.Client | None = None,
    ) -> SyncOutcome:
        """Pull issues from the trackers in ``rules/sources.yaml``, then rescore.

        ``source`` limits the sync to one configured source; ``full`` ignores saved cursors;
        ``sweep`` forces (True) or skips (False) the check for vanished issues, which
        otherwise runs when due. ``progress`` builds the progress display of each source,
        given a function describing its rate-limit budget left. Raises
        ``ConfigurationError`` when nothing can be synced or credentials are missing (before
        any source is synced).
        """
        rules = self.rules()
        chosen = [s for s in configured_sources(rules.sources) if source in (None, s.name)]
        if not chosen:
            raise _nothing_to_sync(
                self.settings.rules_dir, source, [s.name for s in configured_sources(rules.sources)]
            )
        owned = http is None
        client = http or httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0))
        pins = source_map(self.settings, rules.sources)
        try:
            built = [
                (chosen_source, *build_connector(
                    self.settings, chosen_source, http=client, clock=self.clock,
                    source_map=pins, sweep=sweep,
                ))
                for chosen_source in chosen
            ]  # fmt: skip
            synced = [
                self._sync_one(setup, connector, governor, full=full, progress=progress)
                for setup, connector, governor in built
            ]
        finally:
            if owned:
                client.close()
        return SyncOutcome(sources=tuple(synced), score=self.score(rules))

    def _sync_one(
        self,
        setup: ConfiguredSource,
        connector: Connector,
        governor: Governor,
        *,
        full: bool,
        progress: Callable[[Callable[[], str]], ProgressDisplay] | None,
    ) -> SourceSync:
        display = progress(governor.describe_budget) if progress else None
        with display or nullcontext():
            report = run_sync(
                connector,
                db_path=self.settings.db_path,
                clock=self.clock,
                full=full,
                concurrency=setup.concurrency,
                progress=display,
            )
        if isinstance(setup.rules, JiraSources):  # sources.yaml decides, and may have changed
            with open_store(self.settings.db_path) as store, store.transaction():
                store.set_source_visibility(setup.name, setup.rules.visibility)
        cost = getattr(getattr(connector, "client", None), "graphql_cost", None)
        return SourceSync(
            report=report,
            kind=setup.kind,
            stats=governor.stats,
            graphql_points=cost.points if cost is not None else None,
        )

    # ---------------------------------------------------------------- scoring

    def score(self, rules: Rules | None = None) -> ScoreSummary:
        """Rescore every stored issue with the current rules, store the cards, and append
        the credit that closed (or reopened) items call for."""
        rules = rules or self.rules()
        now = self.clock()
        with open_store(self.settings.db_path) as store:
            issues = store.load_issues()
            found = self.refresh_duplicates(store, rules, issues, now)
            cards = score_issues(
                issues,
                directory=Directory.build(rules.teams),
                rules=rules.scoring,
                now=now,
                flags=store.load_flags(),
                near_duplicates=found.pairs,
            )
            with store.transaction():
                store.replace_directory(rules.teams)
                store.replace_score_cards(cards)
                minted = mint_credit(store, rules, issues, cards, now)
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

    def orphans(self, *, team: str | None = None, limit: int = 10) -> list[Ranked]:
        """Top orphans from the last scoring run (``score`` first); raises
        ``ConfigurationError`` for a ``team`` that is not in teams.yaml."""
        rules = self.rules()
        known = [t.id for t in rules.teams.teams]
        if team is not None and team not in known:
            raise ConfigurationError(
                f"no team {team!r} in {self.settings.rules_dir}/teams.yaml "
                f"(teams: {', '.join(known) or 'none'})"
            )
        threshold = rules.scoring.surfacing_threshold
        with open_store(self.settings.db_path) as store:
            cards = rank_orphans(
                store.load_score_cards(orphans_only=True),
                threshold=threshold,
                team=team,
                limit=limit,
            )
            return [_ranked(store, card) for card in cards]

    def sight(self, audience: Audience) -> Sight:
        """What ``audience`` may read of the stored issues (see ``bot.app.privacy``)."""
        rules = self.rules()
        with open_store(self.settings.db_path) as store:
            return load_sight(store, rules, audience)

    def some_source_unfurls_full(self) -> bool:
        """Whether any configured source lets channels show restricted details."""
        sources = self.rules().sources
        return any(
            sources.privacy_of(name).unfurl is UnfurlMode.FULL for name in sources.source_names()
        )

    def uid_of(self, key: str) -> str:
        """The uid of the one stored issue ``key`` names (``UnknownIssueError`` otherwise)."""
        with open_store(self.settings.db_path) as store:
            return store.resolve_key(key)

    def explain(self, key: str) -> Explanation:
        """The score card of the issue ``key`` (``owner/repo#N``, ``ABC-12`` or a uid)."""
        threshold = self.rules().scoring.surfacing_threshold
        with open_store(self.settings.db_path) as store:
            uid = store.resolve_key(key)
            issue = store.load_issue(uid)
            card = store.load_score_card(uid)
            if issue is None or card is None:
                raise UnknownIssueError(key, ["run `impactbot score` first"])
            flags = tuple(store.load_flags().get(uid, ()))
        directory = Directory.build(self.rules().teams)
        names = tuple(directory.name_of_person(f.person_id) for f in flags)
        return Explanation(issue, card, threshold, flags=flags, flagger_names=names)


def _nothing_to_sync(rules_dir: Path, source: str | None, known: list[str]) -> ConfigurationError:
    where = f"{rules_dir}/sources.yaml"
    if source is not None:
        return ConfigurationError(
            f"no source {source!r} in {where} (configured: {', '.join(known) or 'none'})"
        )
    return ConfigurationError(
        f"no sources to sync: {where} configures none. Add a github, jira, linear or gitlab "
        "section (see rules/README.md), or load an export with `impactbot import FILE`"
    )


def with_slack_ids(rules: Rules, learned: dict[str, str]) -> Rules:
    """``rules`` with learned Slack ids given to people teams.yaml gives none; an id
    teams.yaml already gives somebody is never given to a second person."""
    taken = {p.slack for p in rules.teams.people if p.slack}
    people = []
    for person in rules.teams.people:
        found = learned.get(person.id)
        if person.slack is None and found and found not in taken:
            person = person.model_copy(update={"slack": found})
            taken.add(found)
        people.append(person)
    teams = rules.teams.model_copy(update={"people": tuple(people)})
    return rules.model_copy(update={"teams": teams})


def _ranked(store: Store, card: ScoreCard) -> Ranked:
    issue = store.load_issue(card.issue_uid)
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


def _rules_stamp(directory: Path) -> object:
    """What identifies a rules folder's current content: each file's mtime and size."""
    if not directory.is_dir():
        return None
    return tuple(
        (f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(directory.glob("*.yaml"))
    )
