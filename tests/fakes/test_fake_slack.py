"""The Slack fakes and signing helpers, checked against slack_sdk / slack_bolt themselves and
against Slack's published material (tests/vendor, via tests.external)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import jsonschema
import pytest
import yaml
from slack_bolt import Ack, App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

from tests.external import external
from tests.fakes.slack import FakeSlack, ScriptedReply, ratelimited, sample
from tests.fakes.slack_methods import METHODS
from tests.fakes.slack_socket import FakeSocketMode
from tests.slack_signing import (
    event_body,
    interaction_body,
    request_headers,
    sign,
    slash_command_body,
)

ROOT = Path(__file__).resolve().parents[2]

# Methods the fake serves that came after the 2021 spec (slackapi/slack-api-specs is frozen).
NEWER_THAN_SPEC = {
    "apps.connections.open": "Socket Mode went GA in 2021 after the spec's last update",
    "files.getUploadURLExternal": "files_upload_v2 flow, introduced 2022",
    "files.completeUploadExternal": "files_upload_v2 flow, introduced 2022",
}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.url)


def _vector() -> dict[str, Any]:
    vectors = json.loads(external("signing-vectors", "vectors.json").read_text())
    return dict(vectors["slack_request_signature_v0"])


def _web_spec(name: str = "slack_web_openapi_v2.json") -> dict[str, Any]:
    return dict(json.loads(external("slack-api-specs", name).read_text()))


# -- signing and bodies -----------------------------------------------------------------------


def test_sign_reproduces_slacks_published_vector_and_the_sdk_accepts_it() -> None:
    vector = _vector()
    timestamp = int(vector["timestamp"])
    assert sign(vector["signing_secret"], vector["body"], timestamp) == vector["headers"]

    class Pinned:  # slack_sdk.signature.Clock, pinned near the vector's time
        def now(self) -> float:
            return timestamp + 30.0

    verifier = SignatureVerifier(vector["signing_secret"], clock=Pinned())  # type: ignore[arg-type]
    assert verifier.is_valid(vector["body"], vector["timestamp"], vector["expected_signature"])
    assert not verifier.is_valid(
        vector["body"] + "x", vector["timestamp"], vector["expected_signature"]
    )
    body = slash_command_body(text="top 5")
    headers = request_headers("s3cret", body, timestamp, retry_num=1)
    verifier = SignatureVerifier("s3cret", clock=Pinned())  # type: ignore[arg-type]
    assert verifier.is_valid_request(body, headers)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert (headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"]) == ("1", "http_timeout")


def test_slash_command_body_encodes_exactly_like_slack() -> None:
    vector = _vector()
    fields = dict(parse_qsl(vector["body"], keep_blank_values=True))
    # Slack's 2018 example predates api_app_id / is_enterprise_install: drop them.
    assert (
        slash_command_body(**fields, api_app_id=None, is_enterprise_install=None)
        == (vector["body"])
    )
    body = dict(parse_qsl(slash_command_body(text="a b&c"), keep_blank_values=True))
    assert body["text"] == "a b&c"
    assert set(body) <= set(sample("app-backend/SlashCommandPayload.json"))


def test_event_body_is_a_valid_event_callback_envelope() -> None:
    event = {"type": "reaction_added", "user": "U0ALICE001", "reaction": "eyes",
             "item": {"type": "message", "channel": "C0GENERAL01", "ts": "1717243200.000100"},
             "item_user": "U0BOB00001", "event_ts": "1717243260.000200"}  # fmt: skip
    envelope = json.loads(event_body(event, "Ev0000000001"))
    schema = json.loads(
        external("slack-api-specs", "slack_common_event_wrapper_schema.json").read_text()
    )
    jsonschema.validate(envelope, schema)
    assert envelope["event_time"] == 1717243260
    assert set(envelope) <= set(sample("events/ReactionAddedPayload.json")) | {"authed_users"}
    with pytest.raises(ValueError, match="event_time"):
        event_body({"type": "app_home_opened"}, "Ev1")


def test_interaction_body_is_a_form_field_holding_json() -> None:
    payload = sample("app-backend/BlockActionPayload.json")
    (name, value), *rest = parse_qsl(interaction_body(payload))
    assert (name, rest, json.loads(value)) == ("payload", [], payload)


# -- Web API ----------------------------------------------------------------------------------


def test_post_message_as_json_is_recorded_exactly(slack: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    answer = client.chat_postMessage(channel="C0GENERAL01", text="hi", blocks=blocks)
    call = slack.last("chat.postMessage")
    assert call.args == {"channel": "C0GENERAL01", "text": "hi", "blocks": blocks}
    assert json.loads(call.body) == call.args
    assert call.content_type.startswith("application/json")
    assert (call.token, call.http_method) == (slack.bot_token, "POST")
    assert answer["ts"] == "1717243200.000001"
    assert slack.messages("C0GENERAL01")[0]["blocks"] == blocks


def test_form_bodies_and_form_tokens_are_accepted(slack: FakeSlack) -> None:
    blocks = json.dumps([{"type": "divider"}])
    answer = WebClient(base_url=slack.url).api_call(
        "chat.postMessage",
        data={"token": slack.bot_token, "channel": "C0GENERAL01", "blocks": blocks},
    )
    call = slack.last("chat.postMessage")
    assert answer["ok"] and call.token == slack.bot_token
    assert call.args == {"channel": "C0GENERAL01", "blocks": blocks}
    assert call.content_type == "application/x-www-form-urlencoded"


def test_a_token_inside_a_json_body_is_ignored_as_on_slack(slack: FakeSlack) -> None:
    answer = httpx.post(
        slack.url + "chat.postMessage",
        json={"token": slack.bot_token, "channel": "C0GENERAL01", "text": "hi"},
    ).json()
    assert answer == {"ok": False, "error": "not_authed"}
    assert slack.last("chat.postMessage").args == {"channel": "C0GENERAL01", "text": "hi"}


def test_authentication_and_scopes(slack: FakeSlack, client: WebClient) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == "U0IMPACTBOT" and answer["bot_id"] == "B0IMPACTBOT"
    assert "chat:write" in answer.headers["x-oauth-scopes"].split(",")

    def error(token: str, method: str, **args: Any) -> dict[str, Any]:
        try:
            WebClient(token=token, base_url=slack.url).api_call(method, params=args)
        except SlackApiError as e:
            return dict(e.response.data)
        raise AssertionError(f"{method} succeeded")

    assert error("xoxb-nope", "auth.test")["error"] == "invalid_auth"
    assert error(slack.app_token, "auth.test")["error"] == "not_allowed_token_type"
    assert error(slack.bot_token, "apps.connections.open")["error"] == "not_allowed_token_type"
    assert error(slack.bot_token, "no.such")["req_method"] == "no.such"
    slack.scopes.discard("users:read.email")
    missing = error(slack.bot_token, "users.lookupByEmail", email="a@example.com")
    assert (missing["error"], missing["needed"]) == ("missing_scope", "users:read.email")
    slack.revoke(slack.bot_token)
    assert error(slack.bot_token, "auth.test")["error"] == "token_revoked"


def test_the_bot_holds_exactly_the_manifests_scopes(slack: FakeSlack, client: WebClient) -> None:
    shipped = yaml.safe_load((ROOT / "manifest.yaml").read_text())["oauth_config"]["scopes"]
    granted = client.auth_test().headers["x-oauth-scopes"].split(",")
    assert sorted(granted) == sorted(shipped["bot"]) == sorted(slack.scopes)
    with FakeSlack(scopes=["chat:write"]) as narrow:  # a test may say otherwise
        answer = WebClient(token=narrow.bot_token, base_url=narrow.url).auth_test()
        assert answer.headers["x-oauth-scopes"] == "chat:write"


def test_missing_scope_answers_as_slacks_spec_describes(slack: FakeSlack) -> None:
    slack.scopes.discard("im:history")
    client = WebClient(token=slack.bot_token, base_url=slack.url)
    with pytest.raises(SlackApiError) as raised:
        client.conversations_history(channel="D0ANA00001")
    answer = dict(raised.value.response.data)
    assert answer["needed"] == "im:history" and "im:history" not in answer["provided"]
    assert answer["provided"].split(",") == sorted(slack.scopes)
    spec = _web_spec()
    (operation,) = spec["paths"]["/conversations.history"].values()
    schema = {**operation["responses"]["default"]["schema"], "definitions": spec["definitions"]}
    jsonschema.Draft4Validator(schema).validate(answer)  # additionalProperties: false


def test_conversations_open_needs_the_scope_of_what_it_opens(
    slack: FakeSlack, client: WebClient
) -> None:
    assert client.conversations_open(users="U0ALICE001")["channel"]["id"] == "D0ALICE001"
    with pytest.raises(SlackApiError) as raised:  # a group DM: mpim:write, not in the manifest
        client.conversations_open(users="U0ALICE001,U0BOB00001")
    assert raised.value.response["needed"] == "mpim:write"
    slack.scopes.discard("im:write")
    with pytest.raises(SlackApiError) as raised:
        client.conversations_open(users="U0ALICE001")
    assert raised.value.response["needed"] == "im:write"


def test_required_arguments_fail_as_on_slack(client: WebClient) -> None:
    def error(method: str, **args: Any) -> dict[str, Any]:
        with pytest.raises(SlackApiError) as raised:
            client.api_call(method, json=args)
        return dict(raised.value.response.data)

    assert error("chat.postMessage", text="hi")["error"] == "channel_not_found"
    assert error("chat.postMessage", channel="C0GENERAL01")["error"] == "no_text"
    assert error("chat.update", channel="C0GENERAL01", ts="1.2", text="x")["error"] == (
        "message_not_found"
    )
    assert error("views.publish", view={"type": "home", "blocks": []}) == {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": ["[ERROR] missing required field: user_id"]},
    }
    too_many = [{"type": "divider"}] * 51
    assert error("chat.postMessage", channel="C0GENERAL01", blocks=too_many)["error"] == (
        "invalid_blocks"
    )


def test_people_dms_and_updates(slack: FakeSlack, client: WebClient) -> None:
    slack.add_user("U0ALICE001", "alice", email="Alice@Example.com")
    slack.add_usergroup("S0MANAGERS", ["U0ALICE001"])
    assert client.users_lookupByEmail(email="alice@example.com")["user"]["id"] == "U0ALICE001"
    with pytest.raises(SlackApiError, match="users_not_found"):
        client.users_lookupByEmail(email="nobody@example.com")
    slack.scopes.discard("users:read.email")
    assert "email" not in client.users_info(user="U0ALICE001")["user"]["profile"]
    assert client.usergroups_users_list(usergroup="S0MANAGERS")["users"] == ["U0ALICE001"]
    dm = client.conversations_open(users="U0ALICE001")["channel"]["id"]
    posted = client.chat_postMessage(channel="U0ALICE001", text="v1")
    assert posted["channel"] == dm == "D0ALICE001"  # Slack answers the DM id, not the user id
    client.chat_update(channel=dm, ts=posted["ts"], text="v2")
    assert [m["text"] for m in slack.messages("U0ALICE001")] == ["v2"]


def test_history_and_replies_as_on_slack(slack: FakeSlack, client: WebClient) -> None:
    parent = slack.add_message("C0GENERAL01", "1717243200.000100", "see #1", user="U0ANA00001")
    slack.add_message("C0GENERAL01", "1717243200.000200", "me too", user="U0BOB00001",
                      thread_ts=parent["ts"])  # fmt: skip
    slack.add_message("C0GENERAL01", "1717243200.000300", "later")
    one = client.conversations_history(
        channel="C0GENERAL01", latest=parent["ts"], inclusive=True, limit=1
    )
    assert [m["text"] for m in one["messages"]] == ["see #1"]
    first = client.conversations_history(channel="C0GENERAL01", limit=1)
    assert (first["messages"][0]["text"], first["has_more"]) == ("later", True)
    rest = client.conversations_history(
        channel="C0GENERAL01", cursor=first["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["see #1"]  # replies are not history
    thread = client.conversations_replies(channel="C0GENERAL01", ts=parent["ts"])
    assert [m["text"] for m in thread["messages"]] == ["see #1", "me too"]
    slack.scopes.discard("im:history")
    with pytest.raises(SlackApiError, match="im:history"):
        client.conversations_history(channel="D0ANA00001")


def test_home_tab_publish_and_hash_conflict(slack: FakeSlack, client: WebClient) -> None:
    view = {"type": "home", "blocks": [{"type": "divider"}]}
    first = client.views_publish(user_id="U0ALICE001", view=view)["view"]
    assert slack.home_view("U0ALICE001") == first
    client.views_publish(user_id="U0ALICE001", view=view, hash=first["hash"])
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_publish(user_id="U0ALICE001", view=view, hash=first["hash"])


def test_ratelimited_then_success_with_the_sdk_retry_handler(
    slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []

    class Clock:  # the handler sleeps Retry-After + jitter; record it instead of waiting
        @staticmethod
        def sleep(seconds: float) -> None:
            slept.append(seconds)

    monkeypatch.setattr(builtin_handlers, "time", Clock)
    slack.script(
        "chat.postMessage", ratelimited(retry_after=1), {"ok": False, "error": "ratelimited"}
    )
    client = WebClient(
        token=slack.bot_token,
        base_url=slack.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    assert client.chat_postMessage(channel="C0GENERAL01", text="hi")["ok"]
    assert len(slack.calls_to("chat.postMessage")) == 3
    assert len(slept) == 2 and all(1 <= s < 2 for s in slept)
    slack.script("chat.postMessage", ratelimited(retry_after=7), ScriptedReply("boom", 503))
    with pytest.raises(SlackApiError) as raised:
        WebClient(token=slack.bot_token, base_url=slack.url).chat_postMessage(channel="C", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["retry-after"] == "7"
    assert httpx.post(slack.url + "chat.postMessage").status_code == 503


def test_response_urls_record_posts_and_allow_five(slack: FakeSlack) -> None:
    url = slack.response_url()
    webhook = WebhookClient(url)
    assert webhook.send(text="done", response_type="ephemeral").status_code == 200
    assert slack.responses_to(url) == [{"text": "done", "response_type": "ephemeral"}]
    statuses = [webhook.send(text=str(i)).status_code for i in range(5)]
    assert statuses == [200, 200, 200, 200, 404]
    assert httpx.post(slack.response_url(), content=b"not json").status_code == 400


def test_files_upload_v2_keeps_the_bytes(slack: FakeSlack, client: WebClient) -> None:
    answer = client.files_upload_v2(
        channel="C0GENERAL01", content="a,b\n1,2\n", filename="credit.csv", title="Credit"
    )
    uploaded = slack.files[answer["file"]["id"]]
    assert (uploaded.content, uploaded.title, uploaded.channel_id) == (
        b"a,b\n1,2\n",
        "Credit",
        "C0GENERAL01",
    )
    assert uploaded.completed
    assert slack.last("files.getUploadURLExternal").args["length"] == "8"


# -- agreement with Slack's own specs and samples ----------------------------------------------


def test_every_method_exists_in_the_spec_with_its_required_arguments() -> None:
    paths = _web_spec()["paths"]
    for name in NEWER_THAN_SPEC:
        assert f"/{name}" not in paths, f"{name} is in the spec now: check it there"
    for name, spec in METHODS.items():
        if name in NEWER_THAN_SPEC:
            continue
        (operation,) = paths[f"/{name}"].values()
        required = {
            p["name"] for p in operation["parameters"] if p.get("required") and p["name"] != "token"
        }
        assert required == set(spec.required), name


def test_success_answers_match_the_spec_schemas(slack: FakeSlack, client: WebClient) -> None:
    spec = _web_spec()
    slack.add_user("U0ALICE001", "alice", email="alice@example.com")
    slack.add_usergroup("S0MANAGERS", ["U0ALICE001"])
    posted = client.chat_postMessage(channel="C0GENERAL01", text="hi", blocks=[{"type": "divider"}])
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Claim"}, "blocks": []}
    home = {"type": "home", "blocks": []}
    answers = {
        "auth.test": client.auth_test(),
        "chat.postMessage": posted,
        # text only: the spec types chat.update's message.blocks as an object (a spec bug)
        "chat.update": client.chat_update(channel="C0GENERAL01", ts=posted["ts"], text="v2"),
        "chat.postEphemeral": client.chat_postEphemeral(channel="C0G", user="U0ALICE001", text="x"),
        "chat.unfurl": client.chat_unfurl(channel="C0G", ts=posted["ts"], unfurls={"u": {}}),
        "views.publish": client.views_publish(user_id="U0ALICE001", view=home),
        "views.open": client.views_open(trigger_id="1.2.abc", view=modal),
        "users.info": client.users_info(user="U0ALICE001"),
        "users.lookupByEmail": client.users_lookupByEmail(email="alice@example.com"),
        "usergroups.users.list": client.usergroups_users_list(usergroup="S0MANAGERS"),
        "conversations.open": client.conversations_open(users="U0ALICE001"),
        "conversations.history": client.conversations_history(channel="C0GENERAL01"),
    }  # fmt: skip
    for name, answer in answers.items():
        (operation,) = spec["paths"][f"/{name}"].values()
        schema = {**operation["responses"]["200"]["schema"], "definitions": spec["definitions"]}
        jsonschema.Draft4Validator(schema).validate(answer.data)


def test_answers_use_field_names_from_slacks_samples(slack: FakeSlack, client: WebClient) -> None:
    slack.add_user("U0ALICE001", "alice", email="alice@example.com")
    user = client.users_info(user="U0ALICE001")["user"]
    sample_user = sample("api/users.info.json")["user"]
    assert set(user) <= set(sample_user)
    assert set(user["profile"]) <= set(sample_user["profile"])
    assert set(client.auth_test().data) <= set(sample("api/auth.test.json"))
    view = client.views_publish(user_id="U0ALICE001", view={"type": "home", "blocks": []})["view"]
    assert set(view) <= set(sample("api/views.publish.json")["view"])


@pytest.mark.parametrize("name", ["view_home_001", "view_home_003", "view_modal_007"])
def test_slacks_own_view_fixtures_are_accepted(client: WebClient, name: str) -> None:
    view = sample(f"slack-python-sdk-fixtures/{name}.json")
    if view["type"] == "home":
        answer = client.views_publish(user_id="U0ALICE001", view=view)
    else:
        answer = client.views_open(trigger_id="1.2.abc", view=view)
    assert answer["view"]["blocks"] == view["blocks"]


RELIED_ON = {
    "events/AppHomeOpenedPayload.json": "event.user event.tab event.channel",
    "events/ReactionAddedPayload.json": "event.item.channel event.item.ts event.reaction",
    "events/LinkSharedPayload.json": "event.channel event.message_ts event.links event.unfurl_id",
    "app-backend/BlockActionPayload.json": "user.id actions trigger_id response_url container",
    "app-backend/MessageShortcutPayload.json": "callback_id trigger_id message_ts channel.id",
}


@pytest.mark.parametrize(("path", "fields"), RELIED_ON.items())
def test_payload_samples_have_the_fields_we_rely_on(path: str, fields: str) -> None:
    data: Any = sample(path)
    if "event" in data:
        assert {"event_id", "event_time", "authorizations"} <= set(data)
    for dotted in fields.split():
        node = data
        for key in dotted.split("."):
            assert isinstance(node, dict) and key in node, f"{path}: no {dotted}"
            node = node[key]


# -- Socket Mode --------------------------------------------------------------------------------


def test_sdk_socket_mode_client_receives_and_acks() -> None:
    with FakeSocketMode() as sock, FakeSlack(socket=sock) as slack:
        client = SocketModeClient(
            app_token=slack.app_token, web_client=WebClient(base_url=slack.url)
        )

        def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
            answer = {"text": f"got {request.payload['text']}"}
            client.send_socket_mode_response(SocketModeResponse(request.envelope_id, answer))

        client.socket_mode_request_listeners.append(on_request)  # type: ignore[arg-type]
        try:
            client.connect()
            assert slack.last("apps.connections.open").token == slack.app_token
            envelope_id = sock.push_command(text="top")
            ack = sock.wait_for_ack(envelope_id)
            assert ack == {"envelope_id": envelope_id, "payload": {"text": "got top"}}
            assert sock.connections[0].startswith("/link/?ticket=")
        finally:
            sock.close_client(client)


def test_bolt_app_over_socket_mode_handles_impact() -> None:
    with FakeSocketMode() as sock, FakeSlack(socket=sock) as slack:
        app = App(
            signing_secret="s3cret", client=WebClient(token=slack.bot_token, base_url=slack.url)
        )

        @app.command("/impact")
        def impact(ack: Ack, command: dict[str, str], client: WebClient) -> None:
            ack(f"working on {command['text']}")
            client.chat_postMessage(channel=command["user_id"], text="done")

        handler = SocketModeHandler(app, app_token=slack.app_token)
        try:
            handler.connect()
            url = slack.response_url()
            envelope_id = sock.push_command(text="top 5", response_url=url)
            assert sock.wait_for_ack(envelope_id)["payload"] == {"text": "working on top 5"}
            (call,) = slack.wait_for("chat.postMessage")
            assert (call.args["channel"], call.args["text"]) == ("U0ALICE001", "done")
        finally:
            sock.close_client(handler.client)


def test_disconnect_notice_makes_the_sdk_client_reconnect() -> None:
    seen: list[SocketModeRequest] = []

    def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
        seen.append(request)
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id))

    with FakeSocketMode() as sock, FakeSlack(socket=sock) as slack:
        client = SocketModeClient(
            app_token=slack.app_token, web_client=WebClient(base_url=slack.url)
        )
        client.socket_mode_request_listeners.append(on_request)  # type: ignore[arg-type]
        try:
            client.connect()
            sock.disconnect()
            event = {"type": "app_home_opened", "user": "U0ALICE001", "tab": "home",
                     "channel": "D0ALICE001", "event_ts": "1717243200.000300"}  # fmt: skip
            envelope_id = sock.push_event(
                event, "Ev0000000001", retry_attempt=1, retry_reason="timeout"
            )
            assert sock.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}
            assert len(slack.calls_to("apps.connections.open")) == len(sock.connections) == 2
        finally:
            sock.close_client(client)
    (request,) = seen
    assert (request.type, request.accepts_response_payload) == ("events_api", False)
    assert (request.retry_attempt, request.payload["event"]) == (1, event)
