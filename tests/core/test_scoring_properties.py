"""The monotonicity promises of DESIGN.md §5, as hypothesis properties."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import Issue
from bot.core.rules_scoring import ScoringRules
from bot.core.scoring import score_issues
from tests.builders import NOW, comment, directory, issue

RULES = ScoringRules()
OTHER_TEAMS = ["asr", "vision", "nlp", "recsys"]
TEAM_PERSON = {"asr": "ana", "vision": "vera", "nlp": "ned", "recsys": "rita", "labelling": "lena"}
DIRECTORY = directory()

teams_subset = st.lists(st.sampled_from(OTHER_TEAMS), unique=True)
labels = st.lists(
    st.sampled_from(["taxonomy", "bug", "size/XS", "size/XL", "tech-debt"]), unique=True
).map(tuple)


def _score(issues: list[Issue]):  # type: ignore[no-untyped-def]
    cards = score_issues(issues, directory=DIRECTORY, rules=RULES, now=NOW)
    return next(c for c in cards if c.issue_uid == "github:acme/labelling#1")


def _world(teams: list[str], *, target: Issue | None = None) -> list[Issue]:
    target = target or issue()
    referrers = [
        issue(f"acme/{t}#7", refs=("acme/labelling#1",), author=TEAM_PERSON[t]) for t in teams
    ]
    return [target, *referrers]


@settings(max_examples=60, deadline=None)
@given(
    teams=teams_subset,
    extra=st.sampled_from(OTHER_TEAMS),
    tags=labels,
    days=st.floats(0, 1500),
    owner_reports=st.booleans(),
)
def test_one_more_benefiting_team_never_lowers_the_score(
    teams: list[str], extra: str, tags: tuple[str, ...], days: float, owner_reports: bool
) -> None:
    target = issue(labels=tags, days_old=days, author="lena" if owner_reports else "ana")
    before = _score(_world([t for t in teams if t != extra], target=target))
    after = _score(_world([*[t for t in teams if t != extra], extra], target=target))
    assert after.total >= before.total


@settings(max_examples=60, deadline=None)
@given(
    teams=st.lists(st.sampled_from(OTHER_TEAMS), unique=True, min_size=1),
    tags=labels.map(lambda t: tuple(x for x in t if x != "taxonomy")),
    days=st.floats(0, 1500),
)
def test_owner_among_beneficiaries_lowers_the_orphan_score(
    teams: list[str], tags: tuple[str, ...], days: float
) -> None:
    # Same item, same outside teams; in the second world an owner-team issue depends on it.
    target = issue(labels=tags, days_old=days, author="ana")
    outsider = _score(_world(teams, target=target))
    owner_ref = issue("acme/labelling#2", refs=("acme/labelling#1",), author="lena")
    inside = _score([*_world(teams, target=target), owner_ref])
    assert "labelling" not in outsider.beneficiaries
    assert "labelling" in inside.beneficiaries
    assert inside.orphan_score <= outsider.orphan_score


@settings(max_examples=60, deadline=None)
@given(teams=teams_subset, idle=st.floats(0, 1000), bot_days=st.floats(0, 1000))
def test_a_bots_activity_never_resets_idle_time(
    teams: list[str], idle: float, bot_days: float
) -> None:
    quiet = issue(days_old=idle)
    noisy = issue(
        days_old=idle,
        comments=(comment("dependabot[bot]", bot_days, bot=True), comment("helper-bot", bot_days)),
        updated_at=NOW - timedelta(days=bot_days),
    )
    a, b = _score(_world(teams, target=quiet)), _score(_world(teams, target=noisy))
    assert {f.reason for f in a.orphan_findings} == {f.reason for f in b.orphan_findings}
    assert a.orphan_score == b.orphan_score


@settings(max_examples=60, deadline=None)
@given(teams=teams_subset, days=st.floats(0, 1500), more=st.floats(0, 500), tags=labels)
def test_waiting_longer_never_lowers_the_score(
    teams: list[str], days: float, more: float, tags: tuple[str, ...]
) -> None:
    young = _score(_world(teams, target=issue(days_old=days, labels=tags)))
    old = _score(_world(teams, target=issue(days_old=days + more, labels=tags)))
    assert old.total >= young.total


@settings(max_examples=30, deadline=None)
@given(teams=teams_subset, tags=labels)
def test_scoring_is_deterministic(teams: list[str], tags: tuple[str, ...]) -> None:
    world = _world(teams, target=issue(labels=tags))
    assert _score(world) == _score(list(world))
