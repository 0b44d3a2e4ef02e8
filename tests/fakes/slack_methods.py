"""The Web API methods FakeSlack implements, as a table: required arguments, scope, token kind
and a handler that reads and changes the ``Workspace``.

``METHODS[name].required`` is the list of required arguments in Slack's OpenAPI spec (a test
holds the two together); a missing one gets the error Slack gives for it — ``channel_not_found``
for the chat.* ``channel``, otherwise ``invalid_arguments`` with
``response_metadata.messages = ["[ERROR] missing required field: <name>"]``. Handlers raise
``SlackError`` for any other ``{"ok": false}`` answer. Arguments arrive as sent: strings from a
form or query string, any JSON type from a JSON body; ``_json_arg`` accepts both for the
arguments Slack takes as JSON (``blocks``, ``view``, ``unfurls``, ``files``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from tests.fakes.slack_workspace import (
    SlackError,
    UploadedFile,
    Workspace,
    dm_id,
    invalid_arguments,
)

__all__ = ["METHODS", "MethodSpec", "missing_argument_error"]

Args = dict[str, Any]
Handler = Callable[[Workspace, Args], dict[str, Any]]

MESSAGE_BLOCK_LIMIT = 50  # blocks per message
VIEW_BLOCK_LIMIT = 100  # blocks per modal or Home tab
TEXT_LIMIT = 40_000  # characters of a message's text before msg_too_long
MPIM_USER_LIMIT = 8


@dataclass(frozen=True)
class MethodSpec:
    """How FakeSlack serves one method. ``alternative`` is a second, complete set of arguments
    accepted instead of ``required`` (chat.unfurl takes ``unfurl_id`` + ``source`` in place of
    ``channel`` + ``ts`` since 2021)."""

    handler: Handler
    required: tuple[str, ...] = ()
    scope: str | None = None
    token_kind: str = "bot"
    missing: dict[str, str] = field(default_factory=dict)
    alternative: tuple[str, ...] = ()
    scope_of: Callable[[Args], str] | None = None  # when the scope depends on the arguments

    def needed(self, args: Args) -> str | None:
        """The scope this call needs (``scope_of`` decides where the conversation matters)."""
        return self.scope_of(args) if self.scope_of is not None else self.scope


def _blank(value: object) -> bool:
    return value is None or value == ""


def missing_argument_error(spec: MethodSpec, args: Args) -> SlackError | None:
    """The error for the first missing required argument, or None when all are present."""
    missing = [name for name in spec.required if _blank(args.get(name))]
    if not missing:
        return None
    if spec.alternative and not any(_blank(args.get(name)) for name in spec.alternative):
        return None
    if missing[0] in spec.missing:
        return SlackError(spec.missing[missing[0]])
    return invalid_arguments(*(f"[ERROR] missing required field: {name}" for name in missing))


def _json_arg(args: Args, name: str) -> Any:
    """An argument Slack takes as JSON: a JSON string (form body) or already a value (JSON)."""
    value = args.get(name)
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise invalid_arguments(f"[ERROR] invalid JSON for `{name}`") from None


def _check_blocks(blocks: object, limit: int, pointer: str, error: str) -> list[Any]:
    if blocks is None:
        return []
    if not isinstance(blocks, list) or not all(
        isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks
    ):
        raise SlackError(
            error,
            response_metadata={
                "messages": [
                    f"[ERROR] must be an array of blocks with a type [json-pointer:{pointer}]"
                ]
            },
        )
    if len(blocks) > limit:
        raise SlackError(
            error,
            response_metadata={
                "messages": [f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}]"]
            },
        )
    return blocks


def _message_content(args: Args) -> dict[str, Any]:
    """text/blocks/attachments of a chat.* call, validated as Slack does."""
    text = args.get("text")
    blocks = _check_blocks(
        _json_arg(args, "blocks"), MESSAGE_BLOCK_LIMIT, "/blocks", "invalid_blocks"
    )
    attachments = _json_arg(args, "attachments")
    if _blank(text) and not blocks and not attachments:
        raise SlackError("no_text")
    if isinstance(text, str) and len(text) > TEXT_LIMIT:
        raise SlackError("msg_too_long")
    content: dict[str, Any] = {"text": text or ""}
    if blocks:
        content["blocks"] = blocks
    if attachments:
        content["attachments"] = attachments
    metadata = _json_arg(args, "metadata")
    if metadata:
        content["metadata"] = metadata  # Slack's message metadata (event_type, event_payload)
    return content


def _auth_test(ws: Workspace, args: Args) -> dict[str, Any]:
    return {
        "ok": True,
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.team,
        "user": ws.bot_name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def _post_message(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.conversation_id(str(args["channel"]))
    message = {
        "type": "message",
        "user": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "team": ws.team_id,
        "ts": ws.next_ts(),
        **_message_content(args),
    }
    if not _blank(args.get("thread_ts")):
        message["thread_ts"] = str(args["thread_ts"])
    ws.messages.setdefault(channel, []).append(message)
    return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}


def _update(ws: Workspace, args: Args) -> dict[str, Any]:
    channel, ts = str(args["channel"]), str(args["ts"])
    message = ws.find_message(channel, ts)
    if message is None:
        raise SlackError("message_not_found")
    content = _message_content(args)
    message.pop("blocks", None)
    message.pop("attachments", None)
    message.update(content)
    return {"ok": True, "channel": channel, "ts": ts, "text": content["text"], "message": content}


def _post_ephemeral(ws: Workspace, args: Args) -> dict[str, Any]:
    _message_content(args)
    return {"ok": True, "message_ts": ws.next_ts()}


def _unfurl(ws: Workspace, args: Args) -> dict[str, Any]:
    unfurls = _json_arg(args, "unfurls")
    if _blank(unfurls):
        raise SlackError("missing_unfurls")
    if not isinstance(unfurls, dict):
        raise invalid_arguments("[ERROR] `unfurls` must be an object keyed by URL")
    return {"ok": True}


def _view_arg(args: Args, kind: str) -> dict[str, Any]:
    view = _json_arg(args, "view")
    if not isinstance(view, dict):
        raise invalid_arguments("[ERROR] `view` must be an object [json-pointer:/view]")
    if view.get("type") != kind:
        raise invalid_arguments(f"[ERROR] view type must be `{kind}` [json-pointer:/view/type]")
    if kind == "modal" and not view.get("title"):
        raise invalid_arguments("[ERROR] missing required field: title [json-pointer:/view]")
    _check_blocks(view.get("blocks"), VIEW_BLOCK_LIMIT, "/view/blocks", "invalid_arguments")
    return view


def _view_json(ws: Workspace, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": ws.team_id,
        "type": view["type"],
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "external_id": view.get("external_id", ""),
        "state": {"values": {}},
        "hash": f"{ws.epoch}.{ws.next_id('')}",
        "title": view.get("title"),
        "submit": view.get("submit"),
        "close": view.get("close"),
        "clear_on_close": False,
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "root_view_id": view_id,
        "previous_view_id": None,
        "app_id": ws.app_id,
        "bot_id": ws.bot_id,
    }


def _views_publish(ws: Workspace, args: Args) -> dict[str, Any]:
    user_id, view = str(args["user_id"]), _view_arg(args, "home")
    current = ws.home_views.get(user_id)
    if not _blank(args.get("hash")) and current is not None and args["hash"] != current["hash"]:
        raise SlackError("hash_conflict")
    view_id = current["id"] if current else ws.next_id("V")
    published = _view_json(ws, view_id, view)
    ws.home_views[user_id] = ws.views[view_id] = published
    return {"ok": True, "view": published}


def _views_open(ws: Workspace, args: Args) -> dict[str, Any]:
    view_id = ws.next_id("V")
    opened = _view_json(ws, view_id, _view_arg(args, "modal"))
    ws.views[view_id] = opened
    return {"ok": True, "view": opened}


def _users_info(ws: Workspace, args: Args) -> dict[str, Any]:
    user = ws.users.get(str(args.get("user") or ""))
    if user is None:
        raise SlackError("user_not_found")
    return {"ok": True, "user": user.to_json(with_email="users:read.email" in ws.scopes)}


def _lookup_by_email(ws: Workspace, args: Args) -> dict[str, Any]:
    email = str(args["email"]).lower()
    user = next((u for u in ws.users.values() if (u.email or "").lower() == email), None)
    if user is None:
        raise SlackError("users_not_found")
    return {"ok": True, "user": user.to_json(with_email=True)}


def _usergroup_users(ws: Workspace, args: Args) -> dict[str, Any]:
    members = ws.usergroups.get(str(args["usergroup"]))
    if members is None:
        raise SlackError("no_such_subteam")
    return {"ok": True, "users": list(members)}


def _conversations_open(ws: Workspace, args: Args) -> dict[str, Any]:
    if not _blank(args.get("channel")):
        return {"ok": True, "channel": {"id": str(args["channel"])}}
    users = [u for u in str(args.get("users") or "").split(",") if u]
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > MPIM_USER_LIMIT:
        raise SlackError("too_many_users")
    if len(users) > 1:
        digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
        return {"ok": True, "channel": {"id": f"G{digest}"}}
    channel_id, already_open = dm_id(users[0]), users[0] in ws.open_dms
    ws.open_dms.add(users[0])
    channel: dict[str, Any] = {"id": channel_id}
    if str(args.get("return_im")).lower() in {"1", "true"}:
        channel.update({"created": str(ws.epoch), "is_im": True, "is_open": True, "user": users[0]})
    return {"ok": True, "channel": channel, "already_open": already_open}


# conversations.history/replies need the history scope of the conversation's type.
_HISTORY_SCOPES = {"C": "channels:history", "G": "groups:history", "D": "im:history"}
HISTORY_PAGE_LIMIT = 100  # conversations.history's default page size


def _history_channel(ws: Workspace, args: Args) -> str:
    channel = str(args.get("channel") or "")
    if not channel:
        raise SlackError("channel_not_found")
    needed = _HISTORY_SCOPES.get(channel[:1], "channels:history")
    if needed not in ws.scopes:
        raise SlackError("missing_scope", needed=needed, provided=",".join(sorted(ws.scopes)))
    return channel


def _ts(args: Args, name: str, default: str) -> Decimal:
    try:
        return Decimal(str(args.get(name) or default))
    except InvalidOperation:
        raise SlackError(f"invalid_ts_{name}") from None


def _offset(cursor: str) -> int:
    """Where a ``next_cursor`` we handed out points; anything else is ``invalid_cursor``."""
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor, validate=True).decode().removeprefix("offset:"))
    except ValueError:
        raise SlackError("invalid_cursor") from None


def _page(args: Args, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Slack's window and cursor paging: ``oldest`` < ts < ``latest`` (bounds included with
    ``inclusive``), ``limit`` per page, ``has_more`` and an opaque ``next_cursor``."""
    inclusive = str(args.get("inclusive", "")).lower() in {"1", "true"}
    oldest, latest = _ts(args, "oldest", "0"), _ts(args, "latest", "9999999999.999999")
    inside = [
        m
        for m in messages
        if (oldest <= Decimal(m["ts"]) <= latest)
        and (inclusive or Decimal(m["ts"]) not in {oldest, latest})
    ]
    start = _offset(str(args.get("cursor") or ""))
    limit = int(args.get("limit") or HISTORY_PAGE_LIMIT)
    page, has_more = inside[start : start + limit], len(inside) > start + limit
    answer: dict[str, Any] = {"ok": True, "messages": page, "has_more": has_more}
    if has_more:
        cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode()
        answer["response_metadata"] = {"next_cursor": cursor}
    return answer


def _history(ws: Workspace, args: Args) -> dict[str, Any]:
    """Top-level messages only, newest first: thread replies are not in the history (a
    reaction on a reply needs conversations.replies), as on Slack."""
    channel = _history_channel(ws, args)
    top = [m for m in ws.messages.get(channel, []) if m.get("thread_ts", m["ts"]) == m["ts"]]
    if str(args.get("include_all_metadata", "")).lower() not in ("1", "true"):
        # Slack returns message metadata only to those who ask for it.
        top = [{k: v for k, v in m.items() if k != "metadata"} for m in top]
    answer = _page(args, sorted(top, key=lambda m: Decimal(m["ts"]), reverse=True))
    return {**answer, "pin_count": 0, "channel_actions_ts": None, "channel_actions_count": 0}


def _replies(ws: Workspace, args: Args) -> dict[str, Any]:
    """The thread of ``ts``, parent first, oldest first; the parent alone if it has none."""
    channel, ts = _history_channel(ws, args), str(args.get("ts") or "")
    parent = ws.find_message(channel, ts)
    if parent is None:
        raise SlackError("thread_not_found")
    thread = [
        m for m in ws.messages.get(channel, []) if m.get("thread_ts") == ts and m is not parent
    ]
    return _page(args, [parent, *sorted(thread, key=lambda m: Decimal(m["ts"]))])


# conversations.info accepts any of channels:read, groups:read, im:read, mpim:read (Slack's
# OpenAPI spec, `security` of /conversations.info): the one for the conversation's type.
_READ_SCOPES = {"C": "channels:read", "G": "groups:read", "D": "im:read"}


def _conversation_info(ws: Workspace, args: Args) -> dict[str, Any]:
    """A conversation ``FakeSlack.add_channel`` described, in the shape of the spec's
    ``objs_conversation`` (``is_ext_shared``: shared with another organisation through Slack
    Connect; ``is_shared``: shared with another workspace). Unknown: ``channel_not_found``."""
    channel = str(args.get("channel") or "")
    conversation = ws.channels.get(channel)
    if conversation is None:
        raise SlackError("channel_not_found")
    private = bool(conversation.get("is_private"))
    needed = _READ_SCOPES.get("G" if private else channel[:1], "channels:read")
    if needed not in ws.scopes:
        raise SlackError("missing_scope", needed=needed, provided=",".join(sorted(ws.scopes)))
    return {"ok": True, "channel": conversation}


def _get_upload_url(ws: Workspace, args: Args) -> dict[str, Any]:
    try:
        length = int(args["length"])
    except (TypeError, ValueError):
        raise invalid_arguments("[ERROR] `length` must be an integer") from None
    file_id = ws.next_id("F")
    ws.files[file_id] = UploadedFile(id=file_id, filename=str(args["filename"]), length=length)
    return {"ok": True, "upload_url": f"{ws.base_url}/upload/v1/{file_id}", "file_id": file_id}


def _complete_upload(ws: Workspace, args: Args) -> dict[str, Any]:
    entries = _json_arg(args, "files")
    if not isinstance(entries, list) or not entries:
        raise invalid_arguments("[ERROR] `files` must be a non-empty array [json-pointer:/files]")
    shared = []
    for entry in entries:
        uploaded = ws.files.get(str(entry.get("id"))) if isinstance(entry, dict) else None
        if uploaded is None or uploaded.content is None:
            raise SlackError("file_not_found")
        uploaded.title = entry.get("title") or uploaded.filename
        uploaded.channel_id = args.get("channel_id") or args.get("channels")
        uploaded.initial_comment = args.get("initial_comment")
        uploaded.thread_ts = args.get("thread_ts")
        uploaded.completed = True
        shared.append(uploaded.to_json())
    return {"ok": True, "files": shared}


def _connections_open(ws: Workspace, args: Args) -> dict[str, Any]:
    if ws.socket_url is None:
        raise SlackError("fake_has_no_socket_mode", hint="FakeSlack(socket=FakeSocketMode())")
    return {"ok": True, "url": ws.socket_url()}


_CHANNEL = {"channel": "channel_not_found"}

# conversations.open: Slack's spec lists one scope per conversation kind (channels:write —
# channels:manage for a granular bot token —, groups:write, im:write, mpim:write). The kind is
# the one opened: a DM for one user, a group DM for several, or that of the ``channel`` resumed.
_OPEN_SCOPES = {"C": "channels:manage", "G": "groups:write", "D": "im:write"}


def _open_scope(args: Args) -> str:
    channel = str(args.get("channel") or "")
    if channel:
        return _OPEN_SCOPES.get(channel[:1], "im:write")
    users = [u for u in str(args.get("users") or "").split(",") if u]
    return "mpim:write" if len(users) > 1 else "im:write"


METHODS: dict[str, MethodSpec] = {
    "auth.test": MethodSpec(_auth_test),
    "chat.postMessage": MethodSpec(_post_message, ("channel",), "chat:write", missing=_CHANNEL),
    "chat.update": MethodSpec(
        _update, ("channel", "ts"), "chat:write", missing={**_CHANNEL, "ts": "message_not_found"}
    ),
    "chat.postEphemeral": MethodSpec(
        _post_ephemeral, ("channel", "user"), "chat:write", missing=_CHANNEL
    ),
    "chat.unfurl": MethodSpec(
        _unfurl, ("channel", "ts"), "links:write", alternative=("unfurl_id", "source")
    ),
    "views.publish": MethodSpec(_views_publish, ("user_id", "view")),
    "views.open": MethodSpec(_views_open, ("trigger_id", "view")),
    "users.info": MethodSpec(_users_info, (), "users:read"),
    "users.lookupByEmail": MethodSpec(_lookup_by_email, ("email",), "users:read.email"),
    "usergroups.users.list": MethodSpec(_usergroup_users, ("usergroup",), "usergroups:read"),
    "conversations.open": MethodSpec(_conversations_open, (), "im:write", scope_of=_open_scope),
    # The spec marks no argument of these two required; a missing channel is channel_not_found.
    "conversations.history": MethodSpec(_history),
    "conversations.replies": MethodSpec(_replies),
    "conversations.info": MethodSpec(_conversation_info),
    "files.getUploadURLExternal": MethodSpec(
        _get_upload_url, ("filename", "length"), "files:write"
    ),
    "files.completeUploadExternal": MethodSpec(_complete_upload, ("files",), "files:write"),
    "apps.connections.open": MethodSpec(_connections_open, (), "connections:write", "app"),
}
