"""The weekly digest as a Slack message and as terminal text (`python main.py digest --preview`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from blocks.base import Message, and_more, context, days, link, mention, sections
from blocks.posts import said
from blocks.settings import change_line
from bot.digest import Digest, waiting_on
from bot.i18n import _, format_date, ngettext
from bot.labels import status_label
from bot.text import escaped
from storage.models import WaiverDecision

SHOWN = 5  # items per list; the rest is counted


def digest_sections(digest: Digest) -> list[tuple[str, list[str]]]:
    """(heading, mrkdwn lines) for each part of the digest that has something to say."""
    parts: list[tuple[str, list[str]]] = []
    if digest.new_ideas or digest.new_challenges:
        lines = [f"• :bulb: {link(idea.title, idea.permalink)}" for idea in digest.new_ideas]
        lines += [f"• :dart: *{escaped(c.title, 150)}*" for c in digest.new_challenges]
        ideas = ngettext("{count} idea", "{count} ideas", len(digest.new_ideas))
        challenges = ngettext("{count} challenge", "{count} challenges", len(digest.new_challenges))
        parts.append((_("New this week: {ideas}, {challenges}", ideas=ideas, challenges=challenges), lines))
    if digest.decisions:
        lines = []
        for decision, idea in digest.decisions:
            reason = f": {escaped(decision.comment, 160)}" if decision.comment else ""
            lines.append(f"• {link(idea.title, idea.permalink)}: {said(decision, idea)}{reason}")
        parts.append((_("Decisions"), lines))
    if digest.waiting:
        lines = [
            f"• {link(idea.title, idea.permalink)} · {days(waited)} · "
            + _("waiting on {people}", people=", ".join(mention(u) for u in waiting_on(idea)) or "—")
            for idea, waited in digest.waiting
        ]
        parts.append((_("Waiting longest for feedback"), lines))
    if digest.completed:
        lines = [
            f"• {link(idea.title, idea.permalink)} · *{status_label(idea.outcome or '')}* · "
            f"{escaped(idea.lessons_learned or '', 200)}"
            for idea in digest.completed
        ]
        parts.append((_("What we learned: experiments completed, failures first"), lines))
    if digest.waivers or digest.waivers_ended:
        lines = [f"• *{escaped(waiver.rule, 150)}*: {waiver_step(step)}" for step, waiver in digest.waivers]
        lines += [
            f"• *{escaped(waiver.rule, 150)}*: "
            + _("ended on {end}; its owner decides what happens next", end=format_date(waiver.ends_on))
            for waiver in digest.waivers_ended
            if waiver.ends_on is not None
        ]
        parts.append((_("Right to Challenge: rules set aside for a test"), lines))
    if digest.quarter and digest.quarter_start is not None:
        outcomes = Counter(idea.outcome or "" for idea in digest.quarter)
        counts = ", ".join(f"{status_label(outcome)} {count}" for outcome, count in outcomes.items())
        lines = [
            f"• {link(idea.title, idea.permalink)} · *{status_label(idea.outcome or '')}* · "
            f"{escaped(idea.lessons_learned or '', 200)}"
            for idea in digest.quarter
        ]
        heading = _(
            "Lessons of the quarter since {start}: {counts}", start=format_date(digest.quarter_start), counts=counts
        )
        parts.append((heading, lines))
    if digest.joins:
        joined = ngettext(
            "• {count} person joined existing work instead of starting again",
            "• {count} people joined existing work instead of starting again",
            digest.joins,
        )
        parts.append((_("Duplicates avoided"), [joined]))
    if digest.most_supported:
        lines = [
            f"• {link(idea.title, idea.permalink)} · {supporters(n)} · {status_label(idea.status)}"
            for idea, n in digest.most_supported
        ]
        parts.append((_("Most supported"), lines))
    return parts


def digest_message(digest: Digest) -> Message:
    """The digest for a channel, within Slack's limits (long lists end with "…and N more")."""
    end = format_date(digest.end)
    blocks: list[Block] = [HeaderBlock(text=_("Innovation digest · week to {date}", date=end))]
    if digest.empty:
        blocks += sections(
            _("A quiet week: no new ideas, challenges or decisions. Have an idea? `/idea` takes a minute.")
        )
    for heading, lines in digest_sections(digest):
        blocks += [DividerBlock(), *sections(f"*{heading}*\n" + "\n".join(_capped(lines)))]
    thanks = _thanks(digest)
    if thanks:
        blocks += [DividerBlock(), context(thanks)]
    if digest.setting_changes:  # an administrator's change is seen by everyone it affects
        changes = [change_line(change, ZoneInfo("UTC")) for change in digest.setting_changes[-10:]]
        blocks.append(context(_("*Settings changed this week*") + "\n" + "\n".join(changes)))
    return Message(text=_("Innovation digest for the week to {date}", date=end), blocks=blocks)


def digest_text(digest: Digest, names: Mapping[str, str] | None = None) -> str:
    """The same digest for a terminal, people by the name the bot knows for them (`names`), else their ID."""
    out = [_("Innovation digest · {start} – {end}", start=format_date(digest.start), end=format_date(digest.end))]
    if digest.empty:
        out.append(_("A quiet week: no new ideas, challenges or decisions."))
    for heading, lines in digest_sections(digest):
        out += ["", heading, *(_plain(line, names or {}) for line in _capped(lines))]
    thanks = _thanks(digest)
    if thanks:
        out += ["", _plain(thanks, names or {})]
    return "\n".join(out)


def _thanks(digest: Digest) -> str:
    if not digest.contributors and not digest.anonymous_contributors:
        return ""
    names = [mention(user) for user in digest.contributors[:20]]
    if len(digest.contributors) > 20:
        names.append(ngettext("{count} more", "{count} more", len(digest.contributors) - 20))
    if digest.anonymous_contributors:
        count = digest.anonymous_contributors
        names.append(ngettext("{count} anonymous colleague", "{count} anonymous colleagues", count))
    return _(":pray: Thank you to this week's contributors: {names}.", names=", ".join(names))


def waiver_step(step: WaiverDecision) -> str:
    """One step of a waiver in a list: who did what, until when, and why."""
    who, until = mention(step.actor_id), format_date(step.ends_on) if step.ends_on else "?"
    said_ = {
        "grant": _("granted by {person} until {end}", person=who, end=until),
        "extend": _("extended by {person} until {end}", person=who, end=until),
        "refuse": _("refused by {person}", person=who),
        "permanent": _("made permanent by {person}", person=who),
        "restore": _("rule restored by {person}", person=who),
    }.get(step.action, step.action)
    return said_ + (f": {escaped(step.comment, 160)}" if step.comment and step.action == "refuse" else "")


def supporters(count: int) -> str:
    return ngettext("{count} supporter", "{count} supporters", count)


def _capped(lines: list[str]) -> list[str]:
    return lines if len(lines) <= SHOWN else [*lines[:SHOWN], and_more(len(lines) - SHOWN)]


def _plain(mrkdwn: str, names: Mapping[str, str]) -> str:
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2", mrkdwn)
    text = re.sub(r"<@([A-Z0-9]+)>", lambda mention: "@" + names.get(mention[1], mention[1]), text)
    return text.replace("*", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
