"""The weekly digest as a Slack message and as terminal text (`python main.py digest --preview`)."""

from __future__ import annotations

import re

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.digest import Digest, waiting_on
from bot.messages import Message, context, sections, status_label
from bot.review_messages import PAST_TENSE, idea_link
from bot.text import escape_mrkdwn, shorten

SHOWN = 5  # items per list; the rest is counted


def digest_sections(digest: Digest) -> list[tuple[str, list[str]]]:
    """(heading, mrkdwn lines) for each part of the digest that has something to say."""
    parts: list[tuple[str, list[str]]] = []
    if digest.new_ideas or digest.new_challenges:
        lines = [f"• :bulb: {idea_link(idea)}" for idea in digest.new_ideas]
        lines += [f"• :dart: *{escape_mrkdwn(shorten(c.title, 150))}*" for c in digest.new_challenges]
        parts.append(
            (
                f"New this week: {_count(len(digest.new_ideas), 'idea')}, "
                f"{_count(len(digest.new_challenges), 'challenge')}",
                lines,
            )
        )
    if digest.decisions:
        lines = []
        for decision, idea in digest.decisions:
            reason = f": {escape_mrkdwn(shorten(decision.comment, 160))}" if decision.comment else ""
            lines.append(f"• {idea_link(idea)}: <@{decision.actor_id}> {PAST_TENSE[decision.action]}{reason}")
        parts.append(("Decisions", lines))
    if digest.waiting:
        lines = [
            f"• {idea_link(idea)} · {days} days · waiting on " + (", ".join(f"<@{u}>" for u in waiting_on(idea)) or "—")
            for idea, days in digest.waiting
        ]
        parts.append(("Waiting longest for feedback", lines))
    if digest.completed:
        lines = [
            f"• {idea_link(idea)} · *{idea.outcome}* · {escape_mrkdwn(shorten(idea.lessons_learned or '', 200))}"
            for idea in digest.completed
        ]
        parts.append(("Experiments completed, and what we learned", lines))
    if digest.joins:
        parts.append(
            (
                "Duplicates avoided",
                [f"• {_count(digest.joins, 'person')} joined existing work instead of starting again"],
            )
        )
    if digest.most_supported:
        lines = [
            f"• {idea_link(idea)} · {_count(n, 'supporter')} · {status_label(idea.status)}"
            for idea, n in digest.most_supported
        ]
        parts.append(("Most supported", lines))
    return parts


def digest_message(digest: Digest) -> Message:
    """The digest for a channel, within Slack's limits (long lists end with "…and N more")."""
    blocks: list[Block] = [HeaderBlock(text=f"Innovation digest · week to {digest.end:%d %B %Y}")]
    if digest.empty:
        blocks += sections("A quiet week: no new ideas, challenges or decisions. Have an idea? `/idea` takes a minute.")
    for heading, lines in digest_sections(digest):
        blocks += [DividerBlock(), *sections(f"*{heading}*\n" + "\n".join(_capped(lines)))]
    thanks = _thanks(digest)
    if thanks:
        blocks += [DividerBlock(), context(thanks)]
    return Message(text=f"Innovation digest for the week to {digest.end:%d %B %Y}", blocks=blocks)


def digest_text(digest: Digest) -> str:
    """The same digest for a terminal."""
    out = [f"Innovation digest · {digest.start:%d %b} – {digest.end:%d %b %Y}"]
    if digest.empty:
        out.append("A quiet week: no new ideas, challenges or decisions.")
    for heading, lines in digest_sections(digest):
        out += ["", heading, *(_plain(line) for line in _capped(lines))]
    thanks = _thanks(digest)
    if thanks:
        out += ["", _plain(thanks)]
    return "\n".join(out)


def _thanks(digest: Digest) -> str:
    if not digest.contributors and not digest.anonymous_contributors:
        return ""
    names = [f"<@{user}>" for user in digest.contributors[:20]]
    if len(digest.contributors) > 20:
        names.append(f"{len(digest.contributors) - 20} more")
    if digest.anonymous_contributors:
        names.append(f"{_count(digest.anonymous_contributors, 'anonymous colleague')}")
    return ":pray: Thank you to this week's contributors: " + ", ".join(names) + "."


def _capped(lines: list[str]) -> list[str]:
    return lines if len(lines) <= SHOWN else [*lines[:SHOWN], f"…and {len(lines) - SHOWN} more"]


def _count(n: int, noun: str) -> str:
    plural = "people" if noun == "person" else noun + "s"
    return f"{n} {noun if n == 1 else plural}"


def _plain(mrkdwn: str) -> str:
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2", mrkdwn)
    text = re.sub(r"<@([A-Z0-9]+)>", r"@\1", text)
    return text.replace("*", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
