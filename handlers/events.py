"""Events: opening the app shows the App Home."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import messages, submissions
from bot.services import Services
from bot.submissions import Author

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict, body: dict, client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        author = Author(user_id=event["user"], workspace_id=body.get("team_id", ""))
        try:
            with services.db.session() as session:
                listing = submissions.submissions_of(session, author)
        except SQLAlchemyError:
            log.warning("database unavailable while building the App Home", exc_info=True)
            return
        client.views_publish(user_id=author.user_id, view=messages.home_view(listing))
