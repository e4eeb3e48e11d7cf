"""Every request is answered in its sender's language: a Bolt middleware sets it in the request's
context, which the listener thread inherits (`runtime.logs.ContextExecutor`) and which ends with the request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App
from sqlalchemy.exc import SQLAlchemyError

from bot.i18n import use
from handlers import payloads
from handlers.services import Services


def register(app: App, services: Services) -> None:
    @app.middleware
    def speak_their_language(body: dict, next_: Callable[[], Any]) -> Any:
        try:
            language = services.languages.of_person(payloads.sender(body))
        except SQLAlchemyError:  # the database is down: answer (an apology) in the default language
            language = None
        use(language)
        return next_()


SETTLE_SECONDS = 1.0  # after the ack, a newcomer's first form waits at most this long for Slack's locale


def settle(services: Services, user_id: str | None) -> None:
    """After the ack, before opening a form: speak the person's language once Slack has told it (at most
    `SETTLE_SECONDS`; the trigger to open a form lasts 3 seconds)."""
    use(services.languages.settle(user_id, SETTLE_SECONDS))
