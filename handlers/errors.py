"""The last resort for errors in listeners: log what happened (never the payload: it may name an
author), keep a half-filled form open, and tell the person something went wrong instead of silence."""

from __future__ import annotations

import json
import logging
import re

from slack_bolt import Ack, App
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackClientError
from slack_sdk.webhook import WebhookClient

from blocks import replies
from bot.i18n import N_, _
from handlers.answers import ephemeral
from handlers.services import Services

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = N_(
    ":warning: Sorry, something went wrong on my side and it has been logged. "
    "Nothing you sent before is lost; please try again."
)
FORM_NOT_SAVED = N_("Sorry, something went wrong on my side. Your text is still here: please try again.")


def register(app: App, services: Services) -> None:
    @app.command(re.compile(r"^/"))  # registered after every module: only a command none of them takes
    def unknown_command(ack: Ack, command: dict) -> None:
        """A command the app's manifest declares but this version does not handle (an old manifest, a renamed
        command): said plainly, instead of Bolt's "unhandled request" warning and a 404 Slack shows as failed."""
        ack(**ephemeral(replies.unknown_command(str(command.get("command", "")))))

    @app.error
    def on_error(error: Exception, body: dict) -> BoltResponse:
        kind = body.get("type") or body.get("command") or "request"
        log.error("unhandled %s while handling %s", type(error).__name__, kind, exc_info=error)
        if kind == "view_submission":
            return _keep_form_open(body)
        _apologise(body.get("response_url") or "")
        return BoltResponse(status=200, body="")


def _keep_form_open(body: dict) -> BoltResponse:
    """Answer a modal submission with an error on its first field, so the modal and its text stay."""
    blocks = (body.get("view") or {}).get("blocks") or []
    first_input = next((b.get("block_id") for b in blocks if b.get("type") == "input" and b.get("block_id")), None)
    if first_input is None:
        return BoltResponse(status=500, body="")  # Slack keeps the modal open and says it failed
    answer = {"response_action": "errors", "errors": {first_input: _(FORM_NOT_SAVED)}}
    return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})


def _apologise(response_url: str) -> None:
    if not response_url:
        return
    try:
        WebhookClient(response_url, timeout=3).send(
            text=_(SOMETHING_WENT_WRONG), response_type="ephemeral", replace_original=False
        )
    except (SlackClientError, OSError):
        log.warning("could not tell the person about the error")
