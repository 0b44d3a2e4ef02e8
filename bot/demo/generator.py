"""The demo organisation generator: a realistic fake "Acme AI" for ``impactbot demo``.

``generate_demo(now, seed)`` builds, with no network and no tokens, a ``teams.yaml`` plus the
tracker exports the real tools would write (one ``gh issue list --json`` file per GitHub repo,
one Jira Cloud CSV), about 3,000 issues in all, with the problem stories hidden among them
(``DemoOrg.story_keys``). Deterministic for ``(now, seed)``: every date is relative to ``now``
and all randomness comes from ``random.Random(seed)``.

Run ``python -m bot.demo.generator --out DIR [--now ISO] [--seed N]`` to write the files.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from bot.demo.chatter import add_chatter
from bot.demo.gh import GhRenderer
from bot.demo.jira import render_jira
from bot.demo.noise import number_issues, plan_noise
from bot.demo.org import Org, build_org, teams_yaml
from bot.demo.plan import Clock, Ctx, PlannedIssue
from bot.demo.stories import MAIN_STORIES, fill_stories, place_stories

DEMO_SEED = 2026
JIRA_TIMEZONE = "Europe/Berlin"
GITHUB_SOURCE = "github"
JIRA_SOURCE = "jira-acme"
TEAMS_FILE = "teams.yaml"


@dataclass(frozen=True)
class DemoFile:
    """One tracker export: ``name`` (file name), ``format``, the ``source`` to import it as,
    its text, and the time zone its naive dates are in (Jira CSV only)."""

    name: str
    format: Literal["gh-json", "jira-csv"]
    source: str
    content: str
    timezone: str | None


@dataclass(frozen=True)
class DemoOrg:
    """``teams.yaml`` text, the exports, and story name → issue key (``acme/repo#N``, ``ASR-N``).

    ``story_keys`` has exactly the six stories: ``taxonomy_fix``, ``duplicate_a``,
    ``duplicate_b``, ``decoy_popular``, ``decoy_typo``, ``decoy_in_progress``.
    ``supporting_keys`` names the issues that tell them: ``taxonomy_ref_{asr,vision,nlp,recsys}``
    (each references the taxonomy fix) and ``in_progress_ref_{asr,nlp,vision}``.
    """

    teams_yaml: str
    files: tuple[DemoFile, ...]
    story_keys: dict[str, str]
    supporting_keys: dict[str, str] = field(default_factory=dict)


def generate_demo(now: datetime, seed: int = DEMO_SEED) -> DemoOrg:
    """Build the demo organisation as of ``now`` (tz-aware; raises ValueError if naive).

    Same ``(now, seed)`` → identical output, byte for byte. Nothing is written.
    """
    rng = random.Random(seed)
    ctx = Ctx(build_org(rng), rng, Clock(now))
    stories = place_stories(ctx)
    grouped = number_issues(ctx, plan_noise(ctx) + stories)
    keys = fill_stories(stories)
    add_chatter(ctx, grouped)
    story_keys = {name: keys[name] for name in MAIN_STORIES}
    supporting = {name: key for name, key in keys.items() if name not in story_keys}
    files = _files(ctx.org, grouped, seed)
    return DemoOrg(teams_yaml(ctx.org, seed), files, story_keys, supporting)


def _files(org: Org, grouped: dict[str, list[PlannedIssue]], seed: int) -> tuple[DemoFile, ...]:
    renderer = GhRenderer(seed, viewer=org.manager("platform"))
    files: list[DemoFile] = []
    jira: list[PlannedIssue] = []
    for container in org.containers:
        issues = grouped[container.name]
        if container.tracker == "jira":
            jira += issues
            continue
        name = f"github-{container.name.replace('/', '-')}.json"
        files.append(DemoFile(name, "gh-json", GITHUB_SOURCE, renderer.render(issues), None))
    content = render_jira(jira, JIRA_TIMEZONE)
    files.append(DemoFile("jira-acme.csv", "jira-csv", JIRA_SOURCE, content, JIRA_TIMEZONE))
    return tuple(files)


def write_demo(org: DemoOrg, directory: Path) -> list[Path]:
    """Write ``teams.yaml`` and every export into ``directory`` (created if missing).

    Files are written as UTF-8 with their line ends untouched; returns the paths written,
    ``teams.yaml`` first. Existing files of the same names are replaced.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / TEAMS_FILE, *(directory / f.name for f in org.files)]
    for path, text in zip(paths, [org.teams_yaml, *(f.content for f in org.files)], strict=True):
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return paths


def main(argv: list[str] | None = None) -> int:
    """CLI: write the demo files; prints each path. ``--now`` defaults to the current time."""
    parser = argparse.ArgumentParser(prog="python -m bot.demo.generator", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--now", help="ISO 8601 time with offset (default: now, UTC)")
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    if now.tzinfo is None:
        parser.error("--now needs a time zone offset, e.g. 2026-03-01T09:00:00+00:00")
    for path in write_demo(generate_demo(now, args.seed), args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
