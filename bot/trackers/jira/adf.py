"""Atlassian Document Format (ADF) → plain text. Pure.

Jira Cloud's v3 API sends descriptions and comment bodies as ADF trees. The text keeps what
reference finding and duplicate detection need: words, link targets, mentions, and code
(fenced in Markdown backticks, so that ``bot.core.references`` ignores keys inside code, as
it does in GitHub text). Unknown node types are walked for their content, so a new ADF
node never loses its text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 64  # ADF nests a few levels; deeper trees are cut rather than recursed into

_BLOCKS = frozenset(
    {
        "paragraph", "heading", "blockquote", "bulletList", "orderedList", "listItem",
        "codeBlock", "rule", "panel", "table", "tableRow", "tableHeader", "tableCell",
        "mediaSingle", "mediaGroup", "blockCard", "embedCard", "expand", "nestedExpand",
        "decisionList", "decisionItem", "taskList", "taskItem", "layoutSection",
        "layoutColumn",
    }
)  # fmt: skip


def adf_to_text(value: object) -> str:
    """The text of an ADF document; a plain string (API v2 style) is returned as is and
    anything else (None, numbers) as ``""``. Never raises for any JSON value."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping):
        return ""
    return _render(value, 0).strip()


def _render(node: Mapping[str, Any], depth: int) -> str:
    kind = node.get("type")
    attrs = node.get("attrs") if isinstance(node.get("attrs"), Mapping) else {}
    assert isinstance(attrs, Mapping)
    if kind == "text":
        return _text(node)
    if kind == "hardBreak":
        return "\n"
    if kind == "rule":
        return "---"
    if kind in ("mention", "emoji", "status", "placeholder"):
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind in ("inlineCard", "blockCard", "embedCard"):
        return str(attrs.get("url") or "")
    if kind == "codeBlock":
        return "```\n" + _children(node, depth) + "\n```"
    text = _children(node, depth)
    if kind == "listItem":
        return "- " + text
    if kind == "tableRow":
        return " | ".join(_render(c, depth + 1) for c in _content(node))
    return text


def _children(node: Mapping[str, Any], depth: int) -> str:
    if depth >= MAX_DEPTH:
        return ""
    children = _content(node)
    parts = [_render(child, depth + 1) for child in children]
    block = any(child.get("type") in _BLOCKS for child in children)
    return "\n".join(p for p in parts if p) if block else "".join(parts)


def _content(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    content = node.get("content")
    if not isinstance(content, list):
        return []
    return [child for child in content if isinstance(child, Mapping)]


def _text(node: Mapping[str, Any]) -> str:
    """A text node with its marks: code spans in backticks, a link's target after its text."""
    text = str(node.get("text") or "")
    marks = node.get("marks") if isinstance(node.get("marks"), list) else []
    assert isinstance(marks, list)
    for mark in (m for m in marks if isinstance(m, Mapping)):
        attrs = mark.get("attrs") if isinstance(mark.get("attrs"), Mapping) else {}
        assert isinstance(attrs, Mapping)
        if mark.get("type") == "code":
            text = f"`{text}`"
        elif mark.get("type") == "link" and attrs.get("href") and attrs["href"] != text:
            text = f"{text} ({attrs['href']})"
    return text


def text_to_adf(text: str) -> dict[str, Any]:
    """A plain-text comment as an ADF document: one paragraph per line, empty lines kept
    apart (Jira rejects a comment body that is not ADF)."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}] if line else []}
        for line in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}
