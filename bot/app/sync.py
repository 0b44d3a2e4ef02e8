"""Bringing issues in: importing an export file, and syncing the trackers of
``sources.yaml`` (then rescoring)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from functools import partial
from pathlib import Path

from bot.app.context import AppContext, HttpFor
from bot.app.results import ImportResult, ScoreSummary, SourceSync, SyncOutcome
from bot.core.models import Visibility
from bot.core.rules import Rules
from bot.core.rules_sources import JiraSources
from bot.errors import ConfigurationError, ImportFileError
from bot.store import open_store
from bot.trackers.file_import import Export, ImportFormat, read_export
from bot.trackers.http import Governor
from bot.trackers.registry import (
    ConfiguredSource,
    Credentials,
    build_connector,
    configured_sources,
    source_map,
)
from bot.trackers.sync import Connector, ProgressDisplay, run_sync

Score = Callable[[Rules], ScoreSummary]


class Sync:
    """Imports and syncs over one configuration; a sync ends by rescoring (``score``)."""

    def __init__(
        self, ctx: AppContext, score: Score, credentials: Credentials, http_for: HttpFor
    ) -> None:
        self.ctx = ctx
        self.score = score
        self.credentials = credentials  # the trackers' (wiring reads them from the settings)
        self.http_for = http_for  # each family's connection pool, kept open (wiring's)

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
        options = {"timezone": timezone, "date_format": date_format, "site_url": site_url}
        export = _read(path, fmt, source, options)
        issues = [i.model_copy(update={"visibility": visibility}) for i in export.issues]
        now = self.ctx.clock()
        with open_store(self.ctx.settings.db_path) as store, store.transaction():
            store.issues.upsert(issues)
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

    def sync(
        self,
        *,
        source: str | None = None,
        full: bool = False,
        sweep: bool | None = None,
        progress: Callable[[Callable[[], str]], ProgressDisplay] | None = None,
    ) -> SyncOutcome:
        """Pull issues from the trackers in ``rules/sources.yaml``, then rescore.

        ``source`` limits the sync to one configured source; ``full`` ignores saved cursors;
        ``sweep`` forces (True) or skips (False) the check for vanished issues, which
        otherwise runs when due. ``progress`` builds the progress display of each source,
        given a function describing its rate-limit budget left. Raises
        ``ConfigurationError`` when nothing can be synced or credentials are missing (before
        any source is synced).
        """
        rules = self.ctx.rules()
        known = configured_sources(rules.sources)
        chosen = [s for s in known if source in (None, s.name)]
        if not chosen:
            raise _nothing_to_sync(self.ctx.settings.rules_dir, source, [s.name for s in known])
        pins = source_map(self.credentials, rules.sources)
        built = [
            (chosen_source, *build_connector(
                self.credentials, chosen_source, http=self.http_for(chosen_source.kind),
                clock=self.ctx.clock, source_map=pins, sweep=sweep,
            ))
            for chosen_source in chosen
        ]  # fmt: skip
        synced = [
            self._sync_one(setup, connector, governor, full=full, progress=progress)
            for setup, connector, governor in built
        ]
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
                open_store=partial(open_store, self.ctx.settings.db_path),
                clock=self.ctx.clock,
                full=full,
                concurrency=setup.concurrency,
                progress=display,
            )
        if isinstance(setup.rules, JiraSources):  # sources.yaml decides, and may have changed
            with open_store(self.ctx.settings.db_path) as store, store.transaction():
                store.issues.set_source_visibility(setup.name, setup.rules.visibility)
        cost = getattr(getattr(connector, "client", None), "graphql_cost", None)
        return SourceSync(
            report=report,
            kind=setup.kind,
            stats=governor.stats,
            graphql_points=cost.points if cost is not None else None,
        )


def _read(
    path: Path, fmt: ImportFormat, source: str | None, options: dict[str, str | None]
) -> Export:
    """The export in ``path``; ``ImportFileError`` naming the file (and row) at fault."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"cannot read the file: {exc}", file=str(path)) from exc
    try:
        return read_export(content, fmt, source=source, **options)
    except ImportFileError as exc:
        raise exc.in_file(str(path)) from exc


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
