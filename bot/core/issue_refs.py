"""Issue references as people write them: a whole issue URL (GitHub, GitLab, Jira, Linear)
or a bare key, read purely into the key the store resolves."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class IssueRefText:
    """An issue as the user named it: the key the store resolves, and the URL if one was given.

    ``key`` is ``owner/repo#N`` (GitHub), ``group/proj#N`` (GitLab) or ``ABC-12`` (Jira,
    Linear; upper-cased).
    """

    key: str
    url: str | None = None


_NUM = r"[1-9][0-9]{0,9}"
_TAIL = r"/?(?:[?#].*)?"
_KEY = r"[A-Za-z][A-Za-z0-9_]{0,9}-" + _NUM
_PATH = r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+"
_HOST = r"(?P<host>[A-Za-z0-9.-]+(?::[0-9]+)?)"
_GITHUB_URL = re.compile(
    rf"https?://{_HOST}/(?P<path>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/issues/(?P<num>{_NUM}){_TAIL}",
    re.ASCII | re.IGNORECASE,
)
_GITLAB_URL = re.compile(
    rf"https?://{_HOST}/(?P<path>{_PATH})/-/(?:issues|work_items)/(?P<num>{_NUM}){_TAIL}",
    re.ASCII | re.IGNORECASE,
)
_JIRA_URL = re.compile(
    rf"https?://{_HOST}/(?:[^\s?#]*/)?browse/(?P<key>{_KEY}){_TAIL}", re.ASCII | re.IGNORECASE
)
_LINEAR_URL = re.compile(
    rf"https?://linear\.app/[^/\s?#]+/issue/(?P<key>{_KEY})(?:/[^\s?#]*)?{_TAIL}",
    re.ASCII | re.IGNORECASE,
)
_PATH_KEY = re.compile(rf"(?P<path>{_PATH})#(?P<num>{_NUM})", re.ASCII)
_PROJECT_KEY = re.compile(_KEY, re.ASCII)


def parse_issue_ref(text: str) -> IssueRefText | None:
    """The issue ``text`` names — a whole issue URL or bare key, already unescaped — or None.

    GitHub URLs give ``owner/repo#N`` (on a host with ``gitlab`` in its name, a GitLab key);
    GitLab ``…/group/proj/-/issues/N`` gives ``group/proj#N``; Jira ``…/browse/ABC-12`` and
    Linear ``linear.app/org/issue/ENG-42/…`` give the upper-cased key. Bare keys: path keys
    as written, project keys upper-cased. Never raises.
    """
    text = text.strip()
    if match := _LINEAR_URL.fullmatch(text) or _JIRA_URL.fullmatch(text):
        return IssueRefText(match["key"].upper(), text)
    if match := _GITLAB_URL.fullmatch(text) or _GITHUB_URL.fullmatch(text):
        return IssueRefText(f"{match['path']}#{match['num']}", text)
    if match := _PATH_KEY.fullmatch(text):
        return IssueRefText(text)
    if _PROJECT_KEY.fullmatch(text):
        return IssueRefText(text.upper())
    return None
