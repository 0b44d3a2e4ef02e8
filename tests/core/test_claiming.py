"""Claim scope: managers claim for their own teams' items and people, unless widened."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.core.claiming import check_claim, claim_scope
from bot.core.digest import DigestItem
from tests.builders import TEAMS, directory


def _item(**fields: Any) -> DigestItem:
    data: dict[str, Any] = {
        "issue_uid": "github:acme/labelling#1",
        "key": "acme/labelling#1",
        "title": "t",
        "url": None,
        "score": 60.0,
        "orphan_score": 40.0,
        "reasons": (),
        "benefiting": ("asr", "vision"),
        "owner_team": "labelling",
        "waited_days": 10,
        "cost_of_delay": 1.0,
    }
    return DigestItem(**{**data, **fields})


def _dir(**claims: str):  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(TEAMS))
    data["claims"] = claims
    return directory(data)


@pytest.mark.parametrize(
    ("manager", "assignee", "team", "refusal"),
    [
        ("omar", "ana", "asr", None),  # ASR benefits; Ana is in ASR
        ("mara", "lena", "labelling", None),  # the owner's manager
        ("omar", "vera", None, "Vera is not in a team you can claim acme/labelling#1 for (asr)"),
        ("nia", "ned", None, "None of your teams (nlp) owns or benefits from acme/labelling#1"),
        ("ana", "ana", None, "Only a team's manager can claim from a digest."),
        (None, "ana", None, "Only a team's manager can claim from a digest."),
    ],
)
def test_default_scope(
    manager: str | None, assignee: str, team: str | None, refusal: str | None
) -> None:
    checked = check_claim(manager, assignee, _item(), directory())
    assert checked.team == team
    assert (checked.refusal or "").startswith(refusal or "") and bool(checked.refusal) == bool(
        refusal
    )


def test_the_picker_offers_the_claiming_teams_people_only() -> None:
    assert claim_scope("omar", _item(), directory()).people == ("omar", "ana")
    both = claim_scope("vik", _item(), directory())
    assert both.teams == ("vision",) and both.people == ("vik", "vera")


def test_plausible_owners_count_when_the_owner_is_unclear() -> None:
    unclear = _item(owner_team=None, owner_candidates=("nlp",), benefiting=("asr",))
    assert check_claim("nia", "ned", unclear, directory()).team == "nlp"


def test_claims_rules_widen_each_half() -> None:
    any_item = _dir(items="any")
    assert check_claim("nia", "ned", _item(), any_item).team == "nlp"
    assert check_claim("nia", "ana", _item(), any_item).refusal
    anyone = _dir(assignees="anyone")
    assert check_claim("omar", "vera", _item(), anyone).team == "asr"
    assert "cto" in claim_scope("omar", _item(), anyone).people
