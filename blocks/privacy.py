"""What a person sees of their own data in Slack (`/ideas privacy`), and the innovation team's approvals."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    MarkdownTextObject,
    SectionBlock,
)

from blocks.base import Message, mention
from blocks.ids import PRIVACY_APPROVE, PRIVACY_DOWNLOAD, PRIVACY_ERASE
from bot.i18n import _, format_number, ngettext

DATA_FILE = "my-innovation-bot-data.json"


def privacy_summary(document: dict[str, Any]) -> Message:
    """What the bot keeps about the person asking, in counts, with Download and Erase buttons."""
    ideas = document["ideas_written"]
    lines = [
        _("*What I keep about you*"),
        _(
            "• Ideas you wrote: {ideas} ({anonymous} anonymous) · challenges: {challenges}",
            ideas=format_number(len(ideas)),
            anonymous=format_number(sum(idea["anonymous"] for idea in ideas)),
            challenges=format_number(len(document["challenges_written"])),
        ),
        _(
            "• Comments and thread replies: {comments} · decisions you made: {decisions} · "
            "supports and offers of help: {supports}",
            comments=format_number(len(document["comments_and_thread_replies"])),
            decisions=format_number(len(document["decisions_made"])),
            supports=format_number(len(document["supports_and_offers_of_help"])),
        ),
        _(
            "• Reminders sent to you: {reminders} · ideas you review: {reviews}",
            reminders=format_number(len(document["reminders_received"])),
            reviews=format_number(len(document["ideas_to_review"])),
        ),
        _("• Your time zone, language and display name, as Slack gives them") if document["profile"] else "",
        _(
            "*Download my data* sends you all of it as a file. *Erase my data* removes your name from all of it: "
            "what you wrote stays, by “a former colleague”. The bot's PRIVACY.md says what is kept and for how long."
        ),
    ]
    buttons = ActionsBlock(
        elements=[
            ButtonElement(text=_("Download my data"), action_id=PRIVACY_DOWNLOAD, value="download"),
            ButtonElement(
                text=_("Erase my data"),
                action_id=PRIVACY_ERASE,
                value="erase",
                style="danger",
                confirm=ConfirmObject(
                    title=_("Erase your data?"),
                    text=_("Your name will be removed from every idea, decision and comment. This cannot be undone."),
                    confirm=_("Erase"),
                    deny=_("Cancel"),
                    style="danger",
                ),
            ),
        ]
    )
    text = "\n".join(line for line in lines if line)
    return Message(text=_("What I keep about you"), blocks=[SectionBlock(text=MarkdownTextObject(text=text)), buttons])


def erasure_waits(reviews: int) -> str:
    return ngettext(
        "You still review {count} open idea: I've asked the innovation team to approve your erasure, so that it "
        "is not left without a reviewer. They will see it in their App Home.",
        "You still review {count} open ideas: I've asked the innovation team to approve your erasure, so that "
        "they are not left without a reviewer. They will see it in their App Home.",
        reviews,
    )


def erasure_request_lines(requests: list[tuple[str, int]]) -> list[SectionBlock]:
    """For the innovation team's App Home: each waiting request with an Approve button."""
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=ngettext(
                    "{person} asked to erase their data; they review {count} open idea.",
                    "{person} asked to erase their data; they review {count} open ideas.",
                    reviews,
                    person=mention(user_id),
                )
            ),
            accessory=ButtonElement(text=_("Approve erasure"), action_id=PRIVACY_APPROVE, value=user_id),
        )
        for user_id, reviews in requests
    ]
