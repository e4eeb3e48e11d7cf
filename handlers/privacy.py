"""A person's data from Slack: `/ideas privacy` shows what is kept; Download sends it as a file in a DM,
Erase removes their name (or asks the innovation team first); the team approves from its App Home."""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from blocks import ids
from blocks.privacy import DATA_FILE, erasure_waits
from bot import privacy
from bot.i18n import _
from handlers import payloads
from handlers.answers import apologise, checked, tell
from handlers.services import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.action(ids.PRIVACY_DOWNLOAD)
    def download(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        try:
            with services.db.session() as session:
                document = privacy.personal_data(session, user, services.clock.now(), payloads.workspace(body))
        except SQLAlchemyError:
            apologise(respond)
            return
        content = json.dumps(document, ensure_ascii=False, indent=2, default=str)
        try:  # a read, not a change: nothing is owed if Slack fails, and the person is told to try again
            dm = client.conversations_open(users=user)["channel"]["id"]
            client.files_upload_v2(
                channel=dm,
                content=content,
                filename=DATA_FILE,
                title=_("Your data kept by Innovation Bot"),
                initial_comment=_("Everything I keep about you, as you asked."),
            )
        except SlackClientError:
            log.warning("could not send a person their data", exc_info=True)
            tell(respond, _("Sorry, Slack did not let me send the file just now. Please try again in a minute."))
            return
        tell(respond, _("I've sent you your data in a direct message ({file}).", file=DATA_FILE))

    @app.action(ids.PRIVACY_ERASE)
    def erase(ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        user, now = body["user"]["id"], services.clock.now()
        done, outcome = checked(services, respond, lambda session: privacy.request_erasure(session, user, now))
        if not done or outcome is None:
            return
        erasure, reviews = outcome
        if erasure is None:
            tell(respond, erasure_waits(reviews))
            return
        tell(respond, _("Your data is erased: your name is gone from every idea, decision and comment."))

    @app.action(ids.PRIVACY_APPROVE)
    def approve(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        approver, person, now = body["user"]["id"], str(action.get("value", "")), services.clock.now()
        team = services.settings_of(payloads.workspace(body)).innovation_team
        done, _erasure = checked(
            services, respond, lambda session: privacy.approve_erasure(session, person, approver, now, team)
        )
        if done:
            tell(respond, _("Erased: that person is now shown everywhere as “a former colleague”."))
