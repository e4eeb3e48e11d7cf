"""Slash commands: /idea and /challenge open their forms; /ideas answers help, mine and search."""

from __future__ import annotations

import logging
from collections.abc import Callable

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
        match word.lower():
            case "" | "help":
                ack(**messages.help_message().as_kwargs())
            case "mine":
                ack()
                respond(
                    **reply(
                        services, lambda session: messages.my_submissions(submissions.submissions_of(session, author))
                    ).as_kwargs()
                )
            case "search" if rest.strip():
                ack()
                respond(
                    **reply(
                        services,
                        lambda session: messages.search_results(
                            rest.strip(), submissions.search(session, author.workspace_id, rest)
                        ),
                    ).as_kwargs()
                )
            case "search":
                ack(
                    **messages.usage(
                        "Tell me what to look for, for example `/ideas search parking permits`."
                    ).as_kwargs()
                )
            case _:
                ack(**messages.unknown_subcommand(word).as_kwargs())


def reply(services: Services, build: Callable[[Session], messages.Message]) -> messages.Message:
    """What `build(session)` returns, or an apology when the database is down."""
    try:
        with services.db.session() as session:
            return build(session)
    except SQLAlchemyError:
        log.warning("database unavailable while answering a command", exc_info=True)
        return messages.apology()


def _open(client: WebClient, respond: Respond, trigger_id: str, view: object) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackClientError:
        log.warning("could not open a modal", exc_info=True)
        respond(text="Sorry, Slack did not let me open the form just now. Please try the command again.")
