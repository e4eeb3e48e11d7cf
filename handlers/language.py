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
