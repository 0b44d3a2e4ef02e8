"""Credit minting: roles and shares, reversals, anti-gaming — and its properties."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.credit import CreditEntry, CreditItem, EntryKind, plan_credit, reverse, why_not
from bot.core.identity import Directory
from bot.core.models import Flag, IssueState, PullRequest, ScoreCard, StateReason
from bot.core.rules_credit import CreditRules
from tests.builders import NOW, TEAMS, directory, gh, issue

DIRECTORY = directory()
CLOSED = NOW - timedelta(days=2)


def _card(
    total: float = 100.0,
    beneficiaries: tuple[str, ...] = ("asr", "vision", "nlp"),
    owner: str = "labelling",
) -> ScoreCard:
    return ScoreCard(
        issue_uid="github:acme/labelling#1",
        computed_at=CLOSED,
        total=total,
        orphan_score=total,
        owner_team=owner,
        beneficiaries=beneficiaries,
        incentive_gap=1.0,
        contributions=(),
        orphan_findings=(),
    )


def _closed(**fields: Any):  # type: ignore[no-untyped-def]
    pr = PullRequest(
        key="acme/labelling#9",
        url="https://github.com/acme/labelling/pull/9",
        author=gh("lena"),
        merged=True,
        reviewers=(gh("mara"), gh("lena")),
    )
    data: dict[str, Any] = {
        "state": IssueState.CLOSED,
        "state_reason": StateReason.COMPLETED,
        "closed_at": CLOSED,
        "closed_by": (pr,),
        "author": "ana",
    }
    data.update(fields)
    return issue(**data)


def _item(flags: tuple[Flag, ...] = (), card: ScoreCard | None = None, **fields: Any) -> CreditItem:
    return CreditItem(
        issue=_closed(**fields), card_at_close=card or _card(), flags=flags, sponsor="omar"
    )


def _plan(
    item: CreditItem,
    ledger: list[CreditEntry] | None = None,
    rules: CreditRules | None = None,
    spent: dict[str, float] | None = None,
) -> list[CreditEntry]:
    return plan_credit(
        item,
        ledger or [],
        directory=DIRECTORY,
        rules=rules or CreditRules(),
        threshold=40,
        spent=spent or {},
        now=NOW,
    )


def _flag(person: str, days: float) -> Flag:
    return Flag(
        issue_uid="github:acme/labelling#1", person_id=person, at=CLOSED - timedelta(days=days)
    )


def test_a_completed_item_mints_by_role_and_share() -> None:
    entries = _plan(_item(flags=(_flag("vera", 30), _flag("ned", 10))))
    by_role = {(e.role, e.person_id): e.points for e in entries}
    assert by_role == {
        ("resolver", "lena"): 50.0,
        ("reviewer", "mara"): 15.0,  # lena reviewed her own PR: no reviewer credit for that
        ("flagger", "vera"): 10.0,  # earliest flagger: 1 / (1 + 0.5) of the flagger share
        ("flagger", "ned"): 5.0,
        ("sponsor", "omar"): 10.0,
        ("reporter", "ana"): 10.0,
    }
    resolver = next(e for e in entries if e.role == "resolver")
    assert resolver.team_id == "labelling" and resolver.beneficiaries == ("asr", "vision", "nlp")
    assert "https://github.com/acme/labelling/pull/9" in resolver.evidence
    assert all(e.kind is EntryKind.MINT and not e.pending for e in entries)


def test_empty_roles_pass_their_share_to_the_others() -> None:
    item = CreditItem(
        issue=_closed(closed_by=(), assignees=("ned",), author=None), card_at_close=_card()
    )
    entries = _plan(item)
    assert {(e.role, e.person_id, e.points) for e in entries} == {("resolver", "ned", 100.0)}


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"state_reason": StateReason.NOT_PLANNED}, "not closed as completed"),
        ({"state_reason": StateReason.DUPLICATE}, "not closed as completed"),
        ({"state": IssueState.OPEN, "closed_at": None}, "not closed as completed"),
    ],
)
def test_not_planned_duplicate_and_open_items_mint_nothing(
    fields: dict[str, Any], reason: str
) -> None:
    item = _item(**fields)
    assert _plan(item) == []
    assert why_not(item, directory=DIRECTORY, rules=CreditRules(), threshold=40) == reason


def test_low_scores_need_a_flag_or_a_surfacing() -> None:
    low = CreditItem(issue=_closed(), card_at_close=_card(total=10))
    assert _plan(low) == []
    why = why_not(low, directory=DIRECTORY, rules=CreditRules(), threshold=40) or ""
    assert "neither flagged by another team nor surfaced" in why
    assert _plan(CreditItem(issue=_closed(), card_at_close=_card(total=10), surfaced=True))
    assert _plan(
        CreditItem(issue=_closed(), card_at_close=_card(total=10), flags=(_flag("vera", 1),))
    )


@pytest.mark.parametrize(
    ("flagger", "eligible"),
    [
        ("lena", False),  # a member of the owning team (labelling)
        ("mara", False),  # its manager
        ("cto", False),  # in the identity map, in no team
        ("stranger", False),  # not in the identity map at all
        ("vera", True),  # another team
    ],
)
def test_only_other_teams_flags_make_a_low_item_eligible(flagger: str, eligible: bool) -> None:
    low = CreditItem(issue=_closed(), card_at_close=_card(total=10), flags=(_flag(flagger, 1),))
    assert bool(_plan(low)) is eligible
    why = why_not(low, directory=DIRECTORY, rules=CreditRules(), threshold=40)
    assert (why is None) is eligible
    if not eligible:
        assert why == (
            "neither flagged by another team nor surfaced (1 flag(s) from its own team or no "
            "team), and its score 10 < 40"
        )


def _two_team_directory() -> Directory:
    """lena is in ASR (listed first) and in Data Labelling, which owns the item."""
    data = json.loads(json.dumps(TEAMS))
    data["teams"] = [data["teams"][1], data["teams"][0], *data["teams"][2:]]
    data["teams"][0]["members"].append("lena")
    return directory(data)


def test_credit_is_booked_to_the_team_the_work_was_done_for() -> None:
    two = _two_team_directory()
    item = CreditItem(issue=_closed(), card_at_close=_card())
    plan = {
        "directory": two,
        "rules": CreditRules(),
        "threshold": 40,
        "spent": {},
        "now": NOW,
    }
    [owned] = [e for e in plan_credit(item, [], **plan) if e.role == "resolver"]  # type: ignore[arg-type]
    assert owned.team_id == "labelling"
    assert owned.evidence[-1] == (
        "booked to team labelling, the team that owns it (also a member of asr)"
    )
    claimed = CreditItem(issue=_closed(), card_at_close=_card(), claimed_for="asr")
    [entry] = [e for e in plan_credit(claimed, [], **plan) if e.role == "resolver"]  # type: ignore[arg-type]
    assert entry.team_id == "asr" and "the team it was claimed for" in entry.evidence[-1]
    [single] = [e for e in _plan(item) if e.role == "resolver"]
    assert single.team_id == "labelling" and not single.evidence[-1].startswith("booked")


def test_minimum_benefiting_teams() -> None:
    lonely = CreditItem(issue=_closed(), card_at_close=_card(beneficiaries=("labelling",)))
    assert _plan(lonely) == []
    rules = CreditRules.model_validate({"anti_gaming": {"min_benefiting_teams": 1}})
    assert _plan(lonely, rules=rules)


def test_no_credit_for_flagging_your_own_teams_work() -> None:
    entries = _plan(_item(flags=(_flag("mara", 5), _flag("vera", 3))))
    assert [e.person_id for e in entries if e.role == "flagger"] == ["vera"]
    allowed = CreditRules.model_validate({"anti_gaming": {"no_credit_for_own_team_flags": False}})
    entries = _plan(_item(flags=(_flag("mara", 5), _flag("vera", 3))), rules=allowed)
    assert [e.person_id for e in entries if e.role == "flagger"] == ["mara", "vera"]


def test_bots_earn_nothing() -> None:
    bot_pr = PullRequest(key="acme/labelling#9", author=gh("helper-bot"), merged=True)
    entries = _plan(_item(closed_by=(bot_pr,), assignees=("lena",)))
    assert [e.person_id for e in entries if e.role == "resolver"] == ["lena"]


def test_caps_per_person_per_period() -> None:
    rules = CreditRules.model_validate({"caps": {"per_person_per_period": 60}})
    entries = _plan(_item(), rules=rules, spent={"lena": 40.0})
    resolver = next(e for e in entries if e.role == "resolver")
    assert resolver.points == 20.0 and "capped at 60 points per 90 days" in resolver.reason


def test_manager_confirmation_marks_entries_pending() -> None:
    rules = CreditRules.model_validate({"anti_gaming": {"require_manager_confirmation": True}})
    assert all(e.pending for e in _plan(_item(), rules=rules))


def test_reopen_reverses_and_a_new_closure_mints_again() -> None:
    ledger = _plan(_item())
    reopened = CreditItem(
        issue=_closed(state=IssueState.OPEN, closed_at=None, state_reason=None), card_at_close=None
    )
    reversals = _plan(reopened, ledger)
    assert {r.reverses for r in reversals} == {e.natural_key for e in ledger}
    assert all(
        r.kind is EntryKind.REVERSAL and r.points == -e.points
        for r, e in zip(reversals, ledger, strict=True)
    )
    assert "was reopened" in reversals[0].reason
    ledger += reversals
    again = _plan(_item(closed_at=CLOSED + timedelta(days=1)), ledger)
    assert again and all(e.kind is EntryKind.MINT for e in again)
    assert _plan(_item(closed_at=CLOSED + timedelta(days=1)), ledger + again) == []


def test_a_void_compensates_and_is_never_reminted() -> None:
    ledger = _plan(_item())
    void = reverse(ledger[0], now=NOW, kind=EntryKind.VOID, reason="gamed: self-review")
    assert void.points == -ledger[0].points and void.natural_key.startswith("void|")
    assert _plan(_item(), [*ledger, void]) == []


# ------------------------------------------------------------------ properties

people = st.sampled_from(["ana", "vera", "ned", "rita", "omar", "lena", "mara"])


@st.composite
def items(draw: st.DrawFn) -> CreditItem:
    flaggers = draw(st.lists(people, unique=True, max_size=4))
    flags = tuple(_flag(p, i + 1) for i, p in enumerate(flaggers))
    total = draw(st.floats(1, 500))
    return CreditItem(
        issue=_closed(
            assignees=tuple(draw(st.lists(people, unique=True, max_size=2))), author=draw(people)
        ),
        card_at_close=_card(total=total),
        flags=flags,
        sponsor=draw(st.one_of(st.none(), people)),
        surfaced=True,
    )


@settings(max_examples=80, deadline=None)
@given(item=items())
def test_a_mint_sums_to_the_items_points(item: CreditItem) -> None:
    rules = CreditRules.model_validate({"caps": {"per_person_per_period": 1e9}})
    entries = _plan(item, rules=rules)
    assert item.card_at_close is not None
    assert abs(sum(e.points for e in entries) - item.card_at_close.total) < 0.01


def _states(item: CreditItem, cycles: int) -> list[CreditItem]:
    """Close, reopen, close... ``cycles`` times, ending closed at the last closing time."""
    states = []
    for n in range(cycles):
        closed_at = CLOSED + timedelta(days=n)
        states.append(
            CreditItem(
                issue=item.issue.model_copy(update={"closed_at": closed_at}),
                card_at_close=item.card_at_close,
                flags=item.flags,
                sponsor=item.sponsor,
                surfaced=True,
            )
        )
        opened = item.issue.model_copy(
            update={"state": IssueState.OPEN, "closed_at": None, "state_reason": None}
        )
        states.append(CreditItem(issue=opened, card_at_close=None))
    return states[:-1]


def _net(ledger: list[CreditEntry]) -> dict[tuple[str, str], float]:
    net: dict[tuple[str, str], float] = defaultdict(float)
    for e in ledger:
        net[(e.person_id, e.role)] += e.points
    return {k: round(v, 4) for k, v in net.items() if abs(v) > 1e-9}


@settings(max_examples=60, deadline=None)
@given(item=items(), cycles=st.integers(1, 5), replays=st.integers(1, 3))
def test_reopen_close_cycles_and_replays_balance_to_one_mint(
    item: CreditItem, cycles: int, replays: int
) -> None:
    rules = CreditRules.model_validate({"caps": {"per_person_per_period": 1e9}})
    ledger: list[CreditEntry] = []
    for state in _states(item, cycles):
        for _ in range(replays):  # a replayed sync sees the same state again
            ledger += _plan(state, ledger, rules=rules)
    final = _states(item, cycles)[-1]
    assert _net(ledger) == _net(_plan(final, [], rules=rules))
    assert len({e.natural_key for e in ledger}) == len(ledger)  # nothing minted twice


@settings(max_examples=40, deadline=None)
@given(item=items(), other=items(), order=st.permutations([0, 1]))
def test_processing_order_never_changes_the_ledger(
    item: CreditItem, other: CreditItem, order: list[int]
) -> None:
    second = CreditItem(
        issue=other.issue.model_copy(update={"key": "acme/asr#2", "container": "acme/asr"}),
        card_at_close=other.card_at_close,
        flags=other.flags,
        sponsor=other.sponsor,
        surfaced=True,
    )
    rules = CreditRules.model_validate({"caps": {"per_person_per_period": 1e9}})
    pair = [item, second]
    ledger: list[CreditEntry] = []
    for index in order:
        ledger += _plan(
            pair[index], [e for e in ledger if e.issue_uid == pair[index].issue.uid], rules=rules
        )
    expected = [e for it in pair for e in _plan(it, [], rules=rules)]
    assert sorted(e.natural_key for e in ledger) == sorted(e.natural_key for e in expected)
