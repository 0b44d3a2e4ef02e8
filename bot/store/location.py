"""Where the database lives: checked before a command opens it, so that a wrong
``IMPACTBOT_DB`` (or ``--db``) is one sentence saying what is wrong and what to do, and a
command that only reads never creates an empty database by accident."""

from __future__ import annotations

import os
from pathlib import Path

from bot.errors import StoreLocationError

SQLITE_HEADER = b"SQLite format 3\x00"


def check_location(path: Path, *, may_create: bool, creators: str) -> None:
    """Raise ``StoreLocationError`` when ``path`` cannot be the database: a directory, a file
    that is not SQLite, a place where nothing can be written, or — unless ``may_create`` — no
    file yet (``creators`` names the commands that create it). Changes nothing on disk."""
    if str(path) == ":memory:":
        return
    if path.is_dir():
        raise StoreLocationError(
            f"the database path {path} is a directory: set IMPACTBOT_DB (or --db) to a file, "
            f"e.g. {path / 'impactbot.db'}"
        )
    if not path.exists():
        if not may_create:
            raise StoreLocationError(
                f"no database at {path}: {creators} creates one (or set IMPACTBOT_DB or --db "
                "to an existing database); this command only reads"
            )
        _check_creatable(path)
        return
    if not path.is_file():
        raise StoreLocationError(f"the database path {path} is not a regular file")
    _check_sqlite(path)


def _check_creatable(path: Path) -> None:
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise StoreLocationError(
            f"cannot create the database {path}: {folder} is a file, not a folder; "
            "set IMPACTBOT_DB (or --db) to a path in a folder"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreLocationError(
            f"cannot create the database {path}: {folder} is read-only; set IMPACTBOT_DB "
            "(or --db) to a place you can write to"
        )


def _check_sqlite(path: Path) -> None:
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreLocationError(
            f"cannot read the database {path}: {exc.strerror}; check its permissions"
        ) from None
    if header and header != SQLITE_HEADER:
        raise StoreLocationError(
            f"{path} is not an impactbot database (not an SQLite file): set IMPACTBOT_DB "
            "(or --db) to the right file, or move this one away"
        )
