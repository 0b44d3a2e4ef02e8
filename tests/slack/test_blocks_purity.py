"""The Block Kit builders are pure presentation: importing one drags in no HTTP client, no
SQLite, no Slack SDK and no tracker — they read result types from ``bot.app.results``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILDERS = sorted(
    f"bot.slack.{p.stem}"
    for p in (ROOT / "bot" / "slack").glob("*.py")
    if p.stem.startswith("blocks") or p.stem == "digest_text"
)

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {"httpx", "sqlite3",
    "sqlite_utils", "slack_sdk", "slack_bolt"} or m.startswith(("bot.store", "bot.trackers")))))
"""


def test_the_builders_are_found() -> None:
    assert {"bot.slack.blocks", "bot.slack.blocks_digest", "bot.slack.digest_text"} <= set(BUILDERS)


@pytest.mark.parametrize("module", BUILDERS)
def test_a_builder_imports_nothing_heavy(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []  # the heavy modules the builder loaded
