"""SQLite plumbing the repositories share: one transaction, and ``IN`` lists in chunks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlite_utils import Database

# SQLite caps the number of bound parameters of one statement.
CHUNK = 500


@contextmanager
def transaction(db: Database) -> Iterator[None]:
    """All writes inside commit together or not at all (``BEGIN IMMEDIATE``: the write lock
    is taken at the start, so a transaction never fails half-way for want of it)."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rows_in(db: Database, sql: str, values: Sequence[str]) -> Iterator[Any]:
    """Rows of ``sql`` — whose ``{marks}`` is an ``IN`` list — for every one of ``values``,
    in chunks."""
    for chunk in chunks(list(values)):
        yield from db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)
