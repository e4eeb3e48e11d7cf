"""The App Home: my ideas, ideas waiting for my decision, open challenges, the pipeline's figures."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from blocks.base import VIEW_BLOCKS_MAX, and_more, context, days, fitted, link, waiting_for
from blocks.ids import SETTINGS_BUTTON
from blocks.privacy import erasure_request_lines
from blocks.replies import help_message
from bot.home import Home
from bot.i18n import _, format_datetime, format_number, ngettext
from bot.labels import status_label
from bot.text import escaped, split_for_blocks
from storage.models import Idea

HOME_LIST = 10  # per section, so that the Home stays far below Slack's 100 blocks


def home_view(home: Home, now: datetime, reader: ZoneInfo, *, can_configure: bool = False) -> View:
    """The App Home: my ideas, ideas waiting for my decision (oldest first), open challenges, figures; and
    the Settings button for those who may change them."""
    blocks: list[Block] = [HeaderBlock(text="Innovation Bot")]
    if can_configure:
        settings = ButtonElement(text=_(":gear: Settings"), action_id=SETTINGS_BUTTON, value="open")
        blocks.append(ActionsBlock(elements=[settings]))
    blocks += [*help_message().blocks, DividerBlock()]
    blocks.append(SectionBlock(text=MarkdownTextObject(text=_("*My ideas*"))))
    mine = [
        f"• {link(idea.title, idea.permalink)} · {status_label(idea.status)}"
        + (f"\n   _{escaped(home.last_feedback[idea.id], 140)}_" if idea.id in home.last_feedback else "")
        for idea in home.mine
    ]
    blocks += _listing(mine, _("You have no ideas yet: `/idea` starts one."), _("See all with `/ideas mine`."))
    if home.waiting_for_me:
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=_("*Waiting for my decision*")))]
        waiting = [
            f"• {link(idea.title, idea.permalink)} · {status_label(idea.status)} · "
            + waiting_for((now - idea.created_at).days)
            + _next_nudge(home, idea, reader)
            for idea in home.waiting_for_me
        ]
        blocks += _listing(waiting, "", _("See the others in the ideas channel."))
    blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=_("*Open challenges*")))]
    challenges = [
        f"• {link(challenge.title, challenge.permalink)} · {status_label(challenge.status)}"
        for challenge in home.challenges
    ]
    blocks += _listing(
        challenges,
        _("No open challenges: `/challenge` publishes one."),
        _("See the others in the challenges channel."),
    )
    if home.owed_to_slack:  # the team learns that Slack is behind (paced, failing) before people complain
        waiting_for_slack = ngettext(
            ":hourglass: {count} message waiting for Slack",
            ":hourglass: {count} messages waiting for Slack",
            home.owed_to_slack,
        )
        blocks += [DividerBlock(), context(waiting_for_slack)]
    if home.erasure_requests:  # the innovation team's: people waiting for their erasure to be approved
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=_("*Erasure requests*")))]
        blocks += erasure_request_lines(home.erasure_requests[:HOME_LIST])
    if home.figures is not None:
        f = home.figures
        median = days(f.median_days_to_first_feedback) if f.median_days_to_first_feedback is not None else _("n/a")
        pipeline = _(
            "*Pipeline* · submitted this month: *{submitted}* · waiting: *{waiting}* · "
            "decided this month: *{decided}* · median time to first feedback: *{median}*",
            submitted=format_number(f.submitted_this_month),
            waiting=format_number(f.waiting),
            decided=format_number(f.decided_this_month),
            median=median,
        )
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=pipeline))]
    return View(type="home", blocks=fitted(blocks, VIEW_BLOCKS_MAX))


def _next_nudge(home: Home, idea: Idea, reader: ZoneInfo) -> str:
    """When the next reminder goes out, in the reader's time zone, named."""
    due = home.next_nudges.get(idea.id or 0)
    return " · " + _("next reminder {when}", when=format_datetime(due, reader)) if due else ""


def _listing(lines: list[str], empty: str, see_more: str) -> list[Block]:
    if not lines:
        return [SectionBlock(text=MarkdownTextObject(text=empty))] if empty else []
    shown = "\n".join(lines[:HOME_LIST])
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_for_blocks(shown, 3000)]
    if len(lines) > HOME_LIST:
        blocks.append(context(f"{and_more(len(lines) - HOME_LIST)} · {see_more}"))
    return blocks
