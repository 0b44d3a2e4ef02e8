"""bot/core is pure: no I/O modules, no clock, no randomness, no open()."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"
FORBIDDEN_MODULES = {
    "httpx",
    "slack_bolt",
    "slack_sdk",
    "sqlite_utils",
    "sqlite3",
    "apscheduler",
    "os",
    "time",
    "random",
    "uuid",
    "pathlib",
    "requests",
    "urllib",
    "socket",
    "subprocess",
}
FORBIDDEN_CALLS = {"now", "today", "utcnow"}


def _problems(source: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        problems += [
            f"imports {n}"
            for n in names
            if n.split(".")[0] in FORBIDDEN_MODULES or n.startswith("slack")
        ]
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_CALLS:
                problems.append(f"calls .{func.attr}() on line {node.lineno}")
            if isinstance(func, ast.Name) and func.id == "open":
                problems.append(f"calls open() on line {node.lineno}")
    return problems


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.name)
def test_core_module_is_pure(path: Path) -> None:
    assert _problems(path.read_text()) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "import os",
        "from time import monotonic",
        "import sqlite_utils",
        "from slack_sdk import WebClient",
        "import httpx",
        "from datetime import datetime\ndatetime.now()",
        "import datetime\ndatetime.date.today()",
        "datetime.utcnow()",
        "open('x')",
        "from pathlib import Path",
        "import random",
        "import uuid",
        "import apscheduler.schedulers",
    ],
)
def test_checker_catches_forbidden_code(snippet: str) -> None:
    assert _problems(snippet), f"purity check missed: {snippet!r}"
