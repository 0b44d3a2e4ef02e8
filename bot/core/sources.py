"""Which configured tracker instance a reference in text points into.

Issue keys are only unique inside one source (``ABC-12`` can exist in two Jira sites,
``group/proj#5`` in GitHub and GitLab), so a reference becomes a link pinned to a source where
the text says enough, and stays unpinned (resolved later only if exactly one stored issue
has the key) where it does not. What "enough" means:

- a URL names its host: the source serving that host, whatever tracker the text is in;
- ``owner/repo#N`` and ``#N`` written in a GitHub or GitLab issue mean that same instance;
- a bare ``ABC-12`` belongs to the sources whose ``key_pattern`` matches it: the text's own
  source if it is one of them, else the only one; a Jira text with no pattern keeps bare keys
  to itself (Jira users write keys of their own site bare).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from bot.core.models import Frozen, TrackerKind
from bot.core.references import TextReference
from bot.core.rules_sources import SourcesRules

_FORGE = (TrackerKind.GITHUB, TrackerKind.GITLAB)


class SourceInfo(Frozen):
    """One configured tracker instance, as reference resolution needs it."""

    name: str
    kind: TrackerKind
    hosts: tuple[str, ...] = ()  # lower-case ``host[:port]`` its web URLs use
    key_pattern: str | None = None  # regex matched whole against bare ``ABC-12`` keys


class SourceMap:
    """Pins text references to sources; see the module docstring for the rules."""

    def __init__(self, sources: Iterable[SourceInfo]) -> None:
        self.sources = {s.name: s for s in sources}
        self._by_host: dict[str, list[str]] = {}
        for info in self.sources.values():
            for host in info.hosts:
                self._by_host.setdefault(host.lower(), []).append(info.name)
        self._patterns = {
            s.name: re.compile(s.key_pattern) for s in self.sources.values() if s.key_pattern
        }

    @classmethod
    def from_rules(cls, rules: SourcesRules, hosts: Mapping[str, Sequence[str]]) -> SourceMap:
        """The map of every source in ``rules``; ``hosts`` gives each source's web hosts
        (they come from settings, which the core does not read). Jira and Linear sources
        without a ``key_pattern`` claim their projects' / teams' keys."""
        infos: list[SourceInfo] = []
        if rules.github:
            infos.append(_info(rules.github.source, TrackerKind.GITHUB, hosts, None))
        for jira in rules.jira:
            pattern = jira.key_pattern or _prefixes(jira.projects)
            infos.append(_info(jira.source, TrackerKind.JIRA, hosts, pattern))
        for linear in rules.linear:
            pattern = linear.key_pattern or _prefixes(linear.teams)
            infos.append(_info(linear.source, TrackerKind.LINEAR, hosts, pattern))
        for gitlab in rules.gitlab:
            infos.append(_info(gitlab.source, TrackerKind.GITLAB, hosts, gitlab.key_pattern))
        return cls(infos)

    def with_source(self, info: SourceInfo) -> SourceMap:
        """This map plus (or with a replaced) ``info`` — for imports of unconfigured sources."""
        return SourceMap([*(s for s in self.sources.values() if s.name != info.name), info])

    def source_of(self, ref: TextReference, *, home: str) -> str | None:
        """The source ``ref`` (found in an issue of source ``home``) points into, or None
        when the text does not say. Never raises."""
        home_info = self.sources.get(home)
        if ref.host is not None:
            return self._by_url(ref, home_info)
        if ref.tracker is TrackerKind.GITHUB:  # owner/repo#N or #N
            return home if home_info is None or home_info.kind in _FORGE else None
        return self._by_key(ref.key, home_info)

    def _by_url(self, ref: TextReference, home: SourceInfo | None) -> str | None:
        assert ref.host is not None
        named = self._by_host.get(ref.host, [])
        if len(named) == 1:
            return named[0]
        if not named and home is not None and home.kind is ref.tracker and not home.hosts:
            return home.name  # the text's own tracker, whose address we were not told
        return None

    def _by_key(self, key: str, home: SourceInfo | None) -> str | None:
        matching = [name for name, p in self._patterns.items() if p.fullmatch(key)]
        if home is not None and home.name in matching:
            return home.name
        if len(matching) == 1:
            return matching[0]
        if home is None or matching or home.kind is not TrackerKind.JIRA:
            return None
        return home.name if home.name not in self._patterns else None


def _info(
    name: str, kind: TrackerKind, hosts: Mapping[str, Sequence[str]], pattern: str | None
) -> SourceInfo:
    return SourceInfo(
        name=name,
        kind=kind,
        hosts=tuple(h.lower() for h in hosts.get(name, ())),
        key_pattern=pattern,
    )


def _prefixes(keys: Sequence[str]) -> str | None:
    """``(ASR|DATA)-[1-9][0-9]*`` for project / team keys ``ASR``, ``DATA``; None for none."""
    if not keys:
        return None
    return "(?:" + "|".join(re.escape(k) for k in keys) + ")-[1-9][0-9]*"


def host_of(url: str) -> str:
    """``host[:port]``, lower-cased, of an absolute URL (``https://Acme.io/x`` → ``acme.io``)."""
    return url.split("://", 1)[-1].split("/", 1)[0].lower()
