"""Modal submissions: check, commit, then confirm in the modal; the channel post follows from the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot import messages, submissions
from bot.i18n import N_, _
from bot.matching.service import challenge_document, idea_document
from bot.services import Services
from bot.submissions import Author, InvalidSubmission
from handlers import forms
from storage.models import Challenge, Idea

log = logging.getLogger(__name__)

NOT_SAVED = N_("Sorry, I couldn't save this just now. Your text is still here: press the button again in a minute.")


def register(app: App, services: Services) -> None:
    @app.view(messages.IDEA_MODAL)
    def idea_submitted(ack: Ack, body: dict, view: dict) -> None:
        author, draft = _author(body), forms.idea_draft(view)
        _save_and_confirm(
            ack,
            services,
            lambda session: submissions.submit_idea(
                session, draft, author, services.clock.now(), services.settings.reviewers
            ),
            kind="idea",
            channel=services.settings.ideas_channel,
        )

    @app.view(messages.CHALLENGE_MODAL)
    def challenge_submitted(ack: Ack, body: dict, view: dict) -> None:
        author, (draft, unreadable) = _author(body), forms.challenge_draft(view)
        if unreadable:
            ack(response_action="errors", errors=unreadable)
            return
        _save_and_confirm(
            ack,
            services,
            lambda session: submissions.submit_challenge(session, draft, author, services.clock.now()),
            kind="challenge",
            channel=services.settings.challenges_channel,
        )


def _save_and_confirm(
    ack: Ack, services: Services, save: Callable[[Session], Idea | Challenge], *, kind: str, channel: str
) -> None:
    """Commit the submission, then answer the modal: field errors, an apology, or "received"."""
    try:
        with services.db.session() as session:
            saved = save(session)
    except InvalidSubmission as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except SQLAlchemyError:
        log.warning("database unavailable: %s not saved", kind, exc_info=True)
        ack(response_action="errors", errors={"title": _(NOT_SAVED)})
        return
    ack(response_action="update", view=messages.received_view(kind, saved.title, channel))
    services.matches.upsert(idea_document(saved) if isinstance(saved, Idea) else challenge_document(saved))
    services.outbox.kick()


def _author(body: dict) -> Author:
    user = body["user"]
    return Author(user_id=user["id"], workspace_id=user.get("team_id") or body["team"]["id"])
