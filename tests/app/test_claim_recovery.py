"""A process killed between reserving a claim and writing it to the tracker leaves a lease,
not a claim standing forever: once the lease has run out, the claim is reconciled with the
tracker — kept (and its comment finished) when the claimed person is assigned there,
released when nobody is, released and the manager told when someone else is — with an audit
row for each. The kill is a real SIGKILL of a child process at the exact point, on every
tracker, through the production wiring (sources.yaml + settings → registry → writer).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.app.claim_recovery import reconcile_claims
from bot.app.claims import CLAIM_LEASE, claim, tracker_writer_for, undo
from bot.app.services import Services
from bot.cli.scheduler import jobs
from bot.config import Settings
from bot.store import open_store
from bot.store.claims import ClaimRow
from bot.trackers.writeback import claim_marker, hidden_marker, marker_uuid
from bot.wiring import services_over
from tests.builders import issue
from tests.fakes.github import FakeGitHub
from tests.fakes.gitlab import FakeGitLab
from tests.fakes.jira import FakeJira
from tests.fakes.linear import FakeLinear
from tests.slack.test_app_e2e import _teams
from tests.trackers.linear.harness import needs_schema

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class World:
    """One tracker's fake with one issue, the settings that point at it, and what the tracker
    holds now."""

    name: str
    uid: str
    env: dict[str, str]  # settings, by their environment names
    assignees: Callable[[], list[str]]  # handles the tracker lists on the issue
    assign_someone_else: Callable[[], None]
    claim_comments: Callable[[], int]  # the bot's comments carrying the claim's marker

    def services(self, at: datetime) -> Services:
        return services_over(Settings(_env_file=None, **self.env), clock=lambda: at)  # type: ignore[call-arg]


def _rules(tmp_path: Path, handles: dict[str, str], sources: dict[str, Any]) -> Path:
    doc = _teams()
    for person in doc["people"]:
        if person["id"] == "ana":
            person.update(handles)
    for team in doc["teams"]:  # Omar claims for ASR, which owns the issue in every tracker
        if team["id"] == "asr":
            team["owns"]["projects"] = ["DATA", "ENG"]
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(doc))
    (rules / "sources.yaml").write_text(yaml.safe_dump(sources))
    return rules


def _store_issue(tmp_path: Path, stored: Any) -> None:
    with open_store(tmp_path / "x.db") as store, store.transaction():
        store.issues.upsert([stored])


def _base_env(tmp_path: Path, rules: Path) -> dict[str, str]:
    return {"IMPACTBOT_DB": str(tmp_path / "x.db"), "IMPACTBOT_RULES": str(rules)}


def _marked(texts: list[str], tag: str) -> int:
    return sum(tag in text for text in texts)


@contextmanager
def _github(tmp_path: Path) -> Iterator[World]:
    with FakeGitHub(token="t0k", now=NOW) as fake:
        fake.add_repo("acme/asr")
        fake.add_issue("acme/asr", title="WER regressed", created_at=NOW)
        stored = issue("acme/asr#1", author=None)
        _store_issue(tmp_path, stored)
        rules = _rules(tmp_path, {"github": "ana"}, {"github": {"repos": ["acme/asr"]}})
        env = {**_base_env(tmp_path, rules), "GITHUB_TOKEN": "t0k", "GITHUB_API_URL": fake.url}
        gh_issue = fake._store.repos["acme/asr"].issues[1]
        tag = hidden_marker(claim_marker(stored.uid, NOW))

        def someone_else() -> None:
            httpx.post(
                f"{fake.url}/repos/acme/asr/issues/1/assignees",
                json={"assignees": ["zoe"]},
                headers={"Authorization": "Bearer t0k"},
            ).raise_for_status()

        yield World(
            "github",
            stored.uid,
            env,
            assignees=lambda: [a.base_login for a in gh_issue.assignees],
            assign_someone_else=someone_else,
            claim_comments=lambda: _marked([c.body for c in gh_issue.comments], tag),
        )


@contextmanager
def _gitlab(tmp_path: Path) -> Iterator[World]:
    with FakeGitLab(token="gl-t0k", now=NOW) as fake:
        fake.add_user("ana-gl", "Ana")
        fake.add_user("zoe", "Zoe")
        fake.add_project("acme/asr", members={"root", "ana-gl", "zoe"})
        iid = fake.add_issue("acme/asr", title="Shared cache", created_at=NOW)
        stored = issue(f"acme/asr#{iid}", source="gitlab", author=None)
        _store_issue(tmp_path, stored)
        rules = _rules(tmp_path, {"gitlab": "ana-gl"}, {"gitlab": {"projects": ["acme/asr"]}})
        env = {**_base_env(tmp_path, rules), "GITLAB_URL": fake.url, "GITLAB_TOKEN": "gl-t0k"}
        tag = hidden_marker(claim_marker(stored.uid, NOW))
        gl_issue = fake.issue("acme/asr", iid)

        def someone_else() -> None:
            gl_issue.assignees, gl_issue.cache = ["zoe"], None

        yield World(
            "gitlab",
            stored.uid,
            env,
            assignees=lambda: list(gl_issue.assignees),
            assign_someone_else=someone_else,
            claim_comments=lambda: _marked([n.body for n in gl_issue.notes], tag),
        )


@contextmanager
def _jira(tmp_path: Path) -> Iterator[World]:
    with FakeJira(email="bot@acme.io", api_token="jira-t0k", now=NOW) as fake:
        fake.add_user("acct-ana", "Ana")
        fake.add_user("acct-zoe", "Zoe")
        fake.add_project("DATA", assignable=("acct-ana", "acct-zoe"))
        key = fake.add_issue("DATA", summary="Taxonomy merges labels", created=NOW)
        stored = issue(key, source="jira", container="DATA", author=None)
        _store_issue(tmp_path, stored)
        rules = _rules(tmp_path, {"jira": "acct-ana"}, {"jira": {"projects": ["DATA"]}})
        env = {
            **_base_env(tmp_path, rules),
            "JIRA_URL": fake.url,
            "JIRA_EMAIL": "bot@acme.io",
            "JIRA_API_TOKEN": "jira-t0k",
        }
        wanted = {"marker": claim_marker(stored.uid, NOW)}

        def someone_else() -> None:
            fake.find(key).assignee = "acct-zoe"

        yield World(
            "jira",
            stored.uid,
            env,
            assignees=lambda: [a for a in [fake.find(key).assignee] if a],
            assign_someone_else=someone_else,
            claim_comments=lambda: sum(
                c.properties.get("impactbot.marker") == wanted for c in fake.find(key).comments
            ),
        )


@contextmanager
def _linear(tmp_path: Path) -> Iterator[World]:
    needs_schema()
    with FakeLinear(api_key="lin_k", now=NOW) as fake:
        ana = fake.workspace.add_user("Ana")
        zoe = fake.workspace.add_user("Zoe")
        key = fake.workspace.add_issue("ENG", title="Flaky eval", created_at=NOW)
        stored = issue(key, source="linear", container="ENG", author=None)
        _store_issue(tmp_path, stored)
        rules = _rules(tmp_path, {"linear": ana}, {"linear": {"teams": ["ENG"]}})
        env = {**_base_env(tmp_path, rules), "LINEAR_API_KEY": "lin_k", "LINEAR_API_URL": fake.url}
        row = fake.workspace.find(key)
        assert row is not None
        comment_id = marker_uuid(claim_marker(stored.uid, NOW))

        def someone_else() -> None:
            row.assignee_id = zoe

        yield World(
            "linear",
            stored.uid,
            env,
            assignees=lambda: [a for a in [row.assignee_id] if a],
            assign_someone_else=someone_else,
            claim_comments=lambda: sum(c.id == comment_id for c in row.comments),
        )


WORLDS = {"github": _github, "gitlab": _gitlab, "jira": _jira, "linear": _linear}


@pytest.fixture(params=sorted(WORLDS))
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with WORLDS[request.param](tmp_path) as w:
        yield w


#: The child clicks Claim (Omar claims the issue for Ana) and is SIGKILLed inside the
#: tracker writer's ``assign``: before it sends anything, or right after the tracker took it.
CHILD = """
import json, os, signal, sys
from datetime import datetime
from bot.app import claims
from bot.config import Settings
from bot.wiring import services_over
from bot.trackers.gitlab.writeback import GitLabClaimWriter
from bot.trackers.jira.writeback import JiraClaimWriter
from bot.trackers.linear.writeback import LinearClaimWriter
from bot.trackers.github.writeback import GitHubClaimWriter

env, uid, at, point = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

def killing(original):
    def assign(self, key, handle):
        if point == "after the tracker write":
            assert original(self, key, handle).ok
        os.kill(os.getpid(), signal.SIGKILL)  # killed at the exact point
    return assign

for writer in (GitHubClaimWriter, GitLabClaimWriter, JiraClaimWriter, LinearClaimWriter):
    writer.assign = killing(writer.assign)
now = datetime.fromisoformat(at)
services = services_over(Settings(_env_file=None, **env), clock=lambda: now)
writer_for = claims.tracker_writer_for(services.credentials, services.rules, services.http_for)
claims.claim(services, uid, manager_slack="UOMAR", assignee_slack="UANA", writer_for=writer_for)
sys.exit(3)  # never reached: the claim was killed
"""


def _kill_claim(world: World, point: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(world.env), world.uid, NOW.isoformat(), point],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()


def _reconcile(world: World, at: datetime, told: list[tuple[str, str]]) -> list[Any]:
    services = world.services(at)
    writer_for = tracker_writer_for(services.credentials, services.rules, services.http_for)
    return reconcile_claims(services, writer_for, lambda *said: told.append(said))


def _standing(world: World) -> dict[str, Any] | None:
    with open_store(world.env["IMPACTBOT_DB"]) as store:
        standing = store.claims.standing(world.uid)
    return asdict(standing) if standing else None


def _audit(world: World) -> list[tuple[str, str, str]]:
    with open_store(world.env["IMPACTBOT_DB"]) as store:
        rows = store.audit.entries(action=None)
    return [(r.actor, r.action, r.subject) for r in rows if r.action.startswith("claim.lease")]


AFTER_LEASE = NOW + CLAIM_LEASE + timedelta(seconds=1)


def test_a_claim_killed_before_the_tracker_write_is_released(world: World) -> None:
    _kill_claim(world, "before the tracker write")
    standing = _standing(world)
    assert standing is not None and standing["state"] == "reserved"  # what the dead left
    assert world.assignees() == []
    told: list[tuple[str, str]] = []
    assert _reconcile(world, NOW + timedelta(minutes=1), told) == []  # the lease still holds
    assert _standing(world) is not None

    [done] = _reconcile(world, AFTER_LEASE, told)
    assert (done.outcome, done.issue_uid) == ("released", world.uid)
    assert _standing(world) is None
    assert _audit(world) == [("impactbot", "claim.lease_released", world.uid)]
    assert told == [] and world.assignees() == [] and world.claim_comments() == 0
    assert _reconcile(world, AFTER_LEASE + CLAIM_LEASE, told) == []  # nothing left to do


def test_a_claim_killed_after_the_tracker_write_is_kept_and_commented_once(world: World) -> None:
    _kill_claim(world, "after the tracker write")
    assert world.assignees() != [] and world.claim_comments() == 0
    told: list[tuple[str, str]] = []
    [done] = _reconcile(world, AFTER_LEASE, told)
    assert done.outcome == "kept", done.detail
    standing = _standing(world)
    assert standing is not None and standing["state"] == "done"
    assert world.claim_comments() == 1
    assert _audit(world) == [("impactbot", "claim.lease_kept", world.uid)]
    assert _reconcile(world, AFTER_LEASE + CLAIM_LEASE, told) == [] and told == []
    assert world.claim_comments() == 1


def test_a_claim_someone_else_took_in_the_tracker_is_released_and_the_manager_told(
    world: World,
) -> None:
    _kill_claim(world, "before the tracker write")
    world.assign_someone_else()
    told: list[tuple[str, str]] = []
    [done] = _reconcile(world, AFTER_LEASE, told)
    assert done.outcome == "released" and "assigned to" in done.detail
    assert _standing(world) is None
    [(channel, text)] = told
    assert channel == "UOMAR" and "did not go through" in text and "released" in text
    assert _audit(world) == [("impactbot", "claim.lease_released", world.uid)]
    assert world.claim_comments() == 0


def test_a_tracker_that_cannot_be_read_leaves_the_claim_for_the_next_run(
    tmp_path: Path,
) -> None:
    with _gitlab(tmp_path) as world:
        _kill_claim(world, "before the tracker write")
        world.env["GITLAB_TOKEN"] = "revoked"
        told: list[tuple[str, str]] = []
        [done] = _reconcile(world, AFTER_LEASE, told)
        assert done.outcome == "unchecked" and "401" in done.detail
        assert _standing(world) is not None and _audit(world) == []
        assert _reconcile(world, AFTER_LEASE + timedelta(minutes=1), told) == []  # lease taken
        world.env["GITLAB_TOKEN"] = "gl-t0k"
        [done] = _reconcile(world, AFTER_LEASE + CLAIM_LEASE + timedelta(seconds=1), told)
        assert done.outcome == "released"


def test_two_reconcilers_take_a_lease_once(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        store.claims.record(
            ClaimRow(
                issue_uid="github:acme/asr#1",
                team="asr",
                manager="omar",
                assignee="ana",
                at=NOW,
                writer_detail="assigned by impactbot",
                state="reserved",
                lease_until=NOW + CLAIM_LEASE,
            )
        )
        uid, later = "github:acme/asr#1", AFTER_LEASE + CLAIM_LEASE
        assert not store.claims.take_lease(uid, NOW, now=NOW, until=AFTER_LEASE)  # still held
        assert store.claims.take_lease(uid, NOW, now=AFTER_LEASE, until=later)
        assert not store.claims.take_lease(uid, NOW, now=AFTER_LEASE, until=later)  # taken
        with pytest.raises(ValueError, match="cannot move"):
            store.claims.advance("github:acme/asr#1", NOW, "reserved")


def test_a_claim_that_finishes_holds_no_lease(tmp_path: Path) -> None:
    with _github(tmp_path) as world:
        services = world.services(NOW)
        writer_for = tracker_writer_for(services.credentials, services.rules, services.http_for)
        result = claim(
            services, world.uid, manager_slack="UOMAR", assignee_slack="UANA",
            writer_for=writer_for,
        )  # fmt: skip
        assert result.ok, result.detail
        standing = _standing(world)
        assert standing is not None and standing["state"] == "done"
        assert world.claim_comments() == 1
        assert _reconcile(world, AFTER_LEASE, []) == []


def test_the_scheduler_reconciles_at_start_and_every_few_minutes(tmp_path: Path) -> None:
    services = services_over(Settings(_env_file=None, IMPACTBOT_DB=tmp_path / "x.db"))  # type: ignore[call-arg]
    table = jobs(services, lambda: None, reconcile_claims=lambda: None)
    [job] = [j for j in table if j.id == "claim_leases"]
    assert job.at_start and job.trigger.interval <= CLAIM_LEASE


class _SlowTracker:
    """The production writer, with ``during`` run inside ``assign`` — before the tracker
    write (``first=True``) or after it — as if the click's write were slow enough for the
    lease to run out meanwhile."""

    def __init__(self, writer: Any, during: Callable[[], None], *, first: bool) -> None:
        self.writer, self.during, self.first = writer, during, first

    def assign(self, key: str, handle: str) -> Any:
        if self.first:
            self.during()
        result = self.writer.assign(key, handle)
        if not self.first:
            self.during()
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.writer, name)


def _slow_claim(
    world: World, *, first: bool, during: Callable[[], None] | None = None
) -> tuple[Any, list[Any]]:
    services = world.services(NOW)
    production = tracker_writer_for(services.credentials, services.rules, services.http_for)
    checked: list[Any] = []

    def lease_runs_out() -> None:
        checked.extend(_reconcile(world, AFTER_LEASE, []))

    def writer_for(source: str) -> Any:
        return _SlowTracker(production(source), during or lease_runs_out, first=first)

    result = claim(
        services, world.uid, manager_slack="UOMAR", assignee_slack="UANA", writer_for=writer_for
    )
    return result, checked


def test_a_claim_released_while_its_write_was_slow_takes_the_assignment_back(
    tmp_path: Path,
) -> None:
    with _github(tmp_path) as world:
        result, checked = _slow_claim(world, first=True)
        assert [c.outcome for c in checked] == ["released"]  # the tracker had nobody yet
        assert not result.ok and "unassigned again" in result.detail
        assert world.assignees() == [] and _standing(world) is None
        assert world.claim_comments() == 0
        with open_store(world.env["IMPACTBOT_DB"]) as store:
            actions = sorted(r.action for r in store.audit.entries())
        assert actions == ["claim.lease_released", "claim.taken_back"]


def test_a_claim_kept_by_the_check_while_its_write_was_slow_is_commented_once(
    tmp_path: Path,
) -> None:
    with _github(tmp_path) as world:
        result, checked = _slow_claim(world, first=False)
        assert [c.outcome for c in checked] == ["kept"]  # the tracker had ana already
        assert result.ok, result.detail
        assert world.assignees() == ["ana"] and world.claim_comments() == 1
        standing = _standing(world)
        assert standing is not None and standing["state"] == "done"


def test_a_claim_undone_while_its_write_was_slow_takes_the_assignment_back(
    tmp_path: Path,
) -> None:
    with _github(tmp_path) as world:
        services = world.services(NOW + timedelta(seconds=5))
        production = tracker_writer_for(services.credentials, services.rules, services.http_for)
        undone: list[Any] = []

        def manager_clicks_undo() -> None:
            undone.append(
                undo(services, world.uid, kind="claim", manager_slack="UOMAR",
                     writer_for=production)
            )  # fmt: skip

        result, _ = _slow_claim(world, first=True, during=manager_clicks_undo)
        assert [u.ok for u in undone] == [True]
        assert not result.ok and "unassigned again" in result.detail
        assert world.assignees() == [] and _standing(world) is None
