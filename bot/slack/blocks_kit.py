"""Block Kit primitives shared by every builder: Slack's limits, escaping, clipping, fitting.

Pure: dicts in, dicts out. Every builder goes through :func:`clip` for text and
:func:`fit_blocks` for block counts, so no message or view breaks a Slack limit; anything cut
says so (``…``, or "…and N more — <hint>").

mrkdwn text from users, rules and trackers passes through :func:`escape` (entities for ``&``,
``<``, ``>``; look-alikes for ``*``, backtick, ``~``)
before it is composed; :func:`link` builds ``<url|label>`` safely.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Re-exported: the one escaping function lives in the core, beside Slack's other text rules.
from bot.slack.text import escape as escape

#: A Block Kit block (or view, or attachment) as a JSON-ready dict.
Block = dict[str, Any]
#: One unit for :func:`fit_blocks`: a block, or an item's blocks kept or dropped together.
Unit = Block | tuple[Block, ...]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_CONTEXT_TEXT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_LINK_URL = 1000  # longer URLs are left out of mrkdwn links: they would eat the text budget

# Every action_id and callback_id the builders emit; listeners register on these.
ACTION_OPEN_ISSUE = "impact_open_issue"  # link button; Slack still sends an action to ack
ACTION_WHY = "impact_why"  # value: the issue uid (``source:key``)
ACTION_FLAG = "impact_flag"  # value: the issue uid
CALLBACK_HOME = "impact_home"  # callback_id of the App Home view

ELLIPSIS = "…"


def clip(text: str, limit: int, *, markup: bool = True) -> str:
    """``text`` if it has at most ``limit`` characters, else its start and ``…`` in exactly
    ``limit`` characters or fewer.

    With ``markup`` (mrkdwn, already escaped) the cut never splits an ``&…;`` entity or a
    ``<…>`` link, mention or date token: it moves back before it. ``limit`` ≥ 1 (ValueError).
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if markup:
        cut = _before_open_token(cut)
    return cut + ELLIPSIS


def _before_open_token(cut: str) -> str:
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut


def link(url: str | None, label: str) -> str:
    """The mrkdwn link ``<url|label>`` (``label`` escaped here); just the escaped label when
    ``url`` is missing, not http(s), or longer than :data:`MAX_LINK_URL`."""
    shown = escape(label)
    if not url or not url.startswith(("https://", "http://")) or len(url) > MAX_LINK_URL:
        return shown
    safe = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E")
    return f"<{safe.replace('|', '%7C').replace(' ', '%20')}|{shown}>"


def fit_blocks(blocks: Sequence[Unit], limit: int, more_hint: str) -> list[Block]:
    """At most ``limit`` blocks: all of ``blocks`` (flattened) when they fit; else the leading
    units that fit in ``limit - 1`` blocks and a context block "…and N more — ``more_hint``",
    N counting the units left out. ``more_hint`` is mrkdwn (escape what needs it).

    A tuple unit is one item's blocks, kept or dropped whole. ``limit`` ≥ 1 (ValueError).
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    units = [unit if isinstance(unit, tuple) else (unit,) for unit in blocks]
    if sum(len(unit) for unit in units) <= limit:
        return [block for unit in units for block in unit]
    kept: list[Block] = []
    shown = 0
    for unit in units:
        if len(kept) + len(unit) > limit - 1:
            break
        kept += unit
        shown += 1
    return [*kept, more_pointer(len(units) - shown, more_hint)]


def more_pointer(count: int, more_hint: str) -> Block:
    """The context block saying ``count`` more items were left out, and where to find them."""
    return context(f"{ELLIPSIS}and {count} more — {more_hint}")


def header(text: str) -> Block:
    """A header block; plain text clipped to 150 characters (never empty)."""
    shown = clip(" ".join(text.split()) or "impactbot", MAX_HEADER_TEXT, markup=False)
    return {"type": "header", "text": {"type": "plain_text", "text": shown, "emoji": True}}


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> Block:
    """A mrkdwn text object, clipped to ``limit`` (a lone space when ``text`` is empty)."""
    return {"type": "mrkdwn", "text": clip(text, limit) if text else " "}


def section(text: str, *, fields: Sequence[str] = (), accessory: Block | None = None) -> Block:
    """A section: mrkdwn ``text`` (≤ 3,000), up to 10 ``fields`` (≤ 2,000 each; the tenth
    says how many more there were), an optional accessory."""
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if fields:
        shown = list(fields)
        if len(shown) > MAX_FIELDS:
            shown = [*shown[: MAX_FIELDS - 1], f"{ELLIPSIS}and {len(shown) - MAX_FIELDS + 1} more"]
        block["fields"] = [mrkdwn(f, MAX_FIELD_TEXT) for f in shown]
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> Block:
    """A context block of up to 10 mrkdwn elements, each clipped to 2,000 characters."""
    elements = [mrkdwn(t, MAX_CONTEXT_TEXT) for t in texts[:MAX_CONTEXT_ELEMENTS]]
    return {"type": "context", "elements": elements or [mrkdwn(" ")]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str, action_id: str, *, value: str | None = None, url: str | None = None
) -> Block | None:
    """A button, or None when ``value`` or ``url`` is too long to send (a cut value or URL
    would point somewhere else)."""
    if (value is not None and len(value) > MAX_BUTTON_VALUE) or (url and len(url) > MAX_URL):
        return None
    label = clip(text, MAX_BUTTON_TEXT, markup=False)
    block: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
    }
    if value is not None:
        block["value"] = value
    if url:
        block["url"] = url
    return block


def actions(*elements: Block | None) -> Block | None:
    """An actions block of the buttons given (None ones skipped); None when none are left."""
    kept = [e for e in elements if e is not None]
    return {"type": "actions", "elements": kept} if kept else None


def teams_text(teams: Sequence[str]) -> str:
    """Team ids, escaped and comma-separated, or an em dash when there are none."""
    return ", ".join(escape(t) for t in teams) or "—"
