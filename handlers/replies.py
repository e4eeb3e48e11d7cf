"""Short answers to a button press, seen only by the person who pressed it, and to a form submission."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from slack_bolt import Ack, Respond
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot import messages
from bot.i18n import N_, _
from bot.reviews import NotAllowed
from bot.services import Services
from bot.submissions import InvalidSubmission

T = TypeVar("T")
log = logging.getLogger(__name__)
NOT_SAVED = N_("Sorry, I couldn't save this just now. Your text is still here: press the button again in a minute.")


def tell(respond: Respond, text: str) -> None:
    """An ephemeral reply that leaves the message with the button as it was."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def apologise(respond: Respond) -> None:
    """The database is down: say so instead of failing silently."""
    tell(respond, messages.apology().text)


def checked(services: Services, respond: Respond, work: Callable[[Session], T]) -> tuple[bool, T | None]:
    """Run `work` in a committed session; a refusal or a database outage is told to the presser.

    Returns (True, result) when it went through, (False, None) when the person has been answered.
    """
    try:
        with services.db.session() as session:
            return True, work(session)
    except NotAllowed as refusal:
        tell(respond, str(refusal))
    except SQLAlchemyError:
        apologise(respond)
    return False, None


def saved(ack: Ack, services: Services, work: Callable[[Session], T], *, field: str) -> tuple[bool, T | None]:
    """Run a form's `work` in a committed session. Invalid fields, a refusal or a database outage are
    answered as errors in the form (on `field`), which stays open with the text; returns (False, None).
    On success nothing is acked yet: the caller answers the form."""
    try:
        with services.db.session() as session:
            return True, work(session)
    except InvalidSubmission as invalid:
        ack(response_action="errors", errors=invalid.errors)
    except NotAllowed as refusal:
        ack(response_action="errors", errors={field: str(refusal)})
    except SQLAlchemyError:
        log.warning("database unavailable: a form was not saved", exc_info=True)
        ack(response_action="errors", errors={field: _(NOT_SAVED)})
    return False, None
