"""The job table: which service function runs when. ``impactbot serve`` starts it, with the
Slack client it got from ``bot.wiring``; the claim writers come from there too.

Jobs are plain functions of ``Services``; the scheduler only maps ids to triggers. Every job
coalesces missed runs into one, never overlaps itself, and tolerates being late by its
misfire grace. Digests run hourly and each manager's own local time decides who is due;
Slack ids are looked up from people's emails at start and daily; claims left unfinished by a
process that died are reconciled with their tracker at start and every few minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import wiring
from bot.app.services import Services
from bot.errors import ImpactbotError

if TYPE_CHECKING:
    from bot.app.claims import WriterFor

log = logging.getLogger("impactbot.jobs")
CLAIM_CHECK_MINUTES = 2  # how soon after its lease runs out a stranded claim is reconciled


@dataclass(frozen=True)
class Job:
    id: str
    trigger: IntervalTrigger | CronTrigger
    run: Callable[[], object]
    grace: timedelta
    at_start: bool = False  # also run once as soon as the scheduler starts


def jobs(
    services: Services,
    send_digests: Callable[[], object],
    send_notices: Callable[[], object] | None = None,
    fill_slack_ids: Callable[[], object] | None = None,
    reconcile_claims: Callable[[], object] | None = None,
) -> list[Job]:
    """The job table for this configuration."""
    settings = services.settings
    table = [
        Job("digests", CronTrigger(minute=0), send_digests, timedelta(minutes=50)),
    ]
    if send_notices is not None:
        every = IntervalTrigger(minutes=max(5, settings.sync_minutes or 15))
        table.append(Job("credit_notices", every, send_notices, timedelta(minutes=5)))
    if settings.sync_minutes:
        every = IntervalTrigger(minutes=settings.sync_minutes)
        table.append(Job("sync", every, _quietly(services.sync), timedelta(minutes=5)))
    if fill_slack_ids is not None:
        daily = IntervalTrigger(hours=24)
        table.append(Job("slack_ids", daily, fill_slack_ids, timedelta(hours=1), at_start=True))
    if reconcile_claims is not None:
        every = IntervalTrigger(minutes=CLAIM_CHECK_MINUTES)
        grace = timedelta(minutes=CLAIM_CHECK_MINUTES)
        table.append(Job("claim_leases", every, reconcile_claims, grace, at_start=True))
    return table


def _quietly(job: Callable[[], object]) -> Callable[[], object]:
    """A job whose expected failures (no sources, bad token) are logged, not raised."""

    def run() -> object:
        try:
            return job()
        except ImpactbotError as exc:
            log.warning("job skipped: %s", exc)
            return None

    return run


def start(table: list[Job]) -> BackgroundScheduler:
    """A running background scheduler for ``table``."""
    scheduler = BackgroundScheduler(timezone="UTC")
    for job in table:
        scheduler.add_job(
            job.run,
            job.trigger,
            id=job.id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(job.grace.total_seconds()),
            replace_existing=True,
            **({"next_run_time": datetime.now(UTC)} if job.at_start else {}),
        )
    scheduler.start()
    return scheduler


def start_jobs(services: Services, client: WebClient) -> BackgroundScheduler:
    """The production job table, running: syncs, and digests through ``client``."""
    return start(production_jobs(services, client))


def production_jobs(services: Services, client: WebClient) -> list[Job]:
    """The job table ``serve`` runs: syncs, digests, credit notices, Slack ids and claim
    reconciliation, all through ``client``."""

    def send_digests() -> object:
        from bot.app.digests import send_due

        return send_due(services, wiring.slack_sender(client), now=services.clock())

    def send_notices() -> object:
        from bot.app.notices import send_credit_notices

        return send_credit_notices(services, wiring.slack_sender(client), now=services.clock())

    def fill_slack_ids() -> object:
        from bot.slack.people import email_lookup

        return services.people.fill_slack_ids(email_lookup(client), services.clock())

    writers: list[WriterFor] = []  # built on the first run: one HTTP pool for every run

    def reconcile_claims() -> object:
        from bot.app.claim_recovery import reconcile_claims

        if not writers:
            writers.append(wiring.claim_writers(services))
        return reconcile_claims(services, writers[0], _direct_message(client))

    return jobs(
        services,
        _quietly(send_digests),
        _quietly(send_notices),
        _quietly(fill_slack_ids),
        _quietly(reconcile_claims),
    )


def _direct_message(client: WebClient) -> Callable[[str, str], None]:
    """Post ``text`` to a Slack user id (the app's DM with them); a refusal is logged."""

    def tell(user: str, text: str) -> None:
        try:
            client.chat_postMessage(channel=user, text=text)
        except SlackApiError as exc:
            log.warning("message to %s not sent: %s", user, exc.response.get("error"))

    return tell
