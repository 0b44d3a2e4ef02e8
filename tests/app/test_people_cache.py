"""The rules and the people directory are read once per version of the rules files, not once
per use: a served bot answering signed ``/impact`` requests reads teams.yaml and builds the
directory at most once per request (none while the files stay as they are)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import bot.app.people as people_module
from bot.core.identity import Directory
from bot.core.rules import Rules
from bot.core.rules_teams import TeamsRules
from bot.store import open_store
from tests.builders import TEAMS, issue
from tests.fakes.slack import FakeSlack
from tests.slack.serving import served_bot
from tests.slack_signing import request_headers, slash_command_body

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class Counts:
    """How often the rules were read from disk and a directory was built."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rules_reads = 0
        self.directory_builds = 0
        read, build = people_module.load_rules, Directory.build.__func__  # type: ignore[attr-defined]

        def counted_read(directory: Path) -> Rules:
            self.rules_reads += 1
            return read(directory)

        def counted_build(cls: type[Directory], teams: TeamsRules) -> Directory:
            self.directory_builds += 1
            return build(cls, teams)  # type: ignore[no-any-return]

        monkeypatch.setattr(people_module, "load_rules", counted_read)
        monkeypatch.setattr(Directory, "build", classmethod(counted_build))

    def now(self) -> tuple[int, int]:
        return self.rules_reads, self.directory_builds


@pytest.fixture
def asking(tmp_path: Path) -> Iterator[tuple[Callable[[str], dict[str, Any]], Path]]:
    """``ask(text)`` runs a signed `/impact text` as ana; and the rules folder."""
    rules = tmp_path / "rules"
    rules.mkdir()
    teams = json.loads(json.dumps(TEAMS))
    for person in teams["people"]:
        person["slack"] = {"ana": "UANA", "cto": "UCTO"}.get(person["id"])
    (rules / "teams.yaml").write_text(yaml.safe_dump(teams))
    db = tmp_path / "bot.db"
    with open_store(db) as store, store.transaction():
        store.issues.upsert([issue(labels=("taxonomy",)), issue("acme/asr#1", author="ana")])
    with (
        FakeSlack() as fake,
        served_bot(fake, db=db, rules=rules, secret=SECRET, now=NOW) as (
            url,
            _,
        ),
    ):

        def ask(text: str) -> dict[str, Any]:
            response_url = fake.response_url()
            body = slash_command_body(text=text, user_id="UANA", response_url=response_url)
            headers = request_headers(SECRET, body, int(time.time()))
            sent = httpx.post(f"{url}/slack/events", content=body, headers=headers, timeout=10)
            assert sent.status_code == 200
            [answer] = fake.wait_for_response(response_url)
            return dict(answer)

        yield ask, rules


def _edit(rules: Path) -> None:
    """Change teams.yaml's stamp (as an edit does) without changing what it says."""
    teams = rules / "teams.yaml"
    stat = teams.stat()
    os.utime(teams, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.mark.parametrize("text", ["credit", "why acme/labelling#1", "orphans"])
def test_an_impact_request_reads_rules_and_builds_the_directory_at_most_once(
    asking: tuple[Callable[[str], dict[str, Any]], Path],
    monkeypatch: pytest.MonkeyPatch,
    text: str,
) -> None:
    ask, rules = asking
    counts = Counts(monkeypatch)
    _edit(rules)
    ask(text)
    assert counts.now() == (1, 1)  # the edit is read once, whatever the request uses
    ask(text)
    assert counts.now() == (1, 1)  # nothing changed: nothing read or built again
