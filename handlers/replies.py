"""Short answers to a button press, seen only by the person who pressed it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from slack_bolt import Respond
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot import messages
from bot.reviews import NotAllowed
from bot.services import Services

T = TypeVar("T")


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
