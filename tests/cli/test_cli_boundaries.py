"""The command line is an entry point: it calls the use cases (``bot.app``), the composition
root (``bot.wiring``), settings, errors and core types, never the store or a tracker itself.
The one exception is a tracker type a command parses a choice into (issue 17)."""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[2] / "bot" / "cli"
FORBIDDEN = ("bot.store", "bot.trackers")
ALLOWED = {"bot.trackers.file_import": "import --format parses into ImportFormat"}


def imported_modules(source: str) -> set[str]:
    """Every module ``source`` imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def reaches_below_app(module: str) -> bool:
    """Whether ``module`` (or a name imported from a module) lies in the store or a tracker,
    the allowed exceptions aside."""
    if any(_within(module, allowed) for allowed in ALLOWED):
        return False
    return any(_within(module, forbidden) for forbidden in FORBIDDEN)


def test_the_checker_sees_store_and_tracker_imports_anywhere() -> None:
    source = "from bot.store import open_store\ndef f():\n    import bot.trackers.registry\n"
    assert sorted(m for m in imported_modules(source) if reaches_below_app(m)) == [
        "bot.store",
        "bot.store.open_store",
        "bot.trackers.registry",
    ]
    assert not reaches_below_app("bot.trackers.file_import.ImportFormat")
    assert not reaches_below_app("bot.app.services")


def test_cli_imports_neither_the_store_nor_a_tracker() -> None:
    found = {
        f"{path.name}: {module}"
        for path in sorted(CLI.glob("*.py"))
        for module in imported_modules(path.read_text())
        if reaches_below_app(module)
    }
    assert found == set()
