"""Serving a bolt App over real HTTP in a background thread, for tests and benchmarks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt import App

from bot.slack.server import http_server


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
