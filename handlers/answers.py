"""Answering the person: ephemeral replies, opening and updating forms, and running work in a committed
session with its refusals told (the outbox is kicked once the work is committed)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from blocks import base, replies
from bot.i18n import N_, _
from bot.refusals import InvalidSubmission, NotAllowed
from handlers.services import Services

T = TypeVar("T")
log = logging.getLogger(__name__)
NOT_SAVED = N_("Sorry, I couldn't save this just now. Your text is still here: press the button again in a minute.")


def tell(respond: Respond, text: str) -> None:
    """An ephemeral reply that leaves the message with the button as it was."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def apologise(respond: Respond) -> None:
    """The database is down: say so instead of failing silently."""
    tell(respond, replies.apology().text)


def checked(services: Services, respond: Respond, work: Callable[[Session], T]) -> tuple[bool, T | None]:
    """Run `work` in a committed session; a refusal or a database outage is told to the presser.

    Returns (True, result) when it went through, (False, None) when the person has been answered.
    """
    try:
        with services.db.session() as session:
            result = work(session)
    except NotAllowed as refusal:
        tell(respond, str(refusal))
    except SQLAlchemyError:
        apologise(respond)
    else:
        services.outbox.kick()  # what the work owes Slack is committed: send it now
        return True, result
    return False, None


def saved(ack: Ack, services: Services, work: Callable[[Session], T], *, field: str) -> tuple[bool, T | None]:
    """Run a form's `work` in a committed session. Invalid fields, a refusal or a database outage are
    answered as errors in the form (on `field`), which stays open with the text; returns (False, None).
    On success nothing is acked yet: the caller answers the form."""
    try:
        with services.db.session() as session:
            result = work(session)
    except InvalidSubmission as invalid:
        ack(response_action="errors", errors=invalid.errors)
    except NotAllowed as refusal:
        ack(response_action="errors", errors={field: str(refusal)})
    except SQLAlchemyError:
        log.warning("database unavailable: a form was not saved", exc_info=True)
        ack(response_action="errors", errors={field: _(NOT_SAVED)})
    else:
        services.outbox.kick()
        return True, result
    return False, None


def ephemeral(message: base.Message) -> dict:
    """A reply only the person who typed the command sees."""
    return {**message.as_kwargs(), "response_type": "ephemeral"}


def open_form(client: WebClient, respond: Respond, trigger_id: str, view: View) -> str | None:
    """Open a modal; returns its view id, or tells the person when Slack refuses."""
    try:
        return client.views_open(trigger_id=trigger_id, view=view)["view"]["id"]
    except SlackClientError:
        log.warning("could not open a modal", exc_info=True)
        respond(text=_("Sorry, Slack did not let me open the form just now. Please try the command again."))
        return None


def update_form(client: WebClient, view_id: str, view: View, view_hash: str | None = None) -> None:
    """Replace an open modal's content; a failure leaves the form as it was (nothing is lost)."""
    try:
        client.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackClientError:
        log.warning("could not update a modal", exc_info=True)
