"""Slash commands: /idea and /challenge open their forms; /ideas answers help, mine and search."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from datetime import datetime
from functools import partial

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from blocks import base, modals, replies
from blocks import privacy as privacy_blocks
from bot import i18n, privacy, reviewers, submissions
from bot.i18n import N_, _
from bot.submissions import Author
from bot.text import USER_ID, clean
from handlers import language, payloads
from handlers.answers import ephemeral, open_form, update_form
from handlers.services import Services

log = logging.getLogger(__name__)

SEARCH_USAGE = N_("Tell me what to look for, for example `/ideas search parking permits`.")
SEARCH_LIMIT = 8
REVIEWERS_USAGE = N_("`/ideas reviewers list`, `/ideas reviewers set TEAM @a @b`, `/ideas reviewers remove TEAM`")
LANGUAGE_USAGE = N_("Choose a language: `/ideas language {codes}`, or `/ideas language auto` to follow Slack.")


def register(app: App, services: Services) -> None:
    @app.command("/idea")
    def idea_command(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        ack()
        language.settle(services, command["user_id"])
        draft = payloads.idea_draft_from_command(clean(command.get("text")))
        view_id = open_form(client, respond, command["trigger_id"], modals.idea_modal(draft))
        if view_id and draft.title:
            similar = services.matches.find(draft.title, draft.proposal, workspace_id=command["team_id"])
            update_form(client, view_id, modals.idea_modal(draft, similar=similar))

    @app.command("/challenge")
    def challenge_command(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        ack()
        language.settle(services, command["user_id"])
        draft = payloads.challenge_draft_from_command(clean(command.get("text")))
        view_id = open_form(client, respond, command["trigger_id"], modals.challenge_modal(draft))
        if view_id and draft.title:
            similar = services.matches.find(draft.title, draft.problem, workspace_id=command["team_id"])
            update_form(client, view_id, modals.challenge_modal(draft, similar=similar))

    @app.command("/ideas")
    def ideas_command(ack: Ack, command: dict, respond: Respond) -> None:
        word, _sep, rest = html.unescape(clean(command.get("text"))).partition(" ")  # /ideas is sent escaped
        author = Author(user_id=command["user_id"], workspace_id=command["team_id"])
        query = rest.strip()
        match word.lower():
            case "" | "help":
                ack(**ephemeral(replies.help_message()))
            case "mine":
                ack()
                respond(**reply(services, partial(_mine, author=author)).as_kwargs())
            case "search" if query:
                ack()
                found = services.matches.find(query, limit=SEARCH_LIMIT, workspace_id=author.workspace_id)
                respond(**replies.search_results(query, found).as_kwargs())
            case "search":
                ack(**ephemeral(replies.usage(_(SEARCH_USAGE))))
            case "language":
                ack(**ephemeral(_language_command(services, author, query)))
            case "reviewers":
                ack(**ephemeral(_reviewers_command(services, author, query)))
            case "privacy":
                ack()  # counting what is kept reads the database: after the ack
                respond(**reply(services, partial(_privacy, author=author, now=services.clock.now())).as_kwargs())
            case _:
                ack(**ephemeral(replies.unknown_subcommand(word)))


def reply(services: Services, build: Callable[[Session], base.Message]) -> base.Message:
    """What `build(session)` returns, or an apology when the database is down."""
    try:
        with services.db.session() as session:
            return build(session)
    except SQLAlchemyError:
        log.warning("database unavailable while answering a command", exc_info=True)
        return replies.apology()


def _reviewers_command(services: Services, author: Author, text: str) -> base.Message:
    """`/ideas reviewers [list | set TEAM @a @b | remove TEAM]`, for the innovation team only."""
    if author.user_id not in services.settings_of(author.workspace_id).innovation_team:
        return replies.usage(_("Only the innovation team can change who reviews ideas."))
    verb, _sep, rest = text.partition(" ")
    try:
        with services.db.session() as session:
            if verb in ("", "list"):
                mappings = reviewers.list_reviewers(session, author.workspace_id)
                return replies.reviewer_list(mappings)
            if verb == "set":
                team, ids = _team_and_ids(rest)
                mapping = reviewers.set_reviewers(
                    session, team, reviewers.parse_user_ids(ids), services.clock.now(), author.workspace_id
                )
                return replies.reviewer_list([mapping])
            if verb == "remove" and rest.strip():
                removed = reviewers.remove_reviewers(session, rest, author.workspace_id)
                return replies.usage(_("Removed.") if removed else _("No reviewers were set for that team."))
    except reviewers.InvalidReviewers as error:
        return replies.usage(
            _(
                "{problem}. Example: `/ideas reviewers set Mobility @alice @bob`",
                problem=replies.refused_reviewers(error.message, error.values),
            )
        )
    except SQLAlchemyError:
        return replies.apology()
    return replies.usage(_(REVIEWERS_USAGE))


def _language_command(services: Services, author: Author, text: str) -> base.Message:
    """`/ideas language pt` (or `auto`): the language the bot uses with this person from now on."""
    code = text.strip().lower()
    chosen = i18n.normalise(code)
    if code != "auto" and chosen is None:
        return replies.usage(_(LANGUAGE_USAGE, codes=" | ".join(i18n.LANGUAGES)))
    try:
        now_reading = services.languages.choose(author.user_id, chosen)
    except SQLAlchemyError:
        return replies.apology()
    with i18n.speaking(now_reading) as now_speaking:
        return replies.language_chosen(now_speaking, following_slack=chosen is None)


def _team_and_ids(text: str) -> tuple[str, str]:
    """Split "Urban mobility <@U1|a> <@U2|b>" (or "Urban mobility U1,U2") into the team and the IDs."""
    match = re.search(rf"(<@|\b{USER_ID.pattern}\b)", text)
    if match is None:
        raise reviewers.InvalidReviewers(N_("name the reviewers after the team"))
    return text[: match.start()].strip(), text[match.start() :]


def _privacy(session: Session, *, author: Author, now: datetime) -> base.Message:
    return privacy_blocks.privacy_summary(privacy.personal_data(session, author.user_id, now, author.workspace_id))


def _mine(session: Session, *, author: Author) -> base.Message:
    return replies.my_submissions(submissions.submissions_of(session, author))
