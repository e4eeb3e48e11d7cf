"""Block Kit builders for every message and view the bot shows (slack_sdk models check Slack's limits).

User text goes into mrkdwn only through `_user_text` / `escape_mrkdwn`, so it never pings or links.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.submissions import DEPARTMENT_MAX, TEXT_MAX, Listing
from bot.text import escape_mrkdwn, shorten, split_for_blocks
from storage.models import TITLE_MAX, Challenge, Idea

IDEA_MODAL = "idea_modal"
CHALLENGE_MODAL = "challenge_modal"
PROPOSE_SOLUTION = "challenge_propose"
VALUE = "value"  # the action_id of every input element; block_id names the field
SECTION_MAX = 3000
LIST_MAX = 15
STATUS_LABELS = {
    "submitted": "Submitted",
    "open": "Open",
}


@dataclass(frozen=True)
class Message:
    """A message: the notification/fallback text and the blocks."""

    text: str
    blocks: Sequence[Block] = field(default_factory=tuple)

    def as_kwargs(self) -> dict[str, Any]:
        """Arguments for chat.postMessage / respond(); `to_dict` validates every block."""
        kwargs: dict[str, Any] = {"text": self.text}
        if self.blocks:
            kwargs["blocks"] = [block.to_dict() for block in self.blocks]
        return kwargs


# --- modals -----------------------------------------------------------------------------------


def idea_modal(prefill: str = "", challenge: Challenge | None = None) -> View:
    """The /idea form. Text typed after the command becomes the title (or, if long, the idea itself)."""
    title, proposal = _split_prefill(prefill)
    blocks: list[Block] = []
    if challenge is not None:
        blocks.append(_context(f"Proposing a solution to the challenge *{escape_mrkdwn(challenge.title)}*"))
    blocks += [
        _text_input("title", "Title", title, TITLE_MAX, placeholder="A short name for your idea"),
        _text_input(
            "problem",
            "The problem it solves",
            "",
            TEXT_MAX,
            multiline=True,
            hint="Who is affected, and how? Facts and figures help reviewers.",
        ),
        _text_input("proposal", "Your idea", proposal, TEXT_MAX, multiline=True),
        _text_input(
            "department",
            "Team or department",
            "",
            DEPARTMENT_MAX,
            optional=True,
            hint="Reviewers for this team will be asked for feedback.",
        ),
        InputBlock(
            block_id="anonymous",
            label="Anonymity",
            optional=True,
            element=CheckboxesElement(
                action_id=VALUE,
                options=[
                    Option(
                        value="anonymous",
                        text="Submit anonymously",
                        description="Reviewers and colleagues will not see your name; you still get feedback.",
                    )
                ],
            ),
        ),
    ]
    metadata = {"challenge_id": challenge.id} if challenge is not None else {}
    return View(
        type="modal",
        callback_id=IDEA_MODAL,
        title="Share an idea",
        submit="Submit idea",
        close="Cancel",
        private_metadata=json.dumps(metadata),
        blocks=blocks,
    )


def challenge_modal(prefill: str = "") -> View:
    """The /challenge form: a problem statement that anyone may answer with an idea."""
    title, problem = _split_prefill(prefill)
    return View(
        type="modal",
        callback_id=CHALLENGE_MODAL,
        title="Post a challenge",
        submit="Publish",
        close="Cancel",
        private_metadata="{}",
        blocks=[
            _text_input("title", "Title", title, TITLE_MAX, placeholder="The problem, in a few words"),
            _text_input(
                "problem",
                "The problem and who suffers it",
                problem,
                TEXT_MAX,
                multiline=True,
            ),
            _text_input(
                "desired_outcome",
                "What a good solution would achieve",
                "",
                TEXT_MAX,
                multiline=True,
                hint="How would you know the problem is solved?",
            ),
            InputBlock(
                block_id="deadline",
                label="Deadline for ideas",
                optional=True,
                element=DatePickerElement(action_id=VALUE, placeholder="No deadline"),
            ),
        ],
    )


def received_view(kind: str, title: str, channel_id: str) -> View:
    """Shown in place of the form once the submission is safely stored."""
    return View(
        type="modal",
        title="Received",
        close="Close",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f":white_check_mark: Your {kind} *{escape_mrkdwn(shorten(title, 200))}* is saved.\n"
                    f"It is being posted in <#{channel_id}>; I'll send you the link in a direct message."
                )
            )
        ],
    )


def _split_prefill(text: str) -> tuple[str, str]:
    """Short text is a title; long text becomes the body, with its start as the title."""
    if len(text) <= TITLE_MAX:
        return text, ""
    return shorten(text, TITLE_MAX), text[:TEXT_MAX]


def _text_input(
    block_id: str,
    label: str,
    initial: str,
    max_length: int,
    *,
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=VALUE,
            initial_value=initial or None,
            multiline=multiline,
            max_length=max_length,
            placeholder=placeholder,
        ),
    )


# --- channel posts ----------------------------------------------------------------------------


def idea_post(idea: Idea, challenge: Challenge | None) -> Message:
    """The idea as posted in the ideas channel; the author is hidden when anonymous."""
    author = "anonymous" if idea.anonymous else f"<@{idea.author_id}>"
    facts = [f"*Status:* {status_label(idea.status)}", f"*By:* {author}"]
    if idea.department:
        facts.append(f"*Team:* {escape_mrkdwn(idea.department)}")
    blocks: list[Block] = [HeaderBlock(text=idea.title), _context("   ".join(facts))]
    if challenge is not None:
        blocks.append(_context(f":dart: Answers the challenge *{escape_mrkdwn(challenge.title)}*"))
    blocks += _labelled("The problem", idea.problem)
    blocks += _labelled("The idea", idea.proposal)
    return Message(text=f"New idea: {escape_mrkdwn(idea.title)}", blocks=blocks)


def challenge_post(challenge: Challenge) -> Message:
    """The challenge as posted in the challenges channel, with a button to answer it."""
    facts = [f"*Status:* {status_label(challenge.status)}", f"*Posted by:* <@{challenge.author_id}>"]
    if challenge.deadline is not None:
        facts.append(f"*Ideas until:* {format_date(challenge.deadline)}")
    blocks: list[Block] = [HeaderBlock(text=challenge.title), _context("   ".join(facts))]
    blocks += _labelled("The problem", challenge.problem)
    blocks += _labelled("A good solution would", challenge.desired_outcome)
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Propose a solution",
                    action_id=PROPOSE_SOLUTION,
                    value=str(challenge.id),
                    style="primary",
                )
            ]
        )
    )
    return Message(text=f"New challenge: {escape_mrkdwn(challenge.title)}", blocks=blocks)


def confirmation(kind: str, title: str, permalink: str) -> Message:
    """The DM that tells an author their submission is posted."""
    safe_title = escape_mrkdwn(shorten(title, 200))
    text = f"Your {kind} *{safe_title}* is posted: <{permalink}|see it in the channel>."
    follow_up = (
        "Reviewers will give feedback in its thread; I'll tell you here when they do."
        if kind == "idea"
        else "Colleagues can now propose solutions with the button under it."
    )
    return Message(
        text=f"Your {kind} {safe_title} is posted",
        blocks=[SectionBlock(text=MarkdownTextObject(text=text)), _context(follow_up)],
    )


# --- replies to /ideas --------------------------------------------------------------------------


def help_message() -> Message:
    """What the bot can do, for `/ideas` and `/ideas help`."""
    lines = [
        "*Innovation Bot* helps you share ideas and problems, and hear back from the people who decide.",
        "• `/idea [title]`: share an idea to improve a service (you can stay anonymous)",
        "• `/challenge [title]`: publish a problem so that anyone can propose a solution",
        "• `/ideas mine`: your ideas and challenges, and where they stand",
        "• `/ideas search <words>`: find ideas and challenges before you start your own",
        "• `/ideas help`: this message",
    ]
    return Message(text="How to use Innovation Bot", blocks=[SectionBlock(text="\n".join(lines))])


def home_view(listing: Listing) -> View:
    """The App Home: what the bot does, and the person's own submissions."""
    blocks: list[Block] = [HeaderBlock(text="Innovation Bot"), *help_message().blocks, DividerBlock()]
    mine = my_submissions(listing)
    blocks += mine.blocks or [SectionBlock(text=mine.text)]
    return View(type="home", blocks=blocks)


def unknown_subcommand(word: str) -> Message:
    safe = escape_mrkdwn(shorten(word, 40))
    return Message(text=f"I don't know `{safe}`. Type `/ideas help` to see what I can do.")


def my_submissions(listing: Listing) -> Message:
    """The caller's own ideas and challenges."""
    if listing.empty:
        return Message(text="You have no ideas or challenges yet. Start one with `/idea` or `/challenge`.")
    lines = ["*Your submissions*"]
    lines += _list_lines(listing, show_anonymous=True)
    return Message(text="Your ideas and challenges", blocks=_sections("\n".join(lines)))


def search_results(query: str, listing: Listing) -> Message:
    """Ideas and challenges matching a search; authors are not shown."""
    safe_query = escape_mrkdwn(shorten(query, 100))
    if listing.empty:
        return Message(
            text=f"Nothing matches “{safe_query}”. Try fewer or other words, or start it: `/idea {safe_query}`."
        )
    lines = [f"*Matches for “{safe_query}”*", *_list_lines(listing, show_anonymous=False)]
    return Message(text=f"Search results for {safe_query}", blocks=_sections("\n".join(lines)))


def usage(text: str) -> Message:
    return Message(text=text)


def apology() -> Message:
    """What a person sees when the bot cannot do what they asked right now."""
    return Message(
        text=":warning: Sorry, I can't reach my database right now. Nothing you sent before is lost; "
        "please try again in a minute."
    )


def _list_lines(listing: Listing, *, show_anonymous: bool) -> list[str]:
    entries: list[str] = []
    for idea in listing.ideas:
        suffix = " (anonymous)" if show_anonymous and idea.anonymous else ""
        entries.append(f"• :bulb: {_linked(idea.title, idea.permalink)} · {status_label(idea.status)}{suffix}")
    for challenge in listing.challenges:
        entries.append(f"• :dart: {_linked(challenge.title, challenge.permalink)} · {status_label(challenge.status)}")
    if len(entries) > LIST_MAX:
        entries = [*entries[:LIST_MAX], f"…and {len(entries) - LIST_MAX} more"]
    return entries


def _linked(title: str, permalink: str | None) -> str:
    safe = escape_mrkdwn(shorten(title, 120))
    if permalink is None:
        return f"*{safe}* (not posted yet)"
    return f"<{permalink}|{safe.replace('|', '¦')}>"


# --- small helpers ----------------------------------------------------------------------------


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def format_date(day: date) -> str:
    return f"{day:%d %B %Y}".lstrip("0")


def _context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=mrkdwn)])


def _labelled(label: str, user_text: str) -> list[Block]:
    """A bold label over user text, spread over as many sections as Slack's 3,000-character limit needs."""
    return _sections(f"*{label}*\n{escape_mrkdwn(user_text)}")


def _sections(mrkdwn: str) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_for_blocks(mrkdwn, SECTION_MAX)]
