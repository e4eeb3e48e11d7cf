"""The last resort for errors in listeners: log what happened, never the payload (it may name an author)."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.response import BoltResponse

from bot.services import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.error
    def on_error(error: Exception, body: dict) -> BoltResponse:
        kind = body.get("type") or body.get("command") or "request"
        log.error("unhandled %s while handling %s", type(error).__name__, kind, exc_info=error)
        return BoltResponse(status=500, body="")
