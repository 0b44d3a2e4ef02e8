"""impactbot's GitHub sync, run as a user runs it, against a server written from GitHub's docs.

Written without reading ``bot/`` or ``tests/fakes/``: the configuration comes from README.md
and rules/README.md, the server's rules from GitHub's REST description and docs (see
``github_docs_server.py``), and the checks go through the documented CLI.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.contracts.github_docs_server import GitHubDocsServer, Recorded, Repo, make_issue

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "github_pat_contract_0123456789"
REPO = "acme/contract-tools"
BURST = 250  # issues sharing one updated_at, more than two full pages of 100
OTHERS = 50
TOTAL = BURST + OTHERS
PULLS = range(TOTAL + 1, TOTAL + 6)  # five open pull requests, updated in the burst too
CLOSED_EVERY = 7  # every seventh issue is closed: a sync must ask for state=all to see them
BURST_AT = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)

TEAMS_YAML = """\
teams:
- id: tools
  name: Tools
  managers: [mia]
  members: [mia, noah]
  owns:
    repos: [acme/contract-tools]
- id: models
  name: Models
  managers: [lee]
  members: [lee]
people:
- {id: mia, name: Mia Example, github: mia-example}
- {id: noah, name: Noah Example, github: noah-example}
- {id: lee, name: Lee Example, github: lee-example}
"""

SOURCES_YAML = f"""\
github:
  repos: [{REPO}]
"""


def populate(server: GitHubDocsServer) -> Repo:
    """~300 issues: 50 spread over October, then a burst of 250 updated in the same second."""
    repo = server.add_repo("acme", "contract-tools", 777001)
    start = datetime(2026, 10, 1, 9, 0, 0, tzinfo=UTC)
    for number in range(1, TOTAL + 1):
        created = start + timedelta(hours=number)
        updated = created + timedelta(minutes=30) if number <= OTHERS else BURST_AT
        state = "closed" if number % CLOSED_EVERY == 0 else "open"
        repo.issues.append(make_issue(server.base_url, repo, number, created, updated, state))
    for number in PULLS:  # [ISSUES] the issues listing also returns pull requests
        created = start + timedelta(hours=number)
        pull = make_issue(server.base_url, repo, number, created, BURST_AT, "open", True)
        repo.issues.append(pull)
    return repo


EDITED = OTHERS + 100  # an issue of the burst, edited after the second sync


def edit(server: GitHubDocsServer) -> None:
    """An hour later, someone assigns one issue of the burst to Mia."""
    issue = next(i for i in server.repos[REPO].issues if i["number"] == EDITED)
    mia = {"login": "mia-example", "id": 9001, "type": "User"}
    issue["assignee"], issue["assignees"] = mia, [mia]
    issue["updated_at"] = (BURST_AT + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Run:
    """One `impactbot` command's outcome and the requests it made."""

    result: subprocess.CompletedProcess[str]
    requests: list[Recorded]

    @property
    def log(self) -> str:
        return f"{self.result.stdout}\n{self.result.stderr}\n{describe(self.requests)}"

    def points(self, resource: str) -> int:
        graphql = resource == "graphql"
        return sum(1 for r in self.requests if r.counted and (r.path == "/graphql") == graphql)


@dataclass
class Session:
    workdir: Path
    github: GitHubDocsServer
    first: Run
    orphans: subprocess.CompletedProcess[str]  # `orphans --json` right after the first sync
    second: Run
    third: Run


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """A user's folder (the shipped rules with their own teams, sources and a surfacing
    threshold of 0 so that `orphans` lists every open item), a first sync and a second one
    with nothing changed in between."""
    workdir = tmp_path_factory.mktemp("contract")
    rules = workdir / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "teams.yaml").write_text(TEAMS_YAML, encoding="utf-8")
    (rules / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")
    scoring = rules / "scoring.yaml"
    text = scoring.read_text(encoding="utf-8")
    assert "surfacing_threshold: 40" in text
    scoring.write_text(text.replace("surfacing_threshold: 40", "surfacing_threshold: 0"))
    with GitHubDocsServer(TOKEN) as github:
        populate(github)
        first = Run(impactbot(workdir, github, "sync"), list(github.requests))
        github.reset_log()
        orphans = impactbot(workdir, github, "orphans", "--limit", "1000", "--json")
        second = Run(impactbot(workdir, github, "sync"), list(github.requests))
        github.reset_log()
        edit(github)
        third = Run(impactbot(workdir, github, "sync"), list(github.requests))
        github.reset_log()
        yield Session(workdir, github, first, orphans, second, third)


def impactbot(
    workdir: Path, github: GitHubDocsServer, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run ``impactbot ARGS`` as a user would: its own process, settings in the environment."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "IMPACTBOT_", "JIRA_", "LINEAR_", "GITLAB_", "SLACK_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        GITHUB_TOKEN=TOKEN,
        GITHUB_API_URL=github.base_url,
        IMPACTBOT_DB=str(workdir / "impactbot.db"),
        IMPACTBOT_RULES=str(workdir / "rules"),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def describe(requests: list[Recorded]) -> str:
    lines = []
    for r in requests:
        query = "&".join(f"{k}={v[0]}" for k, v in r.query.items())
        point = " (point)" if r.counted else ""
        note = f"  UNDEFINED: {r.undefined}" if r.undefined else ""
        lines.append(f"{r.method} {r.path}?{query} -> {r.status}{point}{note}")
    return "\n".join(lines)


def pages(issues: int) -> int:
    """[SPEC]/[PAGING]: at most 100 issues a page, so the fewest pages that hold them."""
    return math.ceil(issues / 100)


def test_first_sync_completes_asking_only_what_the_docs_define(session: Session) -> None:
    assert session.first.result.returncode == 0, session.first.log
    undefined = [r for r in session.first.requests if r.undefined]
    assert undefined == [], f"requests the docs do not define:\n{session.first.log}"


def test_first_sync_stores_every_issue(session: Session) -> None:
    """Open issues are every orphan `orphans` lists (threshold 0); closed ones `explain` knows."""
    listed = session.orphans
    assert listed.returncode == 0, listed.stderr
    keys = {item["key"] for item in json.loads(listed.stdout)}
    open_numbers = [n for n in range(1, TOTAL + 1) if n % CLOSED_EVERY]
    missing = sorted(set(open_numbers) - {int(k.split("#")[1]) for k in keys})
    assert missing == [], f"open issues not stored: {missing}\n{session.first.log}"
    pulls = sorted(k for k in keys if int(k.split("#")[1]) in PULLS)
    assert pulls == [], f"pull requests listed as orphaned issues: {pulls}"
    for number in (OTHERS + 6,):  # a closed issue of the burst
        card = impactbot(session.workdir, session.github, "explain", f"{REPO}#{number}", "--json")
        assert card.returncode == 0, f"#{number} not stored: {card.stdout}{card.stderr}"
        assert json.loads(card.stdout)["issue_uid"] == f"github:{REPO}#{number}"


def test_first_sync_stays_within_the_documented_request_bound(session: Session) -> None:
    """REST: one listing of ``pages(N)`` pages, plus the sweep README documents ("each costs
    one listing of the repository"), plus 2 (a page re-read at the cursor, one repository
    read). GraphQL: issue details by ``nodes(ids:)``, at most 100 ids a query [GQL], so
    ``pages(N)`` queries plus 1 for the re-read page."""
    core, graphql = session.first.points("core"), session.first.points("graphql")
    assert core <= 2 * pages(TOTAL + len(PULLS)) + 2, f"{core} REST points:\n{session.first.log}"
    assert graphql <= pages(TOTAL + len(PULLS)) + 1, (
        f"{graphql} GraphQL queries:\n{session.first.log}"
    )


def test_no_change_resync_spends_no_rate_limit_points(session: Session) -> None:
    """[BEST]: a conditional request answered 304 costs nothing; nothing changed, so a sync
    that revalidates what it read spends 0 points of either budget."""
    second = session.second
    assert second.result.returncode == 0, second.log
    assert [r for r in second.requests if r.undefined] == [], second.log
    assert second.points("core") == 0 and second.points("graphql") == 0, second.log


def test_one_edit_in_the_burst_costs_at_most_a_relisting_of_the_burst(session: Session) -> None:
    """A sync re-reads from a cursor a few seconds before the newest update it saw, so its
    listing starts at the burst (README: ``overlap_seconds``). Pages are numbered [PAGING]: the
    edited issue leaves its place in ``sort=updated`` order and every later page shifts, so each
    page of the burst may change; the bound is those pages plus one read from the new cursor.
    Only the edited issue needs details: one ``nodes(ids:)`` query [GQL]."""
    third = session.third
    assert third.result.returncode == 0, third.log
    assert [r for r in third.requests if r.undefined] == [], third.log
    in_window = BURST + len(PULLS)
    assert third.points("core") <= pages(in_window) + 1, third.log
    assert third.points("graphql") <= 1, third.log
    card = impactbot(session.workdir, session.github, "explain", f"{REPO}#{EDITED}", "--json")
    reasons = [finding["reason"] for finding in json.loads(card.stdout)["orphan_findings"]]
    assert "unassigned" not in reasons, card.stdout
