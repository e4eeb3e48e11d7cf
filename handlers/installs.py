"""Which workspace a request comes from, and the app leaving one (uninstalled, or its tokens revoked)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy.exc import SQLAlchemyError

from handlers.services import Services

log = logging.getLogger(__name__)

NOTE_WAIT = 0.5  # seconds the ack may wait to note a workspace or a person's workspace; then it goes on


def register(app: App, services: Services) -> None:
    @app.middleware
    def note_workspace(context: BoltContext, next_: Callable[[], Any]) -> Any:
        """Know each workspace's organisation (an org-wide install serves it) and each person's workspace
        (their look-ups use its token). Bounded, and never in the way: a slow database only delays this."""
        team, enterprise, user = context.team_id, context.enterprise_id, context.user_id

        def note() -> None:
            with services.db.session() as session:
                services.workspaces.seen(session, team, enterprise, user)

        if team:
            try:
                services.db.within(NOTE_WAIT, note)
            except (SQLAlchemyError, TimeoutError):
                log.warning("could not note the workspace of a request; it is noted on a later one")
        return next_()

    if app.installation_store is None:  # one bot token: nothing to uninstall but the app itself
        return

    revocations = (app.default_app_uninstalled_event_listener(), app.default_tokens_revoked_event_listener())

    @app.event("app_uninstalled")
    def uninstalled(context: BoltContext) -> None:
        revocations[0](context=context)  # bolt deletes every token of that install
        _stop(services, context)

    @app.event("tokens_revoked")
    def tokens_revoked(event: dict, context: BoltContext) -> None:
        revocations[1](event=event, context=context)
        if (event.get("tokens") or {}).get("bot"):  # without its bot token the bot cannot say anything there
            _stop(services, context)


def _stop(services: Services, context: BoltContext) -> None:
    team = None if context.is_enterprise_install else context.team_id
    with services.db.session() as session:
        stopped = services.workspaces.uninstalled(
            session, team_id=team, enterprise_id=context.enterprise_id, now=services.clock.now()
        )
    log.warning("the app was removed from %s: sending stopped, data kept until the retention ends", stopped)
