"""Events API acknowledgement while a full rescore holds the store's write lock (issue 14:
p99 under 300 ms; Slack redelivers an event it has no 2xx for within 3 s).

A store of 100,000 issues, scored once; then another process rescores all of them (as
`impactbot score` or the scheduled sync does) while signed events — each followed by Slack's
retry of it — arrive through waitress at a steady 20 a second, whether or not earlier ones
were answered (as Slack sends them), so that a stall shows in as many samples as it lasts.
Figures: the rescore's wall time, how many deliveries arrived while it ran, and their ack
p50 / p99 / max.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import yaml

from benchmarks import synthetic
from benchmarks.slack_latency import _percentiles
from bot.config import Settings
from bot.store import open_store
from bot.wiring import services_over, slack_app
from tests.fakes.slack import FakeSlack
from tests.slack.serving import serving
from tests.slack_signing import event_body, request_headers

SECRET = "bench-signing-secret"
ARRIVALS_PER_SECOND = 20

_RESCORE = """
import sys, time
from pathlib import Path
from bot.config import Settings
from bot.wiring import services_over
services = services_over(Settings(db_path=Path(sys.argv[1]), rules_dir=Path(sys.argv[2])))
print("start", flush=True)
started = time.perf_counter()
services.score()
print(time.perf_counter() - started, flush=True)
"""


def _store(folder: Path, issues: int) -> Settings:
    rules = folder / "rules"
    rules.mkdir()
    doc = synthetic.teams_rules().model_dump(mode="json", exclude_defaults=True)
    (rules / "teams.yaml").write_text(yaml.safe_dump(doc))
    db = folder / "bench.db"
    with open_store(db) as store, store.transaction():
        store.issues.upsert(synthetic.issues(issues))
    services_over(Settings(db_path=db, rules_dir=rules)).score()  # the rescore replaces these
    return Settings(db_path=db, rules_dir=rules)


def _event(n: int) -> str:
    reaction = {  # an emoji that is not the flag one: the handler returns at once
        "type": "reaction_added",
        "user": "UBENCH",
        "reaction": "eyes",
        "event_ts": f"1717243300.{n:06d}",
        "item": {"type": "message", "channel": "C0BENCH", "ts": "1717243200.000100"},
    }
    return event_body(reaction, f"Ev0BENCH{n:08d}")


def _post(http: httpx.Client, url: str, body: str, retry: int | None) -> float:
    headers = request_headers(SECRET, body, int(time.time()), retry_num=retry)
    started = time.perf_counter()
    response = http.post(url, content=body, headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    return elapsed


def bench_event_ack_during_rescore(issues: int = 100_000) -> dict[str, Any]:
    """Ack times of events and their retries posted while a full rescore runs."""
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as slack:
        base = _store(Path(tmp), issues)
        settings = Settings(
            db_path=base.db_path,
            rules_dir=base.rules_dir,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.url,
        )  # type: ignore[call-arg]
        app = slack_app(settings, services_over(settings))
        pending: list[Future[float]] = []
        with (
            serving(app) as url,
            httpx.Client(timeout=120, limits=httpx.Limits(max_connections=200)) as http,
            ThreadPoolExecutor(max_workers=200) as senders,
        ):
            rescore = subprocess.Popen(
                [sys.executable, "-c", _RESCORE, str(base.db_path), str(base.rules_dir)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert rescore.stdout is not None and rescore.stdout.readline().strip() == "start"
            started, n = time.perf_counter(), 0
            while rescore.poll() is None:
                body, retry = _event(n // 2), (1 if n % 2 else None)  # each event, then its retry
                pending.append(senders.submit(_post, http, f"{url}/slack/events", body, retry))
                n += 1
                time.sleep(max(0.0, started + n / ARRIVALS_PER_SECOND - time.perf_counter()))
            rescore_seconds = float(rescore.stdout.read().strip())
            acks = [f.result() for f in pending]
    figures = _percentiles(acks)
    return {
        "issues": issues,
        "rescore_s": rescore_seconds,
        "deliveries": len(acks),
        "ack_p50_ms": figures["p50_ms"],
        "ack_p99_ms": figures["p99_ms"],
        "ack_max_ms": max(acks) * 1000,
    }
