"""Each registered signal has a test here named test_signal_<name> (the meta-test checks)."""

from __future__ import annotations

import sys

from bot.core.models import Issue
from bot.core.rules_scoring import ScoringRules
from bot.core.scoring import score_issues
from bot.core.signals import MODIFIERS, VALUE_SIGNALS
from tests.builders import NOW, comment, directory, issue

RULES = ScoringRules()


def _card(issues: list[Issue], key: str = "acme/labelling#1"):  # type: ignore[no-untyped-def]
    cards = score_issues(issues, directory=directory(), rules=RULES, now=NOW)
    return next(c for c in cards if c.issue_uid == f"github:{key}")


def _points(card, signal: str) -> float:  # type: ignore[no-untyped-def]
    return sum(c.points for c in card.contributions if c.signal == signal)


def test_every_registered_signal_has_a_test() -> None:
    tests = {name for name in dir(sys.modules[__name__]) if name.startswith("test_signal_")}
    missing = [n for n in [*VALUE_SIGNALS, *MODIFIERS] if f"test_signal_{n}" not in tests]
    assert missing == []


def test_signal_reach() -> None:
    target = issue()
    referrers = [
        issue("acme/asr#5", refs=("acme/labelling#1",), author="ana"),
        issue("acme/vision#9", refs=("acme/labelling#1",), author="vera"),
    ]
    card = _card([target, *referrers])
    reach = [c for c in card.contributions if c.signal == "reach"]
    assert [c.reason for c in reach] == ["team asr benefits", "team vision benefits"]
    assert all(c.points == RULES.weights.reach_per_team for c in reach)
    assert reach[0].evidence == ("acme/asr#5 references it",)


def test_signal_owner_benefit() -> None:
    assert _points(_card([issue(author="lena")]), "owner_benefit") == RULES.weights.owner_benefit
    assert _points(_card([issue(author="ana")]), "owner_benefit") == 0


def test_signal_incentive_gap() -> None:
    # Reported by the owner (strength 1) and referenced by asr (strength 1): half lands outside.
    card = _card([issue(author="lena"), issue("acme/asr#5", refs=("acme/labelling#1",))])
    assert card.incentive_gap == 0.5
    reach = RULES.weights.reach_per_team  # asr, the one outside team, at full strength
    assert _points(card, "incentive_gap") == RULES.weights.incentive_gap * 0.5 * reach
    alone = _card([issue(author="lena")])
    assert alone.incentive_gap == 0 and _points(alone, "incentive_gap") == 0


def test_signal_labels() -> None:
    card = _card([issue(labels=("area/taxonomy", "bug"))])
    assert _points(card, "labels") == RULES.label_signals["taxonomy"]
    assert _points(_card([issue(labels=("bug",))]), "labels") == 0


def test_signal_engagement() -> None:
    card = _card(
        [
            issue(
                reactions=7,
                comments=(
                    comment("ana", 3),
                    comment("ana", 2),
                    comment("vera", 1),
                    comment("helper-bot", 1),
                ),
            )
        ]
    )
    parts = [c for c in card.contributions if c.signal == "engagement"]
    assert parts[0].reason == "7 reactions / votes" and parts[0].points == 6.0  # 2 × log2(8)
    assert parts[1].reason == "2 people commented" and parts[1].evidence == (
        "Ana",
        "Vera",
    )  # by name


def test_signal_cost_of_delay() -> None:
    young = _card([issue(days_old=1, author="ana")])
    old = _card([issue(days_old=400, author="ana")])
    assert _points(old, "cost_of_delay") > _points(young, "cost_of_delay") >= 0
    # capped at max_multiplier × value
    value = sum(c.points for c in old.contributions if c.signal in VALUE_SIGNALS)
    assert _points(old, "cost_of_delay") == value * RULES.cost_of_delay.max_multiplier


def test_signal_effort() -> None:
    small = _card([issue(author="ana", labels=("size/XS",))])
    large = _card([issue(author="ana", labels=("size/XL",))])
    medium = _card([issue(author="ana", labels=("size/M",))])
    assert _points(small, "effort") > 0 > _points(large, "effort")
    assert _points(medium, "effort") == 0
    assert small.total > medium.total > large.total


def test_card_sums_to_total() -> None:
    card = _card(
        [
            issue(labels=("taxonomy", "size/S"), reactions=3),
            issue("acme/asr#5", refs=("acme/labelling#1",)),
        ]
    )
    assert abs(sum(c.points for c in card.contributions) - card.total) < 0.01
