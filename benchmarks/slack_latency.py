"""`/impact` latency through the HTTP server with a full store (issue: p99 under 100 ms).

100,000 issues and 1,000,000 ledger rows; 1,000 signed slash commands (`why` and `credit`)
through waitress, the answers posted to the fake Slack's response_url. Two figures: the
acknowledgement (what Slack's 3-second window measures) and the full answer.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from benchmarks import synthetic
from benchmarks.ledger import fill_ledger
from bot.app.services import Services
from bot.config import Settings
from bot.store import open_store
from bot.wiring import services_over, slack_app
from tests.fakes.slack import FakeSlack
from tests.slack.serving import serving
from tests.slack_signing import request_headers, slash_command_body

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SECRET = "bench-signing-secret"
TEAMS, PER_TEAM = 20, 8


def _teams_doc() -> dict[str, Any]:
    rules = synthetic.teams_rules(TEAMS, PER_TEAM).model_dump(mode="json", exclude_defaults=True)
    for person in rules["people"]:
        person["slack"] = "U" + person["id"].upper().replace("-", "X")
    return dict(rules)


def _store(folder: Path, issues: int, ledger_rows: int) -> Services:
    rules = folder / "rules"
    rules.mkdir()
    doc = _teams_doc()
    (rules / "teams.yaml").write_text(yaml.safe_dump(doc))
    db = folder / "bench.db"
    with open_store(db) as store:
        with store.transaction():
            store.issues.upsert(synthetic.issues(issues, n_teams=TEAMS, people_per_team=PER_TEAM))
        fill_ledger(store, ledger_rows, [p["id"] for p in doc["people"]], TEAMS)
    services = services_over(Settings(db_path=db, rules_dir=rules), clock=lambda: NOW)
    services.score()
    return services


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
    }


def bench_slash_latency(
    issues: int = 100_000, ledger_rows: int = 1_000_000, requests: int = 1_000
) -> dict[str, float]:
    """p50 / p99 of the ack and of the full answer over ``requests`` commands."""
    rng = random.Random(9)
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as slack:
        folder = Path(tmp)
        services = _store(folder, issues, ledger_rows)
        settings = Settings(
            db_path=services.settings.db_path,
            rules_dir=services.settings.rules_dir,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.url,
        )  # type: ignore[call-arg]
        app = slack_app(settings, services_over(settings, clock=lambda: NOW))
        acks, answers = [], []
        with serving(app) as base, httpx.Client(timeout=10) as http:
            for n in range(requests):
                ack, answer = _one(http, f"{base}/slack/events", slack, rng, n)
                acks.append(ack)
                answers.append(answer)
    ack, full = _percentiles(acks), _percentiles(answers)
    return {
        "requests": requests,
        "issues": issues,
        "ledger_rows": ledger_rows,
        "ack_p50_ms": ack["p50_ms"],
        "ack_p99_ms": ack["p99_ms"],
        "answer_p50_ms": full["p50_ms"],
        "answer_p99_ms": full["p99_ms"],
    }


def _one(
    http: httpx.Client, url: str, slack: FakeSlack, rng: random.Random, n: int
) -> tuple[float, float]:
    team, member = rng.randrange(TEAMS), rng.randrange(PER_TEAM)
    text = f"why org/repo{team}#{rng.randint(1, 100)}" if n % 2 else "credit 2026"
    response_url = slack.response_url()
    body = slash_command_body(text=text, user_id=f"UP{team}X{member}", response_url=response_url)
    started = time.perf_counter()
    response = http.post(url, content=body, headers=request_headers(SECRET, body, int(time.time())))
    acked = time.perf_counter()
    assert response.status_code == 200, response.text
    slack.wait_for_response(response_url, timeout=10)
    return acked - started, time.perf_counter() - started
