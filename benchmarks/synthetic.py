"""A seeded synthetic organisation of any size, for scoring benchmarks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.links import link_to
from bot.core.models import Actor, Comment, Issue, IssueState, LinkKind, TrackerKind
from bot.core.rules_teams import TeamsRules

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def teams_rules(n_teams: int = 20, people_per_team: int = 8) -> TeamsRules:
    teams: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    for t in range(n_teams):
        ids = [f"p{t}-{i}" for i in range(people_per_team)]
        people += [{"id": pid, "name": pid, "github": pid} for pid in ids]
        teams.append(
            {
                "id": f"team{t}",
                "name": f"Team {t}",
                "managers": ids[:1],
                "members": ids[1:],
                "owns": {"repos": [f"org/repo{t}"], "labels": [f"area-{t}"]},
            }
        )
    return TeamsRules.model_validate({"teams": teams, "people": people, "bots": ["ci-bot"]})


def issues(n: int, *, n_teams: int = 20, people_per_team: int = 8, seed: int = 7) -> list[Issue]:
    """``n`` issues over ``n_teams`` repos: ~30% reference others (some across teams)."""
    rng = random.Random(seed)
    per_repo = max(1, n // n_teams)
    out = []
    for i in range(n):
        team = i % n_teams
        number = i // n_teams + 1
        created = NOW - timedelta(days=rng.uniform(0, 900))
        out.append(
            Issue(
                source="github",
                key=f"org/repo{team}#{number}",
                title=f"Issue {i}",
                state=IssueState.OPEN if rng.random() < 0.4 else IssueState.CLOSED,
                container=f"org/repo{team}",
                labels=tuple(
                    rng.sample(
                        ["bug", "size/S", "size/L", "taxonomy", f"area-{team}"], k=rng.randint(0, 3)
                    )
                ),
                author=_person(rng, n_teams, people_per_team),
                assignees=(_person(rng, n_teams, people_per_team),) if rng.random() < 0.5 else (),
                created_at=created,
                updated_at=created,
                comments=tuple(
                    Comment(
                        author=_person(rng, n_teams, people_per_team),
                        created_at=created + timedelta(days=rng.uniform(0, 60)),
                        body="ok",
                    )
                    for _ in range(rng.randint(0, 4))
                ),
                reactions=rng.randint(0, 12),
                links=tuple(
                    link_to(
                        f"org/repo{rng.randrange(n_teams)}#{rng.randint(1, per_repo)}",
                        LinkKind.REFERENCES,
                        "mentioned in the body",
                    )
                    for _ in range(rng.randint(0, 2) if rng.random() < 0.3 else 0)
                ),
            )
        )
    return out


def _person(rng: random.Random, n_teams: int, people_per_team: int) -> Actor:
    handle = f"p{rng.randrange(n_teams)}-{rng.randrange(people_per_team)}"
    return Actor(tracker=TrackerKind.GITHUB, handle=handle)
