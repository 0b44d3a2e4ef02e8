"""The working folder a CLI test runs in: ``rules/teams.yaml`` from the builders' organisation,
the folder as current directory, ``IMPACTBOT_RULES`` pointing at it and no credentials or
database from the environment of whoever runs the tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.builders import TEAMS

#: Settings a developer's shell may carry that would change what a command does.
AMBIENT = ("IMPACTBOT_DB", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "GITHUB_TOKEN")


@pytest.fixture
def rules_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(TEAMS))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IMPACTBOT_RULES", str(rules))
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)
    return tmp_path
