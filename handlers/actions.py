"""Buttons: answer a challenge, look for similar work from a form, join existing work instead."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import challenges, messages, submissions
from bot.i18n import _
from bot.reviews import Deciders
from bot.services import Services
from bot.submissions import Author, InvalidSubmission
from handlers import forms
from handlers.commands import update_form
from handlers.replies import apologise, checked, tell

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.action(messages.PROPOSE_SOLUTION)
    def propose_solution(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        value = str(action.get("value", ""))
        if not value.isdigit():
            tell(respond, _("That button does not point to a challenge I know."))
            return
        try:
            with services.db.session() as session:
                challenge = submissions.open_challenge(session, int(value), _author(body).workspace_id)
        except InvalidSubmission as invalid:
            tell(respond, invalid.errors["challenge"])
            return
        except SQLAlchemyError:
            log.warning("database unavailable while opening a challenge", exc_info=True)
            apologise(respond)
            return
        client.views_open(trigger_id=body["trigger_id"], view=messages.idea_modal(challenge=challenge))

    def on_challenge_move(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        status = action["action_id"].removeprefix("challenge_")
        value = str(action.get("value", ""))
        if not value.isdigit():
            tell(respond, _("That button does not point to a challenge I know."))
            return
        deciders = Deciders(services.settings.innovation_team)
        user, now = body["user"]["id"], services.clock.now()
        moved, _result = checked(
            services,
            respond,
            lambda session: challenges.move_challenge(session, int(value), user, status, now, deciders),
        )
        if not moved:
            return
        services.outbox.kick()

    for status in messages.CHALLENGE_MOVES:
        app.action(f"challenge_{status}")(on_challenge_move)

    @app.action(messages.CHECK_SIMILAR)
    def check_similar(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        workspace = _author(body).workspace_id
        if view.get("callback_id") == messages.IDEA_MODAL:
            draft = forms.idea_draft(view)
            similar = services.matches.find(draft.title, f"{draft.problem}\n{draft.proposal}", workspace_id=workspace)
            challenge = _challenge(services, draft.challenge_id, workspace)
            update_form(client, view["id"], messages.idea_modal(draft, challenge, similar), view.get("hash"))
        elif view.get("callback_id") == messages.CHALLENGE_MODAL:
            challenge_draft, _errors = forms.challenge_draft(view)
            similar = services.matches.find(
                challenge_draft.title,
                f"{challenge_draft.problem}\n{challenge_draft.desired_outcome}",
                workspace_id=workspace,
            )
            update_form(client, view["id"], messages.challenge_modal(challenge_draft, similar), view.get("hash"))

    @app.action(messages.JOIN_SIMILAR)
    def join_similar(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        target = forms.target(action.get("value"))
        author = _author(body)
        item = services.matches.lookup(target, author.workspace_id) if target else None
        if target is None or item is None or not view.get("id"):
            return
        try:
            with services.db.session() as session:
                submissions.join_existing(session, author, target, services.clock.now())
        except (InvalidSubmission, SQLAlchemyError):
            log.warning("could not record a join", exc_info=True)
            return
        update_form(client, view["id"], messages.joined_view(item), view.get("hash"))
        services.outbox.kick()


def _author(body: dict) -> Author:
    user = body["user"]
    return Author(user_id=user["id"], workspace_id=user.get("team_id") or body["team"]["id"])


def _challenge(services: Services, challenge_id: int | None, workspace_id: str):
    if challenge_id is None:
        return None
    try:
        with services.db.session() as session:
            return submissions.open_challenge(session, challenge_id, workspace_id)
    except (InvalidSubmission, SQLAlchemyError):
        return None
