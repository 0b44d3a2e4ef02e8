"""Serving a bolt App over real HTTP in a background thread, for tests and benchmarks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from slack_bolt import App

from bot.app.services import Services
from bot.config import Settings
from bot.slack.server import http_server
from bot.wiring import services_over, slack_app
from tests.fakes.slack import FakeSlack


@contextmanager
def serving(app: App) -> Iterator[str]:
    """The app's base URL (``http://127.0.0.1:PORT``) while the block runs."""
    server = http_server(app, host="127.0.0.1", port=0)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        time.sleep(0.05)  # let answers in flight finish before waitress closes
        server.close()


@contextmanager
def served_bot(
    fake: FakeSlack, *, db: Path, rules: Path, secret: str, now: datetime
) -> Iterator[tuple[str, Services]]:
    """The production app over ``db`` and ``rules``, talking to ``fake`` and verifying
    ``secret``, scored at ``now`` and served: its base URL and services while the block runs."""
    settings = Settings(
        IMPACTBOT_DB=db,
        IMPACTBOT_RULES=rules,
        SLACK_BOT_TOKEN=fake.bot_token,
        SLACK_SIGNING_SECRET=secret,
        SLACK_API_URL=fake.url,
    )  # type: ignore[call-arg]
    services = services_over(settings, clock=lambda: now)
    services.score()
    with serving(slack_app(settings, services)) as url:
        yield url, services
