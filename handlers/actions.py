"""Buttons: "Propose a solution" under a challenge opens the idea form linked to it."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import messages, submissions
from bot.services import Services
from bot.submissions import InvalidSubmission

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.action(messages.PROPOSE_SOLUTION)
    def propose_solution(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        value = str(action.get("value", ""))
        if not value.isdigit():
            respond(text="That button does not point to a challenge I know.", replace_original=False)
            return
        try:
            with services.db.session() as session:
                challenge = submissions.open_challenge(
                    session, int(value), body["user"].get("team_id") or body["team"]["id"]
                )
        except InvalidSubmission as invalid:
            respond(text=invalid.errors["challenge"], replace_original=False)
            return
        except SQLAlchemyError:
            log.warning("database unavailable while opening a challenge", exc_info=True)
            respond(**messages.apology().as_kwargs(), replace_original=False)
            return
        client.views_open(trigger_id=body["trigger_id"], view=messages.idea_modal(challenge=challenge))
