"""An experiment's check-ins: the button in the DM that asks how it goes, and the short form behind it."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlmodel import Session

from blocks import ids, modals
from bot import experiments
from bot.i18n import _
from bot.reviews import Deciders
from handlers import language, payloads
from handlers.answers import checked, open_form, saved
from handlers.services import Services


def register(app: App, services: Services) -> None:
    def deciders(workspace_id: str | None) -> Deciders:
        return Deciders(innovation_team=services.settings_of(workspace_id).innovation_team)

    @app.action(ids.CHECKIN_BUTTON)
    def checkin_button(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        language.settle(services, user)
        idea_id, who = payloads.idea_id(action), deciders(payloads.workspace(body))

        def form(session: Session) -> View:  # the check-in form, if this person may check in now
            return modals.checkin_modal(*experiments.checkin_subject(session, idea_id, user, who))

        allowed, view = checked(services, respond, form)
        if allowed and view is not None:
            open_form(client, respond, body["trigger_id"], view)

    @app.view(ids.CHECKIN_MODAL)
    def checkin_submitted(ack: Ack, body: dict, view: dict) -> None:
        idea_id = payloads.metadata(view).get("idea_id")
        if not isinstance(idea_id, int):
            ack(response_action="errors", errors={"state": _("This form is out of date; close it and try again.")})
            return
        state, value_so_far, learned = payloads.checkin_values(view)
        who = deciders(payloads.workspace(body))
        done, _checkin = saved(
            ack,
            services,
            lambda session: experiments.check_in(
                session, idea_id, body["user"]["id"], state, value_so_far, learned, services.clock.now(), who
            ),
            field="state",
        )
        if done:
            ack()
