"""A manager claims only for the teams they manage, among items those teams own or benefit
from, and assigns only members of those teams; `claims:` in teams.yaml widens it. Refusals
say why and are on the record. Signed clicks into the app; the fake GitHub behind it."""

from __future__ import annotations

import json
import time
from typing import Any

import yaml

from bot.store import open_store
from tests.slack.test_claims_e2e import UID, World, _assignees, _claim, world  # noqa: F401


def _teams(of: World, **claims: str) -> None:
    """Give Vik (Vision's manager) a Slack id, and set ``claims:`` in teams.yaml."""
    path = of.services.settings.rules_dir / "teams.yaml"
    doc = yaml.safe_load(path.read_text())
    for person in doc["people"]:
        if person["id"] == "vik":
            person["slack"] = "UVIK"
    if claims:
        doc["claims"] = claims
    path.write_text(yaml.safe_dump(doc))
    time.sleep(0.01)  # a new modification time: the rules are read again


def _reply(of: World, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with of.slack._cond:
            posted = [body for bodies in of.slack.responses.values() for body in bodies]
        if posted:
            return json.dumps(posted)
        time.sleep(0.05)
    raise AssertionError("no reply to the manager")


def _picked(slack_id: str) -> dict[str, Any]:
    """A choice in the Claim… static select (what digests offer now)."""
    return {
        "type": "static_select",
        "action_id": "digest_claim",
        "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": slack_id},
        "block_id": f"digest:actions:{UID}",
        "action_ts": "1.1",
    }


def _refused(of: World) -> list[tuple[str, str, str]]:
    with open_store(of.services.settings.db_path) as store:
        return [(r.actor, r.subject, r.detail) for r in store.audit.entries(action="claim.refused")]


def test_an_item_none_of_the_managers_teams_touches_is_refused(world: World) -> None:  # noqa: F811
    _teams(world)
    world.click(_claim("UVERA"), user="UVIK")  # labelling#1 benefits ASR, not Vision
    shown = _reply(world)
    assert "None of your teams (vision) owns or benefits from acme/labelling#1" in shown
    assert world.claims() == [] and _assignees(world.github) == []
    [(actor, subject, why)] = _refused(world)
    assert (actor, subject) == ("vik", UID) and why.startswith("None of your teams")


def test_only_members_of_the_claiming_team_can_be_assigned(world: World) -> None:  # noqa: F811
    world.click(_picked("UVERA"))  # Omar (ASR) assigning Vera (Vision)
    shown = _reply(world)
    assert "Vera is not in a team you can claim acme/labelling#1 for (asr)" in shown
    assert world.claims() == [] and _assignees(world.github) == []
    world.click(_picked("UANA"))
    world.slack.wait_for("chat.update")
    [claim] = world.claims()
    assert (claim["team"], claim["assignee"]) == ("asr", "ana")


def test_a_claims_rule_widens_the_scope(world: World) -> None:  # noqa: F811
    _teams(world, items="any", assignees="anyone")
    world.click(_picked("UVERA"), user="UVIK")
    world.slack.wait_for("chat.update")
    [claim] = world.claims()
    assert (claim["team"], claim["manager"], claim["assignee"]) == ("vision", "vik", "vera")
    assert _assignees(world.github) == ["vera"]


def test_refused_not_ours_snooze_and_undo_say_why(world: World) -> None:  # noqa: F811
    def button(action_id: str, value: str) -> dict[str, Any]:
        return {"type": "button", "action_id": action_id, "value": value, "action_ts": "1.4"}

    world.click(button("digest_not_ours", UID), user="UANA")  # an engineer, not a manager
    assert "Not recorded: Only a team's manager can decide on digest items." in _reply(world)
    world.slack.responses.clear()
    world.click(button("digest_undo", f"claim:{UID}"))  # Omar never claimed it
    assert "Not undone: There is nothing of yours to undo here." in _reply(world)
    with open_store(world.services.settings.db_path) as store:
        assert store.claims.decisions() == [] and world.claims() == []
