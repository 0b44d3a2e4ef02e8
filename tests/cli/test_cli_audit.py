"""`impactbot audit`: exports, voids and forgotten people are on the record, listed by time."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from bot.cli.main import main
from tests.cli.test_credit_regressions import NOW, _fix, _services, _store, _world


def _run(tmp_path: Path, *args: str) -> Result:
    base = ("--db", str(tmp_path / "x.db"), "--rules", str(tmp_path / "rules"))
    return CliRunner().invoke(main, [*base, *args])


def test_exports_voids_and_forgets_are_listed(tmp_path: Path) -> None:
    services = _services(tmp_path)
    _store(services, _world(_fix("acme/labelling#5", 3)))
    services.export(period="2026", fmt="csv")
    services.export(period="2026", fmt="md", by="cto")
    entry_id = services.credit_report(person="lena", period="2026").lines[0].entry_id
    services.void(entry_id, by="cto", reason="gamed the flags")
    teams_file = tmp_path / "rules" / "teams.yaml"
    doc = yaml.safe_load(teams_file.read_text())
    doc["people"] = [p for p in doc["people"] if p["id"] != "ned"]
    doc["teams"] = [{**t, "members": [m for m in t["members"] if m != "ned"]} for t in doc["teams"]]
    teams_file.write_text(yaml.safe_dump(doc))
    services.forget("ned")

    listed = json.loads(_run(tmp_path, "audit", "--json").output)["records"]
    rows = [(r["actor"], r["action"], r["subject"], r["detail"]) for r in listed]
    assert rows[:3] == [
        ("cli", "export", "2026", rows[0][3]),
        ("cto", "export", "2026", rows[1][3]),
        ("cto", "credit.void", f"entry {entry_id}", "gamed the flags"),
    ]
    assert rows[0][3].startswith("csv export of") and rows[1][3].startswith("md export of")
    assert rows[3][:2] == ("cli", "people.forget") and "ned" not in json.dumps(listed)
    assert all(r["at"] == NOW.isoformat() for r in listed)
    shown = _run(tmp_path, "audit").output
    assert "credit.void" in shown and "gamed the flags" in shown


def test_since_filters_and_bad_since_is_one_line(tmp_path: Path) -> None:
    services = _services(tmp_path)
    services.export(period="2026")
    after = _run(tmp_path, "audit", "--since", "2026-11-02", "--json")
    assert json.loads(after.output)["records"] == []
    within = json.loads(_run(tmp_path, "audit", "--since", "2026-10", "--json").output)
    assert [r["action"] for r in within["records"]] == ["export"]
    bad = _run(tmp_path, "audit", "--since", "yesterday-ish")
    assert bad.exit_code == 1 and bad.output.startswith("error: since 'yesterday-ish'")
    assert len(bad.output.strip().splitlines()) == 1
