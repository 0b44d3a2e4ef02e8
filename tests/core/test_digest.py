from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.digest import (
    Claim,
    DigestItem,
    DigestRules,
    all_managers,
    compose,
    digest_item,
    digest_period,
    rank_items,
    stalled_claims,
)
from bot.core.digest_leadership import FunnelCounts, compose_leadership, count_funnel
from bot.core.digest_routing import (
    Decision,
    DecisionKind,
    can_undo,
    decide_not_ours,
    decide_snooze,
    recipients,
    route,
)
from bot.core.rules_scoring import ScoringRules
from bot.core.rules_teams import TeamsRules
from bot.core.scoring import score_issues
from tests.builders import NOW, TEAMS, comment, directory, issue

ORG = TeamsRules.model_validate(TEAMS)
# mara → labelling, omar → asr, vik → vision, nia → nlp, rex → recsys.


def item(
    n: int = 1,
    *,
    owner: str | None = "labelling",
    benefiting: tuple[str, ...] = ("asr", "vision"),
    score: float = 50.0,
    orphan: float = 30.0,
    candidates: tuple[str, ...] | None = None,
    last_activity: datetime | None = None,
) -> DigestItem:
    return DigestItem(
        issue_uid=f"github:acme/x#{n}",
        key=f"acme/x#{n}",
        title=f"Item {n}",
        url=f"https://github.com/acme/x/issues/{n}",
        score=score,
        orphan_score=orphan,
        reasons=("2 teams besides labelling benefit", "nobody is assigned"),
        benefiting=benefiting,
        owner_team=owner,
        waited_days=120,
        cost_of_delay=8.5,
        owner_candidates=candidates if candidates is not None else ((owner,) if owner else ()),
        last_activity=last_activity,
    )


def not_ours(manager: str, it: DigestItem, *, days_ago: float = 7, **fields: Any) -> Decision:
    data: dict[str, Any] = {
        "manager": manager,
        "issue_uid": it.issue_uid,
        "kind": DecisionKind.NOT_OURS,
        "at": NOW - timedelta(days=days_ago),
        "score": it.score,
    }
    data.update(fields)
    return Decision(**data)


def claim(it: DigestItem, *, team: str = "asr", days_ago: float = 30, **fields: Any) -> Claim:
    data: dict[str, Any] = {
        "issue_uid": it.issue_uid,
        "team": team,
        "manager": "omar",
        "assignee": "ana",
        "at": NOW - timedelta(days=days_ago),
    }
    data.update(fields)
    return Claim(**data)


def with_score(it: DigestItem, score: float) -> DigestItem:
    return DigestItem(**{**vars(it), "score": score})


# --- items from real score cards ------------------------------------------------------------


def test_digest_item_from_a_real_score_card() -> None:
    target = issue(
        url="https://github.com/acme/labelling/issues/1", title="Taxonomy is wrong", author=None
    )
    issues = [
        target,
        issue("acme/asr#2", author="ana", refs=("acme/labelling#1",)),
        issue("acme/vision#3", author="vera", refs=("acme/labelling#1",)),
    ]
    card = score_issues(issues, directory=directory(), rules=ScoringRules(), now=NOW)[0]
    got = digest_item(card, target, directory=directory(), now=NOW)
    assert (got.issue_uid, got.key, got.title, got.url) == (
        "github:acme/labelling#1",
        "acme/labelling#1",
        "Taxonomy is wrong",
        "https://github.com/acme/labelling/issues/1",
    )
    assert (got.score, got.orphan_score) == (card.total, card.orphan_score)
    assert got.benefiting == ("asr", "vision") and got.owner_team == "labelling"
    assert got.owner_candidates == ("labelling",)
    assert got.waited_days == 150
    cod = next(c for c in card.contributions if c.signal == "cost_of_delay")
    assert got.cost_of_delay == pytest.approx(cod.points, abs=0.01) and got.cost_of_delay > 0
    # Value first — the two outside teams' reach in one reason — then why it is orphaned.
    assert got.reasons[0] == "2 teams besides labelling benefit"
    assert got.reasons[1].endswith("of the benefit lands outside the owning team (labelling)")
    findings = [f.detail for f in sorted(card.orphan_findings, key=lambda f: -f.weight)]
    assert got.reasons[-len(findings) :] == tuple(findings)
    assert "nobody is assigned" in got.reasons
    assert not any("cost of delay" in r or "effort" in r for r in got.reasons)
    assert got.last_activity == target.created_at


def test_digest_item_reasons_are_capped_and_activity_is_human() -> None:
    target = issue(
        labels=("taxonomy", "data-quality"),
        reactions=5,
        comments=(comment("ana", 10), comment("helper-bot", 1)),
    )
    other = issue("acme/asr#2", author="ana", refs=("acme/labelling#1",))
    card = score_issues([target, other], directory=directory(), rules=ScoringRules(), now=NOW)[0]
    got = digest_item(card, target, directory=directory(), now=NOW, max_reasons=2)
    value_reasons = len(got.reasons) - len(card.orphan_findings)
    assert value_reasons == 2
    assert got.reasons[0] == "team asr benefits"  # a single outside team keeps its own words
    assert got.last_activity == NOW - timedelta(days=10)  # the bot's comment does not count


def test_digest_item_refuses_a_card_of_another_issue() -> None:
    one, two = issue(), issue("acme/asr#2")
    card = score_issues([one], directory=directory(), rules=ScoringRules(), now=NOW)[0]
    with pytest.raises(ValueError, match="not the card of github:acme/asr#2"):
        digest_item(card, two, directory=directory(), now=NOW)


# --- routing -----------------------------------------------------------------------------


def test_routes_to_benefiting_and_owner_managers_only() -> None:
    it = item()
    assert recipients(it, ORG) == {"mara", "omar", "vik"}
    routed = route([it], teams=ORG, now=NOW)
    assert set(routed) == {"mara", "omar", "vik"}
    assert "nia" not in routed and "rex" not in routed


def test_ambiguous_owner_goes_to_every_plausible_owner() -> None:
    it = item(owner=None, benefiting=("asr",), candidates=("nlp", "recsys"))
    assert set(route([it], teams=ORG, now=NOW)) == {"omar", "nia", "rex"}


def test_no_owner_goes_to_beneficiaries_only() -> None:
    it = item(owner=None, benefiting=("vision",), candidates=())
    assert set(route([it], teams=ORG, now=NOW)) == {"vik"}


def test_manager_of_two_teams_gets_one_digest_with_each_item_once() -> None:
    data = {
        **TEAMS,
        "teams": [
            {**t, "managers": ["omar"]} if t["id"] == "vision" else t for t in TEAMS["teams"]
        ],
    }
    org = TeamsRules.model_validate(data)
    routed = route([item(1), item(2, benefiting=("vision",))], teams=org, now=NOW)
    assert [i.issue_uid for i in routed["omar"]] == ["github:acme/x#1", "github:acme/x#2"]
    assert "vik" not in routed
    digests = [
        compose(m, routed.get(m, []), teams=org, period="2026-W44", now=NOW)
        for m in all_managers(org)
    ]
    omar = [d for d in digests if d is not None and d.manager == "omar"]
    assert len(omar) == 1 and omar[0].teams == ("asr", "vision")


def test_an_item_listed_twice_is_routed_once() -> None:
    assert len(route([item(), item()], teams=ORG, now=NOW)["omar"]) == 1


def test_not_ours_suppresses_until_the_score_rises_materially() -> None:
    it = item(score=40.0)
    decisions = [not_ours("omar", it)]
    routed = route([it], teams=ORG, decisions=decisions, now=NOW)
    assert "omar" not in routed and {"mara", "vik"} <= set(routed)  # only omar declined
    assert "omar" not in route([with_score(it, 49.9)], teams=ORG, decisions=decisions, now=NOW)
    assert "omar" in route([with_score(it, 50.0)], teams=ORG, decisions=decisions, now=NOW)
    lenient = DigestRules(rise_to_resurface=1.1)
    assert "omar" in route(
        [with_score(it, 44.0)], teams=ORG, decisions=decisions, rules=lenient, now=NOW
    )


def test_undone_decisions_do_not_suppress() -> None:
    it = item()
    undone = [not_ours("omar", it, undone=True)]
    assert "omar" in route([it], teams=ORG, decisions=undone, now=NOW)
    snooze_undone = [not_ours("omar", it, kind=DecisionKind.SNOOZE, undone=True)]
    assert "omar" in route([it], teams=ORG, decisions=snooze_undone, now=NOW)


def test_latest_decision_wins_and_future_ones_are_ignored() -> None:
    it = item()
    snoozed_then_declined = [
        not_ours("omar", it, days_ago=300, kind=DecisionKind.SNOOZE),
        not_ours("omar", it, days_ago=1),
    ]
    assert "omar" not in route([it], teams=ORG, decisions=snoozed_then_declined, now=NOW)
    future = [not_ours("omar", it, days_ago=-1)]
    assert "omar" in route([it], teams=ORG, decisions=future, now=NOW)


def test_snooze_returns_after_until() -> None:
    it = item()
    snooze = decide_snooze("omar", it, now=NOW)
    assert snooze.until == NOW + timedelta(weeks=4)
    later = NOW + timedelta(weeks=4)
    assert "omar" not in route(
        [it], teams=ORG, decisions=[snooze], now=later - timedelta(seconds=1)
    )
    assert "omar" in route([it], teams=ORG, decisions=[snooze], now=later)


def test_snooze_without_until_lasts_snooze_weeks() -> None:
    it = item()
    bare = not_ours("omar", it, days_ago=0, kind=DecisionKind.SNOOZE)
    rules = DigestRules(snooze_weeks=2)
    during = NOW + timedelta(days=13)
    assert "omar" not in route([it], teams=ORG, decisions=[bare], rules=rules, now=during)
    assert "omar" in route(
        [it], teams=ORG, decisions=[bare], rules=rules, now=NOW + timedelta(days=14)
    )


def test_decide_not_ours_remembers_the_score() -> None:
    decision = decide_not_ours("omar", item(score=42.0), now=NOW)
    assert (decision.kind, decision.score, decision.at, decision.until) == (
        DecisionKind.NOT_OURS,
        42.0,
        NOW,
        None,
    )


def test_claimed_items_are_routed_to_nobody_until_the_claim_is_undone() -> None:
    it = item()
    assert route([it], teams=ORG, claims=[claim(it)], now=NOW) == {}
    assert set(route([it], teams=ORG, claims=[claim(it, undone=True)], now=NOW)) == {
        "mara",
        "omar",
        "vik",
    }


def test_ranking_and_items_per_digest() -> None:
    items = [
        item(1, orphan=10, score=90),
        item(2, orphan=30, score=40),
        item(3, orphan=30, score=60),
        item(4, orphan=20, score=99),
    ]
    routed = route(items, teams=ORG, now=NOW)
    assert [i.key for i in routed["omar"]] == ["acme/x#3", "acme/x#2", "acme/x#4", "acme/x#1"]
    digest = compose(
        "omar",
        routed["omar"],
        teams=ORG,
        period="2026-W44",
        rules=DigestRules(items_per_digest=2),
        now=NOW,
    )
    assert digest is not None
    assert [i.key for i in digest.items] == ["acme/x#3", "acme/x#2"] and digest.more == 2


def test_rank_ties_break_on_key() -> None:
    assert [i.key for i in rank_items([item(2), item(1)])] == ["acme/x#1", "acme/x#2"]


# --- composing ---------------------------------------------------------------------------


def test_no_empty_digest_unless_nothing_needs_you() -> None:
    assert compose("nia", [], teams=ORG, period="2026-W44", now=NOW) is None
    one_liner = compose(
        "nia", [], teams=ORG, period="2026-W44", rules=DigestRules(nothing_needs_you=True), now=NOW
    )
    assert one_liner is not None and one_liner.nothing_needs_you
    assert one_liner.items == () and one_liner.teams == ("nlp",)


def test_credit_alone_is_worth_a_digest() -> None:
    got = compose(
        "nia",
        [],
        teams=ORG,
        period="2026-W44",
        team_credit={"nlp": 12.5, "asr": 99.0},
        now=NOW,
    )
    assert got is not None and got.nothing_needs_you
    assert dict(got.team_credit) == {"nlp": 12.5}  # only the manager's own teams
    zero = compose("nia", [], teams=ORG, period="2026-W44", team_credit={"nlp": 0.0}, now=NOW)
    assert zero is None


def test_stalled_claims_of_the_managers_teams() -> None:
    quiet = item(1, last_activity=NOW - timedelta(days=60))
    busy = item(2, last_activity=NOW - timedelta(days=3))
    fresh = item(3)
    done = item(4)
    other_team = item(5)
    catalog = {i.issue_uid: i for i in (quiet, busy, fresh, done, other_team)}
    claims = [
        claim(quiet, days_ago=25),
        claim(busy, days_ago=40),
        claim(fresh, days_ago=5),
        claim(done, days_ago=40, done=True),
        claim(other_team, team="vision", days_ago=40),
        claim(item(6), days_ago=40),  # not in the catalog: closed or unknown
    ]
    digest = compose(
        "omar", [], teams=ORG, period="2026-W44", claims=claims, catalog=catalog, now=NOW
    )
    assert digest is not None
    assert [(s.item.key, s.idle_days) for s in digest.stalled] == [("acme/x#1", 25)]
    assert digest.stalled[0].claim.assignee == "ana"
    assert not digest.nothing_needs_you


def test_stalled_threshold_and_latest_claim_counts() -> None:
    it = item(1)
    catalog = {it.issue_uid: it}
    rules = DigestRules(stalled_after_days=21)
    at_limit = stalled_claims(
        [claim(it, days_ago=21)], catalog, teams={"asr"}, rules=rules, now=NOW
    )
    assert len(at_limit) == 1
    below = stalled_claims([claim(it, days_ago=20.9)], catalog, teams={"asr"}, rules=rules, now=NOW)
    assert below == ()
    reclaimed = [claim(it, days_ago=40), claim(it, days_ago=2, team="asr")]
    assert stalled_claims(reclaimed, catalog, teams={"asr"}, now=NOW) == ()
    undone = [claim(it, days_ago=40, undone=True)]
    assert stalled_claims(undone, catalog, teams={"asr"}, now=NOW) == ()


# --- periods, undo, rules ---------------------------------------------------------------


def test_iso_week_in_the_managers_zone_at_a_week_boundary() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    sunday_night_utc = datetime(2026, 11, 8, 23, 30, tzinfo=UTC)  # Monday 00:30 in Berlin
    assert digest_period(sunday_night_utc, UTC) == "2026-W45"
    assert digest_period(sunday_night_utc, berlin) == "2026-W46"
    sunday_night_berlin = datetime(2026, 11, 8, 23, 30, tzinfo=berlin)  # 22:30 UTC
    assert digest_period(sunday_night_berlin, berlin) == "2026-W45"
    assert digest_period(sunday_night_berlin, UTC) == "2026-W45"


def test_iso_week_belongs_to_its_iso_year() -> None:
    assert digest_period(datetime(2027, 1, 1, 12, tzinfo=UTC), UTC) == "2026-W53"


def test_digest_period_refuses_naive_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        digest_period(datetime(2026, 11, 8, 12), UTC)  # noqa: DTZ001


def test_undo_window() -> None:
    rules = DigestRules(undo_hours=24)
    assert can_undo(NOW, rules=rules, now=NOW + timedelta(hours=24))
    assert not can_undo(NOW, rules=rules, now=NOW + timedelta(hours=24, seconds=1))
    assert not can_undo(NOW, rules=rules, now=NOW - timedelta(seconds=1))


@pytest.mark.parametrize(
    "bad",
    [
        {"items_per_digest": 0},
        {"snooze_weeks": 0},
        {"stalled_after_days": 0},
        {"undo_hours": 0},
        {"leadership_items": 0},
        {"rise_to_resurface": 0.9},
    ],
)
def test_rules_refuse_nonsense(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        DigestRules(**bad)


# --- leadership --------------------------------------------------------------------------


def test_funnel_counts_per_team() -> None:
    a, b, c = item(1), item(2, benefiting=("vision",)), item(3, benefiting=("asr",))
    surfaced = {i.issue_uid: i.teams for i in (a, b, c)}
    counts = count_funnel(
        surfaced,
        claims=[claim(a), claim(b, undone=True), claim(c)],
        done={c.issue_uid},
    )
    assert counts == {
        "labelling": FunnelCounts(3, 2, 1),
        "asr": FunnelCounts(2, 2, 1),
        "vision": FunnelCounts(2, 1, 0),
    }


def test_leadership_digest_top_orphans_and_funnel_with_trend() -> None:
    items = [item(n, orphan=float(n)) for n in range(1, 15)]
    ld = compose_leadership(
        items,
        teams=ORG,
        period="2026-W44",
        current={"asr": FunnelCounts(5, 2, 1), "ghost": FunnelCounts(1, 0, 0)},
        previous={"asr": FunnelCounts(4, 2, 2), "vision": FunnelCounts(1, 1, 1)},
        claims=[claim(items[-1])],
    )
    assert [i.key for i in ld.top][:2] == ["acme/x#13", "acme/x#12"]  # #14 is claimed
    assert len(ld.top) == 10 and ld.more == 3
    lines = {line.team: line for line in ld.funnel}
    assert [line.team for line in ld.funnel] == sorted(lines)
    assert set(lines) == {"labelling", "asr", "vision", "nlp", "recsys", "ghost"}
    asr = lines["asr"]
    assert (asr.surfaced, asr.claimed, asr.done, asr.previous) == (5, 2, 1, (4, 2, 2))
    assert asr.trend == -1 and lines["ghost"].trend == 0 and lines["nlp"].previous == (0, 0, 0)


# --- property ----------------------------------------------------------------------------

TEAM_IDS = ("t0", "t1", "t2", "t3", "t4")
MANAGERS = ("m0", "m1", "m2", "m3")


@st.composite
def orgs(draw: st.DrawFn) -> TeamsRules:
    teams = [
        {
            "id": t,
            "name": t,
            "managers": draw(st.lists(st.sampled_from(MANAGERS), unique=True, max_size=2)),
        }
        for t in TEAM_IDS
    ]
    return TeamsRules.model_validate(
        {"teams": teams, "people": [{"id": m, "name": m} for m in MANAGERS]}
    )


@st.composite
def items(draw: st.DrawFn) -> list[DigestItem]:
    out = []
    for n in range(draw(st.integers(0, 6))):
        owner = draw(st.none() | st.sampled_from(TEAM_IDS))
        candidates = (
            (owner,)
            if owner
            else tuple(draw(st.lists(st.sampled_from(TEAM_IDS), unique=True, max_size=3)))
        )
        out.append(
            item(
                n,
                owner=owner,
                benefiting=tuple(sorted(draw(st.sets(st.sampled_from(TEAM_IDS), max_size=3)))),
                candidates=candidates,
                score=draw(st.floats(0, 100)),
            )
        )
    return out


@given(
    org=orgs(),
    its=items(),
    declines=st.lists(st.tuples(st.sampled_from(MANAGERS), st.integers(0, 5), st.floats(0, 100))),
)
@settings(max_examples=200, deadline=None)
def test_routing_never_reaches_an_unconcerned_manager(
    org: TeamsRules, its: list[DigestItem], declines: list[tuple[str, int, float]]
) -> None:
    decisions = [
        Decision(m, f"github:acme/x#{n}", DecisionKind.NOT_OURS, NOW, score)
        for m, n, score in declines
    ]
    routed = route(its, teams=org, decisions=decisions, now=NOW)
    managed = {m: {t.id for t in org.teams if m in t.managers} for m in MANAGERS}
    for manager, got in routed.items():
        for it in got:
            concerned = set(it.benefiting) | (
                {it.owner_team} if it.owner_team else set(it.owner_candidates)
            )
            assert managed[manager] & concerned, (manager, it)
    # …and without decisions, every concerned manager gets it.
    plain = route(its, teams=org, now=NOW)
    for it in its:
        for manager in recipients(it, org):
            assert it in plain[manager]
