"""Credit edge cases found in review: caps per window, reversals of confirmed or forgotten
credit, and a completion re-resolved as not planned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app.services import Services
from bot.config import Settings
from bot.core.models import IssueState, StateReason
from bot.store import open_store
from bot.wiring import services_over
from tests.builders import TEAMS, issue

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _services(tmp_path: Path, credit: dict[str, Any] | None = None) -> Services:
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "teams.yaml").write_text(yaml.safe_dump(TEAMS))
    (rules / "credit.yaml").write_text(yaml.safe_dump(credit or {}))
    return services_over(Settings(db_path=tmp_path / "x.db", rules_dir=rules), clock=lambda: NOW)


def _fix(key: str, days_ago: float, **fields: Any):  # type: ignore[no-untyped-def]
    """A closed labelling fix, by lena, referenced by three model teams' issues."""
    data: dict[str, Any] = {
        "state": IssueState.CLOSED,
        "state_reason": StateReason.COMPLETED,
        "closed_at": NOW - timedelta(days=days_ago),
        "assignees": ("lena",),
        "labels": ("taxonomy",),
        "days_old": days_ago + 200,
    }
    data.update(fields)
    return issue(key, **data)


def _world(*fixes: Any) -> list[Any]:
    refs = [
        issue(f"acme/{t}#9{n}", refs=tuple(f.key for f in fixes), author=a)
        for n, (t, a) in enumerate((("asr", "ana"), ("vision", "vera"), ("nlp", "ned")))
    ]
    return [*fixes, *refs]


def _store(services: Services, issues: list[Any]) -> None:
    with open_store(services.settings.db_path) as store, store.transaction():
        store.issues.upsert(issues)
    services.score()


def _points(services: Services, person: str, period: str = "2020..2030") -> float:
    return services.credit_report(person=person, period=_span(period)).total


def _span(text: str) -> str:
    return "2020-01-01..2029-12-31" if text == "2020..2030" else text


def test_caps_bind_per_window_not_over_all_history(tmp_path: Path) -> None:
    # Each fix scores about 92 for lena (resolver and reporter); the cap is 80 per 90 days.
    services = _services(
        tmp_path,
        {
            "caps": {"per_person_per_period": 80, "period_days": 90},
            "anti_gaming": {"min_benefiting_teams": 1},
        },
    )
    _store(services, _world(_fix("acme/labelling#1", 400), _fix("acme/labelling#2", 10)))
    with open_store(services.settings.db_path) as store:
        ledger = store.ledger.for_issues(["github:acme/labelling#1", "github:acme/labelling#2"])
    per_fix = [
        round(sum(e.points for e in entries if e.person_id == "lena"), 2)
        for entries in ledger.values()
    ]
    assert per_fix == [80.0, 80.0]  # capped in each window, not once over all history


def test_a_completion_re_resolved_as_not_planned_is_reversed(tmp_path: Path) -> None:
    services = _services(tmp_path, {"anti_gaming": {"min_benefiting_teams": 1}})
    fix = _fix("acme/labelling#1", 5)
    _store(services, _world(fix))
    assert _points(services, "lena") > 0
    _store(services, _world(fix.model_copy(update={"state_reason": StateReason.NOT_PLANNED})))
    assert _points(services, "lena") == 0


def test_reopening_confirmed_credit_keeps_leaderboard_and_report_equal(tmp_path: Path) -> None:
    services = _services(
        tmp_path, {"anti_gaming": {"min_benefiting_teams": 1, "require_manager_confirmation": True}}
    )
    fix = _fix("acme/labelling#1", 5)
    _store(services, _world(fix))
    services.confirm("acme/labelling#1", by="omar")  # asr's manager
    assert dict(services.leaderboard(period="2026").rows)["lena"] > 0
    _store(
        services,
        _world(
            fix.model_copy(
                update={"state": IssueState.OPEN, "closed_at": None, "state_reason": None}
            )
        ),
    )
    assert "lena" not in dict(services.leaderboard(period="2026").rows)
    assert _points(services, "lena", "2026") == 0


def test_voiding_a_forgotten_persons_entry_keeps_their_reference(tmp_path: Path) -> None:
    services = _services(tmp_path, {"anti_gaming": {"min_benefiting_teams": 1}})
    _store(services, _world(_fix("acme/labelling#1", 5)))
    teams = yaml.safe_load((tmp_path / "rules" / "teams.yaml").read_text())
    teams["people"] = [p for p in teams["people"] if p["id"] != "lena"]
    teams["teams"][0]["members"] = []
    (tmp_path / "rules" / "teams.yaml").write_text(yaml.safe_dump(teams))
    ref = services.forget("lena")
    assert ref is not None
    lines = services.credit_report(person=f"former:{ref}", period="2026").lines
    [entry_id] = [line.entry_id for line in lines if line.entry.role == "resolver"]
    services.void(entry_id, by="cto", reason="gamed")
    board = services.leaderboard(period="2026").rows
    assert [who for who, _ in board].count(f"former:{ref}") <= 1
    with pytest.raises(Exception, match="already reversed or voided"):
        services.void(entry_id, by="cto", reason="twice")


def test_export_cells_that_look_like_formulas_are_quoted() -> None:
    from bot.app.export import _cell

    assert _cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert _cell("@SUM(A1)") == "'@SUM(A1)" and _cell("+1") == "+1" and _cell("-35.60") == "-35.60"
    assert _cell("plain title") == "plain title"


def test_a_person_in_two_teams_is_booked_to_the_owning_team(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli.main import main

    services = _services(tmp_path)
    teams = yaml.safe_load((tmp_path / "rules" / "teams.yaml").read_text())
    teams["teams"] = [teams["teams"][1], teams["teams"][0], *teams["teams"][2:]]
    teams["teams"][0]["members"].append("lena")  # ASR, listed before Data Labelling
    (tmp_path / "rules" / "teams.yaml").write_text(yaml.safe_dump(teams))
    _store(services, _world(_fix("acme/labelling#5", 3)))
    lines = services.credit_report(person="lena", period="2026").lines
    [resolver] = [line for line in lines if line.entry.role == "resolver"]
    assert resolver.entry.team_id == "labelling"
    assert services.credit_report(team="labelling", period="2026").total > 0
    base = ("--db", str(tmp_path / "x.db"), "--rules", str(tmp_path / "rules"))
    shown = CliRunner().invoke(main, [*base, "credit", "--explain", str(resolver.entry_id)])
    assert "booked to team: labelling" in shown.output
    assert "booked to team labelling, the team that owns it (also a member of asr)" in shown.output
