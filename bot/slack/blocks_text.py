"""Block Kit blocks read as terminal text: what a dry run prints is what Slack would show.

``digest --dry-run`` (and the demo) print a manager's digest from the very blocks a send
posts, so the terminal shows the buttons too — ``[Claim… pick an assignee ▾]``, ``[Not ours]``,
``[Snooze 4 weeks]`` — and can never drift from the message. Pure: blocks in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.slack.blocks_kit import Block
from bot.slack.text import unescape

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")
_BOLD = re.compile(r"\*([^*\n]+)\*")  # the bot's own bold: quoted `*` were made inert (∗)
_ITALIC_LINE = re.compile(r"^_(.+)_$", re.MULTILINE)


def blocks_as_text(blocks: Sequence[Block]) -> str:
    """The blocks as lines of plain text: headers, sections (links as ``label <url>``),
    context, dividers, and each interactive element in brackets, a select with ``▾``."""
    lines: list[str] = []
    for block in blocks:
        lines += _block_lines(block)
    return "\n".join(lines)


def _block_lines(block: Block) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [_plain(block["text"]["text"])]
    if kind == "divider":
        return ["─" * 40]
    if kind == "context":
        return [" ".join(_plain(e.get("text", "")) for e in block.get("elements", []))]
    if kind == "actions":
        return ["   " + " ".join(_control(e) for e in block.get("elements", []))]
    if kind == "section":
        text = _plain(block.get("text", {}).get("text", ""))
        accessory = block.get("accessory")
        return [text + ("  " + _control(accessory) if accessory else "")]
    return []


def _control(element: Block) -> str:
    if element.get("type") == "button":
        return f"[{_plain(element['text']['text'])}]"
    placeholder = element.get("placeholder", {}).get("text", "choose")
    count = len(element.get("options", []))
    people = f" ({count} to choose from)" if count else ""
    return f"[{_plain(placeholder)} ▾{people}]"


def _plain(mrkdwn: str) -> str:
    text = _LINK.sub(lambda m: f"{m[2]} <{m[1]}>", mrkdwn)
    text = _ITALIC_LINE.sub(r"\1", _BOLD.sub(r"\1", text))
    return unescape(text)
