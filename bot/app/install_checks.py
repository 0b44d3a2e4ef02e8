"""What ``impactbot doctor``, ``/healthz`` and ``impactbot manifest`` need to know about an
install that only the store and the tracker registry can say: where the database may be,
deliveries that failed, tracker people no team claims, each source's credentials and the
trackers' web hosts. The command line renders these; it opens neither the store nor a tracker.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bot.config import Settings
from bot.core.identity import Directory
from bot.core.models import TrackerKind
from bot.core.rules import Rules
from bot.core.rules_sources import SourcesRules
from bot.errors import ConfigurationError
from bot.store import open_store
from bot.store.digests import DeliveryFailure
from bot.store.location import check_location
from bot.trackers import registry
from bot.trackers.registry import Credentials


@dataclass(frozen=True)
class CredentialCheck:
    """One non-GitHub source of ``sources.yaml`` and what is missing to build it (None: its
    credentials are set)."""

    source: str
    kind: TrackerKind
    problem: str | None


def check_database(path: Path, *, may_create: bool, creators: str) -> None:
    """Raise ``StoreLocationError`` when ``path`` cannot hold impactbot's database (or, unless
    ``may_create``, holds none yet: ``creators`` says which commands create it)."""
    check_location(path, may_create=may_create, creators=creators)


def delivery_failures(settings: Settings) -> list[DeliveryFailure]:
    """Deliveries whose last attempt failed (digests not delivered), newest first."""
    if not settings.db_path.exists():
        return []
    with open_store(settings.db_path) as store:
        return store.digests.failures()


def unplaced_actors(settings: Settings, directory: Directory) -> Counter[str]:
    """Tracker people (``tracker:handle``) in the stored issues whom ``directory`` cannot
    place on a team, bots aside, with how often each appears."""
    unknown: Counter[str] = Counter()
    with open_store(settings.db_path) as store:
        for issue in store.issues.all():
            actors = [issue.author, *issue.assignees, *(c.author for c in issue.comments)]
            for actor in actors:
                if actor and not directory.is_bot(actor) and not directory.person_of(actor):
                    unknown[f"{actor.tracker.value}:{actor.handle}"] += 1
    return unknown


def tracker_credentials(
    credentials: Credentials, rules: Rules, http: httpx.Client
) -> list[CredentialCheck]:
    """Whether each Jira, Linear and GitLab source can be built from ``credentials`` (GitHub
    is checked against its API by doctor)."""
    pins = registry.source_map(credentials, rules.sources)
    out = []
    for source in registry.configured_sources(rules.sources):
        if source.kind is TrackerKind.GITHUB:
            continue
        try:
            registry.build_connector(
                credentials, source, http=http, clock=lambda: datetime.now(UTC), source_map=pins
            )
        except ConfigurationError as exc:
            out.append(CredentialCheck(source.name, source.kind, str(exc)))
        else:
            out.append(CredentialCheck(source.name, source.kind, None))
    return out


def tracker_web_hosts(credentials: Credentials, sources: SourcesRules) -> list[str]:
    """The web hosts of every configured tracker, whose links Slack may unfurl."""
    return registry.web_hosts(credentials, sources)
