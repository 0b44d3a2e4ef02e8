"""``impactbot demo``: the whole loop on the generated demo organisation.

Generates the demo's exports (plain gh JSON and Jira CSV), imports them through the same
``Services.import_file`` a user's export goes through, scores, and ranks the orphans —
in a temporary folder and database, so the user's own store is never touched.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from bot.app.results import DupesAnswer, Explanation, ImportResult, Ranked, ScoreSummary
from bot.app.services import Services
from bot.config import Settings
from bot.core.models import Visibility
from bot.core.orphans import rank_orphans
from bot.demo.credit_act import WEEK, CreditAct, run_credit_act
from bot.demo.generator import DemoOrg, generate_demo, write_demo
from bot.demo.org import JIRA_SITE
from bot.errors import ImpactbotError
from bot.store import open_store
from bot.trackers.file_import import ImportFormat

# scoring.yaml / credit.yaml are taken from the user's rules folder when present, so that a
# tuned weight shows its effect on the demo; the demo brings its own teams.yaml.
_BORROWED_RULES = ("scoring.yaml", "credit.yaml")
# The kept folder uses the settings' defaults (./impactbot.db, ./rules), so that every command
# works there with no flags; this file marks it as the demo's, which a second run may replace.
DEMO_DB = "impactbot.db"
DEMO_MARKER = "DEMO.txt"
_DEMO_OUTPUTS = (DEMO_DB, f"{DEMO_DB}-wal", f"{DEMO_DB}-shm", "exports", "rules", DEMO_MARKER)


@dataclass(frozen=True)
class DemoResult:
    imports: list[ImportResult]
    summary: ScoreSummary
    top: list[Ranked]
    story_ranks: dict[str, int | None]  # story → 1-based rank among orphans (None: not one)
    first: Explanation | None
    alike: DupesAnswer | None  # what reads like the first of the two duplicate requests
    credit: CreditAct | None
    seconds: float
    workdir: Path | None  # kept folder, or None when it was temporary


def run_demo(
    services: Services, *, limit: int = 10, keep: Path | None = None, org: DemoOrg | None = None
) -> DemoResult:
    """Run the demo; with ``keep``, leave its exports, rules and database in that folder.

    The story starts a week before ``services.clock()`` (Monday's digests) and ends at it
    (the fix lands, credit follows), so the kept database is dated now: run in the folder,
    ``leaderboard --period 30d`` shows the credit the demo showed. A folder a previous demo
    kept is emptied of the demo's files first (a second run never adds to the old ledger);
    any other non-empty folder is refused with ``ImpactbotError`` before anything is written.
    ``org`` replaces the generated organisation (tests use it to take a story apart); it
    should be generated as of ``story_start(services.clock())``.
    """
    started = time.perf_counter()
    if keep is not None:
        _prepare_kept_folder(keep)
    workdir = keep or Path(tempfile.mkdtemp(prefix="impactbot-demo-"))
    monday = story_start(services.clock())
    try:
        result = _run_in(services, workdir, limit, org or generate_demo(monday), monday)
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    seconds = time.perf_counter() - started
    return replace(result, seconds=seconds, workdir=keep)


def story_start(now: datetime) -> datetime:
    """When the demo's story begins: the Monday a week before ``now``, when it ends."""
    return now - WEEK


def _prepare_kept_folder(folder: Path) -> None:
    """Empty a folder a previous demo kept of the demo's files; refuse any other non-empty one."""
    if folder.exists() and not folder.is_dir():
        raise ImpactbotError(f"{folder} is a file; give --keep a new or empty folder")
    if not folder.exists() or not any(folder.iterdir()):
        return
    if not (folder / DEMO_MARKER).is_file():
        raise ImpactbotError(
            f"{folder} is not empty and was not made by `impactbot demo`; "
            "give --keep a new or empty folder (or one a previous demo kept)"
        )
    for name in _DEMO_OUTPUTS:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _write_marker(workdir: Path, org: DemoOrg, now: datetime) -> None:
    fix = org.story_keys.get("taxonomy_fix", "KEY")
    (workdir / DEMO_MARKER).write_text(
        f"This folder was made by `impactbot demo` at {now:%Y-%m-%d %H:%M} UTC.\n"
        "Every impactbot command works here with no flags, on the demo's data "
        f"(./{DEMO_DB}, ./rules), for example:\n\n"
        "    impactbot orphans --limit 20\n"
        f"    impactbot explain {fix}\n"
        "    impactbot digest --dry-run\n"
        "    impactbot leaderboard --period 30d\n"
        "    impactbot credit --team data-labelling --period 30d\n\n"
        "Running `impactbot demo --keep` into this folder again starts it afresh.\n",
        encoding="utf-8",
    )


def _run_in(
    services: Services, workdir: Path, limit: int, org: DemoOrg, monday: datetime
) -> DemoResult:
    demo = services.reconfigured(
        Settings(db_path=workdir / DEMO_DB, rules_dir=_demo_rules(services, org, workdir)),
        clock=lambda: monday,
    )
    _write_marker(workdir, org, services.clock())
    exports = workdir / "exports"
    write_demo(org, exports)
    imports = [
        demo.import_file(
            exports / f.name,
            fmt=ImportFormat(f.format),
            source=f.source,
            timezone=f.timezone,
            site_url=JIRA_SITE if f.format == "jira-csv" else None,
            visibility=Visibility.PUBLIC,  # the demo organisation hides nothing
        )
        for f in org.files
    ]
    summary = demo.score()
    top = demo.orphans(limit=limit)
    return DemoResult(
        imports=imports,
        summary=summary,
        top=top,
        story_ranks=_story_ranks(demo, org, summary.threshold),
        first=demo.explain(top[0].key) if top else None,
        alike=_alike(demo, org),
        credit=run_credit_act(demo, org, exports),
        seconds=0.0,
        workdir=None,
    )


def _alike(demo: Services, org: DemoOrg) -> DupesAnswer | None:
    """Two teams asking for the same work without knowing it: ``impactbot dupes`` on one."""
    key = org.story_keys.get("duplicate_a")
    return demo.dupes(key, limit=3) if key else None


def _demo_rules(services: Services, org: DemoOrg, workdir: Path) -> Path:
    rules_dir = workdir / "rules"
    rules_dir.mkdir(parents=True, exist_ok=True)
    (rules_dir / "teams.yaml").write_text(org.teams_yaml, encoding="utf-8")
    for name in _BORROWED_RULES:
        user_file = services.settings.rules_dir / name
        if user_file.is_file():
            shutil.copyfile(user_file, rules_dir / name)
    return rules_dir


def _story_ranks(demo: Services, org: DemoOrg, threshold: float) -> dict[str, int | None]:
    with open_store(demo.settings.db_path) as store:
        ranked = rank_orphans(store.scores.all(orphans_only=True), threshold=threshold)
    keys = [card.issue_uid.split(":", 1)[1] for card in ranked]
    return {
        story: (keys.index(key) + 1 if key in keys else None)
        for story, key in org.story_keys.items()
    }
