"""The naive Jira sync the benchmark compares against: page ``/rest/api/3/search/jql`` for
everything with ``fields=*all`` at the default page size, every time (no cursor, no
overlap logic, no skipping of unchanged issues), and keep the decoded issues."""

from __future__ import annotations

import base64
from typing import Any

import httpx


def run_peer(site: str, email: str, token: str, projects: tuple[str, ...]) -> dict[str, Any]:
    """Read every issue of ``projects``; returns how many it saw."""
    auth = base64.b64encode(f"{email}:{token}".encode()).decode()
    headers = {"Authorization": f"Basic {auth}", "Accept": "application/json"}
    jql = f"project in ({', '.join(projects)}) ORDER BY key ASC"
    issues: list[dict[str, Any]] = []
    with httpx.Client(base_url=site, headers=headers, timeout=60) as http:
        token_: str | None = None
        while True:
            body: dict[str, Any] = {"jql": jql, "fields": ["*all"]}
            if token_:
                body["nextPageToken"] = token_
            page = http.post("/rest/api/3/search/jql", json=body).raise_for_status().json()
            issues += page["issues"]
            token_ = page.get("nextPageToken")
            if page.get("isLast", token_ is None):
                break
    return {"seen": len(issues)}
