"""Slash commands: /idea and /challenge open their forms; /ideas answers help, mine and search."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot import messages, submissions
from bot.services import Services
from bot.submissions import Author
from bot.text import clean

log = logging.getLogger(__name__)

SEARCH_USAGE = "Tell me what to look for, for example `/ideas search parking permits`."


def register(app: App, services: Services) -> None:
    @app.command("/idea")
    def idea_command(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        ack()
        _open(client, respond, command["trigger_id"], messages.idea_modal(clean(command.get("text"))))

    @app.command("/challenge")
    def challenge_command(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        ack()
        _open(client, respond, command["trigger_id"], messages.challenge_modal(clean(command.get("text"))))

    @app.command("/ideas")
    def ideas_command(ack: Ack, command: dict, respond: Respond) -> None:
        word, _, rest = clean(command.get("text")).partition(" ")
        author = Author(user_id=command["user_id"], workspace_id=command["team_id"])
        query = rest.strip()
        match word.lower():
            case "" | "help":
                ack(**ephemeral(messages.help_message()))
            case "mine":
                ack()
                respond(**reply(services, partial(_mine, author=author)).as_kwargs())
            case "search" if query:
                ack()
                respond(**reply(services, partial(_search, author=author, query=query)).as_kwargs())
            case "search":
                ack(**ephemeral(messages.usage(SEARCH_USAGE)))
            case _:
                ack(**ephemeral(messages.unknown_subcommand(word)))


def ephemeral(message: messages.Message) -> dict:
    """A reply only the person who typed the command sees."""
    return {**message.as_kwargs(), "response_type": "ephemeral"}


def reply(services: Services, build: Callable[[Session], messages.Message]) -> messages.Message:
    """What `build(session)` returns, or an apology when the database is down."""
    try:
        with services.db.session() as session:
            return build(session)
    except SQLAlchemyError:
        log.warning("database unavailable while answering a command", exc_info=True)
        return messages.apology()


def _mine(session: Session, *, author: Author) -> messages.Message:
    return messages.my_submissions(submissions.submissions_of(session, author))


def _search(session: Session, *, author: Author, query: str) -> messages.Message:
    return messages.search_results(query, submissions.search(session, author.workspace_id, query))


def _open(client: WebClient, respond: Respond, trigger_id: str, view: object) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackClientError:
        log.warning("could not open a modal", exc_info=True)
        respond(text="Sorry, Slack did not let me open the form just now. Please try the command again.")
