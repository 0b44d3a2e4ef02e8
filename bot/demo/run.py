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
from pathlib import Path

from bot.config import Settings
from bot.core.orphans import rank_orphans
from bot.demo.credit_act import CreditAct, run_credit_act
from bot.demo.generator import DemoOrg, generate_demo, write_demo
from bot.demo.org import JIRA_SITE
from bot.duplicate_use_cases import DupesAnswer
from bot.services import Explanation, ImportResult, Ranked, ScoreSummary, Services
from bot.store import open_store
from bot.trackers.file_import import ImportFormat

# scoring.yaml / credit.yaml are taken from the user's rules folder when present, so that a
# tuned weight shows its effect on the demo; the demo brings its own teams.yaml.
_BORROWED_RULES = ("scoring.yaml", "credit.yaml")


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

    ``org`` replaces the generated organisation (tests use it to take a story apart).
    """
    started = time.perf_counter()
    workdir = keep or Path(tempfile.mkdtemp(prefix="impactbot-demo-"))
    try:
        result = _run_in(services, workdir, limit, org or generate_demo(services.clock()))
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    seconds = time.perf_counter() - started
    return replace(result, seconds=seconds, workdir=keep)


def _run_in(services: Services, workdir: Path, limit: int, org: DemoOrg) -> DemoResult:
    now = services.clock()
    demo = Services(
        Settings(db_path=workdir / "demo.db", rules_dir=_demo_rules(services, org, workdir)),
        clock=lambda: now,
    )
    exports = workdir / "exports"
    write_demo(org, exports)
    imports = [
        demo.import_file(
            exports / f.name,
            fmt=ImportFormat(f.format),
            source=f.source,
            timezone=f.timezone,
            site_url=JIRA_SITE if f.format == "jira-csv" else None,
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
        ranked = rank_orphans(store.load_score_cards(orphans_only=True), threshold=threshold)
    keys = [card.issue_uid.split(":", 1)[1] for card in ranked]
    return {
        story: (keys.index(key) + 1 if key in keys else None)
        for story, key in org.story_keys.items()
    }
