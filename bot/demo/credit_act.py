"""The demo's second act: the top orphan gets fixed, and credit follows.

An ASR engineer flags the surfaced taxonomy fix (as they would from Slack); a week later a
data-labelling engineer takes it and closes it with a pull request, which the next export
of the repository shows; the import and scoring that follow mint credit, and a leadership
query reads it back. Everything goes through the same services a real deployment uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.app.claims import claim
from bot.app.digests import send_due
from bot.app.results import CreditReport, DigestOutcome, LeaderBoard
from bot.app.services import Services
from bot.core.models import Visibility
from bot.demo.generator import DemoOrg
from bot.slack.sender import SlackSender
from bot.trackers.file_import import ImportFormat
from bot.trackers.writeback import WriteResult

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class CreditAct:
    digests: list[DigestOutcome]  # what two managers and leadership would get this week
    claim: str
    fix_key: str
    flagger: str  # person ids
    fixer: str
    pull_request: str
    board: LeaderBoard
    owner_team: CreditReport
    names: dict[str, str] = field(default_factory=dict)  # person id -> teams.yaml name


def run_credit_act(demo: Services, org: DemoOrg, exports: Path) -> CreditAct:
    """Flag, fix and close the taxonomy story, then query the credit it earned."""
    key = org.story_keys["taxonomy_fix"]
    people = _people(org)
    flagger, fixer = people["asr"][1], people["data-labelling"][1]
    demo.flag(key, by=flagger["id"], note="Our WER regressions trace back to this")
    digests = send_due(demo, SlackSender(None), now=demo.clock(), dry_run=True)
    manager = people["data-labelling"][0]
    writes: list[str] = []
    claimed = claim(
        demo,
        f"github:{key}",
        manager_slack=manager["slack"],
        assignee_slack=fixer["slack"],
        writer_for=lambda _: _DemoTracker(writes),
    )
    later = demo.clock() + WEEK
    next_week = demo.reconfigured(demo.settings, clock=lambda: later)
    path, pull_request = _closed_export(org, exports, key, fixer, later - timedelta(days=1))
    next_week.import_file(
        path, fmt=ImportFormat.GH_JSON, source="github", visibility=Visibility.PUBLIC
    )
    next_week.score()
    return CreditAct(
        digests=[o for o in digests if o.text][:2]
        + [o for o in digests if o.manager == "leadership"],
        claim=f"{manager['name']} claimed it for {fixer['name']}: {claimed.detail}; "
        + "; ".join(writes),
        fix_key=key,
        flagger=flagger["id"],
        fixer=fixer["id"],
        pull_request=pull_request,
        board=next_week.leaderboard(period="30d", limit=5),
        owner_team=next_week.credit_report(team="data-labelling", period="30d"),
        names={p["id"]: p["name"] for p in (flagger, fixer, manager)},
    )


class _DemoTracker:
    """The demo's stand-in for a tracker's write-back: it has no API, so it records what a
    real one (GitHub) would be asked to do."""

    def __init__(self, writes: list[str]) -> None:
        self.writes = writes

    def assign(self, issue_key: str, handle: str) -> WriteResult:
        self.writes.append(f"GitHub: assign @{handle} to {issue_key}")
        return WriteResult(True, f"assigned @{handle}")

    def unassign(self, issue_key: str, handle: str) -> WriteResult:
        self.writes.append(f"GitHub: unassign @{handle} from {issue_key}")
        return WriteResult(True, f"unassigned @{handle}")

    def comment(
        self, issue_key: str, body: str, *, marker: str, look_first: bool = False
    ) -> WriteResult:
        self.writes.append(f"GitHub: comment on {issue_key}: {body!r}")
        return WriteResult(True, "commented")

    def assignees(self, issue_key: str) -> tuple[str, ...]:
        return ()


def _people(org: DemoOrg) -> dict[str, list[dict[str, Any]]]:
    """Each team's people, manager first, as teams.yaml describes them."""
    doc = yaml.safe_load(org.teams_yaml)
    by_id = {p["id"]: p for p in doc["people"]}
    return {t["id"]: [by_id[m] for m in t["members"]] for t in doc["teams"]}


def _closed_export(
    org: DemoOrg, exports: Path, key: str, fixer: dict[str, Any], closed_at: datetime
) -> tuple[Path, str]:
    """The repository's next ``gh issue list`` export, in which the fix is closed."""
    repo, number = key.split("#")
    source = next(f for f in org.files if f.format == "gh-json" and repo in f.content)
    issues = json.loads(source.content)
    fix = next(i for i in issues if i["url"].endswith(f"/{repo}/issues/{number}"))
    pr_number = max(i["number"] for i in issues) + 1
    pr_url = f"https://github.com/{repo}/pull/{pr_number}"
    when = closed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    login = fixer["github"]
    fix.update(
        state="CLOSED",
        stateReason="COMPLETED",
        closedAt=when,
        updatedAt=when,
        assignees=[{"id": f"U_{login}", "login": login, "name": fixer["name"]}],
    )
    fix["comments"].append(_comment(fix, login, when, pr_number))
    fix["closedByPullRequestsReferences"] = [_reference(repo, pr_number, pr_url)]
    path = exports / f"{source.name.removesuffix('.json')}.next-week.json"
    path.write_text(json.dumps(issues) + "\n", encoding="utf-8")
    return path, f"{repo}#{pr_number}"


def _comment(fix: dict[str, Any], login: str, when: str, pr_number: int) -> dict[str, Any]:
    return {
        "id": f"IC_demo{pr_number}", "author": {"login": login}, "authorAssociation": "MEMBER",
        "body": f"Split the classes again in #{pr_number}; relabelling of the affected clips is "
                "scheduled. Thanks to everyone who documented the impact.",
        "createdAt": when, "includesCreatedEdit": False, "isMinimized": False,
        "minimizedReason": "", "reactionGroups": [],
        "url": f"{fix['url']}#issuecomment-{pr_number}", "viewerDidAuthor": False,
    }  # fmt: skip


def _reference(repo: str, number: int, url: str) -> dict[str, Any]:
    owner, name = repo.split("/")
    return {
        "id": f"PR_demo{number}",
        "number": number,
        "url": url,
        "repository": {"id": f"R_{name}", "name": name, "owner": {"id": "O", "login": owner}},
    }
