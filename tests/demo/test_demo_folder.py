"""``impactbot demo --keep DIR`` leaves a working folder: ``cd DIR`` and the README's commands
work there with no flags, on what the demo showed; a second run starts afresh.

The demo runs once, through the CLI, with the real clock, as a newcomer runs it; the commands
then run in the kept folder with no ``IMPACTBOT_*`` setting and no flag.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.demo.run import DEMO_DB, DEMO_MARKER

FIX = "acme/labelling-tools#537"


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The kept folder, the current directory, and what the demo printed."""
    folder = tmp_path_factory.mktemp("demo") / "acme"
    with pytest.MonkeyPatch.context() as patch:
        for name in ("IMPACTBOT_DB", "IMPACTBOT_RULES"):
            patch.delenv(name, raising=False)
        patch.chdir(folder.parent)
        shown = _invoke("demo", "--keep", str(folder))
        assert shown.exit_code == 0, shown.output
        patch.chdir(folder)
        yield folder, shown.output


def _run(*args: str) -> str:
    result = _invoke(*args)
    assert result.exit_code == 0, f"impactbot {' '.join(args)}: {result.output}"
    return result.output


def test_the_folder_holds_the_default_database_and_rules(kept: tuple[Path, str]) -> None:
    folder, shown = kept
    assert (folder / DEMO_DB).is_file() and (folder / "rules" / "teams.yaml").is_file()
    assert (folder / DEMO_MARKER).is_file()
    assert "cd there" in shown


def test_the_demos_digest_shows_the_buttons(kept: tuple[Path, str]) -> None:
    """What a manager gets: each item with Claim… (an engineer to pick), Not ours, Snooze."""
    _, shown = kept
    assert "[Claim… pick an assignee ▾" in shown and "[Not ours] [Snooze 4 weeks]" in shown


def test_the_digest_item_shows_the_flaggers_note(kept: tuple[Path, str]) -> None:
    """The engineer's note is in the manager's digest, not only in the store."""
    _, shown = kept
    digests = shown.split("Monday: the managers' digests")[1].split("A week later")[0]
    assert "flagged by" in digests and "Our WER regressions trace back to this" in digests


def test_the_demos_leaderboard_is_what_the_folder_shows(kept: tuple[Path, str]) -> None:
    _, shown = kept
    fixer = re.search(r"impact; (.+?) \(data-labelling\) took it", re.sub(r"\s+", " ", shown))
    assert fixer is not None
    board = _run("leaderboard", "--period", "30d")
    assert "No credit" not in board
    rows = json.loads(_run("leaderboard", "--period", "30d", "--json"))["rows"]
    assert fixer.group(1) in [row["name"] for row in rows]  # the story names people too
    team = _run("credit", "--team", "data-labelling", "--period", "30d", "--json")
    assert "resolver" in team and FIX in team


def test_digests_in_the_folder_are_dated_now(kept: tuple[Path, str]) -> None:
    """Idle time and waiting time are measured at the same moment: idle never exceeds age."""
    digest = _run("digest", "--dry-run")
    items = re.split(r"\n\d+\. ", digest)[1:]
    assert items
    for item in items:
        waiting = re.search(r"waiting (\d+) days", item)
        idle = re.search(r"no human activity for (\d+) days", item)
        if waiting and idle:
            assert int(idle.group(1)) <= int(waiting.group(1)), item


def test_the_demos_orphans_are_the_folders_orphans(kept: tuple[Path, str]) -> None:
    _, shown = kept
    listed = {row["key"] for row in json.loads(_run("orphans", "--limit", "20", "--json"))}
    for key in ("acme/labelling-tools#80", "acme/training-infra#97", "NLP-224"):
        if key in shown:
            assert key in listed
    assert FIX not in listed  # the demo's second act fixed it


def test_the_readme_commands_work_with_no_flags(kept: tuple[Path, str]) -> None:
    assert FIX in _run("explain", FIX)
    _run("dupes", "ASR-376")
    _run("score")
    _run("funnel")
    assert FIX in _run("export", "--period", "30d")
    _run("audit")
    assert "rules are valid" in _run("rules", "check")


def test_a_folder_the_demo_did_not_make_is_refused_unchanged(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = _invoke("demo", "--keep", str(tmp_path))
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "not made by `impactbot demo`" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def _ledger_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM credit_ledger").fetchone()[0])


@pytest.mark.slow
def test_a_second_run_into_the_folder_starts_afresh(kept: tuple[Path, str]) -> None:
    folder, _ = kept
    before = _ledger_rows(folder / DEMO_DB)
    board = _run("leaderboard", "--period", "30d")
    assert _invoke("demo", "--keep", str(folder)).exit_code == 0
    assert _ledger_rows(folder / DEMO_DB) == before
    assert _run("leaderboard", "--period", "30d") == board


def test_a_folder_a_previous_demo_kept_is_emptied_of_its_files(tmp_path: Path) -> None:
    """The small version of the second run: the old database and exports go, nothing else."""
    from bot.demo.run import _prepare_kept_folder

    (tmp_path / DEMO_MARKER).write_text("made by impactbot demo", encoding="utf-8")
    for name in (DEMO_DB, f"{DEMO_DB}-wal", "mine.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "old.json").write_text("[]", encoding="utf-8")
    _prepare_kept_folder(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_the_demo_names_people_as_teams_yaml_does(kept: tuple[Path, str]) -> None:
    """Digest headers, the claim and the story name people; person ids stay out of them."""
    folder, shown = kept
    people = yaml.safe_load((folder / "rules" / "teams.yaml").read_text())["people"]
    story = shown.split("Monday: the managers' digests")[1].split("What leadership sees")[0]
    headers = re.findall(r"^(.+) \(\d{4}-W\d\d\)$", story, flags=re.M)
    names = {p["name"] for p in people}
    assert headers and set(headers) - {"leadership"} <= names, headers
    claim = story.split("Claim from the digest:")[1].split("assigned")[0]
    assert " claimed it for " in claim
    assert not any(p["id"] in claim for p in people if p["id"] != p["name"]), claim
