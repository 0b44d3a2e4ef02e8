"""Finding issue references in free text (titles, bodies, comments).

Recognised forms, in the order they are tried at each position:

- GitHub issue / pull request URLs on any host (github.com or GitHub Enterprise):
  ``https://host/owner/repo/issues/123`` or ``.../pull/123`` → ``owner/repo#123``;
- GitLab issue URLs on any host, groups nested to any depth:
  ``https://gitlab.com/group/sub/proj/-/issues/12`` → ``group/sub/proj#12``;
- Linear issue URLs: ``https://linear.app/acme/issue/ENG-12/some-slug`` → ``ENG-12``;
- Jira browse URLs on any host, with or without a context path:
  ``https://acme.atlassian.net/browse/ABC-12`` → ``ABC-12``;
- ``owner/repo#123`` (GitLab: ``group/sub/proj#123``);
- ``#123``, resolved against the ``container`` (``owner/repo``) the text belongs to;
- bare Jira keys ``ABC-123``: an uppercase project key of 2-10 characters starting with a
  letter, except well-known non-issue names (``UTF-8``, ``SHA-256``, ``ISO-8601``...,
  see :data:`NOT_JIRA_PROJECTS`).

Any other URL is skipped whole, so keys inside unrelated links are not picked up. Text in
Markdown code (fenced blocks, inline code spans) and Jira ``{code}``/``{noformat}`` blocks and
``{{monospace}}`` is ignored: keys there are usually identifiers, not references.

Keys are returned as written (GitHub owner/repo case is not folded).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable

from bot.core.models import Frozen, IssueLink, IssueRef, LinkKind, TrackerKind

#: Uppercase words that look like Jira project keys in ``WORD-123`` but are standards,
#: algorithms or names; a bare ``WORD-N`` with one of these is not a reference.
NOT_JIRA_PROJECTS: frozenset[str] = frozenset(
    {
        "AES", "ANSI", "ASCII", "AVX", "COVID", "CVE", "CWE", "ECMA", "FIPS", "GPT", "HTTP",
        "HTTPS", "IEC", "IEEE", "ISO", "MD", "MPEG", "OAUTH", "PEP", "RFC", "RSA", "SARS",
        "SHA", "SSL", "TLS", "UCS", "UTF", "WCAG",
    }
)  # fmt: skip

_OWNER = r"[A-Za-z0-9][A-Za-z0-9_-]{0,38}"
_REPO = r"[A-Za-z0-9._-]{1,100}"
_HOST = r"[A-Za-z0-9.-]+(?::\d+)?"
_JIRA_KEY = r"[A-Z][A-Z0-9_]{1,9}-[1-9][0-9]*"
_URL_CHAR = r"[^\s<>()\[\]{}|\"'`]"
_SEGMENT = r"[^\s<>()\[\]{}|\"'`/?#]+"
_GROUP = r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}"
_LINEAR_KEY = r"[A-Z][A-Z0-9]{0,6}-[1-9][0-9]*"

_REFERENCE = re.compile(
    rf"""
    https?://(?P<gh_host>{_HOST})/(?P<gh_owner>{_OWNER})/(?P<gh_repo>{_REPO})
        /(?:issues|pull)/(?P<gh_num>[0-9]+)(?![0-9A-Za-z_]) (?:[/?#]{_URL_CHAR}*)?
  | https?://(?P<gl_host>{_HOST})/(?P<gl_path>{_GROUP}(?:/{_GROUP})+)
        /-/(?:issues|work_items)/(?P<gl_num>[0-9]+)(?![0-9A-Za-z_]) (?:[/?#]{_URL_CHAR}*)?
  | https?://(?P<lin_host>linear\.app)/{_SEGMENT}/issue/(?P<lin_key>{_LINEAR_KEY})
        (?![0-9A-Za-z_]) (?:[/?#]{_URL_CHAR}*)?
  | https?://(?P<jira_host>{_HOST})/(?:{_SEGMENT}/)*browse/(?P<jira_url_key>{_JIRA_KEY})
        (?![0-9A-Za-z_-]) (?:[/?#]{_URL_CHAR}*)?
  | https?://{_URL_CHAR}+
  | (?<![\w./-])(?P<owner>{_OWNER}(?:/{_GROUP})*)/(?P<repo>{_REPO})\#(?P<num>[1-9][0-9]*)
        (?![0-9A-Za-z_])
  | (?<![\w&\#/-])\#(?P<short_num>[1-9][0-9]*)(?![0-9A-Za-z_])
  | (?<![\w-])(?P<jira_key>{_JIRA_KEY})(?![0-9A-Za-z_])
    """,
    re.VERBOSE,
)

_CODE = re.compile(
    r"""
    ^[ \t]{0,3}(?P<fence>`{3,}+|~{3,}+)[^\n]*\n.*?(?:^[ \t]{0,3}(?P=fence)[`~]*[ \t]*$|\Z)
  | \{(?P<jira_block>code|noformat)(?::[^}\n]*)?\}.*?(?:\{(?P=jira_block)\}|\Z)
  | \{\{[^\n{}]*\}\}
  | (?<!`)(?P<ticks>`++)(?:(?!\n[ \t]*\n).)+?(?<!`)(?P=ticks)(?!`)
    """,
    re.VERBOSE | re.MULTILINE | re.DOTALL,
)


class TextReference(Frozen):
    """One issue mentioned in text.

    ``key`` is ``owner/repo#N`` (GitHub, GitLab) or ``ABC-N`` (Jira, Linear). ``tracker`` is
    the family the *form* says: a URL says it exactly; ``owner/repo#N`` is reported as GitHub
    and a bare ``ABC-N`` as Jira, though either may belong to a GitLab or Linear source (see
    ``bot.core.sources.SourceMap``, which decides). ``host`` is the lower-cased host
    when the reference was written as a URL, else ``None`` — callers use it to decide whether
    the reference points into the same tracker instance as the text.
    """

    key: str
    tracker: TrackerKind
    host: str | None = None


def strip_code(text: str) -> str:
    """``text`` with code blocks and code spans replaced by a single space each."""
    return _CODE.sub(" ", text)


def extract_references(
    text: str,
    *,
    container: str | None = None,
    exclude: str | None = None,
) -> list[TextReference]:
    """Every issue reference in ``text``, deduplicated by key and host (``a/b#1`` and a
    github.com URL to it may name different instances), in first-seen order.

    ``container`` (``owner/repo``) resolves short ``#123`` references; without it they are
    skipped. A reference whose key equals ``exclude`` (the issue's own key) is dropped.
    Never raises for any ``str`` input.
    """
    found: dict[tuple[str, str | None], TextReference] = {}
    for match in _REFERENCE.finditer(strip_code(text)):
        ref = _to_reference(match, container)
        if ref is not None and ref.key != exclude and (ref.key, ref.host) not in found:
            found[(ref.key, ref.host)] = ref
    return list(found.values())


def reference_links(
    texts: Iterable[tuple[str, str]],
    *,
    exclude: str,
    source_of: Callable[[TextReference], str | None],
    container: str | None = None,
    skip: Collection[str] = (),
) -> list[IssueLink]:
    """One ``REFERENCES`` link per distinct (source, key) mentioned in ``texts``, in
    first-seen order.

    ``texts`` pairs each text with the evidence to record for what is first found in it;
    ``source_of`` says which tracker instance a reference points into (``None``: unknown).
    Keys in ``skip`` (already linked some other way) and ``exclude`` get no link.
    """
    links: dict[tuple[str | None, str], IssueLink] = {}
    for text, evidence in texts:
        for found in extract_references(text, container=container, exclude=exclude):
            target = IssueRef(key=found.key, source=source_of(found))
            # By source too: `g/p#1` of this GitLab and a github.com URL to g/p#1 differ.
            if (target.source, found.key) not in links and found.key not in skip:
                links[(target.source, found.key)] = IssueLink(
                    kind=LinkKind.REFERENCES, target=target, evidence=evidence
                )
    return list(links.values())


def _to_reference(match: re.Match[str], container: str | None) -> TextReference | None:
    group = match.group
    if group("gh_num") is not None:
        key = f"{group('gh_owner')}/{group('gh_repo')}#{int(group('gh_num'))}"
        return TextReference(key=key, tracker=TrackerKind.GITHUB, host=group("gh_host").lower())
    if group("gl_num") is not None:
        key = f"{group('gl_path')}#{int(group('gl_num'))}"
        return TextReference(key=key, tracker=TrackerKind.GITLAB, host=group("gl_host").lower())
    if group("lin_key") is not None:
        return TextReference(key=group("lin_key"), tracker=TrackerKind.LINEAR, host="linear.app")
    if group("jira_url_key") is not None:
        host = group("jira_host").lower()
        return TextReference(key=group("jira_url_key"), tracker=TrackerKind.JIRA, host=host)
    if group("num") is not None:
        key = f"{group('owner')}/{group('repo')}#{group('num')}"
        return TextReference(key=key, tracker=TrackerKind.GITHUB)
    if group("short_num") is not None:
        if container is None:
            return None
        return TextReference(key=f"{container}#{group('short_num')}", tracker=TrackerKind.GITHUB)
    key = group("jira_key")
    if key is None or key.split("-", 1)[0] in NOT_JIRA_PROJECTS:
        return None  # an unrelated URL, skipped whole, or a standard's name
    return TextReference(key=key, tracker=TrackerKind.JIRA)
