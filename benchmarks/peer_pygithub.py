"""The peer of the sync benchmark: the PyGithub script a user would otherwise write.

Lists every issue of each repository (100 a page, no throttling: PyGithub's best settings)
and reads each issue's REST timeline for ``cross-referenced`` events. Runs in a child
process of its own (see ``benchmarks.github_sync``, which also times it and reads its RSS),
so its peak memory is its own; PyGithub is imported when this module is, in that child.

Pull requests are recognised by their ``html_url`` rather than the idiomatic
``issue.pull_request``: that attribute is absent from non-PR list items, and PyGithub
completes a partially loaded object with one more ``GET`` per issue when an absent
attribute is read — twice the requests. The peer avoids it, to be fair.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any


def import_pygithub() -> ModuleType:
    """PyGithub's ``github`` — never a ``github.py`` of ours (``tests/fakes/github.py``) that a
    test runner may have put on ``sys.path``."""
    cached = sys.modules.get("github")
    if cached is not None and hasattr(cached, "Github"):
        return cached
    sys.modules.pop("github", None)
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if not (Path(p or ".") / "github.py").is_file()]
    try:
        return importlib.import_module("github")
    finally:
        sys.path[:] = saved


github = import_pygithub()


def run_peer(url: str, token: str, repos: tuple[str, ...]) -> dict[str, Any]:
    """Read every issue and its timeline; returns what was found."""
    gh = github.Github(
        auth=github.Auth.Token(token), base_url=url, per_page=100, seconds_between_requests=None
    )
    issues = 0
    refs: set[tuple[str, str]] = set()
    try:
        for name in repos:
            for issue in gh.get_repo(name).get_issues(state="all"):
                if "/pull/" in issue.html_url:
                    continue
                issues += 1
                refs.update(_cross_references(issue, f"{name}#{issue.number}"))
    finally:
        gh.close()
    return {"issues_seen": issues, "cross_refs": sorted(refs)}


def _cross_references(issue: Any, key: str) -> list[tuple[str, str]]:
    """(target, source) for each issue (not pull request) that cross-referenced ``issue``."""
    found = []
    for event in issue.get_timeline():
        if event.event != "cross-referenced" or event.source is None:
            continue
        source = event.source.issue
        if source is None or "/pull/" in source.html_url:
            continue
        found.append((key, f"{source.repository.full_name}#{source.number}"))
    return found
