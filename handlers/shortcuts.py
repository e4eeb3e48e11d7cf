"""Reached from anywhere in Slack: the "Share an idea" and "Turn into an idea" shortcuts, the answer of a
message's author to "may the idea name you?", and the Workflow Builder step "Submit an idea"."""

from __future__ import annotations

import html
import logging
import time
from typing import Any

from slack_bolt import Ack, App, BoltContext, Complete, Fail, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from blocks import ids, modals
from bot import reviews, submissions
from bot.i18n import _
from bot.matching.service import idea_document
from bot.refusals import InvalidSubmission
from bot.submissions import TEXT_MAX, Author, IdeaDraft
from bot.text import clean, is_user_id, shorten
from handlers import language
from handlers.answers import checked, open_form
from handlers.services import Services
from storage.models import TITLE_MAX

log = logging.getLogger(__name__)

STEP_LINK_WAIT = 20.0  # seconds a workflow step waits for its idea's post, to hand its link on


def register(app: App, services: Services) -> None:
    @app.global_shortcut(ids.SHARE_IDEA_SHORTCUT)
    def share_idea(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        language.settle(services, body["user"]["id"])
        open_form(client, _no_response_url, body["trigger_id"], modals.idea_modal())

    @app.message_shortcut(ids.MESSAGE_TO_IDEA_SHORTCUT)
    def message_to_idea(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        language.settle(services, body["user"]["id"])
        message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id", "")
        draft = draft_from_message(message, _permalink(client, channel, str(message.get("ts", ""))))
        open_form(client, respond, body["trigger_id"], modals.idea_modal(draft))

    def on_naming(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        value, user, named = str(action.get("value", "")), body["user"]["id"], action["action_id"] == ids.NAME_ME
        if not value.isdigit():
            return
        done, idea = checked(
            services,
            respond,
            lambda session: reviews.answer_naming(session, int(value), user, named, services.clock.now()),
        )
        if done and idea is not None:
            words = (
                _("Thank you: the idea *{title}* names you as the one who first wrote it.")
                if named
                else _("Understood: the idea *{title}* does not name you.")
            )
            respond(text=words.format(title=idea.title.replace("*", "")), replace_original=True)

    for action_id in (ids.NAME_ME, ids.DONT_NAME_ME):
        app.action(action_id)(on_naming)

    @app.function(ids.SUBMIT_IDEA_STEP)
    def submit_idea_step(inputs: dict, context: BoltContext, complete: Complete, fail: Fail) -> None:
        """Store the idea as /idea would (same checks, same reviewers), then hand on its post's link."""
        author, workspace = str(inputs.get("author") or ""), context.team_id or ""
        if not is_user_id(author):
            fail(_("The step needs an author: choose “Person who used this workflow” for Author."))
            return
        draft = IdeaDraft(
            title=clean(str(inputs.get("title") or "")),
            problem=clean(str(inputs.get("problem") or "")),
            proposal=clean(str(inputs.get("idea") or "")),
            department=clean(str(inputs.get("team") or "")),
            anonymous=inputs.get("anonymous") in (True, "true"),
        )
        reviewers = services.settings_of(workspace).reviewers
        try:
            with services.db.session() as session:
                idea = submissions.submit_idea(
                    session, draft, Author(author, workspace), services.clock.now(), reviewers
                )
        except InvalidSubmission as invalid:
            fail(_("The idea was not submitted: {problems}").format(problems=" ".join(invalid.errors.values())))
            return
        except SQLAlchemyError:
            log.warning("database unavailable: a workflow's idea was not kept", exc_info=True)
            fail(_("The idea was not submitted: the bot cannot reach its database. Run the workflow again later."))
            return
        services.outbox.kick()
        services.matches.upsert(idea_document(idea))
        assert idea.id is not None
        link = _wait_for_link(services, idea.id)
        if link:
            complete(outputs={"idea_link": link})
        else:
            fail(_("The idea is saved and will be posted as soon as Slack answers; its link was not ready in time."))


def draft_from_message(message: dict[str, Any], link: str | None) -> IdeaDraft:
    """An idea form prefilled from a Slack message: its first line as the title, its text as the problem."""
    text = clean(html.unescape(str(message.get("text") or "")))  # Slack sends &lt; &gt; &amp; escaped
    first_line = text.split("\n", 1)[0]
    author = message.get("user")
    return IdeaDraft(
        title=shorten(first_line, TITLE_MAX),
        problem=shorten(text, TEXT_MAX),
        proposal="",
        source_link=link,
        source_author_id=author if isinstance(author, str) and is_user_id(author) else None,
    )


def _permalink(client: WebClient, channel: str, ts: str) -> str | None:
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except (SlackClientError, KeyError):
        log.warning("could not get the link of a message turned into an idea; the idea goes without it")
        return None


def _wait_for_link(services: Services, idea_id: int) -> str | None:
    deadline = time.monotonic() + STEP_LINK_WAIT
    while time.monotonic() < deadline:
        with services.db.session() as session:
            link = submissions.posted_link(session, idea_id)
        if link:
            return link
        time.sleep(0.2)
    return None


def _no_response_url(**_message: Any) -> None:
    """A global shortcut has no response_url: a form that cannot open is logged (the person sees nothing)."""
    log.warning("a form opened from a shortcut could not be shown")
