"""Credit commands over the demo organisation's real ledger (one demo run per module)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.config import Settings
from bot.core.models import IssueState
from bot.demo.run import DemoResult, run_demo
from bot.store import open_store
from bot.wiring import services_over

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoResult]:
    folder = tmp_path_factory.mktemp("demo")
    services = services_over(
        Settings(db_path=folder / "unused.db", rules_dir=ROOT / "rules"), clock=lambda: NOW
    )
    return folder, run_demo(services, keep=folder)


@pytest.fixture
def demo(
    kept: tuple[Path, DemoResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DemoResult]:
    """A private copy of the demo's database and rules for each test."""
    folder, result = kept
    shutil.copy(folder / "impactbot.db", tmp_path / "demo.db")
    shutil.copytree(folder / "rules", tmp_path / "rules")
    monkeypatch.setenv("IMPACTBOT_DB", str(tmp_path / "demo.db"))
    monkeypatch.setenv("IMPACTBOT_RULES", str(tmp_path / "rules"))
    monkeypatch.chdir(tmp_path)
    yield result


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _leadership(tmp: Path) -> str:
    return str(yaml.safe_load((tmp / "rules" / "teams.yaml").read_text())["leadership"][0])


def test_person_credit_drills_down_to_entries(demo: DemoResult) -> None:
    assert demo.credit is not None
    result = run("credit", "--person", demo.credit.fixer, "--period", "2026-Q4", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["by_role"]["resolver"] > 100
    entry_id = report["entries"][0]["id"]
    explained = run("credit", "--explain", str(entry_id))
    assert explained.exit_code == 0
    assert "resolver" in explained.output and "benefiting teams" in explained.output
    assert "booked to team: " in explained.output


def test_team_credit_shows_given_and_received(demo: DemoResult) -> None:
    report = json.loads(run("credit", "--team", "asr", "--period", "2026", "--json").output)
    assert report["given"] is not None and report["received"] >= report["given"] * 0


def test_leaderboard_and_funnel(demo: DemoResult) -> None:
    assert demo.credit is not None
    board = json.loads(run("leaderboard", "--period", "2026-Q4", "--json").output)
    assert board["rows"][0]["person"] == demo.credit.fixer
    funnel = run("funnel", "--period", "30d")
    assert funnel.exit_code == 0 and "data-labelling" in funnel.output


def test_void_is_leadership_only_and_compensates(demo: DemoResult, tmp_path: Path) -> None:
    assert demo.credit is not None
    report = json.loads(
        run("credit", "--person", demo.credit.fixer, "--period", "2026-Q4", "--json").output
    )
    entry_id = str(report["entries"][0]["id"])
    denied = run("credit", "--void", entry_id, "--by", demo.credit.flagger, "--reason", "x")
    assert denied.exit_code == 1 and "not in the leadership list" in denied.output
    ok = run("credit", "--void", entry_id, "--by", _leadership(tmp_path), "--reason", "gamed")
    assert ok.exit_code == 0 and "voided entry" in ok.output
    again = run("credit", "--void", entry_id, "--by", _leadership(tmp_path), "--reason", "x")
    assert again.exit_code == 1 and "already reversed or voided" in again.output
    after = json.loads(
        run("credit", "--person", demo.credit.fixer, "--period", "2026-Q4", "--json").output
    )
    assert after["total"] == pytest.approx(
        report["total"] - report["entries"][0]["points"], abs=0.01
    )
    with open_store(tmp_path / "demo.db") as store:
        ref = store.ledger.person_ref(_leadership(tmp_path), lambda: "unused")
        stored = store.db.execute("SELECT actor FROM audit_log WHERE action = 'credit.void'")
        assert ref.startswith("p-") and stored.fetchone()[0] == ref  # a reference, not a name
        (row,) = store.audit.entries(action="credit.void")
        assert (row.actor, row.subject, row.detail) == (
            _leadership(tmp_path),
            f"entry {entry_id}",
            "gamed",
        )


def test_exports_read_like_a_brief(demo: DemoResult) -> None:
    assert demo.credit is not None
    md = run("export", "--period", "2026-Q4", "--format", "md").output
    assert md.startswith("# Cross-team impact — 2026-Q4")
    fixer = demo.credit.names[demo.credit.fixer]  # the brief is headed by name
    assert f"## {fixer} —" in md and demo.credit.fix_key in md
    rows = list(
        csv.DictReader(io.StringIO(run("export", "--period", "2026-Q4", "--format", "csv").output))
    )
    assert {r["person"] for r in rows} >= {demo.credit.fixer, demo.credit.flagger}
    assert all(r["url"] for r in rows if r["issue"] == demo.credit.fix_key)


def test_forgetting_a_person_keeps_the_sums(demo: DemoResult, tmp_path: Path) -> None:
    assert demo.credit is not None
    person = demo.credit.flagger
    before = json.loads(run("credit", "--team", "asr", "--period", "2026", "--json").output)
    refused = run("people", "forget", person)
    assert refused.exit_code == 1 and "still in teams.yaml" in refused.output
    teams_file = tmp_path / "rules" / "teams.yaml"
    doc = yaml.safe_load(teams_file.read_text())
    doc["people"] = [p for p in doc["people"] if p["id"] != person]
    for team in doc["teams"]:
        team["members"] = [m for m in team["members"] if m != person]
        team["managers"] = [m for m in team["managers"] if m != person]
    teams_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    done = run("people", "forget", person)
    assert done.exit_code == 0 and "their credit stays as p-" in done.output
    after = json.loads(run("credit", "--team", "asr", "--period", "2026", "--json").output)
    assert after["given"] == pytest.approx(before["given"])
    export = run("export", "--period", "2026", "--format", "csv").output
    assert person not in export
    with open_store(tmp_path / "demo.db") as store:
        dump = "\n".join(store.db.iterdump())
    assert person not in dump


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("credit", "--person", "nobody"), "unknown person 'nobody'"),
        (("credit", "--team", "nobody"), "unknown team 'nobody'"),
        (("credit", "--team", "asr", "--period", "Q5"), '"Q5": quarters are Q1..Q4'),
        (("leaderboard", "--period", "yesterday"), "yesterday"),
        (("credit", "--explain", "999999"), "no credit entry 999999"),
        (("flag", "acme/nowhere#1", "--by", "priya.ortiz"), "no issue 'acme/nowhere#1'"),
    ],
)
def test_bad_input_is_a_clear_error(demo: DemoResult, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def test_credit_needs_exactly_one_subject(demo: DemoResult) -> None:
    result = run("credit")
    assert result.exit_code == 2 and "exactly one of --person or --team" in result.output


def test_flag_is_idempotent(demo: DemoResult) -> None:
    assert demo.credit is not None
    first = run("flag", "acme/vision-models#1", "--by", demo.credit.flagger)
    again = run("flag", "acme/vision-models#1", "--by", demo.credit.flagger)
    assert "flagged" in first.output and "had already flagged" in again.output


def test_a_reopened_fix_reverses_its_credit(demo: DemoResult, tmp_path: Path) -> None:
    assert demo.credit is not None
    services = services_over(
        Settings(db_path=tmp_path / "demo.db", rules_dir=tmp_path / "rules"),
        clock=lambda: NOW + timedelta(days=10),
    )
    with open_store(tmp_path / "demo.db") as store:
        uid = store.issues.resolve(demo.credit.fix_key)
        fix = store.issues.get(uid)
        assert fix is not None
        reopened = fix.model_copy(
            update={
                "state": IssueState.OPEN,
                "closed_at": None,
                "state_reason": None,
                "closed_by": (),
            }
        )
        with store.transaction():
            store.issues.upsert([reopened])
    services.score()
    board = services.leaderboard(period="2026-Q4")
    assert demo.credit.fixer not in [p for p, _ in board.rows]


def test_confirmation_releases_pending_credit(demo: DemoResult, tmp_path: Path) -> None:
    assert demo.credit is not None
    credit_file = tmp_path / "rules" / "credit.yaml"
    credit_file.write_text("anti_gaming: {require_manager_confirmation: true}\n")
    services = services_over(
        Settings(db_path=tmp_path / "demo.db", rules_dir=tmp_path / "rules"),
        clock=lambda: NOW + timedelta(days=10),
    )
    with open_store(tmp_path / "demo.db") as store:
        uid = store.issues.resolve(demo.credit.fix_key)
        fix = store.issues.get(uid)
        assert fix is not None and fix.closed_at is not None
        later = fix.model_copy(update={"closed_at": fix.closed_at + timedelta(days=1)})
        with store.transaction():
            store.issues.upsert([later])  # a second completion: a new, pending mint
    services.score()
    board = dict(services.leaderboard(period="2026-Q4").rows)
    assert demo.credit.fixer not in board  # reversed old mint, new one pending
    teams = yaml.safe_load((tmp_path / "rules" / "teams.yaml").read_text())["teams"]
    asr_manager = next(t["managers"][0] for t in teams if t["id"] == "asr")
    refused = run("credit", "--confirm", demo.credit.fix_key, "--by", demo.credit.flagger)
    assert refused.exit_code == 1 and "manages no team" in refused.output
    result = run("credit", "--confirm", demo.credit.fix_key, "--by", asr_manager)
    assert result.exit_code == 0 and "entries now count" in result.output
    board = dict(services.leaderboard(period="2026-Q4").rows)
    assert board[demo.credit.fixer] > 100


def test_explain_shows_the_flaggers_note(demo: DemoResult) -> None:
    """A flag's note ("our WER regressions trace back to this") is shown, not only stored."""
    assert demo.credit is not None
    shown = run("explain", demo.credit.fix_key).output
    assert "Flagged as cross-team impact" in shown
    assert _name(demo, demo.credit.flagger) in shown  # by name, as teams.yaml gives it
    assert demo.credit.flagger not in shown and "Our WER regressions trace back to this" in shown


def test_the_export_shows_the_flaggers_note(demo: DemoResult) -> None:
    assert demo.credit is not None
    md = run("export", "--period", "2026-Q4", "--format", "md").output
    flagger = _name(demo, demo.credit.flagger)
    assert f"flagged by {flagger}: Our WER regressions trace back to this" in md


def test_the_csv_export_has_the_flaggers_note(demo: DemoResult) -> None:
    assert demo.credit is not None
    text = run("export", "--period", "2026-Q4", "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(text)))
    note = f"{_name(demo, demo.credit.flagger)}: Our WER regressions trace back to this"
    fixed = [r for r in rows if r["issue"] == demo.credit.fix_key]
    assert fixed and all(note in r["flag_notes"].split(" | ") for r in fixed)
    assert all(r["flag_notes"] == "" for r in rows if r["issue"] != demo.credit.fix_key)


def test_explain_json_has_the_flags_with_their_notes(demo: DemoResult) -> None:
    assert demo.credit is not None
    card = json.loads(run("explain", demo.credit.fix_key, "--json").output)
    [flag] = [f for f in card["flags"] if f["person"] == demo.credit.flagger]
    assert flag["name"] == _name(demo, demo.credit.flagger)
    assert flag["note"] == "Our WER regressions trace back to this"
    assert card["issue_uid"] and "contributions" in card  # the score card is still all there


def test_credit_lines_and_the_audit_log_show_people_by_name(demo: DemoResult) -> None:
    assert demo.credit is not None
    fixer, name = demo.credit.fixer, _name(demo, demo.credit.fixer)
    board = run("leaderboard", "--period", "2026-Q4").output
    assert name in board and fixer not in board
    rows = json.loads(run("leaderboard", "--period", "2026-Q4", "--json").output)["rows"]
    assert {"person": fixer, "name": name} in [{k: r[k] for k in ("person", "name")} for r in rows]
    report = json.loads(run("credit", "--person", fixer, "--period", "2026-Q4", "--json").output)
    entry = report["entries"][0]
    assert (entry["person_id"], entry["name"]) == (fixer, name)
    shown = run("credit", "--explain", str(entry["id"])).output
    assert name in shown and fixer not in shown
    lines = run("credit", "--person", fixer, "--period", "2026-Q4").output
    assert name in " ".join(lines.split()) and fixer not in lines.split("\n", 1)[1]
    run("flag", demo.credit.fix_key, "--by", fixer, "--note", "audited")
    audit = json.loads(run("audit", "--json").output)["records"]
    [mine] = [r for r in audit if r["actor"] == fixer and r["action"] == "flag"]
    assert mine["actor_name"] == name
    assert name in " ".join(run("audit").output.split())


def _name(demo: DemoResult, person_id: str) -> str:
    """The identity map's name of ``person_id`` in the demo's teams.yaml."""
    teams = yaml.safe_load((demo.workdir / "rules" / "teams.yaml").read_text())
    [name] = [p["name"] for p in teams["people"] if p["id"] == person_id]
    assert name != person_id
    return str(name)
