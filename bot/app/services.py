"""The facade every entry point calls (the CLI, the scheduler, the Slack listeners, the
demo): one configuration's capabilities, composed. It holds no logic of its own — each
method is a capability's (``bot.app.sync``, ``scoring``, ``credit``, ``duplicates``,
``people``, ``privacy``, ``audit``, ``operate``) — so call sites keep one object to hold.
"""

from __future__ import annotations

from bot.app.audit import Audit
from bot.app.context import AppContext, Clock, HttpFor, utc_now
from bot.app.credit import Credit
from bot.app.duplicates import Duplicates
from bot.app.operate import Operate
from bot.app.people import People
from bot.app.privacy import Privacy
from bot.app.scoring import Scoring
from bot.app.sync import Sync
from bot.config import Settings
from bot.trackers.registry import Credentials


class Services:
    """impactbot's use cases over one configuration."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock = utc_now,
        *,
        credentials: Credentials,
        http_for: HttpFor,
    ) -> None:
        """``credentials`` and ``http_for`` (one connection pool per tracker credential) come
        from the composition root, ``bot.wiring``, which builds every client."""
        self.ctx = AppContext(settings, clock, People(settings))
        self.credentials = credentials
        self.http_for = http_for
        self.people = self.ctx.people
        self.duplicates = Duplicates(self.ctx)
        self.scoring = Scoring(self.ctx, self.duplicates)
        self.syncing = Sync(self.ctx, self.scoring.score, self.credentials, self.http_for)
        self.credit = Credit(self.ctx)
        self.privacy = Privacy(self.ctx)
        self.audit = Audit(self.ctx)
        self.operate = Operate(self.ctx)
        self._delegate()

    def _delegate(self) -> None:
        """Each use case, as its capability answers it."""
        self.rules = self.people.rules
        self.directory = self.people.directory
        self.directory_for = self.people.directory_for
        self.learned_slack_ids = self.people.learned_slack_ids
        self.remember_slack_ids = self.people.remember_slack_ids
        self.import_file = self.syncing.import_file
        self.sync = self.syncing.sync
        self.score = self.scoring.score
        self.orphans = self.scoring.orphans
        self.explain = self.scoring.explain
        self.uid_of = self.scoring.uid_of
        self.credit_report = self.credit.credit_report
        self.leaderboard = self.credit.leaderboard
        self.explain_entry = self.credit.explain_entry
        self.void = self.credit.void
        self.export = self.credit.export
        self.funnel = self.credit.funnel
        self.confirm = self.credit.confirm
        self.flags_of = self.credit.flags_of
        self.flag = self.credit.flag
        self.dupes = self.duplicates.dupes
        self.refresh_duplicates = self.duplicates.refresh_duplicates
        self.not_a_duplicate = self.duplicates.not_a_duplicate
        self.sight = self.privacy.sight
        self.some_source_unfurls_full = self.privacy.some_source_unfurls_full
        self.audit_log = self.audit.audit_log
        self.backup = self.operate.backup
        self.check_rules = self.operate.check_rules

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.ctx.clock = clock

    def reconfigured(self, settings: Settings, clock: Clock) -> Services:
        """The same use cases over other ``settings`` and ``clock``, sharing this one's
        tracker credentials and connection pools (the demo's own folder and week)."""
        return Services(settings, clock, credentials=self.credentials, http_for=self.http_for)

    def forget(self, person: str) -> str | None:
        """Pseudonymise a person who left, then rescore (score cards name flaggers)."""
        ref = self.people.forget(person, self.ctx.clock())
        self.scoring.score(self.rules())
        return ref
