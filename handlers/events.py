"""Events: opening the app shows the App Home; a deactivated account starts its retention countdown."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from blocks import home as home_blocks
from bot import privacy
from bot.home import home_for
from bot.nudges import next_nudge
from bot.reviews import Deciders
from bot.text import is_user_id
from bot.worktime import zone
from handlers.services import Services
from handlers.settings import may_configure

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict, body: dict, client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        user, workspace = event["user"], body.get("team_id", "")
        now = services.clock.now()
        try:
            with services.db.session() as session:
                policy = services.workspaces.policy_of(session, workspace)
                home = home_for(
                    session,
                    workspace,
                    user,
                    now,
                    Deciders(services.settings_of(workspace).innovation_team),
                    lambda idea: next_nudge(session, idea, policy, services.time_zones, now),
                )
            reader = zone(services.time_zones(user), services.settings.timezone)
        except SQLAlchemyError:
            log.warning("database unavailable while building the App Home", exc_info=True)
            return
        can_configure = may_configure(services, client, workspace, user)
        client.views_publish(user_id=user, view=home_blocks.home_view(home, now, reader, can_configure=can_configure))

    @app.event("user_change")
    def account_changed(event: dict) -> None:
        """Slack tells of a deactivated account (`deleted: true`): the retention countdown starts for it
        (PRIVACY.md); a reactivated account stops it."""
        user = event.get("user") if isinstance(event.get("user"), dict) else {}
        user_id = user.get("id")
        if not isinstance(user_id, str) or not is_user_id(user_id):
            return
        try:
            with services.db.session() as session:
                privacy.note_account(session, user_id, services.clock.now(), deactivated=bool(user.get("deleted")))
        except SQLAlchemyError:
            log.warning("database unavailable: a deactivated account was not noted", exc_info=True)
