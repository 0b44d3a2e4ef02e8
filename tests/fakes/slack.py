"""A local fake of Slack's Web API (``https://slack.com/api/``) that really speaks HTTP.

    with FakeSocketMode() as sock, FakeSlack(socket=sock) as slack:
        slack.add_user("U0ALICE001", "alice", email="alice@example.com")
        client = WebClient(token=slack.bot_token, base_url=slack.url)
        client.chat_postMessage(channel="C0GENERAL01", text="hi")
        assert slack.last("chat.postMessage").args == {"channel": "C0GENERAL01", "text": "hi"}

What it imitates, per request to ``/api/<method>``, in this order:

1. the body: ``application/x-www-form-urlencoded`` or ``application/json`` (``invalid_json`` /
   ``json_not_object`` when that JSON is broken), merged with the query string;
2. recording: every call lands in ``calls`` (method, args without ``token``, headers, token);
3. scripted answers (``script``): given instead of normal service, FIFO per method;
4. ``unknown_method`` (with ``req_method``) for a method not in ``slack_methods.METHODS``;
5. authentication: the token from ``Authorization: Bearer`` or a form/query ``token`` field —
   not from a JSON body, which Slack ignores (``not_authed``); ``apps.connections.open`` takes
   it from the header only. Unknown → ``invalid_auth``, revoked → ``token_revoked``, an app
   token (xapp) on a bot method or the reverse → ``not_allowed_token_type``;
6. scopes: the bot token holds exactly the scopes ``manifest.yaml`` requests (what Slack grants
   on install) unless the test passes ``scopes=``. A method whose scope the bot lacks answers
   ``{"ok": false, "error": "missing_scope", "needed": <scope>, "provided": <granted, comma
   separated>}`` — the shape of Slack's own example (spec ``/admin.apps.requests.list``,
   default response) and of the error schemas of ``conversations.history``/``replies`` in
   ``slack_web_openapi_v2.json``; the history methods and conversations.open need the scope
   of the conversation's kind (``im:history`` for a ``D…`` DM; ``im:write`` to open a DM,
   ``mpim:write`` a group DM), as the spec lists one per kind. Every authenticated answer
   carries ``x-oauth-scopes`` (the granted scopes) and ``x-accepted-oauth-scopes``
   (the method's), the headers Slack's own SDK reads into ``response_metadata.scopes`` /
   ``acceptedScopes`` (docs.slack.dev, node-slack-sdk ``WebAPICallResult``);
7. required arguments (from Slack's OpenAPI spec), then the method itself (``slack_methods``).

Errors are HTTP 200 with ``{"ok": false, "error": ...}``, as on Slack; only rate limiting
is a 429 (with ``Retry-After``). Besides the API the server answers the upload URLs of
``files_upload_v2`` (``/upload/v1/<file id>``: the bytes are kept, ``"OK - <length>"``) and
``response_url``s (``/response/<id>``: JSON bodies recorded, five uses each, as on Slack).

Methods: auth.test, chat.postMessage/update/postEphemeral/unfurl, views.publish/open,
users.info, users.lookupByEmail, usergroups.users.list, conversations.open/history/replies,
files.getUploadURLExternal/completeUploadExternal, apps.connections.open (``slack_methods``).

Not imitated: automatic rate limits (script them), channel membership (``not_in_channel``) and
archived channels, identity checks on user ids (any ``U…`` is accepted where a user is named),
single use and 3-second expiry of ``trigger_id``, multipart uploads (legacy ``files.upload``),
Enterprise Grid, token rotation.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.external import external
from tests.fakes.slack_http import Reply, ScriptedReply, SlackHTTPServer, parse_arguments
from tests.fakes.slack_methods import METHODS, missing_argument_error
from tests.fakes.slack_workspace import (
    DEFAULT_APP_TOKEN,
    DEFAULT_BOT_TOKEN,
    DEFAULT_EPOCH,
    SlackError,
    SlackUser,
    UploadedFile,
    Workspace,
    manifest_scopes,
)

if TYPE_CHECKING:
    from tests.fakes.slack_socket import FakeSocketMode

__all__ = [
    "DEFAULT_APP_TOKEN",
    "DEFAULT_BOT_TOKEN",
    "FakeSlack",
    "ScriptedReply",
    "SlackCall",
    "SlackUser",
    "ratelimited",
    "sample",
]

RESPONSE_URL_USES = 5  # Slack accepts up to five posts to one response_url (within 30 min)
_SAMPLES = "slack-java-sdk-json-samples"


@dataclass(frozen=True)
class SlackCall:
    """One Web API request as the fake received it. ``args`` merges query string and body,
    values as sent (form fields are strings, JSON keeps its types), without ``token``."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    token: str | None
    http_method: str
    content_type: str
    body: bytes


def ratelimited(retry_after: int = 1) -> ScriptedReply:
    """Slack's rate-limit answer: HTTP 429, ``Retry-After: <seconds>``, ``ratelimited``."""
    return ScriptedReply(
        {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(retry_after)}
    )


def sample(path: str) -> dict[str, Any]:
    """A JSON sample from the vendor material (``tests.external``), parsed.

    ``path`` is relative to ``slack-java-sdk-json-samples/`` (``"events/LinkSharedPayload.json"``)
    or, when it names another folder there (``"slack-python-sdk-fixtures/view_home_001.json"``),
    to ``../shared/external`` itself. These are Slack's shape samples: every field ever seen,
    placeholder values.
    """
    first = Path(path).parts[0]
    parts = (path,) if first.startswith("slack-") else (_SAMPLES, path)
    data = json.loads(external(*parts).read_text())
    if not isinstance(data, dict):
        raise TypeError(f"{path} holds {type(data).__name__}, not a JSON object")
    return data


class FakeSlack:
    """Slack's Web API on ``127.0.0.1``, port 0, in a daemon thread; ``url`` is the ``base_url``
    for ``slack_sdk.WebClient``. A context manager; see the module docstring for behaviour."""

    def __init__(
        self,
        *,
        bot_token: str = DEFAULT_BOT_TOKEN,
        app_token: str = DEFAULT_APP_TOKEN,
        scopes: Iterable[str] | None = None,
        users: Iterable[SlackUser] = (),
        socket: FakeSocketMode | None = None,
        epoch: int = DEFAULT_EPOCH,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.workspace = Workspace(
            tokens={bot_token: "bot", app_token: "app"},
            scopes=set(manifest_scopes() if scopes is None else scopes),
            epoch=epoch,
        )
        for user in users:
            self.workspace.users[user.id] = user
        if socket is not None:
            self.workspace.socket_url = socket.new_url
        self.calls: list[SlackCall] = []
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self._scripts: dict[str, deque[ScriptedReply]] = {}
        self._cond = threading.Condition()
        self._ids = count(1)
        self._server: SlackHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeSlack:
        server = SlackHTTPServer(self._serve)
        self._server = server
        self.workspace.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="FakeSlack", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>`` (set once the fake is entered)."""
        if not self.workspace.base_url:
            raise RuntimeError("FakeSlack is not running: use it as a context manager")
        return self.workspace.base_url

    @property
    def url(self) -> str:
        """The Web API root, ``http://127.0.0.1:<port>/api/``, for ``WebClient(base_url=...)``."""
        return f"{self.base}/api/"

    # -- set-up ------------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str, **fields: Any) -> SlackUser:
        """Add a member (``email``, ``real_name``, ``is_bot``, ``deleted``, ``tz``) seen by
        users.info and users.lookupByEmail."""
        user = SlackUser(user_id, name, **fields)
        with self._cond:
            self.workspace.users[user_id] = user
        return user

    def add_usergroup(self, usergroup_id: str, members: Iterable[str]) -> None:
        """A user group (``S…`` id) whose members usergroups.users.list returns."""
        with self._cond:
            self.workspace.usergroups[usergroup_id] = list(members)

    def add_channel(
        self, channel_id: str, name: str, *, ext_shared: bool = False, **fields: Any
    ) -> dict[str, Any]:
        """A channel conversations.info describes (as the spec's example for a public
        channel); ``ext_shared`` makes it a Slack Connect channel (``is_ext_shared`` and
        ``is_shared`` true), ``fields`` sets e.g. ``is_private``."""
        conversation: dict[str, Any] = {
            "id": channel_id, "name": name, "name_normalized": name, "created": 1449252889,
            "creator": "W012A3BCD", "is_channel": True, "is_group": False, "is_im": False,
            "is_mpim": False, "is_private": False, "is_archived": False, "is_general": False,
            "is_member": True, "is_org_shared": False, "is_pending_ext_shared": False,
            "is_ext_shared": ext_shared, "is_shared": ext_shared, "unlinked": 0,
            "pending_shared": [], "previous_names": [], **fields,
        }  # fmt: skip
        with self._cond:
            self.workspace.channels[channel_id] = conversation
        return conversation

    def add_message(
        self, channel: str, ts: str, text: str = "", *, user: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A message already in ``channel`` (for conversations.history/replies, chat.update):
        by ``user``, or by the bot when None; ``fields`` adds e.g. ``thread_ts`` or ``blocks``."""
        message: dict[str, Any] = {"type": "message", "text": text, "ts": ts, **fields}
        message["user"] = user or self.workspace.bot_user_id
        if user is None:
            message["bot_id"] = self.workspace.bot_id
        with self._cond:
            self.workspace.messages.setdefault(channel, []).append(message)
        return message

    def revoke(self, token: str) -> None:
        """From now on ``token`` gets ``token_revoked``, as after an uninstall."""
        with self._cond:
            self.workspace.revoked.add(token)

    @property
    def scopes(self) -> set[str]:
        """The bot token's granted scopes; change the set to test ``missing_scope``."""
        return self.workspace.scopes

    def script(self, method: str, *replies: ScriptedReply | dict[str, Any]) -> None:
        """Queue answers for ``method``, used before normal service resumes. A dict is sent as
        JSON with HTTP 200, except ``{"error": "ratelimited", ...}`` which becomes
        ``ratelimited()`` (429 + ``Retry-After: 1``) as Slack never sends it with a 200."""
        queue = self._scripts.setdefault(method, deque())
        for reply in replies:
            if isinstance(reply, ScriptedReply):
                queue.append(reply)
            elif reply.get("error") == "ratelimited":
                queue.append(ratelimited())
            else:
                queue.append(ScriptedReply(reply))

    # -- what happened -----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._cond:
            return [call for call in self.calls if call.method == method]

    def last(self, method: str) -> SlackCall:
        """The latest call to ``method``; AssertionError listing what was called if none."""
        calls = self.calls_to(method)
        if not calls:
            called = [call.method for call in self.calls]
            raise AssertionError(f"no call to {method}; calls so far: {called}")
        return calls[-1]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[SlackCall]:
        """Block until ``method`` was called ``count`` times (for work done on other threads,
        e.g. Socket Mode listeners); AssertionError after ``timeout`` seconds."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.calls_to(method)) >= count, timeout):
                called = [call.method for call in self.calls]
                raise AssertionError(f"{method} not called {count}x in {timeout}s: {called}")
            return self.calls_to(method)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages the bot posted to ``channel`` (a user id means the DM), oldest first."""
        with self._cond:
            return list(self.workspace.messages.get(self.workspace.conversation_id(channel), []))

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab last published for ``user_id``, as views.publish answered it."""
        with self._cond:
            return self.workspace.home_views.get(user_id)

    @property
    def files(self) -> dict[str, UploadedFile]:
        """Uploads by file id; ``content`` holds the bytes POSTed to the upload URL."""
        return self.workspace.files

    # -- response_url ------------------------------------------------------------------------

    def response_url(self) -> str:
        """A fresh ``response_url`` (``http://127.0.0.1:PORT/response/<id>``) to put into a
        slash-command or interaction body; what the app POSTs to it lands in ``responses``."""
        rid = f"R{next(self._ids):06d}"
        with self._cond:
            self.responses[rid] = []
        return f"{self.base}/response/{rid}"

    def responses_to(self, url: str) -> list[dict[str, Any]]:
        with self._cond:
            return list(self.responses[url.rstrip("/").rsplit("/", 1)[-1]])

    def wait_for_response(self, url: str, count: int = 1, timeout: float = 5.0) -> list[Any]:
        """Block until ``count`` bodies were POSTed to ``url``."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.responses_to(url)) >= count, timeout):
                raise AssertionError(f"{count} posts to {url} not seen in {timeout}s")
            return self.responses_to(url)

    # -- serving -----------------------------------------------------------------------------

    def _serve(self, verb: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urlsplit(path)
        route, _, rest = parts.path.lstrip("/").partition("/")
        if route == "api" and rest:
            return self._web_api(verb, rest, parts.query, headers, body)
        if route == "upload" and rest.startswith("v1/") and verb == "POST":
            return self._upload(rest.removeprefix("v1/"), body)
        if route == "response" and verb == "POST":
            return self._response(rest, body)
        return Reply(404, b"Not Found", {"Content-Type": "text/plain"})

    def _web_api(
        self, verb: str, method: str, query: str, headers: dict[str, str], body: bytes
    ) -> Reply:
        content_type = headers.get("content-type", "")
        args, body_token, parse_error = parse_arguments(query, content_type, body)
        bearer = headers.get("authorization", "")
        header_token = bearer[7:] if bearer.lower().startswith("bearer ") else None
        token = header_token or body_token
        call = SlackCall(method, args, dict(headers), token, verb, content_type, body)
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
            script = self._scripts.get(method)
            if script:
                return Reply.scripted(script.popleft())
            try:
                if parse_error is not None:
                    raise parse_error
                return self._dispatch(method, call, header_token)
            except SlackError as error:
                return Reply.json(error.body(), headers=self._scope_headers(method, token))

    def _dispatch(self, method: str, call: SlackCall, header_token: str | None) -> Reply:
        spec = METHODS.get(method)
        if spec is None:
            raise SlackError("unknown_method", req_method=method)
        ws, token = self.workspace, call.token
        if token is None or (spec.token_kind == "app" and header_token is None):
            raise SlackError("not_authed")
        if token in ws.revoked:
            raise SlackError("token_revoked")
        if token not in ws.tokens:
            raise SlackError("invalid_auth")
        if ws.tokens[token] != spec.token_kind:
            raise SlackError("not_allowed_token_type")
        granted = ws.scopes if spec.token_kind == "bot" else {"connections:write"}
        needed = spec.needed(call.args)
        if needed is not None and needed not in granted:
            raise SlackError("missing_scope", needed=needed, provided=",".join(sorted(granted)))
        missing = missing_argument_error(spec, call.args)
        if missing is not None:
            raise missing
        answer = spec.handler(ws, call.args)
        return Reply.json(answer, headers=self._scope_headers(method, token))

    def _scope_headers(self, method: str, token: str | None) -> dict[str, str]:
        kind = self.workspace.tokens.get(token or "")
        if kind is None or token in self.workspace.revoked:
            return {}
        granted = self.workspace.scopes if kind == "bot" else {"connections:write"}
        spec = METHODS.get(method)
        return {
            "x-oauth-scopes": ",".join(sorted(granted)),
            "x-accepted-oauth-scopes": (spec.scope or "") if spec else "",
        }

    def _upload(self, file_id: str, body: bytes) -> Reply:
        with self._cond:
            uploaded = self.workspace.files.get(file_id)
            if uploaded is None:
                return Reply(404, b"Not Found", {"Content-Type": "text/plain"})
            uploaded.content = body
            self._cond.notify_all()
        return Reply(200, f"OK - {len(body)}".encode(), {"Content-Type": "text/plain"})

    def _response(self, rid: str, body: bytes) -> Reply:
        with self._cond:
            posts = self.responses.get(rid)
            if posts is None:
                return Reply.json({"ok": False, "error": "expired_url"}, 404)
            if len(posts) >= RESPONSE_URL_USES:
                return Reply.json({"ok": False, "error": "used_url"}, 404)
            try:
                payload = json.loads(body)
            except ValueError:
                return Reply.json({"ok": False, "error": "invalid_payload"}, 400)
            posts.append(payload)
            self._cond.notify_all()
        return Reply.json({"ok": True})
