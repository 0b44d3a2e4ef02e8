"""Choosing the parser for an export file.

The parsers themselves are pure functions in ``gh_json`` and ``jira_csv``; this module only
maps a format name (or a file extension) to one and checks the options it needs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.models import Issue
from bot.errors import ImportFileError
from bot.trackers.github.importer import missing_fields, parse_gh_issues
from bot.trackers.jira.importer import parse_jira_csv


class ImportFormat(StrEnum):
    GH_JSON = "gh-json"
    JIRA_CSV = "jira-csv"

    @property
    def default_source(self) -> str:
        return "github" if self is ImportFormat.GH_JSON else "jira"

    @classmethod
    def from_path(cls, path: Path) -> ImportFormat:
        """Guess the format from the extension; raises ``ImportFileError`` when unsure."""
        by_suffix = {".json": cls.GH_JSON, ".csv": cls.JIRA_CSV}
        found = by_suffix.get(path.suffix.lower())
        if found is None:
            raise ImportFileError(
                "cannot tell the format from the file name: pass --format gh-json or jira-csv",
                file=str(path),
            )
        return found


@dataclass(frozen=True)
class Export:
    """An export's issues, and warnings about what it lacks (fields left out of it)."""

    issues: list[Issue]
    warnings: list[str] = field(default_factory=list)


def read_export(
    content: str,
    fmt: ImportFormat,
    *,
    source: str | None = None,
    timezone: str | None = None,
    date_format: str | None = None,
    site_url: str | None = None,
) -> Export:
    """Parse an export's text into issues, with warnings about fields the export left out;
    raises ``ImportFileError`` (row / field named).

    ``site_url`` (Jira only) is the site the export came from, for issue links.
    """
    source = source or fmt.default_source
    if fmt is ImportFormat.GH_JSON:
        try:
            data = json.loads(content)
            return Export(parse_gh_issues(data, source=source), missing_fields(data))
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from exc
        except RecursionError:
            # Python's parser and validators recurse once per level; no export nests deeply.
            raise ImportFileError(_TOO_DEEP) from None
    return Export(
        parse_jira_csv(content, source=source, timezone=_zone(timezone), date_format=date_format)
    )


_TOO_DEEP = "not a gh issue export: its JSON is nested too deeply (hundreds of levels)"


def _zone(name: str | None) -> ZoneInfo:
    if not name:
        raise ImportFileError(
            "a Jira CSV export has dates without a time zone: pass --timezone with the zone "
            "of the user who exported it (e.g. --timezone Europe/Berlin)"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImportFileError(f"unknown time zone {name!r} (use an IANA name)") from exc
