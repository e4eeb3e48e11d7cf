"""Block Kit builders for every message and view the bot shows (slack_sdk models check Slack's limits).

User text goes into mrkdwn only through `_user_text` / `escape_mrkdwn`, so it never pings or links.
"""

from __future__ import annotations

import json
import re
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

from bot.matching.service import Found
from bot.reviewers import Mapping
from bot.submissions import DEPARTMENT_MAX, TEXT_MAX, ChallengeDraft, IdeaDraft, Listing
from bot.text import escape_mrkdwn, shorten, split_for_blocks
from storage.models import TITLE_MAX, Challenge, Idea

IDEA_MODAL = "idea_modal"
CHALLENGE_MODAL = "challenge_modal"
PROPOSE_SOLUTION = "challenge_propose"
CHECK_SIMILAR = "check_similar"
JOIN_SIMILAR = "join_similar"
KIND_LABELS = {"project": "Past project", "idea": "Idea", "challenge": "Challenge"}
_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$")
_ANONYMOUS = Option(
    value="anonymous",
    text="Submit anonymously",
    description="Reviewers and colleagues will not see your name; you still get feedback.",
)
VALUE = "value"  # the action_id of every input element; block_id names the field
SECTION_MAX = 3000
LIST_MAX = 15
STATUS_LABELS = {
    "submitted": "Submitted",
    "in_review": "In review",
    "needs_info": "Needs more info",
    "approved": "Approved",
    "experiment_running": "Experiment running",
    "completed": "Completed",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
    "merged": "Merged",
    "open": "Open",
    "testing": "Solutions being tested",
    "solved": "Solved",
    "closed": "Closed",
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


def idea_modal(
    draft: IdeaDraft | None = None, challenge: Challenge | None = None, similar: Sequence[Found] | None = None
) -> View:
    """The /idea form, prefilled from `draft`, with similar work under it once it has been looked up."""
    draft = draft or IdeaDraft(title="", problem="", proposal="")
    blocks: list[Block] = []
    if challenge is not None:
        blocks.append(context(f"Proposing a solution to the challenge *{escape_mrkdwn(challenge.title)}*"))
    blocks += [
        _text_input("title", "Title", draft.title, TITLE_MAX, placeholder="A short name for your idea"),
        _text_input(
            "problem",
            "The problem it solves",
            draft.problem,
            TEXT_MAX,
            multiline=True,
            hint="Who is affected, and how? Facts and figures help reviewers.",
        ),
        _text_input("proposal", "Your idea", draft.proposal, TEXT_MAX, multiline=True),
        _text_input(
            "department",
            "Team or department",
            draft.department,
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
                options=[_ANONYMOUS],
                initial_options=[_ANONYMOUS] if draft.anonymous else None,
            ),
        ),
        *_similar_section(similar),
    ]
    metadata: dict[str, Any] = {"challenge_id": challenge.id} if challenge is not None else {}
    return View(
        type="modal",
        callback_id=IDEA_MODAL,
        title="Share an idea",
        submit="Submit idea",
        close="Cancel",
        private_metadata=json.dumps(metadata | _shown(similar)),
        blocks=blocks,
    )


def challenge_modal(draft: ChallengeDraft | None = None, similar: Sequence[Found] | None = None) -> View:
    """The /challenge form: a problem statement that anyone may answer with an idea."""
    draft = draft or ChallengeDraft(title="", problem="", desired_outcome="")
    return View(
        type="modal",
        callback_id=CHALLENGE_MODAL,
        title="Post a challenge",
        submit="Publish",
        close="Cancel",
        private_metadata=json.dumps(_shown(similar)),
        blocks=[
            _text_input("title", "Title", draft.title, TITLE_MAX, placeholder="The problem, in a few words"),
            _text_input("problem", "The problem and who suffers it", draft.problem, TEXT_MAX, multiline=True),
            _text_input(
                "desired_outcome",
                "What a good solution would achieve",
                draft.desired_outcome,
                TEXT_MAX,
                multiline=True,
                hint="How would you know the problem is solved?",
            ),
            InputBlock(
                block_id="deadline",
                label="Deadline for ideas",
                optional=True,
                element=DatePickerElement(
                    action_id=VALUE,
                    placeholder="No deadline",
                    initial_date=draft.deadline.isoformat() if draft.deadline else None,
                ),
            ),
            *_similar_section(similar),
        ],
    )


def idea_draft_from_command(text: str) -> IdeaDraft:
    """Short text after /idea is a title; long text becomes the idea, with its start as the title."""
    title, body = _split_prefill(text)
    return IdeaDraft(title=title, problem="", proposal=body)


def challenge_draft_from_command(text: str) -> ChallengeDraft:
    title, body = _split_prefill(text)
    return ChallengeDraft(title=title, problem=body, desired_outcome="")


def _similar_section(similar: Sequence[Found] | None) -> list[Block]:
    """In a form: the button that looks for similar work, and what it found worth a look (each with
    "Join this instead"); weaker matches are left out."""
    similar = None if similar is None else [item for item in similar if item.verdict is not None]
    check = ActionsBlock(
        block_id="similar_check",
        elements=[ButtonElement(text="Check for similar work", action_id=CHECK_SIMILAR, value="check")],
    )
    if similar is None:
        return [DividerBlock(), context("Has someone done this before? Fill in the title, then:"), check]
    if not similar:
        return [DividerBlock(), context(":mag: Nothing similar found in past projects, ideas or challenges."), check]
    blocks: list[Block] = [
        DividerBlock(),
        SectionBlock(
            text=":mag: *Similar work already exists.* Join it instead of starting again, "
            "or submit yours if it is different: we'll note that you checked."
        ),
    ]
    for item in similar:
        blocks.append(
            SectionBlock(
                block_id=f"similar_{item.kind}_{item.id}",
                text=MarkdownTextObject(text=similar_text(item)),
                accessory=ButtonElement(
                    text="Join this instead", action_id=JOIN_SIMILAR, value=f"{item.kind}:{item.id}"
                ),
            )
        )
    return [*blocks, check]


def similar_text(item: Found, *, scored: bool = True) -> str:
    """One match as mrkdwn: title (linked), kind, status, organisation, verdict and score, why."""
    facts = [KIND_LABELS[item.kind]]
    if item.status:
        facts.append(status_label(item.status))
    if item.organisation:
        facts.append(escape_mrkdwn(shorten(item.organisation, 80)))
    verdict = f"*{item.verdict}* · " if item.verdict else ""
    lines = [_link(item.title, item.url), " · ".join(facts)]
    if scored:
        lines.append(f"{verdict}{item.score}/100 · {escape_mrkdwn(shorten(item.reason, 300))}")
    if item.lessons_learned:
        lines.append(f"_Lessons:_ {escape_mrkdwn(shorten(item.lessons_learned, 300))}")
    if item.contact:
        lines.append(f"_Contact:_ {escape_mrkdwn(shorten(item.contact, 120))}")
    return "\n".join(lines)


def _link(title: str, url: str | None) -> str:
    safe = escape_mrkdwn(shorten(title, 150))
    if url and _SAFE_URL.match(url):
        return f"*<{url}|{safe}>*"
    return f"*{safe}*"


def _shown(similar: Sequence[Found] | None) -> dict[str, Any]:
    """What the author was shown, kept in the form's private_metadata until submission."""
    similar = [item for item in similar or () if item.verdict is not None]
    if not similar:
        return {}
    return {"shown": [[f"{item.kind}:{item.id}", item.score, item.verdict] for item in similar]}


def joined_view(item: Found) -> View:
    """The form replaced by a thank-you once someone joins existing work."""
    owner = (
        "I've told its author; they'll be in touch."
        if item.kind != "project"
        else "Reach out to the people behind it using the details below."
    )
    return View(
        type="modal",
        title="Joined",
        close="Close",
        blocks=[
            SectionBlock(text=f":handshake: Thanks for joining existing work instead of starting again. {owner}"),
            SectionBlock(text=MarkdownTextObject(text=similar_text(item, scored=False))),
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


CHALLENGE_MOVES = {"testing": "Testing solutions", "solved": "Solved", "closed": "Close"}


def challenge_post(challenge: Challenge, similar: Sequence[Found] = (), ideas: Sequence[Idea] = ()) -> Message:
    """The challenge as posted in the challenges channel, with a button to answer it."""
    facts = [f"*Status:* {status_label(challenge.status)}", f"*Posted by:* <@{challenge.author_id}>"]
    if challenge.deadline is not None:
        facts.append(f"*Ideas until:* {format_date(challenge.deadline)}")
    blocks: list[Block] = [HeaderBlock(text=challenge.title), context("   ".join(facts))]
    blocks += labelled("The problem", challenge.problem)
    blocks += labelled("A good solution would", challenge.desired_outcome)
    blocks += similar_for_reviewers(similar, declared_different(challenge.similar_shown))
    if ideas:
        lines = [f"• {_linked(idea.title, idea.permalink)} · {status_label(idea.status)}" for idea in ideas[:LIST_MAX]]
        if len(ideas) > LIST_MAX:
            lines.append(f"…and {len(ideas) - LIST_MAX} more")
        blocks += sections(f"*Ideas proposed ({len(ideas)})*\n" + "\n".join(lines))
    if challenge.status in ("open", "testing"):
        buttons = [
            ButtonElement(
                text="Propose a solution", action_id=PROPOSE_SOLUTION, value=str(challenge.id), style="primary"
            )
        ]
        buttons += [
            ButtonElement(text=label, action_id=f"challenge_{status}", value=str(challenge.id))
            for status, label in CHALLENGE_MOVES.items()
            if status != challenge.status
        ]
        blocks.append(ActionsBlock(block_id="challenge_actions", elements=buttons))
    return Message(text=f"New challenge: {escape_mrkdwn(challenge.title)}", blocks=blocks)


def similar_for_reviewers(similar: Sequence[Found], declared_different: bool) -> list[Block]:
    if not similar:
        return []
    note = " (the author saw these and says theirs is different)" if declared_different else ""
    blocks: list[Block] = [context(f":mag: *Similar work*{note}")]
    blocks += [SectionBlock(text=MarkdownTextObject(text=similar_text(item))) for item in similar]
    return blocks


def declared_different(similar_shown: str | None) -> bool:
    try:
        shown = json.loads(similar_shown or "[]")
    except ValueError:
        return False
    return any(isinstance(entry, list) and len(entry) == 3 and entry[2] for entry in shown)


def confirmation(kind: str, title: str, permalink: str, subject_id: int | None = None) -> Message:
    """The DM that tells an author their submission is posted (an idea's with a Withdraw button)."""
    safe_title = escape_mrkdwn(shorten(title, 200))
    text = f"Your {kind} *{safe_title}* is posted: <{permalink}|see it in the channel>."
    follow_up = (
        "Reviewers will give feedback in its thread; I'll tell you here when they do."
        if kind == "idea"
        else "Colleagues can now propose solutions with the button under it."
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text)), context(follow_up)]
    if kind == "idea" and subject_id is not None:
        withdraw = ButtonElement(text="Withdraw", action_id="idea_withdraw", value=str(subject_id))
        blocks.append(ActionsBlock(elements=[withdraw]))
    return Message(text=f"Your {kind} {safe_title} is posted", blocks=blocks)


# --- replies to /ideas --------------------------------------------------------------------------


def help_message() -> Message:
    """What the bot can do, for `/ideas` and `/ideas help`."""
    lines = [
        "*Innovation Bot* helps you share ideas and problems, and hear back from the people who decide.",
        "• `/idea [title]`: share an idea to improve a service (you can stay anonymous)",
        "• `/challenge [title]`: publish a problem so that anyone can propose a solution",
        "• `/ideas mine`: your ideas and challenges, and where they stand",
        "• `/ideas search <words>`: find past projects, ideas and challenges before you start your own",
        "• `/ideas reviewers`: who reviews each team's ideas (innovation team)",
        "• `/ideas help`: this message",
    ]
    return Message(text="How to use Innovation Bot", blocks=[SectionBlock(text="\n".join(lines))])


def join_notice(joiner_id: str, item: Found) -> Message:
    """The DM to the owner of work that someone joined."""
    noun = KIND_LABELS[item.kind].lower()
    text = (
        f":handshake: <@{joiner_id}> wants to join your {noun} {_link(item.title, item.url)} "
        "instead of starting something similar. Say hello!"
    )
    return Message(text=f"Someone wants to join your {noun}", blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def reviewer_list(mappings: Sequence[Mapping]) -> Message:
    if not mappings:
        return Message(text="No teams mapped yet: ideas go to the default reviewers and the innovation team.")
    lines = [f"• *{escape_mrkdwn(m.team)}*: " + ", ".join(f"<@{user}>" for user in m.reviewers) for m in mappings]
    return Message(text="Reviewers per team", blocks=sections("*Reviewers per team*\n" + "\n".join(lines)))


def unknown_subcommand(word: str) -> Message:
    safe = escape_mrkdwn(shorten(word, 40))
    return Message(text=f"I don't know `{safe}`. Type `/ideas help` to see what I can do.")


def my_submissions(listing: Listing) -> Message:
    """The caller's own ideas and challenges."""
    if listing.empty:
        return Message(text="You have no ideas or challenges yet. Start one with `/idea` or `/challenge`.")
    lines = ["*Your submissions*"]
    lines += _list_lines(listing, show_anonymous=True)
    return Message(text="Your ideas and challenges", blocks=sections("\n".join(lines)))


def search_results(query: str, found: Sequence[Found]) -> Message:
    """Past projects, ideas and challenges like the search words; authors are never shown."""
    safe_query = escape_mrkdwn(shorten(query, 100))
    if not found:
        return Message(text=f"Nothing matches “{safe_query}”. Try other words, or start it: `/idea {safe_query}`.")
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*Closest to “{safe_query}”*"))]
    blocks += [SectionBlock(text=MarkdownTextObject(text=similar_text(item))) for item in found]
    return Message(text=f"Search results for {safe_query}", blocks=blocks)


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


def context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=mrkdwn)])


def labelled(label: str, user_text: str) -> list[Block]:
    """A bold label over user text, spread over as many sections as Slack's 3,000-character limit needs."""
    return sections(f"*{label}*\n{escape_mrkdwn(user_text)}")


def sections(mrkdwn: str) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_for_blocks(mrkdwn, SECTION_MAX)]
