"""What every capability of the app shares: the settings, the clock (read once per use
case), and the cached rules and people directory (``bot.app.people``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from bot.app.people import People
from bot.config import Settings
from bot.core.identity import Directory
from bot.core.models import TrackerKind
from bot.core.rules import Rules

Clock = Callable[[], datetime]
#: The HTTP connection pool of a tracker family's credential (built by ``bot.wiring``).
HttpFor = Callable[[TrackerKind], httpx.Client]


def utc_now() -> datetime:
    """The real clock: the only place the shell reads it."""
    return datetime.now(UTC)


@dataclass
class AppContext:
    """One configuration's shared parts. Mutable on purpose: ``Services.clock`` may be set
    again (tests move time on), and every capability sees the new clock."""

    settings: Settings
    clock: Clock
    people: People

    def rules(self) -> Rules:
        return self.people.rules()

    def directory(self) -> Directory:
        return self.people.directory()

    def directory_for(self, rules: Rules) -> Directory:
        return self.people.directory_for(rules)
