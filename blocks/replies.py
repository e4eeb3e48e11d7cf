"""Replies to /ideas, seen only by the person who typed it."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    MarkdownTextObject,
    SectionBlock,
)

from blocks.base import LIST_MAX, Message, and_more, mention, posted_link, sections
from blocks.similar import similar_text
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, _
from bot.labels import status_label
from bot.matching.service import Found
from bot.reviewers import Mapping
from bot.submissions import Listing
from bot.text import escape_mrkdwn, escaped


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
        _("• `/ideas privacy`: what I keep about you; download it or erase it"),
        _("• `/ideas help`: this message"),
    ]
    return Message(text=_("How to use Innovation Bot"), blocks=[SectionBlock(text="\n".join(lines))])


def reviewer_list(mappings: Sequence[Mapping]) -> Message:
    if not mappings:
        return Message(text=_("No teams mapped yet: ideas go to the default reviewers and the innovation team."))
    lines = [
        f"• *{escape_mrkdwn(m.team)}*: "
        + ", ".join(mention(user) for user in m.reviewers)
        + (" " + _("_(every workspace, set from the terminal)_") if m.everywhere else "")
        for m in mappings
    ]
    heading = _("Reviewers per team")
    return Message(text=heading, blocks=sections(f"*{heading}*\n" + "\n".join(lines)))


def unknown_subcommand(word: str) -> Message:
    safe = escaped(word, 40)
    return Message(text=_("I don't know `{word}`. Type `/ideas help` to see what I can do.", word=safe))


def unknown_command(command: str) -> Message:
    safe = escaped(command, 40)
    return Message(text=_("No such command: {command}. Type `/ideas help` to see what I can do.", command=safe))


def my_submissions(listing: Listing) -> Message:
    """The caller's own ideas and challenges."""
    if listing.empty:
        return Message(text=_("You have no ideas or challenges yet. Start one with `/idea` or `/challenge`."))
    lines = [_("*Your submissions*")]
    lines += _list_lines(listing, show_anonymous=True)
    return Message(text=_("Your ideas and challenges"), blocks=sections("\n".join(lines)))


def search_results(query: str, found: Sequence[Found]) -> Message:
    """Past projects, ideas and challenges like the search words; authors are never shown."""
    safe_query = escaped(query, 100)
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


def refused_reviewers(message: str, values: dict[str, str]) -> str:
    """Why reviewers could not be read, with what the person typed escaped (it may hold `<!channel>`)."""
    return _(message, **{name: escaped(value, 60) for name, value in values.items()})


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
        entries.append(f"• :bulb: {posted_link(idea.title, idea.permalink)} · {status_label(idea.status)}{suffix}")
    for challenge in listing.challenges:
        entries.append(
            f"• :dart: {posted_link(challenge.title, challenge.permalink)} · {status_label(challenge.status)}"
        )
    if len(entries) > LIST_MAX:
        entries = [*entries[:LIST_MAX], and_more(len(entries) - LIST_MAX)]
    return entries
