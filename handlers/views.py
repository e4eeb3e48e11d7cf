"""Modal submissions: check, commit, then confirm in the modal; the channel post follows from the outbox."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App
from sqlmodel import Session

from blocks import ids, modals
from bot import submissions
from bot.matching.service import challenge_document, idea_document
from handlers import payloads
from handlers.answers import saved
from handlers.services import Services
from storage.models import Challenge, Idea


def register(app: App, services: Services) -> None:
    @app.view(ids.IDEA_MODAL)
    def idea_submitted(ack: Ack, body: dict, view: dict) -> None:
        author, draft = payloads.author(body), payloads.idea_draft(view)
        chosen = services.settings_of(author.workspace_id)
        _save_and_confirm(
            ack,
            services,
            lambda session: submissions.submit_idea(session, draft, author, services.clock.now(), chosen.reviewers),
            kind="idea",
            channel=chosen.ideas_channel,
        )

    @app.view(ids.CHALLENGE_MODAL)
    def challenge_submitted(ack: Ack, body: dict, view: dict) -> None:
        author, (draft, unreadable) = payloads.author(body), payloads.challenge_draft(view)
        if unreadable:
            ack(response_action="errors", errors=unreadable)
            return
        _save_and_confirm(
            ack,
            services,
            lambda session: submissions.submit_challenge(session, draft, author, services.clock.now()),
            kind="challenge",
            channel=services.settings_of(author.workspace_id).challenges_channel,
        )


def _save_and_confirm(
    ack: Ack, services: Services, save: Callable[[Session], Idea | Challenge], *, kind: str, channel: str
) -> None:
    """Commit the submission, then answer the modal: field errors, an apology, or "received"."""
    done, stored = saved(ack, services, save, field="title")
    if not done or stored is None:
        return
    ack(response_action="update", view=modals.received_view(kind, stored.title, channel))
    services.matches.upsert(idea_document(stored) if isinstance(stored, Idea) else challenge_document(stored))
