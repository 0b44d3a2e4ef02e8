"""Reading the Apache Jira duplicate benchmark in ../shared/external/duplicates (see its README).

It is benchmark-only material: too large (and with no declared licence) for tests/vendor."""

from __future__ import annotations

import csv
import gzip
import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.external import vendor_path

FOLDER = vendor_path("duplicates")
HELD_OUT_FROM = datetime.fromisoformat("2015-01-01T00:00:00+00:00")


@dataclass(frozen=True)
class Report:
    key: str
    id: int
    project: str
    created: datetime
    summary: str
    description: str
    components: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    key: str
    group: str
    cross_project: bool
    held_out: bool  # filed in 2015 or later: never looked at while tuning


def reports(folder: Path = FOLDER, *, project: str = "") -> Iterator[Report]:
    """Every report (or one project's), streamed in creation order (created, then id)."""
    paths = sorted((folder / "reports").glob(f"{project}*.jsonl.gz"))
    streams = [_read(path) for path in paths]
    yield from heapq.merge(*streams, key=lambda r: (r.created, r.id))


def _read(path: Path) -> Iterator[Report]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield _report(json.loads(line))


def _report(row: dict[str, Any]) -> Report:
    return Report(
        key=row["key"],
        id=int(row["id"]),
        project=row["project"],
        created=datetime.strptime(row["created"], "%Y-%m-%dT%H:%M:%S.%f%z"),
        summary=row["summary"] or "",
        description=row["description"] or "",
        components=tuple(row["components"] or ()),
    )


def groups(folder: Path = FOLDER) -> dict[str, str]:
    """Report key -> duplicate group id, for reports in a group."""
    with (folder / "groups.csv").open(newline="") as rows:
        return {row["key"]: row["group_id"] for row in csv.DictReader(rows)}


def queries(folder: Path = FOLDER) -> dict[str, Query]:
    """Query key -> its ground truth, for every evaluation query."""
    with (folder / "queries.csv").open(newline="") as rows:
        return {
            row["query_key"]: Query(
                key=row["query_key"],
                group=row["group_id"],
                cross_project=row["cross_project"] == "1",
                held_out=datetime.strptime(row["created"], "%Y-%m-%dT%H:%M:%S.%f%z")
                >= HELD_OUT_FROM,
            )
            for row in csv.DictReader(rows)
        }
