"""Modal submissions: check, commit, then confirm in the modal; the channel post follows from the outbox."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App
from sqlalchemy.exc import SQLAlchemyError

from bot import messages, submissions
from bot.services import Services
from bot.submissions import Author, InvalidSubmission
from handlers import forms

log = logging.getLogger(__name__)

NOT_SAVED = "Sorry, I couldn't save this just now. Your text is still here: press the button again in a minute."


def register(app: App, services: Services) -> None:
    @app.view(messages.IDEA_MODAL)
    def idea_submitted(ack: Ack, body: dict, view: dict) -> None:
        author = _author(body)
        draft = forms.idea_draft(view)
        try:
            with services.db.session() as session:
                idea = submissions.submit_idea(session, draft, author, services.clock.now())
        except InvalidSubmission as invalid:
            ack(response_action="errors", errors=invalid.errors)
            return
        except SQLAlchemyError:
            log.warning("database unavailable: idea not saved", exc_info=True)
            ack(response_action="errors", errors={"title": NOT_SAVED})
            return
        ack(response_action="update", view=messages.received_view("idea", idea.title, services.settings.ideas_channel))
        services.outbox.kick()

    @app.view(messages.CHALLENGE_MODAL)
    def challenge_submitted(ack: Ack, body: dict, view: dict) -> None:
        author = _author(body)
        draft, unreadable = forms.challenge_draft(view)
        try:
            if unreadable:
                raise InvalidSubmission(unreadable)
            with services.db.session() as session:
                challenge = submissions.submit_challenge(session, draft, author, services.clock.now())
        except InvalidSubmission as invalid:
            ack(response_action="errors", errors=invalid.errors)
            return
        except SQLAlchemyError:
            log.warning("database unavailable: challenge not saved", exc_info=True)
            ack(response_action="errors", errors={"title": NOT_SAVED})
            return
        channel = services.settings.challenges_channel
        ack(response_action="update", view=messages.received_view("challenge", challenge.title, channel))
        services.outbox.kick()


def _author(body: dict) -> Author:
    user = body["user"]
    return Author(user_id=user["id"], workspace_id=user.get("team_id") or body["team"]["id"])
