"""The exceptions impactbot raises on purpose.

    ImpactbotError                 base: a problem the user can fix; the CLI prints it, exit 1
    ├── RulesError                 a rules folder is invalid (carries every problem)
    ├── ImportFileError            an import file is malformed (names row / field)
    ├── UnknownIssueError          a key that is not in the store
    ├── ConfigurationError         a missing or contradictory setting
    └── StoreLocationError         the database path is unusable (a directory, not SQLite,
                                   read-only, or absent for a command that only reads)

Anything else escaping a command is a bug, and is shown as one.
"""

from __future__ import annotations


class ImpactbotError(Exception):
    """Base class: a problem with the user's input or setup, reported without a traceback."""

    exit_code = 1


class RulesError(ImpactbotError):
    """The rules folder is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid rules:\n  " + "\n  ".join(problems))


class ImportFileError(ImpactbotError):
    """An import file cannot be read; nothing from it was imported.

    ``row`` is 1-based (the JSON array index + 1, or the CSV line number of the record);
    ``field`` names the JSON key or CSV column at fault.
    """

    def __init__(
        self, message: str, *, file: str = "", row: int | None = None, field: str | None = None
    ) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.detail = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = [self.file] if self.file else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.detail}" if prefix else self.detail

    def in_file(self, file: str) -> ImportFileError:
        """The same error, naming ``file``."""
        return ImportFileError(self.detail, file=file, row=self.row, field=self.field)


class UnknownIssueError(ImpactbotError):
    """No issue with this key is in the store."""

    def __init__(self, key: str, suggestions: list[str] | None = None) -> None:
        self.key = key
        hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"no issue {key!r} in the store{hint}; run `impactbot import` first")


class ConfigurationError(ImpactbotError):
    """A setting is missing or contradictory."""


class StoreLocationError(ImpactbotError):
    """The database cannot be opened or created where the settings put it; nothing was
    changed there."""
