"""The fake GitHub of the sync benchmark, seeded and served from its own process.

The fake runs in a child process so that serving (JSON rendering, GraphQL execution) does
not compete for the GIL with the contender being measured. The parent drives it through a
``multiprocessing`` pipe (spawn context): ``stats`` (requests and rate-limit points used
since the last ``reset``), ``reset`` (forget requests, refill budgets) and ``stop``.

The dataset: ``n_issues`` issues over ``bench/alpha``, ``bench/beta`` and ``bench/gamma``,
plus pull requests mixed in (about one item in ten; a third of them close an issue);
``n_refs`` issues mention one issue of another repository in their body, and the fake
records the matching cross-reference on the target's timeline, as GitHub does.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

from benchmarks.fake_process import FakeProcess, answer_commands, fake_in_process

REPOS = ("bench/alpha", "bench/beta", "bench/gamma")
TOKEN = "bench-token"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BUDGET = 1_000_000  # per hour, core and GraphQL alike: enough for the PyGithub peer
PAGE_LIMIT = 99  # GitHub's (and FakeGitHub's default): past page 99, listings page with after=
PR_SHARE = 0.1
HISTORY_DAYS = 730

_PEOPLE = [f"dev{n:02d}" for n in range(60)]
_LABELS = ["bug", "enhancement", "flaky", "perf", "docs", "taxonomy", "data", "infra"]
_VERBS = ["Fix", "Crash in", "Slow", "Flaky", "Wrong output from", "Add retries to", "Refactor"]
_PARTS = ["tokenizer", "label merger", "export job", "eval harness", "schema loader", "sampler"]
_TAILS = ["on empty input", "after upgrade", "under load", "with unicode", "in CI", "on ARM"]
_SENTENCES = [
    "Steps to reproduce are in the attached log.",
    "This started after the last dependency bump.",
    "We see it in roughly one run out of ten.",
    "Workaround: pin the previous version for now.",
    "Expected the job to finish in under a minute; it takes five.",
    "The stack trace points at the retry loop.",
    "Metrics for the nightly run dropped by two points.",
]


@dataclass
class _Item:
    """One planned issue or pull request; ``number`` is its position in its repo, plus one."""

    repo: str
    number: int
    created: datetime
    is_pr: bool
    closed: bool = False
    mentions: list[tuple[str, int]] = field(default_factory=list)


def build_dataset(fake: Any, n_issues: int, n_refs: int, seed: int = 20_000) -> dict[str, int]:
    """Fill ``fake`` (a ``FakeGitHub``) deterministically; returns what was added."""
    rng = random.Random(seed)
    plan = _plan(rng, n_issues)
    issues = [item for items in plan.values() for item in items if not item.is_pr]
    refs = _plan_refs(rng, issues, n_refs, plan)
    for repo in REPOS:
        fake.add_repo(repo)
    for repo in REPOS:
        for item in plan[repo]:
            _add_item(fake, rng, item)
    for source in refs:
        for target in source.mentions:
            fake.add_cross_reference(
                target=target, source=(source.repo, source.number), created_at=source.created
            )
    closed_by_pr = _close_some_by_pull_requests(fake, rng, plan)
    prs = sum(item.is_pr for items in plan.values() for item in items)
    return {
        "issues": len(issues),
        "pull_requests": prs,
        "refs": len(refs),
        "closed_by_pr": closed_by_pr,
    }


def _plan(rng: random.Random, n_issues: int) -> dict[str, list[_Item]]:
    """Issues round-robin over the repos, pull requests mixed in, numbered by creation time."""
    kinds: dict[str, list[bool]] = {repo: [] for repo in REPOS}
    for n in range(n_issues):
        repo = REPOS[n % len(REPOS)]
        if rng.random() < PR_SHARE / (1 - PR_SHARE):
            kinds[repo].append(True)
        kinds[repo].append(False)
    plan: dict[str, list[_Item]] = {}
    for repo, flags in kinds.items():
        times = sorted(rng.uniform(0, HISTORY_DAYS) for _ in flags)
        plan[repo] = [
            _Item(repo, number, NOW - timedelta(days=HISTORY_DAYS - t), is_pr)
            for number, (t, is_pr) in enumerate(zip(times, flags, strict=True), start=1)
        ]
    return plan


def _plan_refs(
    rng: random.Random, issues: list[_Item], n_refs: int, plan: dict[str, list[_Item]]
) -> list[_Item]:
    """``n_refs`` distinct issues, each mentioning an older issue of another repository."""
    refs: list[_Item] = []
    for source in rng.sample(issues, len(issues)):
        if len(refs) == n_refs:
            break
        other = plan[rng.choice([r for r in REPOS if r != source.repo])]
        end = bisect_left([i.created for i in other], source.created)
        older = [i for i in other[max(0, end - 500) : end] if not i.is_pr]  # recent work
        if older:
            target = rng.choice(older)
            source.mentions.append((target.repo, target.number))
            refs.append(source)
    return refs


def _add_item(fake: Any, rng: random.Random, item: _Item) -> None:
    """Create the planned issue or pull request, closed or not, with a few comments."""
    closed = item.closed = rng.random() < 0.55 and item.created < NOW - timedelta(days=1)
    closed_at = item.created + (NOW - item.created) * rng.uniform(0.01, 0.9) if closed else None
    body = " ".join(rng.sample(_SENTENCES, rng.randint(1, 4)))
    body += "".join(f"\n\nRelated: {repo}#{number}" for repo, number in item.mentions)
    number = fake.add_issue(
        item.repo,
        title=f"{rng.choice(_VERBS)} {rng.choice(_PARTS)} {rng.choice(_TAILS)}",
        body=body,
        state="closed" if closed else "open",
        labels=rng.sample(_LABELS, rng.randint(0, 3)),
        assignees=rng.sample(_PEOPLE, 1) if rng.random() < 0.5 else [],
        author=rng.choice(_PEOPLE),
        created_at=item.created,
        closed_at=closed_at,
        reactions=rng.randint(0, 5),
        is_pull_request=item.is_pr,
        merged=item.is_pr and closed,
    )
    assert number == item.number, (item.repo, number, item.number)
    for _ in range(rng.randint(1, 4) if rng.random() < 0.4 else 0):
        at = item.created + (NOW - item.created) * rng.uniform(0.0, 0.5)
        fake.add_comment(
            item.repo,
            number,
            author=rng.choice(_PEOPLE),
            body=rng.choice(_SENTENCES),
            created_at=at,
        )


def _close_some_by_pull_requests(
    fake: Any, rng: random.Random, plan: dict[str, list[_Item]]
) -> int:
    """A third of the open pull requests close the latest issue before them, if still open."""
    closed = 0
    for repo, items in plan.items():
        last_issue: _Item | None = None
        for item in items:
            if not item.is_pr:
                last_issue = item
                continue
            at = item.created + timedelta(hours=rng.uniform(1, 48))
            if item.closed or rng.random() > 1 / 3 or at >= NOW:
                continue
            if last_issue is None or last_issue.closed:
                continue
            fake.close_by_pull_request(
                repo,
                last_issue.number,
                pr=(repo, item.number),
                closed_at=at,
                reviewers=[rng.choice(_PEOPLE)],
            )
            item.closed = last_issue.closed = True
            closed += 1
    return closed


# ---------------------------------------------------------------------------- the process


@dataclass(frozen=True)
class FakeConfig:
    """What the server process builds and serves."""

    n_issues: int
    n_refs: int
    seed: int = 20_000
    page_limit: int = PAGE_LIMIT
    latency_ms: float = 0.0  # added to every answer, outside the fake's lock (network, GitHub)


def serve(conn: Connection, config: FakeConfig) -> None:
    """Process entry point: build, warm up, serve, and answer commands until ``stop``."""
    from tests.fakes.github import FakeGitHub  # only the server process needs the fake

    fake = FakeGitHub(
        token=TOKEN,
        now=NOW,
        rate_limit=BUDGET,
        graphql_limit=BUDGET,
        page_limit=config.page_limit,
    )
    dataset = build_dataset(fake, config.n_issues, config.n_refs, config.seed)
    _time_responses(fake)
    with fake:
        _warm_up(fake)
        _add_latency(fake, config.latency_ms / 1000)
        conn.send({"url": fake.url, "graphql_url": fake.graphql_url, **dataset})
        answer_commands(conn, stats=lambda: _stats(fake), reset=lambda: _reset(fake))


def _time_responses(fake: Any) -> None:
    """Count the time the fake spends answering (under its lock, so never twice at once),
    to tell the fake's share of a contender's wall time from the contender's own."""
    respond = fake._respond
    fake.busy_seconds = 0.0

    def timed(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return respond(*args)
        finally:
            fake.busy_seconds += time.perf_counter() - started

    fake._respond = timed


def _add_latency(fake: Any, seconds: float) -> None:
    """Delay every answer by ``seconds`` without holding the fake's lock, so concurrent
    requests wait in parallel, as round trips to api.github.com do."""
    if seconds <= 0:
        return
    handle = fake.handle

    def delayed(*args: Any) -> Any:
        time.sleep(seconds)
        return handle(*args)

    fake.handle = delayed


def _warm_up(fake: Any) -> None:
    """Render every listing once (the fake caches item JSON) and load the GraphQL schema, so
    that neither contender pays the fake's one-off costs; then forget those requests."""
    headers = {"authorization": f"Bearer {TOKEN}"}
    for repo in REPOS:
        target: str | None = f"/repos/{repo}/issues?state=all&per_page=100"
        while target:
            response = fake.handle("GET", target, headers, b"")
            link = response.headers.get("Link", "")
            nxt = [part for part in link.split(", ") if part.endswith('rel="next"')]
            target = nxt[0].split(">")[0].removeprefix("<").removeprefix(fake.url) if nxt else None
    query = b'{"query": "{ rateLimit { cost } }"}'
    fake.handle("POST", "/graphql", headers, query)
    _reset(fake)


def _stats(fake: Any) -> dict[str, int]:
    requests = list(fake.requests)
    return {
        "requests": len(requests),
        "graphql_requests": sum(r.path == "/graphql" for r in requests),
        "not_modified": sum(r.status == 304 for r in requests),
        "errors": sum(r.status >= 400 for r in requests),
        "core_points": BUDGET - fake.core_remaining,
        "graphql_points": BUDGET - fake.graphql_remaining,
        "server_seconds": fake.busy_seconds,
    }


def _reset(fake: Any) -> None:
    fake.reset_requests()
    fake.busy_seconds = 0.0
    fake.core_remaining = BUDGET
    fake.graphql_remaining = BUDGET


class FakeServer(FakeProcess):
    """The parent's handle on the server process: `stats` are requests and points used since
    the last `reset`, which also refills both budgets."""

    def __init__(self, conn: Connection, info: dict[str, Any]) -> None:
        super().__init__(conn, info)
        self.graphql_url: str = info["graphql_url"]


@contextmanager
def fake_github(config: FakeConfig) -> Iterator[FakeServer]:
    """Start the server process, yield its handle, stop it on exit."""
    with fake_in_process(serve, config, label="fake GitHub", handle=FakeServer) as server:
        yield server
