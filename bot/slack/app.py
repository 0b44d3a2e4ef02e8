"""The Slack side's assembly: ``create_app`` wires listeners to services.

Nothing happens at import time: the App and its listeners are built when ``bot.wiring``
(for ``impactbot serve``, a test, a benchmark) calls ``create_app`` with the Web API client
and the claim writers it built.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from bot.app.claims import WriterFor
from bot.app.event_receipts import EventReceipts
from bot.app.services import Services
from bot.config import Settings
from bot.errors import ConfigurationError
from bot.slack.event_leases import OncePerEvent
from bot.slack.listeners import actions, commands, digest_actions, events, shortcuts
from bot.slack.scopes import uses_of

log = logging.getLogger("impactbot.slack")


def slack_secrets(settings: Settings) -> tuple[str, str]:
    """The bot token and the signing secret; ``ConfigurationError`` when either is missing."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    if not token or not secret:
        raise ConfigurationError(
            "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET must be set (see .env.example)"
        )
    return token, secret


def create_app(
    settings: Settings, services: Services, *, client: WebClient, writer_for: WriterFor
) -> App:
    """A bolt App answering `/impact`, the flag shortcut and reaction, unfurls, App Home and
    the digests' buttons, calling Slack through ``client``; ``writer_for`` gives the tracker
    write-back Claim uses.

    Raises ``ConfigurationError`` when the signing secret is missing, or Slack refuses the
    token or cannot be reached.
    """
    _, secret = slack_secrets(settings)
    # The token travels in the client only (given both, bolt ignores one). bolt checks it
    # with auth.test at start-up: a bad token fails `serve` at once, not on the first request.
    app = _checked_app(secret, client, settings.slack_api_url)
    once = OncePerEvent(EventReceipts(services.settings.db_path, services.clock))
    app.middleware(_once_per_event(once))
    commands.register(app, services)
    actions.register(app, services)
    digest_actions.register(app, services, writer_for)
    shortcuts.register(app, services)
    events.register(app, services, flag_emoji=settings.flag_emoji)
    app.error(_error_handler(secret, once))
    return app


def _checked_app(secret: str, client: WebClient, api_url: str) -> App:
    """The bolt App, whose start-up ``auth.test`` checks the token; raises
    ``ConfigurationError`` when Slack refuses the token or cannot be reached."""
    try:
        return App(signing_secret=secret, client=client, raise_error_for_unhandled_request=False)
    except BoltError as exc:
        cause = exc.__context__
        error = cause.response.get("error") if isinstance(cause, SlackApiError) else None
        raise ConfigurationError(
            f"Slack refused SLACK_BOT_TOKEN ({error or 'auth.test failed'}): reinstall the app "
            "in the workspace and copy its current xoxb- token into .env"
        ) from None
    except OSError as exc:  # urllib's URLError: refused, unresolvable, timed out
        reason = getattr(exc, "reason", None) or exc
        raise ConfigurationError(
            f"cannot reach Slack at {api_url} ({reason}): check the network and SLACK_API_URL"
        ) from None


def _once_per_event(once: OncePerEvent) -> Any:
    """Slack retries an event it thinks we missed (same ``event_id``): acknowledge every
    delivery at once, handle the event once."""

    def middleware(body: dict[str, Any], next: Any) -> BoltResponse | None:
        event_id = body.get("event_id")
        if event_id and not once.admit(str(event_id)):
            return BoltResponse(status=200, body="")
        next()
        return None

    return middleware


def _error_handler(secret: str, once: OncePerEvent) -> Any:
    """The one error handler: log the bug and, for a request Slack really sent, tell the user
    something went wrong.

    An error can come from the signature check itself (a timestamp of ``nan`` makes it raise):
    a body whose signature does not verify is never acted on — no reply to its
    ``response_url``, no call, no write; it is logged and answered 401. An event whose
    handler failed is released, so that Slack's next retry runs it.
    """
    verifier = SignatureVerifier(signing_secret=secret)

    def tell_the_user(
        error: Exception, request: BoltRequest, body: dict[str, Any], respond: Any
    ) -> BoltResponse | None:
        if not _verified(verifier, request):
            log.warning("unverified request refused: %s", type(error).__name__)
            return BoltResponse(status=401, body={"error": "invalid request"})
        log.exception("listener failed", exc_info=error)
        if body.get("event_id"):
            once.failed(str(body["event_id"]))
        if body.get("response_url"):
            respond(text=_apology(error), response_type="ephemeral")
        return None

    return tell_the_user


def _apology(error: Exception) -> str:
    """What the user is told: a Slack scope the app lacks is named, with who can fix it."""
    data = error.response.data if isinstance(error, SlackApiError) else None
    if isinstance(data, dict) and data.get("error") == "missing_scope" and data.get("needed"):
        scope = str(data["needed"])
        uses = "; ".join(uses_of(scope)) or "this"
        return (
            f"Sorry, impactbot's Slack app lacks the `{scope}` permission ({uses}). Ask whoever "
            "installed impactbot to update the app from `impactbot manifest` and reinstall it."
        )
    return "Sorry, something went wrong on my side; it has been logged."


def _verified(verifier: SignatureVerifier, request: BoltRequest) -> bool:
    """True for a request Slack sent: over Socket Mode (an authenticated connection), or with
    a signature that verifies now. Never raises."""
    if request.mode == "socket_mode":
        return True
    try:
        headers = {name: values[0] for name, values in request.headers.items() if values}
        return verifier.is_valid_request(request.raw_body, headers)
    except (ValueError, TypeError, OverflowError):
        return False
