"""Reviewing in Slack: the buttons on an idea's post, the decision form, thread replies, editing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from blocks import ids, modals
from bot import nudges, reviews
from bot.i18n import _, format_datetime
from bot.matching.service import idea_document, project_document
from bot.reviews import Deciders
from bot.worktime import zone
from handlers import language, payloads
from handlers.answers import checked, open_form, saved, tell
from handlers.services import Services
from storage.models import PastProject

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def deciders(workspace_id: str | None) -> Deciders:
        return Deciders(innovation_team=services.settings_of(workspace_id).innovation_team)

    def on_decision_button(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        language.settle(services, body["user"]["id"])
        name = ids.IDEA_MOVE_BUTTONS[action["action_id"]]
        idea_id = payloads.idea_id(action)
        user = body["user"]["id"]
        workspace = payloads.workspace(body)
        who = deciders(workspace)
        allowed, idea = checked(
            services, respond, lambda session: reviews.idea_for(session, idea_id, user, name, who, workspace)
        )
        if not allowed or idea is None:
            return
        candidates = []
        if name == "merge":
            document = idea_document(idea)
            candidates = services.matches.find(
                document.title, document.description, limit=10, exclude=document.key, workspace_id=idea.workspace_id
            )
        open_form(
            client,
            respond,
            body["trigger_id"],
            modals.decision_modal(idea, name, candidates, by_author=user == idea.author_id),
        )

    for action_id in ids.IDEA_MOVE_BUTTONS:  # one listener for every move of `bot.reviews.MOVES`
        app.action(action_id)(on_decision_button)

    def on_support_button(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        kind = "support" if action["action_id"] == ids.SUPPORT_BUTTON else "help"
        idea_id = payloads.idea_id(action)
        done, added = checked(
            services,
            respond,
            lambda session: reviews.support(
                session, idea_id or 0, body["user"]["id"], kind, services.clock.now(), payloads.workspace(body)
            ),
        )
        if not done:
            return
        if kind == "help":
            text = _("Thanks! I've told the author you'd like to help.") if added else _("You already offered to help.")
        else:
            text = _("Thanks for your support!") if added else _("You already support this idea.")
        tell(respond, text)

    app.action(ids.SUPPORT_BUTTON)(on_support_button)
    app.action(ids.HELP_BUTTON)(on_support_button)

    @app.view(ids.DECISION_MODAL)
    def decision_submitted(ack: Ack, body: dict, view: dict) -> None:
        metadata = payloads.metadata(view)
        idea_id, name = metadata.get("idea_id"), metadata.get("action")
        if not isinstance(idea_id, int) or name not in reviews.MOVES:
            ack(response_action="errors", errors={"comment": _("This form is out of date; close it and try again.")})
            return
        comment, outcome, target = payloads.decision_values(view)

        who = deciders(payloads.workspace(body))

        def decide(session: Session) -> PastProject | None:
            reviews.decide(
                session,
                idea_id,
                body["user"]["id"],
                name,
                services.clock.now(),
                who,
                comment=comment,
                outcome=outcome,
                target=target,
                workspace_id=payloads.workspace(body),
                seen_status=metadata.get("status") if isinstance(metadata.get("status"), str) else None,
                plan=payloads.experiment_plan(view) if name == "start" else None,
                report=payloads.experiment_report(view) if name == "complete" else None,
            )
            return reviews.registry_entry(session, idea_id) if name == "complete" else None

        done, project = saved(ack, services, decide, field="comment")
        if not done:
            return
        ack()
        if project is not None:  # a completed experiment joined the registry
            services.matches.upsert(project_document(project))

    @app.action(ids.SNOOZE_BUTTON)
    def snooze_button(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        idea_id, user, workspace = payloads.idea_id(action), body["user"]["id"], payloads.workspace(body)
        tz = zone(services.time_zones(user), services.settings.timezone)
        now = services.clock.now()

        def snooze(session: Session) -> datetime:
            policy = services.workspaces.policy_of(session, workspace)
            return nudges.snooze(session, idea_id, user, now, policy, tz)

        snoozed, until = checked(services, respond, snooze)
        if not snoozed or until is None:
            return
        tell(respond, _("Snoozed: no reminder about this idea before {when}.", when=format_datetime(until, tz)))

    @app.action(ids.EDIT_BUTTON)
    def edit_button(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        language.settle(services, body["user"]["id"])
        idea_id, user = payloads.idea_id(action), body["user"]["id"]
        editable, idea = checked(services, respond, lambda session: reviews.editable_idea(session, idea_id, user))
        if not editable or idea is None:
            return
        open_form(client, respond, body["trigger_id"], modals.edit_modal(idea))

    @app.view(ids.EDIT_MODAL)
    def edit_submitted(ack: Ack, body: dict, view: dict) -> None:
        idea_id = payloads.metadata(view).get("idea_id")
        if not isinstance(idea_id, int):
            ack(response_action="errors", errors={"title": _("This form is out of date; close it and try again.")})
            return
        draft, user = payloads.idea_draft(view), body["user"]["id"]
        done, idea = saved(
            ack,
            services,
            lambda session: reviews.edit_idea(session, idea_id, user, draft, services.clock.now()),
            field="title",
        )
        if not done or idea is None:
            return
        ack()
        services.matches.upsert(idea_document(idea))

    def keep_thread_reply(body: dict, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        """Keep a reply in an idea's thread *before* the event is acknowledged.

        Bolt acknowledges an event before its listener runs, so a reply the listener failed to store
        would be lost: Slack retries only events that were not answered with 200. This listener
        middleware runs before the ack; when the database is down it answers 503 and Slack sends the
        event again (up to three times). A retry of a reply already kept changes nothing.
        """
        event = body.get("event") or {}
        if event.get("subtype") or event.get("bot_id") or not event.get("thread_ts"):
            return next()
        if event.get("thread_ts") == event.get("ts"):
            return next()
        try:
            who = deciders(body.get("team_id"))  # inside: a database that is down gets its 503 too
            with services.db.session() as session:
                reviews.record_thread_reply(
                    session,
                    channel_id=event.get("channel", ""),
                    thread_ts=event["thread_ts"],
                    user_id=event.get("user", ""),
                    text=str(event.get("text", "")),
                    message_ts=event.get("ts", ""),
                    now=services.clock.now(),
                    deciders=who,
                )
        except SQLAlchemyError:
            log.warning("database unavailable: thread reply not kept; Slack will send it again")
            return BoltResponse(status=503, body="")
        return next()

    @app.event("message", middleware=[keep_thread_reply])
    def thread_reply() -> None:
        services.outbox.kick()  # the reply was kept before the ack
