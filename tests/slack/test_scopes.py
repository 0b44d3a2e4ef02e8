"""The scope table (``bot.slack.scopes``) held to the code and to Slack's own description.

* Every Slack Web API call in ``bot/`` — a ``slack_sdk.WebClient`` method, or ``api_call`` with
  a method name — is found by reading the source (``ast``), mapped to the Web API methods it
  makes (``files_upload_v2`` makes two, read from slack_sdk's own source), and must have a
  row in the table; every row must have a call.
* Every row's scope is the one Slack's OpenAPI spec gives for that method and that kind of
  conversation. The spec (2021) predates granular bot scopes: its names are mapped
  (``SPEC_TO_BOT``). Methods newer than the spec carry their documented scope and its source.
* Every scope the table needs is in the shipped ``manifest.yaml``.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk import WebClient

from bot.slack.manifest import BOT_EVENTS
from bot.slack.scopes import API_USES, FEATURE_SCOPES, ApiUse, Where, missing_scopes, uses_of
from tests.external import external

ROOT = Path(__file__).resolve().parents[2]

# The spec's classic scope names → the granular bot scopes Slack grants today
# (https://api.slack.com/authentication/migration: chat:write replaces chat:write:bot,
# files:write replaces files:write:user, channels:manage replaces channels:write).
SPEC_TO_BOT = {
    "chat:write:bot": "chat:write",
    "files:write:user": "files:write",
    "channels:write": "channels:manage",
}
USER_TOKEN_ONLY = {"chat:write:user"}  # listed beside chat:write:bot; not a bot scope
KIND_PREFIX = {Where.DM: "im:", Where.PUBLIC_CHANNEL: "channels:", Where.PRIVATE_CHANNEL: "groups:"}
CONVERSATION_KINDS = ("channels:", "groups:", "im:", "mpim:")
# Methods the 2021 spec lacks: their rows must cite Slack's method page.
NEWER_THAN_SPEC = {"files.getUploadURLExternal", "files.completeUploadExternal"}
# Events that need no scope (app_home_opened is newer than the 2021 events spec):
# "Required scopes: none" — https://api.slack.com/events/app_home_opened
NO_SCOPE_EVENTS = {"app_home_opened"}


@functools.cache
def _web_spec() -> dict[str, Any]:
    return dict(json.loads(external("slack-api-specs", "slack_web_openapi_v2.json").read_text()))


def _spec_scopes(method: str) -> list[str] | None:
    """The ``slackAuth`` scopes the spec lists for ``method``; None when it is not there."""
    path = _web_spec()["paths"].get(f"/{method}")
    if path is None:
        return None
    (operation,) = path.values()
    return [scope for sec in operation["security"] for scope in sec["slackAuth"]]


def bot_scope_from_spec(listed: list[str], where: Where) -> str | None:
    """The bot scope a call in ``where`` needs, from the spec's list for the method: the one
    scope it names, or — where it lists one per conversation kind — the one for ``where``."""
    names = [SPEC_TO_BOT.get(s, s) for s in listed if s not in USER_TOKEN_ONLY]
    if names == ["none"]:
        return None
    per_kind = [n for n in names if n.startswith(CONVERSATION_KINDS)]
    if len(per_kind) > 1:
        assert where in KIND_PREFIX, f"{listed}: the scope depends on the conversation kind"
        (scope,) = [n for n in per_kind if n.startswith(KIND_PREFIX[where])]
        return scope
    (scope,) = names
    return scope


def test_spec_names_map_to_granular_bot_scopes() -> None:
    assert bot_scope_from_spec(["chat:write:user", "chat:write:bot"], Where.ANY) == "chat:write"
    assert bot_scope_from_spec(["files:write:user"], Where.DM) == "files:write"
    per_kind = ["channels:write", "groups:write", "im:write", "mpim:write"]
    assert bot_scope_from_spec(per_kind, Where.PUBLIC_CHANNEL) == "channels:manage"
    assert bot_scope_from_spec(per_kind, Where.DM) == "im:write"
    assert bot_scope_from_spec(["none"], Where.WORKSPACE) is None


@pytest.mark.parametrize("use", API_USES, ids=lambda u: f"{u.method}-{u.where.name}")
def test_each_row_has_the_scope_slack_documents(use: ApiUse) -> None:
    listed = _spec_scopes(use.method)
    if listed is None:
        assert use.method in NEWER_THAN_SPEC, f"{use.method} is in neither the spec nor the list"
        assert use.source.startswith(f"https://api.slack.com/methods/{use.method}")
        assert use.scope is not None and use.scope in use.source
        return
    assert use.method not in NEWER_THAN_SPEC, f"{use.method} is in the spec now: check it there"
    assert use.scope == bot_scope_from_spec(listed, use.where), use
    assert not use.source, "the spec is the source"


def test_uses_of_a_dm_need_the_dm_scopes() -> None:
    """Digests, exports and claim replies go to DMs; a flag reaction may be in a DM."""
    table = {(u.method, u.where): u.scope for u in API_USES}
    assert table[("conversations.open", Where.DM)] == "im:write"
    assert table[("conversations.history", Where.DM)] == "im:history"
    assert table[("conversations.replies", Where.DM)] == "im:history"
    for kind in (Where.PUBLIC_CHANNEL, Where.PRIVATE_CHANNEL):  # reactions in channels too
        assert ("conversations.history", kind) in table
        assert ("conversations.replies", kind) in table


def test_event_scopes_are_the_ones_slack_documents() -> None:
    spec = json.loads(external("slack-api-specs", "slack_events_api_async_v1.json").read_text())
    by_feature = {f.feature: f.scope for f in FEATURE_SCOPES}
    for event in BOT_EVENTS:
        if event in NO_SCOPE_EVENTS:
            assert event not in by_feature
            continue
        topic = spec["topics"][event.replace("_", ".")]["subscribe"]
        assert topic["x-scopes-required"] == [by_feature[event]], event


def test_every_scope_in_the_table_is_in_the_shipped_manifest() -> None:
    shipped = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    granted = set(shipped["oauth_config"]["scopes"]["bot"])
    needed = {u.scope for u in API_USES if u.scope} | {f.scope for f in FEATURE_SCOPES}
    assert needed - granted == set()
    assert missing_scopes(granted) == {}


def test_missing_scopes_name_their_uses() -> None:
    missing = missing_scopes({"chat:write", "commands"})
    assert "conversations.open in a DM" in missing["im:write"][0]
    assert any("reaction_added" in use for use in missing["reactions:read"])
    assert "chat:write" not in missing
    assert uses_of("no:such") == []


# -- reading the code ------------------------------------------------------------------------


@dataclass(frozen=True)
class FoundCall:
    method: str  # the Web API method, e.g. "conversations.open"
    where: str  # "bot/slack/uploads.py:10"


@functools.cache
def _client_methods() -> dict[str, frozenset[str]]:
    """Each public ``WebClient`` method → the Web API methods it calls, read from slack_sdk's
    source: ``self.api_call("x.y", …)`` literals, following ``self.other_method(…)`` calls
    (``files_upload_v2`` → files.getUploadURLExternal + files.completeUploadExternal)."""
    tree = ast.parse(inspect.getsource(inspect.getmodule(WebClient)))  # type: ignore[arg-type]
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "WebClient"]
    direct: dict[str, set[str]] = {}
    calls: dict[str, set[str]] = {}
    for fn in cls.body:
        if not isinstance(fn, ast.FunctionDef) or fn.name.startswith("_"):
            continue
        direct[fn.name], calls[fn.name] = set(), set()
        for node in ast.walk(fn):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr == "api_call" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    direct[fn.name].add(first.value)
            else:
                calls[fn.name].add(node.func.attr)

    def resolve(name: str, seen: frozenset[str]) -> set[str]:
        out = set(direct.get(name, ()))
        for other in calls.get(name, ()):
            if other in direct and other not in seen and other != "api_call":
                out |= resolve(other, seen | {name})
        return out

    return {name: frozenset(resolve(name, frozenset())) for name in direct}


def web_api_calls(source: str, filename: str) -> Iterator[FoundCall]:
    """The Web API calls in one module: ``x.<WebClient method>(…)`` and ``x.api_call("m")``;
    an ``api_call`` whose method is not a literal is reported as ``?`` (unknowable)."""
    methods = _client_methods()
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        where = f"{filename}:{node.lineno}"
        name = node.func.attr
        if name == "api_call":
            first = node.args[0] if node.args else None
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            yield FoundCall(str(first.value) if literal else "?", where)  # type: ignore[union-attr]
        elif name in methods:
            for method in sorted(methods[name]):
                yield FoundCall(method, where)


def _bot_calls(paths: Iterable[Path]) -> list[FoundCall]:
    found: list[FoundCall] = []
    for path in paths:
        found += web_api_calls(path.read_text(), str(path.relative_to(ROOT)))
    return found


def test_the_scanner_finds_sdk_methods_api_call_and_uploads() -> None:
    source = (
        "def f(client, name):\n"
        "    client.reactions_add(channel='C1', name='x', timestamp='1.2')\n"
        "    client.api_call('pins.add', params={})\n"
        "    client.api_call(name)\n"
        "    client.files_upload_v2(channel='D1', content='x')\n"
        "    store.open_thing()\n"
    )
    found = [(c.method, c.where) for c in web_api_calls(source, "m.py")]
    assert found == [
        ("reactions.add", "m.py:2"),
        ("pins.add", "m.py:3"),
        ("?", "m.py:4"),
        ("files.completeUploadExternal", "m.py:5"),
        ("files.getUploadURLExternal", "m.py:5"),
    ]


def test_every_web_api_call_in_bot_is_in_the_table_and_every_row_is_called() -> None:
    calls = _bot_calls(sorted((ROOT / "bot").rglob("*.py")))
    table = {u.method for u in API_USES}
    unlisted = sorted(f"{c.where}: {c.method}" for c in calls if c.method not in table)
    assert unlisted == [], "add these calls to bot/slack/scopes.py (or name the method)"
    assert table - {c.method for c in calls} == set(), "rows no code calls"
