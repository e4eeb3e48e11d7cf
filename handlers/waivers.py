"""The Right to Challenge: /challenge-rule and its form, the rule owners' buttons and forms, the team's answer."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from blocks import ids
from blocks import waivers as waiver_blocks
from bot import waivers
from bot.text import clean
from handlers import language, payloads
from handlers.answers import checked, open_form, saved
from handlers.services import Services
from storage import queries

SERVES = ("approved", "experiment_running")  # the ideas a waiver can be asked for


def register(app: App, services: Services) -> None:
    settings = services.settings

    def owners(workspace_id: str | None) -> tuple[str, ...]:
        return waivers.rule_owners(settings.rule_owners, services.settings_of(workspace_id).innovation_team)

    @app.command("/challenge-rule")
    def challenge_rule_command(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        ack()
        language.settle(services, command["user_id"])
        try:
            with services.db.session() as session:
                ideas = [i for i in queries.ideas_in_workspace(session, command["team_id"]) if i.status in SERVES]
        except SQLAlchemyError:  # the form still opens; what it is saved with is checked when it is sent
            ideas = []
        view = waiver_blocks.request_modal(clean(command.get("text")), ideas[-100:], settings.waiver_max_days)
        open_form(client, respond, command["trigger_id"], view)

    @app.view(ids.WAIVER_MODAL)
    def waiver_requested(ack: Ack, body: dict, view: dict) -> None:
        user, workspace = body["user"]["id"], payloads.workspace(body)
        request = payloads.waiver_request(view)
        decide = owners(workspace)
        done, _id = saved(
            ack,
            services,
            lambda session: waivers.request_waiver(
                session, request, user, workspace, decide, settings.waiver_max_days, services.clock.now()
            ),
            field="rule",
        )
        if done:
            ack()

    def on_move(move: str) -> None:
        """A rule owner's button (in the request's DM, or at a waiver's end) opens the form behind it."""

        @app.action(ids.waiver_move(move))
        def move_button(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
            ack()
            user = body["user"]["id"]
            language.settle(services, user)
            waiver_id = int(action["value"]) if str(action.get("value", "")).isdigit() else None
            decide = owners(payloads.workspace(body))

            def form(session: Session) -> View:  # the form behind the move, if this person may make it now
                waiver = waivers.decidable(session, waiver_id, user, decide, move)
                return waiver_blocks.decision_modal(waiver, move, services.clock.now().date(), settings.waiver_max_days)

            allowed, view = checked(services, respond, form)
            if allowed and view is not None:
                open_form(client, respond, body["trigger_id"], view)

    for move in waivers.MOVES:  # a closure each: Bolt passes a listener only the arguments it knows by name
        on_move(move)

    @app.view(ids.WAIVER_DECISION_MODAL)
    def waiver_decided(ack: Ack, body: dict, view: dict) -> None:
        waiver_id, move, comment, ends_on = payloads.waiver_decision(view)
        user, decide = body["user"]["id"], owners(payloads.workspace(body))
        now = services.clock.now()
        done, _step = saved(
            ack,
            services,
            lambda session: waivers.decide(
                session, waiver_id, user, decide, move, comment, ends_on, now.date(), settings.waiver_max_days, now
            ),
            field="comment",
        )
        if done:
            ack()

    @app.action(ids.WAIVER_ANSWER)
    def answer_button(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        language.settle(services, user)
        waiver_id = int(action["value"]) if str(action.get("value", "")).isdigit() else None

        def form(session: Session) -> View:  # the answer form, if this person's team is being asked
            return waiver_blocks.answer_modal(*waivers.answerable(session, waiver_id, user))

        allowed, view = checked(services, respond, form)
        if allowed and view is not None:
            open_form(client, respond, body["trigger_id"], view)

    @app.view(ids.WAIVER_ANSWER_MODAL)
    def waiver_answered(ack: Ack, body: dict, view: dict) -> None:
        waiver_id = payloads.metadata(view).get("waiver_id")
        text = payloads.text_of(view, "comment")
        done, _step = saved(
            ack,
            services,
            lambda session: waivers.answer(
                session,
                waiver_id if isinstance(waiver_id, int) else None,
                body["user"]["id"],
                text,
                services.clock.now(),
            ),
            field="comment",
        )
        if done:
            ack()
