"""The rules of the house (DESIGN.md §7, issue 17), read from the source with ``ast``.

- Arrows point inward: ``core`` imports no other part of ``bot``; ``store`` and ``trackers``
  import only ``core`` and ``bot.errors``; ``app`` never imports ``slack`` or ``cli``; ``slack``
  never imports ``store``. Every import counts: module level, inside a function, and under
  ``if TYPE_CHECKING:``.
- Clients (``WebClient(``, ``httpx.Client(``, ``AsyncClient(``) are built only in
  ``bot/wiring.py``, the one composition root.
- No module in ``bot/`` over 400 lines; no function over 40 lines, except the declarative
  tables named in ``DECLARATIVE_TABLES`` with the reason each is exempt.
- Nothing happens at import time: no module-level call that builds an App, a client, a
  connection or a scheduler, and no read of the environment.
- ``tests/`` mirrors ``bot/``: every folder under ``tests/`` is a package of ``bot/`` (shared
  helpers excepted by name).

Which I/O libraries core may not import is ``tests/core/test_purity.py``'s job, not this one's.
Each checker is a pure function over source text, tested on small synthetic sources first, so
that every rule can be seen to fail; then it runs over the whole tree, one case per area.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
TESTS = ROOT / "tests"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40

# The parts of bot/ an area may import (ONLY) or must never import (NEVER).
ONLY: dict[str, set[str]] = {
    "core": {"core"},
    "store": {"store", "core", "errors"},
    "trackers": {"trackers", "core", "errors"},
}
NEVER: dict[str, set[str]] = {"app": {"slack", "cli", "wiring"}, "slack": {"store", "wiring"}}
COMPOSITION_ROOT = "bot/wiring.py"
CLIENTS = {"slack_sdk.WebClient", "slack_sdk.web.client.WebClient", "httpx.Client"}
CLIENT_NAMES = {"WebClient", "AsyncWebClient", "AsyncClient"}
# Calls that build an App, a client, a connection or a scheduler, or read the environment.
IMPORT_TIME_CALLS = {
    "App",
    "AsyncApp",
    "create_app",
    "WebClient",
    "AsyncWebClient",
    "Client",
    "AsyncClient",
    "connect",
    "Database",
    "open_store",
    "Store",
    "BackgroundScheduler",
    "BlockingScheduler",
    "AsyncIOScheduler",
    "Settings",
    "load_settings",
    "getenv",
    "load_dotenv",
}

# Functions over MAX_FUNCTION_LINES that are declarative tables, not logic: "path::qualname".
DECLARATIVE_TABLES: dict[str, str] = {}

# tests/ folders that are not a package of bot/: shared helpers, by name.
TEST_FOLDERS_NOT_MIRRORED = {
    "fakes": "the local fake servers every area's tests share",
    "docs": "tests of README, rules/README and .env.example, which document the whole bot",
    "vendor": "trimmed third-party material (specs, recordings, vectors)",
    "contracts": "checks that the fakes agree with the vendors' own documents",
    "bench": "the small default-suite versions of benchmarks/",
}
TOP_LEVEL_TEST_FILES = {"test_architecture.py", "test_optional_material.py", "test_wiring.py"}


@dataclass(frozen=True)
class Violation:
    """One broken rule: where, and what."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


# ---- the checkers: pure functions over one module's source ----


def area_of(module: str) -> str:
    """``bot.app.claims`` -> ``app``; ``bot.wiring`` -> ``wiring``; ``bot`` -> ``bot``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def imported_modules(source: str) -> Iterator[tuple[str, int]]:
    """Every module ``source`` imports, anywhere in it, with its line (absolute imports only).

    ``from bot import store`` yields ``bot.store``: the name may be a module.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "bot":
                for alias in node.names:
                    yield f"bot.{alias.name}", node.lineno
            else:
                yield node.module, node.lineno


def import_violations(module: str, source: str) -> list[Violation]:
    """Imports of ``module`` (dotted name) that point the wrong way."""
    area = area_of(module)
    found = []
    for target, line in imported_modules(source):
        if target != "bot" and not target.startswith("bot."):
            continue
        other = area_of(target)
        allowed = ONLY.get(area)
        if (allowed is not None and other not in allowed) or other in NEVER.get(area, set()):
            found.append(Violation(f"{module}:{line}", f"{area} imports {target}"))
    return found


def _local_names(tree: ast.AST) -> dict[str, str]:
    """Local name -> what it was imported as (``C`` -> ``httpx.Client``), anywhere in ``tree``."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    names[head] = head
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        inner = _dotted(func.value)
        return f"{inner}.{func.attr}" if inner else None
    return None


def client_constructions(source: str) -> list[tuple[str, int]]:
    """Calls in ``source`` that build a Slack or HTTP client, with their lines."""
    tree = ast.parse(source)
    names = _local_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or (dotted := _dotted(node.func)) is None:
            continue
        head, _, rest = dotted.partition(".")
        resolved = ".".join(filter(None, [names.get(head, head), rest]))
        if resolved in CLIENTS or resolved.rsplit(".", 1)[-1] in CLIENT_NAMES:
            found.append((resolved, node.lineno))
    return found


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function in ``source`` longer than ``limit`` lines.

    A function's lines run from its ``def`` to its last line, docstring and nested functions
    included; a nested function is also measured on its own.
    """
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                size = (child.end_lineno or child.lineno) - child.lineno + 1
                if not isinstance(child, ast.ClassDef) and size > limit:
                    found.append((name, size))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in {
        "__name__ == '__main__'",
        "'__main__' == __name__",
    }


def _run_at_import(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``node`` that run when the module is imported (not function bodies)."""
    yield node
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        args = node.args
        children: list[ast.AST] = [*args.defaults, *(d for d in args.kw_defaults if d)]
        if not isinstance(node, ast.Lambda):
            children += node.decorator_list
    else:
        children = list(ast.iter_child_nodes(node))
    for child in children:
        if not (isinstance(child, ast.stmt) and _is_main_guard(child)):
            yield from _run_at_import(child)


def import_time_work(source: str) -> list[tuple[str, int]]:
    """What ``source`` does at import time that it should leave to an entry point."""
    found = []
    for node in _run_at_import(ast.parse(source)):
        if isinstance(node, ast.Call) and (dotted := _dotted(node.func)):
            if dotted.rsplit(".", 1)[-1] in IMPORT_TIME_CALLS:
                found.append((f"calls {dotted}()", node.lineno))
        elif isinstance(node, ast.Attribute) and node.attr == "environ":
            found.append(("reads the environment (.environ)", node.lineno))
        elif isinstance(node, ast.Name) and node.id == "environ":
            found.append(("reads the environment (environ)", node.lineno))
    return found


# ---- the checkers can fail: synthetic sources ----


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("bot.core.scoring", "import bot.store.db"),
        ("bot.core.scoring", "from bot import store"),
        ("bot.core.scoring", "from bot.errors import RulesError"),
        ("bot.core.scoring", "def f():\n    from bot.app import services\n"),
        (
            "bot.core.scoring",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.slack import app\n",
        ),
        ("bot.store.db", "from bot.config import Settings"),
        ("bot.trackers.sync", "from bot.store import Store"),
        ("bot.trackers.github.factory", "import bot.app.sync"),
        ("bot.app.digests", "from bot.slack.delivery import send"),
        ("bot.app.services", "class S:\n    def f(self):\n        import bot.cli.doctor\n"),
        ("bot.slack.people", "from bot.store.db import Store"),
        # the composition root is outermost: nothing it builds reaches back for it
        ("bot.app.services", "def f():\n    from bot.wiring import tracker_credentials\n"),
        ("bot.slack.app", "from bot.wiring import slack_client"),
    ],
)
def test_import_checker_catches_an_arrow_pointing_outward(module: str, source: str) -> None:
    assert import_violations(module, source), f"missed: {module}: {source!r}"


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("bot.core.scoring", "from bot.core.models import Issue\nimport httpx"),
        ("bot.store.db", "from bot.core.models import Issue\nfrom bot.errors import StoreError"),
        ("bot.trackers.github.client", "from bot.trackers.http import send\nimport bot.core"),
        ("bot.app.claims", "from bot.store import Store\nfrom bot.trackers import registry"),
        ("bot.slack.home", "from bot.app.results import Card\nfrom bot.core import wording"),
        ("bot.cli.main", "from bot.store import Store\nfrom bot.slack import app"),
        ("bot.wiring", "from bot.slack.app import create_app\nfrom bot.store import Store"),
    ],
)
def test_import_checker_lets_inward_arrows_pass(module: str, source: str) -> None:
    assert import_violations(module, source) == []


@pytest.mark.parametrize(
    "source",
    [
        "from slack_sdk import WebClient\nclient = WebClient(token='x')",
        "import slack_sdk\ndef f():\n    return slack_sdk.WebClient()",
        "import httpx\ndef f():\n    return httpx.Client(timeout=3)",
        "from httpx import Client as HttpClient\ndef f():\n    return HttpClient()",
        "import httpx\ndef f():\n    return httpx.AsyncClient()",
        "from slack_sdk.web.async_client import AsyncWebClient\nx = lambda: AsyncWebClient()",
    ],
)
def test_client_checker_catches_a_client_built(source: str) -> None:
    assert client_constructions(source), f"missed: {source!r}"


def test_client_checker_lets_a_received_client_pass() -> None:
    source = "import httpx\ndef f(client: httpx.Client) -> None:\n    client.get('/x')\n"
    assert client_constructions(source) == []


def _function(lines: int, name: str = "f") -> str:
    body = "\n".join(f"    x{i} = {i}" for i in range(lines - 2))
    return f"def {name}():\n    '''Doc.'''\n{body}\n"


def test_function_checker_measures_from_def_to_last_line() -> None:
    assert long_functions(_function(40)) == []
    assert long_functions(_function(41)) == [("f", 41)]
    nested = "class C:\n" + "\n".join("    " + line for line in _function(41).splitlines())
    assert long_functions(nested) == [("C.f", 41)]


def test_module_size_rule_fails_at_401_lines() -> None:
    assert _module_size_violations("bot/x.py", "bot.x", "x = 1\n" * 400) == []
    assert _module_size_violations("bot/x.py", "bot.x", "x = 1\n" * 401) != []


@pytest.mark.parametrize(
    "source",
    [
        "from slack_bolt import App\napp = App()",
        "from bot.slack.app import create_app\napp = create_app(None)",
        "import sqlite3\nconn = sqlite3.connect('x.db')",
        "from bot.store import open_store\nwith open_store('x') as s:\n    pass",
        "from apscheduler.schedulers.blocking import BlockingScheduler\ns = BlockingScheduler()",
        "import os\nTOKEN = os.environ['SLACK_BOT_TOKEN']",
        "import os\nTOKEN = os.getenv('SLACK_BOT_TOKEN')",
        "from os import environ\nTOKEN = environ.get('X')",
        "from bot.config import load_settings\nSETTINGS = load_settings()",
        "from bot.config import Settings\nclass C:\n    settings = Settings()",
        "from bot.config import load_settings\ndef f(s=load_settings()):\n    pass",
        "import httpx\n@decorate(httpx.Client())\ndef f():\n    pass",
    ],
)
def test_import_time_checker_catches_work_at_import(source: str) -> None:
    assert import_time_work(source), f"missed: {source!r}"


def test_import_time_checker_lets_work_inside_functions_pass() -> None:
    source = (
        "import os\nfrom slack_bolt import App\n"
        "def main():\n    app = App(token=os.environ['T'])\n    return app\n"
        "if __name__ == '__main__':\n    App().start()\n"
    )
    assert import_time_work(source) == []


# ---- the whole tree ----


def _modules(area: str) -> list[tuple[str, str, str]]:
    """(path relative to the repository, dotted module name, source) of every module of area."""
    found = []
    for path in sorted(BOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        if _area_case(module) == area:
            found.append((relative.as_posix(), module, path.read_text()))
    return found


def _area_case(module: str) -> str:
    """The area a module is checked under: its package, or "root" for bot/*.py."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (BOT / parts[-1]).is_dir() else "root"


AREAS = sorted({p.name for p in BOT.iterdir() if (p / "__init__.py").is_file()} | {"root"})


def _import_violations(path: str, module: str, source: str) -> list[Violation]:
    return import_violations(module, source)


def _client_violations(path: str, module: str, source: str) -> list[Violation]:
    if path == COMPOSITION_ROOT:
        return []
    return [
        Violation(f"{path}:{line}", f"builds {name}( outside {COMPOSITION_ROOT}")
        for name, line in client_constructions(source)
    ]


def _module_size_violations(path: str, module: str, source: str) -> list[Violation]:
    lines = len(source.splitlines())
    if lines <= MAX_MODULE_LINES:
        return []
    return [Violation(path, f"{lines} lines (at most {MAX_MODULE_LINES})")]


def _function_size_violations(path: str, module: str, source: str) -> list[Violation]:
    return [
        Violation(f"{path}::{name}", f"{size} lines (at most {MAX_FUNCTION_LINES})")
        for name, size in long_functions(source)
        if f"{path}::{name}" not in DECLARATIVE_TABLES
    ]


def _import_time_violations(path: str, module: str, source: str) -> list[Violation]:
    return [Violation(f"{path}:{line}", what) for what, line in import_time_work(source)]


RULES = {
    "imports": _import_violations,
    "clients": _client_violations,
    "module_size": _module_size_violations,
    "function_size": _function_size_violations,
    "import_time": _import_time_violations,
}


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("rule", list(RULES))
def test_the_tree_keeps_the_rules_of_the_house(rule: str, area: str) -> None:
    check = RULES[rule]
    violations = [str(v) for m in _modules(area) for v in check(*m)]
    assert violations == [], "\n".join(violations)


def stale_exemptions(tables: Mapping[str, str], root: Path) -> list[str]:
    """Exempted ``path::qualname`` entries that name no function over the limit: a stale
    exemption would hide a real long function of the same name later."""
    stale = []
    for key in tables:
        path, name = key.split("::")
        source = (root / path).read_text() if (root / path).is_file() else ""
        if name not in dict(long_functions(source)):
            stale.append(key)
    return stale


def test_stale_exemption_checker(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(_function(41) + "\n\n" + _function(40, "g"))
    tables = {"m.py::f": "long", "m.py::g": "short", "gone.py::f": "no file"}
    assert stale_exemptions(tables, tmp_path) == ["m.py::g", "gone.py::f"]


def test_every_exempted_table_exists_and_is_long() -> None:
    assert stale_exemptions(DECLARATIVE_TABLES, ROOT) == []


# ---- tests/ mirrors bot/ ----


def layout_violations(tests: Path, bot: Path) -> list[Violation]:
    """Folders of Python files under ``tests`` that are not a package of ``bot``, and stray
    top-level tests. (A folder git leaves behind, empty or with only a cache, does not count.)"""
    found = []
    for folder in sorted({p.parent for p in tests.rglob("*.py")} - {tests}):
        relative = folder.relative_to(tests)
        if relative.parts[0] in TEST_FOLDERS_NOT_MIRRORED or "__pycache__" in relative.parts:
            continue
        if not (bot / relative / "__init__.py").is_file():
            found.append(Violation(f"tests/{relative.as_posix()}", f"no package bot/{relative}"))
    for path in sorted(tests.glob("test_*.py")):
        if path.name not in TOP_LEVEL_TEST_FILES:
            found.append(Violation(f"tests/{path.name}", "a test outside any area's folder"))
    return found


def test_layout_checker_catches_a_folder_without_a_package(tmp_path: Path) -> None:
    bot, tests = tmp_path / "bot", tmp_path / "tests"
    for package in ("bot/core", "bot/core/dupes"):
        (tmp_path / package).mkdir(parents=True)
        (tmp_path / package / "__init__.py").write_text("")
    for name in ("core/dupes/test_a.py", "fakes/slack.py", "rules/test_b.py", "test_stray.py"):
        (tests / name).parent.mkdir(parents=True, exist_ok=True)
        (tests / name).write_text("")
    (tests / "left_behind" / "__pycache__").mkdir(parents=True)  # what git leaves of a move
    (tests / "left_behind" / "__pycache__" / "test_c.cpython-311.pyc").write_bytes(b"")
    found = [v.where for v in layout_violations(tests, bot)]
    assert found == ["tests/rules", "tests/test_stray.py"]


def test_tests_mirror_bot() -> None:
    violations = [str(v) for v in layout_violations(TESTS, BOT)]
    assert violations == [], "\n".join(violations)
