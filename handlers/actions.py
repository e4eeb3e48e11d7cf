"""Buttons: answer a challenge, look for similar work from a form, join existing work instead."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from blocks import ids, modals
from bot import challenges, submissions
from bot.i18n import _
from bot.labels import status_label
from bot.refusals import InvalidSubmission
from bot.text import escaped
from handlers import language, payloads
from handlers.answers import apologise, checked, tell, update_form
from handlers.services import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.action(ids.PROPOSE_SOLUTION)
    def propose_solution(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        language.settle(services, body["user"]["id"])
        value = str(action.get("value", ""))
        if not value.isdigit():
            tell(respond, _("That button does not point to a challenge I know."))
            return
        try:
            with services.db.session() as session:
                challenge = submissions.open_challenge(session, int(value), payloads.author(body).workspace_id)
        except InvalidSubmission as invalid:
            tell(respond, invalid.errors["challenge"])
            return
        except SQLAlchemyError:
            log.warning("database unavailable while opening a challenge", exc_info=True)
            apologise(respond)
            return
        client.views_open(trigger_id=body["trigger_id"], view=modals.idea_modal(challenge=challenge))

    def on_challenge_move(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        status = ids.CHALLENGE_MOVE_BUTTONS[action["action_id"]]
        value = str(action.get("value", ""))
        if not value.isdigit():
            tell(respond, _("That button does not point to a challenge I know."))
            return
        user, now = body["user"]["id"], services.clock.now()
        team = services.settings_of(payloads.workspace(body)).innovation_team
        moved, challenge = checked(
            services, respond, lambda session: challenges.move_challenge(session, int(value), user, status, now, team)
        )
        if moved and challenge is not None:  # the post changes for everyone; the presser hears it worked
            tell(
                respond,
                _(
                    ":white_check_mark: The challenge *{title}* is now “{status}”. Its post is updated.",
                    title=escaped(challenge.title, 200),
                    status=status_label(challenge.status),
                ),
            )

    for action_id in ids.CHALLENGE_MOVE_BUTTONS:
        app.action(action_id)(on_challenge_move)

    @app.action(ids.CHECK_SIMILAR)
    def check_similar(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        workspace = payloads.author(body).workspace_id
        if view.get("callback_id") == ids.IDEA_MODAL:
            draft = payloads.idea_draft(view)
            similar = services.matches.find(draft.title, f"{draft.problem}\n{draft.proposal}", workspace_id=workspace)
            challenge = _challenge(services, draft.challenge_id, workspace)
            update_form(client, view["id"], modals.idea_modal(draft, challenge, similar), view.get("hash"))
        elif view.get("callback_id") == ids.CHALLENGE_MODAL:
            challenge_draft, _errors = payloads.challenge_draft(view)
            similar = services.matches.find(
                challenge_draft.title,
                f"{challenge_draft.problem}\n{challenge_draft.desired_outcome}",
                workspace_id=workspace,
            )
            update_form(client, view["id"], modals.challenge_modal(challenge_draft, similar), view.get("hash"))

    @app.action(ids.JOIN_SIMILAR)
    def join_similar(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        target = payloads.target(action.get("value"))
        author = payloads.author(body)
        item = services.matches.lookup(target, author.workspace_id) if target else None
        if target is None or item is None or not view.get("id"):
            return
        try:
            with services.db.session() as session:
                shared = services.workspaces.shared_with(session, author.workspace_id)
                submissions.join_existing(session, author, target, services.clock.now(), shared)
        except (InvalidSubmission, SQLAlchemyError):
            log.warning("could not record a join", exc_info=True)
            return
        update_form(client, view["id"], modals.joined_view(item), view.get("hash"))
        services.outbox.kick()


def _challenge(services: Services, challenge_id: int | None, workspace_id: str):
    if challenge_id is None:
        return None
    try:
        with services.db.session() as session:
            return submissions.open_challenge(session, challenge_id, workspace_id)
    except (InvalidSubmission, SQLAlchemyError):
        return None
