"""Composing and sending digests for 500 managers against the fake Slack.

Compute is measured separately from Slack pacing: the pacer runs on a simulated clock, so
the run never sleeps through Tier-3 limits, and the pacing it would have waited is reported.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from slack_sdk import WebClient

from benchmarks import synthetic
from bot.app.digests import send_due
from bot.config import Settings
from bot.slack.delivery import Pacer
from bot.slack.sender import SlackSender
from bot.store import open_store
from bot.wiring import services_over
from tests.fakes.slack import FakeSlack

MONDAY = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _org(managers: int) -> dict[str, Any]:
    doc = synthetic.teams_rules(managers, 4).model_dump(mode="json", exclude_defaults=True)
    for person in doc["people"]:
        person["slack"] = "U" + person["id"].upper().replace("-", "X")
    return dict(doc)


def bench_digests(managers: int = 500, issues: int = 20_000) -> dict[str, float]:
    """Seconds to compose every digest, to send them all, and the pacing Slack would need."""
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as slack:
        folder = Path(tmp)
        (folder / "rules").mkdir()
        (folder / "rules" / "teams.yaml").write_text(yaml.safe_dump(_org(managers)))
        db = folder / "bench.db"
        with open_store(db) as store, store.transaction():
            store.issues.upsert(synthetic.issues(issues, n_teams=managers, people_per_team=4))
        settings = Settings(
            db_path=db,
            rules_dir=folder / "rules",
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_API_URL=slack.url,
        )  # type: ignore[call-arg]
        services = services_over(settings, clock=lambda: MONDAY)
        services.score()
        started = time.perf_counter()
        dry = send_due(services, SlackSender(None), now=MONDAY, dry_run=True)
        composed = time.perf_counter() - started
        clock = [0.0]
        pacer = Pacer(
            interval=1.2, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s)
        )
        client = WebClient(token=slack.bot_token, base_url=slack.url)
        started = time.perf_counter()
        sent = send_due(services, SlackSender(client, pacer=pacer), now=MONDAY)
        sending = time.perf_counter() - started
    return {
        "managers": managers,
        "digests": sum(1 for o in dry if o.status == "dry run" and o.manager != "leadership"),
        "compose_s": composed,
        "send_s": sending,
        "sent": sum(1 for o in sent if o.status == "sent" and o.manager != "leadership"),
        "simulated_pacing_s": pacer.waited,
    }
