"""Errors are sentences: a bad database path or a bad setting ends every command in one
`error:` line saying what is wrong and what to do, exits non-zero and changes nothing; read
commands never create a database. Every command of the click group is tried, so a new command
is covered without anyone remembering to."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.cli.setup import CREATES_STORE, NO_STORE


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


def _args(path: tuple[str, ...]) -> list[str]:
    """The command with a placeholder for each required argument and option."""
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    args = list(path)
    for param in command.params:
        if isinstance(param, click.Argument) and param.required:
            args.append("placeholder.json")
        elif isinstance(param, click.Option) and param.required:
            args += [param.opts[0], "placeholder"]
    return args


COMMANDS = sorted(_commands(main))
USES_STORE = [c for c in COMMANDS if " ".join(c) not in NO_STORE]
READS_ONLY = [c for c in USES_STORE if " ".join(c) not in CREATES_STORE]


def test_the_lists_name_real_commands() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert names >= CREATES_STORE and names >= NO_STORE
    assert len(READS_ONLY) >= 10  # orphans, explain, credit, leaderboard, digest, export, ...


@pytest.fixture
def folder(rules_folder: Path) -> Path:
    return rules_folder


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        for p in sorted(root.rglob("*"))
    }


def _one_error_line(result: Result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert result.exit_code != 0, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def _not_a_database(folder: Path) -> Path:
    path = folder / "notes.txt"
    path.write_text("shopping list: eggs, milk\n")
    return path


def _directory(folder: Path) -> Path:
    (folder / "data").mkdir()
    return folder / "data"


def _read_only_place(folder: Path) -> Path:
    if sys.platform == "linux" and os.geteuid() == 0:
        return Path("/proc/self/impactbot.db")  # root may write anywhere but here
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    return locked / "impactbot.db"


def _under_a_file(folder: Path) -> Path:
    return _not_a_database(folder) / "impactbot.db"


BAD_PATHS = {
    "a directory": (_directory, "is a directory"),
    "not a database": (_not_a_database, "not an impactbot database"),
    "a read-only place": (_read_only_place, "read-only"),
    "under a file": (_under_a_file, "is a file, not a folder"),
}


@pytest.mark.parametrize("case", sorted(BAD_PATHS))
@pytest.mark.parametrize("via", ["env", "option"])
def test_a_bad_database_path_is_one_sentence_for_every_command(
    folder: Path, monkeypatch: pytest.MonkeyPatch, case: str, via: str
) -> None:
    make, words = BAD_PATHS[case]
    path = make(folder)
    before = _snapshot(folder)
    for command in COMMANDS:
        if via == "env":
            monkeypatch.setenv("IMPACTBOT_DB", str(path))
            result = CliRunner().invoke(main, _args(command))
        else:
            result = CliRunner().invoke(main, ["--db", str(path), *_args(command)])
        if command in USES_STORE:
            line = _one_error_line(result)
            # a command that only reads stops sooner where no database exists
            absent = not path.exists() and command in READS_ONLY
            said = "no database at" if absent else words
            assert said in line and str(path) in line and "IMPACTBOT_DB" in line, command
        else:  # never opens the store; doctor reports it as one of its checks
            assert result.exception is None or isinstance(result.exception, SystemExit)
            assert "Traceback" not in result.output
            if command == ("doctor",):
                flowing = " ".join(result.output.split())  # rich wraps long lines
                assert "✗ store: " in flowing and words in flowing
        assert _snapshot(folder) == before, command


def test_read_commands_never_create_a_database(folder: Path) -> None:
    before = _snapshot(folder)
    for command in READS_ONLY:
        line = _one_error_line(CliRunner().invoke(main, _args(command)))
        assert "no database at impactbot.db" in line, command
        assert "`impactbot import FILE` or `impactbot sync` creates one" in line
    assert _snapshot(folder) == before


@pytest.mark.parametrize(
    ("name", "value", "accepted"),
    [
        ("IMPACTBOT_DIGEST_WEEKDAY", "Monday", "one of mon, tue, wed, thu, fri, sat, sun"),
        ("IMPACTBOT_PORT", "abc", "a whole number from 1 to 65535"),
        ("IMPACTBOT_DIGEST_HOUR", "25", "a whole number from 0 to 23"),
        ("IMPACTBOT_DIGEST_NOTHING_NEEDS_YOU", "maybe", "true or false"),
    ],
)
def test_a_bad_setting_names_itself_and_what_it_takes_for_every_command(
    folder: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, accepted: str
) -> None:
    monkeypatch.setenv(name, value)
    before = _snapshot(folder)
    for command in COMMANDS:
        line = _one_error_line(CliRunner().invoke(main, _args(command)))
        assert f"{name}={value!r} is not valid: it takes {accepted}" in line, command
    assert _snapshot(folder) == before
    assert CliRunner().invoke(main, ["orphans", "--help"]).exit_code == 0  # help still works


def test_a_bad_setting_in_dotenv_is_named_too(folder: Path) -> None:
    (folder / ".env").write_text("IMPACTBOT_PORT=abc\n")
    line = _one_error_line(CliRunner().invoke(main, ["orphans"]))
    assert "IMPACTBOT_PORT='abc'" in line and ".env" in line


def test_a_secret_is_never_echoed(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import _problem

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    assert "xoxb-secret-value" not in _problem(("SLACK_BOT_TOKEN",), "xoxb-secret-value")
