"""Short answers to a button press, seen only by the person who pressed it."""

from __future__ import annotations

from slack_bolt import Respond

from bot import messages


def tell(respond: Respond, text: str) -> None:
    """An ephemeral reply that leaves the message with the button as it was."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def apologise(respond: Respond) -> None:
    """The database is down: say so instead of failing silently."""
    tell(respond, messages.apology().text)
