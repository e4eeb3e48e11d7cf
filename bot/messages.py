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

from bot.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, ngettext
from bot.i18n import format_date as localised_date
from bot.labels import status_label
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
KIND_LABELS = {"project": N_("Past project"), "idea": N_("Idea"), "challenge": N_("Challenge")}
_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$")
VALUE = "value"  # the action_id of every input element; block_id names the field
SECTION_MAX = 3000
LIST_MAX = 15
VERDICTS = {"duplicate": N_("duplicate"), "related": N_("related")}


def _anonymous_option() -> Option:
    return Option(
        value="anonymous",
        text=_("Submit anonymously"),
        description=_("Reviewers and colleagues will not see your name; you still get feedback."),
    )


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
        blocks.append(
            context(_("Proposing a solution to the challenge *{title}*", title=escape_mrkdwn(challenge.title)))
        )
    blocks += [
        _text_input("title", _("Title"), draft.title, TITLE_MAX, placeholder=_("A short name for your idea")),
        _text_input(
            "problem",
            _("The problem it solves"),
            draft.problem,
            TEXT_MAX,
            multiline=True,
            hint=_("Who is affected, and how? Facts and figures help reviewers."),
        ),
        _text_input("proposal", _("Your idea"), draft.proposal, TEXT_MAX, multiline=True),
        _text_input(
            "department",
            _("Team or department"),
            draft.department,
            DEPARTMENT_MAX,
            optional=True,
            hint=_("Reviewers for this team will be asked for feedback."),
        ),
        InputBlock(
            block_id="anonymous",
            label=_("Anonymity"),
            optional=True,
            element=CheckboxesElement(
                action_id=VALUE,
                options=[_anonymous_option()],
                initial_options=[_anonymous_option()] if draft.anonymous else None,
            ),
        ),
        *_similar_section(similar),
    ]
    metadata: dict[str, Any] = {"challenge_id": challenge.id} if challenge is not None else {}
    return View(
        type="modal",
        callback_id=IDEA_MODAL,
        title=_("Share an idea"),
        submit=_("Submit idea"),
        close=_("Cancel"),
        private_metadata=json.dumps(metadata | _shown(similar)),
        blocks=blocks,
    )


def challenge_modal(draft: ChallengeDraft | None = None, similar: Sequence[Found] | None = None) -> View:
    """The /challenge form: a problem statement that anyone may answer with an idea."""
    draft = draft or ChallengeDraft(title="", problem="", desired_outcome="")
    return View(
        type="modal",
        callback_id=CHALLENGE_MODAL,
        title=_("Post a challenge"),
        submit=_("Publish"),
        close=_("Cancel"),
        private_metadata=json.dumps(_shown(similar)),
        blocks=[
            _text_input("title", _("Title"), draft.title, TITLE_MAX, placeholder=_("The problem, in a few words")),
            _text_input("problem", _("The problem and who suffers it"), draft.problem, TEXT_MAX, multiline=True),
            _text_input(
                "desired_outcome",
                _("What a good solution would achieve"),
                draft.desired_outcome,
                TEXT_MAX,
                multiline=True,
                hint=_("How would you know the problem is solved?"),
            ),
            InputBlock(
                block_id="deadline",
                label=_("Deadline for ideas"),
                optional=True,
                element=DatePickerElement(
                    action_id=VALUE,
                    placeholder=_("No deadline"),
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
        elements=[ButtonElement(text=_("Check for similar work"), action_id=CHECK_SIMILAR, value="check")],
    )
    if similar is None:
        return [DividerBlock(), context(_("Has someone done this before? Fill in the title, then:")), check]
    if not similar:
        return [
            DividerBlock(),
            context(_(":mag: Nothing similar found in past projects, ideas or challenges.")),
            check,
        ]
    blocks: list[Block] = [
        DividerBlock(),
        SectionBlock(
            text=_(
                ":mag: *Similar work already exists.* Join it instead of starting again, "
                "or submit yours if it is different: we'll note that you checked."
            )
        ),
    ]
    for item in similar:
        blocks.append(
            SectionBlock(
                block_id=f"similar_{item.kind}_{item.id}",
                text=MarkdownTextObject(text=similar_text(item)),
                accessory=ButtonElement(
                    text=_("Join this instead"), action_id=JOIN_SIMILAR, value=f"{item.kind}:{item.id}"
                ),
            )
        )
    return [*blocks, check]


def similar_text(item: Found, *, scored: bool = True) -> str:
    """One match as mrkdwn: title (linked), kind, status, organisation, verdict and score, why."""
    facts = [_(KIND_LABELS[item.kind])]
    if item.status:
        facts.append(status_label(item.status))
    if item.organisation:
        facts.append(escape_mrkdwn(shorten(item.organisation, 80)))
    verdict = f"*{_(VERDICTS[item.verdict])}* · " if item.verdict in VERDICTS else ""
    lines = [_link(item.title, item.url), " · ".join(facts)]
    if scored:
        lines.append(f"{verdict}{item.score}/100 · {escape_mrkdwn(shorten(reason_text(item.reason), 300))}")
    if item.lessons_learned:
        lines.append(_("_Lessons:_ {text}", text=escape_mrkdwn(shorten(item.lessons_learned, 300))))
    if item.contact:
        lines.append(_("_Contact:_ {text}", text=escape_mrkdwn(shorten(item.contact, 120))))
    return "\n".join(lines)


def reason_text(reason: str) -> str:
    """The matcher's reason ("both mention: a, b", "similar wording" or "similar meaning") in the reader's language; the
    matched words themselves are people's words and stay as they are."""
    prefix = "both mention: "
    if reason.startswith(prefix):
        return _("both mention: {words}", words=reason[len(prefix) :])
    if reason == "similar wording":
        return _("similar wording")
    if reason == "similar meaning":
        return _("similar meaning")
    return reason


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
        _("I've told its author; they'll be in touch.")
        if item.kind != "project"
        else _("Reach out to the people behind it using the details below.")
    )
    thanks = _(":handshake: Thanks for joining existing work instead of starting again.")
    return View(
        type="modal",
        title=_("Joined"),
        close=_("Close"),
        blocks=[
            SectionBlock(text=f"{thanks} {owner}"),
            SectionBlock(text=MarkdownTextObject(text=similar_text(item, scored=False))),
        ],
    )


def received_view(kind: str, title: str, channel_id: str) -> View:
    """Shown in place of the form once the submission is safely stored."""
    safe_title = escape_mrkdwn(shorten(title, 200))
    saved = (
        _(":white_check_mark: Your idea *{title}* is saved.", title=safe_title)
        if kind == "idea"
        else _(":white_check_mark: Your challenge *{title}* is saved.", title=safe_title)
    )
    posting = _("It is being posted in <#{channel}>; I'll send you the link in a direct message.", channel=channel_id)
    return View(
        type="modal",
        title=_("Received"),
        close=_("Close"),
        blocks=[SectionBlock(text=MarkdownTextObject(text=f"{saved}\n{posting}"))],
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


CHALLENGE_MOVES = {"testing": N_("Testing solutions"), "solved": N_("Solved"), "closed": N_("Close")}


def challenge_post(challenge: Challenge, similar: Sequence[Found] = (), ideas: Sequence[Idea] = ()) -> Message:
    """The challenge as posted in the challenges channel, with a button to answer it."""
    facts = [
        _("*Status:* {status}", status=status_label(challenge.status)),
        _("*Posted by:* {person}", person=f"<@{challenge.author_id}>"),
    ]
    if challenge.deadline is not None:
        facts.append(_("*Ideas until:* {date}", date=format_date(challenge.deadline)))
    blocks: list[Block] = [HeaderBlock(text=challenge.title), context("   ".join(facts))]
    blocks += labelled(_("The problem"), challenge.problem)
    blocks += labelled(_("A good solution would"), challenge.desired_outcome)
    blocks += similar_for_reviewers(similar, declared_different(challenge.similar_shown))
    if ideas:
        lines = [f"• {_linked(idea.title, idea.permalink)} · {status_label(idea.status)}" for idea in ideas[:LIST_MAX]]
        if len(ideas) > LIST_MAX:
            lines.append(and_more(len(ideas) - LIST_MAX))
        blocks += sections(_("*Ideas proposed ({count})*", count=len(ideas)) + "\n" + "\n".join(lines))
    if challenge.status in ("open", "testing"):
        buttons = [
            ButtonElement(
                text=_("Propose a solution"), action_id=PROPOSE_SOLUTION, value=str(challenge.id), style="primary"
            )
        ]
        buttons += [
            ButtonElement(text=_(label), action_id=f"challenge_{status}", value=str(challenge.id))
            for status, label in CHALLENGE_MOVES.items()
            if status != challenge.status
        ]
        blocks.append(ActionsBlock(block_id="challenge_actions", elements=buttons))
    return Message(text=_("New challenge: {title}", title=escape_mrkdwn(challenge.title)), blocks=blocks)


def similar_for_reviewers(similar: Sequence[Found], declared_different: bool) -> list[Block]:
    if not similar:
        return []
    heading = (
        _(":mag: *Similar work* (the author saw these and says theirs is different)")
        if declared_different
        else _(":mag: *Similar work*")
    )
    blocks: list[Block] = [context(heading)]
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
    if kind == "idea":
        text = _("Your idea *{title}* is posted: <{link}|see it in the channel>.", title=safe_title, link=permalink)
        follow_up = _("Reviewers will give feedback in its thread; I'll tell you here when they do.")
        fallback = _("Your idea {title} is posted", title=safe_title)
    else:
        text = _(
            "Your challenge *{title}* is posted: <{link}|see it in the channel>.", title=safe_title, link=permalink
        )
        follow_up = _("Colleagues can now propose solutions with the button under it.")
        fallback = _("Your challenge {title} is posted", title=safe_title)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text)), context(follow_up)]
    if kind == "idea" and subject_id is not None:
        withdraw = ButtonElement(text=_("Withdraw"), action_id="idea_withdraw", value=str(subject_id))
        blocks.append(ActionsBlock(elements=[withdraw]))
    return Message(text=fallback, blocks=blocks)


# --- replies to /ideas --------------------------------------------------------------------------


def help_message() -> Message:
    """What the bot can do, for `/ideas` and `/ideas help`."""
    lines = [
        _("*Innovation Bot* helps you share ideas and problems, and hear back from the people who decide."),
        _("• `/idea [title]`: share an idea to improve a service (you can stay anonymous)"),
        _("• `/challenge [title]`: publish a problem so that anyone can propose a solution"),
        _("• `/ideas mine`: your ideas and challenges, and where they stand"),
        _("• `/ideas search <words>`: find past projects, ideas and challenges before you start your own"),
        _("• `/ideas language <code>`: the language I use with you ({codes}, or auto)", codes=", ".join(LANGUAGES)),
        _("• `/ideas reviewers`: who reviews each team's ideas (innovation team)"),
        _("• `/ideas help`: this message"),
    ]
    return Message(text=_("How to use Innovation Bot"), blocks=[SectionBlock(text="\n".join(lines))])


def join_notice(joiner_id: str, item: Found) -> Message:
    """The DM to the owner of work that someone joined."""
    values = {"person": f"<@{joiner_id}>", "title": _link(item.title, item.url)}
    if item.kind == "challenge":
        text = _(
            ":handshake: {person} wants to join your challenge {title} instead of starting something similar. "
            "Say hello!",
            **values,
        )
        fallback = _("Someone wants to join your challenge")
    else:
        text = _(
            ":handshake: {person} wants to join your idea {title} instead of starting something similar. Say hello!",
            **values,
        )
        fallback = _("Someone wants to join your idea")
    return Message(text=fallback, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def reviewer_list(mappings: Sequence[Mapping]) -> Message:
    if not mappings:
        return Message(text=_("No teams mapped yet: ideas go to the default reviewers and the innovation team."))
    lines = [f"• *{escape_mrkdwn(m.team)}*: " + ", ".join(f"<@{user}>" for user in m.reviewers) for m in mappings]
    heading = _("Reviewers per team")
    return Message(text=heading, blocks=sections(f"*{heading}*\n" + "\n".join(lines)))


def unknown_subcommand(word: str) -> Message:
    safe = escape_mrkdwn(shorten(word, 40))
    return Message(text=_("I don't know `{word}`. Type `/ideas help` to see what I can do.", word=safe))


def my_submissions(listing: Listing) -> Message:
    """The caller's own ideas and challenges."""
    if listing.empty:
        return Message(text=_("You have no ideas or challenges yet. Start one with `/idea` or `/challenge`."))
    lines = [_("*Your submissions*")]
    lines += _list_lines(listing, show_anonymous=True)
    return Message(text=_("Your ideas and challenges"), blocks=sections("\n".join(lines)))


def search_results(query: str, found: Sequence[Found]) -> Message:
    """Past projects, ideas and challenges like the search words; authors are never shown."""
    safe_query = escape_mrkdwn(shorten(query, 100))
    if not found:
        return Message(
            text=_("Nothing matches “{query}”. Try other words, or start it: `/idea {query}`.", query=safe_query)
        )
    heading = _("*Closest to “{query}”*", query=safe_query)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=heading))]
    blocks += [SectionBlock(text=MarkdownTextObject(text=similar_text(item))) for item in found]
    return Message(text=_("Search results for {query}", query=safe_query), blocks=blocks)


def language_chosen(language: str, *, following_slack: bool) -> Message:
    """The answer to `/ideas language`, in the language just chosen."""
    if following_slack:
        return Message(text=_("From now on I'll use your Slack language ({name}).", name=LANGUAGE_NAMES[language]))
    return Message(text=_("From now on I'll write to you in {name}.", name=LANGUAGE_NAMES[language]))


def usage(text: str) -> Message:
    return Message(text=text)


def apology() -> Message:
    """What a person sees when the bot cannot do what they asked right now."""
    return Message(
        text=_(
            ":warning: Sorry, I can't reach my database right now. Nothing you sent before is lost; "
            "please try again in a minute."
        )
    )


def _list_lines(listing: Listing, *, show_anonymous: bool) -> list[str]:
    entries: list[str] = []
    for idea in listing.ideas:
        suffix = " " + _("(anonymous)") if show_anonymous and idea.anonymous else ""
        entries.append(f"• :bulb: {_linked(idea.title, idea.permalink)} · {status_label(idea.status)}{suffix}")
    for challenge in listing.challenges:
        entries.append(f"• :dart: {_linked(challenge.title, challenge.permalink)} · {status_label(challenge.status)}")
    if len(entries) > LIST_MAX:
        entries = [*entries[:LIST_MAX], and_more(len(entries) - LIST_MAX)]
    return entries


def and_more(count: int) -> str:
    """The line that ends a cut list."""
    return ngettext("…and {count} more", "…and {count} more", count)


def _linked(title: str, permalink: str | None) -> str:
    safe = escape_mrkdwn(shorten(title, 120))
    if permalink is None:
        return f"*{safe}* " + _("(not posted yet)")
    return f"<{permalink}|{safe.replace('|', '¦')}>"


# --- small helpers ----------------------------------------------------------------------------


def format_date(day: date) -> str:
    return localised_date(day)


def context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=mrkdwn)])


def labelled(label: str, user_text: str) -> list[Block]:
    """A bold label over user text, spread over as many sections as Slack's 3,000-character limit needs."""
    return sections(f"*{label}*\n{escape_mrkdwn(user_text)}")


def sections(mrkdwn: str) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_for_blocks(mrkdwn, SECTION_MAX)]
