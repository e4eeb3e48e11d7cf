"""Block Kit for reviewing: the idea's buttons, decision forms, thread replies and the author's DMs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.home import Home
from bot.i18n import N_, _, format_number, ngettext
from bot.matching.service import Found
from bot.messages import (
    KIND_LABELS,
    VALUE,
    Message,
    and_more,
    context,
    declared_different,
    help_message,
    idea_modal,
    labelled,
    sections,
    similar_for_reviewers,
    status_label,
)
from bot.reviews import OPEN, OUTCOMES
from bot.submissions import TEXT_MAX, IdeaDraft
from bot.text import escape_mrkdwn, shorten, split_for_blocks
from storage.models import Challenge, Comment, Decision, Idea, Support

DECISION_MODAL = "decision_modal"
EDIT_MODAL = "idea_edit_modal"
EDIT_BUTTON = "idea_edit"
SNOOZE_BUTTON = "idea_snooze"
BUTTONS = {
    "approve": N_("Approve"),
    "needs_info": N_("Needs more info"),
    "decline": N_("Decline"),
    "comment": N_("Comment"),
    "start": N_("Start experiment"),
    "complete": N_("Complete"),
    "merge": N_("Merge as duplicate"),
    "withdraw": N_("Withdraw"),
    "support": N_("Support"),
    "help": N_("I'd like to help"),
}
ACTION_IDS = {action: f"idea_{action}" for action in BUTTONS}
FORM_TITLES = {  # modal titles: at most 24 characters in every language
    "approve": N_("Approve idea"),
    "needs_info": N_("Ask for more info"),
    "decline": N_("Decline idea"),
    "comment": N_("Comment"),
    "start": N_("Start experiment"),
    "complete": N_("Complete experiment"),
    "merge": N_("Merge as duplicate"),
    "withdraw": N_("Withdraw your idea"),
}
THREAD_REPLIES = {  # {person} did it
    "approve": N_("{person} approved this idea"),
    "needs_info": N_("{person} asked for more information"),
    "decline": N_("{person} declined this idea"),
    "comment": N_("{person} commented"),
    "start": N_("{person} started the experiment"),
    "complete": N_("{person} completed the experiment"),
    "withdraw": N_("{person} withdrew this idea"),
    "merge": N_("{person} merged this idea into existing work"),
}


def idea_post(idea: Idea, challenge: Challenge | None, similar: Sequence[Found] = (), supporters: int = 0) -> Message:
    """The idea as posted in the ideas channel, with its review state and buttons; an anonymous author is
    shown as "anonymous"."""
    author = _("anonymous") if idea.anonymous else f"<@{idea.author_id}>"
    facts = [_("*Status:* {status}", status=status_label(idea.status)), _("*By:* {person}", person=author)]
    if idea.department:
        facts.append(_("*Team:* {team}", team=escape_mrkdwn(idea.department)))
    blocks: list[Block] = [HeaderBlock(text=idea.title), context("   ".join(facts))]
    review = review_facts(idea)
    if review:
        blocks.append(context(review))
    if challenge is not None:
        blocks.append(context(_(":dart: Answers the challenge *{title}*", title=escape_mrkdwn(challenge.title))))
    blocks += labelled(_("The problem"), idea.problem)
    blocks += labelled(_("The idea"), idea.proposal)
    blocks += lessons_blocks(idea)
    blocks += similar_for_reviewers(similar, declared_different(idea.similar_shown))
    blocks.append(idea_buttons(idea, supporters))
    fallback = _("Idea: {title} ({status})", title=escape_mrkdwn(idea.title), status=status_label(idea.status))
    return Message(text=fallback, blocks=blocks)


def idea_buttons(idea: Idea, supporters: int) -> ActionsBlock:
    """The buttons under an idea's post, for what can happen next."""
    if idea.status in OPEN:
        actions = ["approve", "needs_info", "decline", "merge", "comment"]
    elif idea.status == "approved":
        actions = ["start", "complete", "decline", "merge", "comment"]
    elif idea.status == "experiment_running":
        actions = ["complete", "comment"]
    else:
        actions = ["comment"]
    styles = {"approve": "primary", "decline": "danger", "start": "primary", "complete": "primary"}
    elements = [
        ButtonElement(text=_(BUTTONS[a]), action_id=ACTION_IDS[a], value=str(idea.id), style=styles.get(a))
        for a in actions
    ]
    if idea.status not in ("declined", "withdrawn", "merged"):
        elements.append(
            ButtonElement(
                text=f"{_(BUTTONS['support'])} ({format_number(supporters)})" if supporters else _(BUTTONS["support"]),
                action_id=ACTION_IDS["support"],
                value=str(idea.id),
            )
        )
        elements.append(ButtonElement(text=_(BUTTONS["help"]), action_id=ACTION_IDS["help"], value=str(idea.id)))
    return ActionsBlock(block_id="idea_actions", elements=elements)


def review_facts(idea: Idea) -> str:
    """The line under the title: reviewers, who decided, the outcome."""
    parts = []
    reviewers = [user for user in idea.reviewers.split(",") if user]
    if reviewers:
        parts.append(_("*Reviewers:* {people}", people=", ".join(f"<@{user}>" for user in reviewers)))
    if idea.decided_by and idea.status not in ("submitted", "in_review"):
        parts.append(_("*{status}* by {person}", status=status_label(idea.status), person=f"<@{idea.decided_by}>"))
    if idea.outcome:
        parts.append(_("*Outcome:* {outcome}", outcome=status_label(idea.outcome)))
    return "   ".join(parts)


def lessons_blocks(idea: Idea) -> list[Block]:
    if not idea.lessons_learned:
        return []
    text = _("*Lessons learned*") + f"\n{escape_mrkdwn(idea.lessons_learned)}"
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_for_blocks(text, 3000)]


def decision_modal(idea: Idea, action: str, candidates: Sequence[Found] = ()) -> View:
    """The form behind a decision button: a reason (required to decline or ask for more), an outcome,
    or (to merge) the similar work this idea duplicates."""
    required = action in ("needs_info", "decline", "comment", "complete")
    label = {
        "needs_info": _("What do you need to know?"),
        "decline": _("Why is it declined?"),
        "comment": _("Your comment"),
        "complete": _("Lessons learned"),
    }.get(action, _("Comment (optional)"))
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=f"*{escape_mrkdwn(shorten(idea.title, 200))}*")])
    ]
    if action == "complete":
        blocks.append(
            InputBlock(
                block_id="outcome",
                label=_("How did it end?"),
                element=StaticSelectElement(
                    action_id=VALUE,
                    placeholder=_("Choose an outcome"),
                    options=[Option(value=outcome, text=status_label(outcome)) for outcome in OUTCOMES],
                ),
            )
        )
    if action == "merge":
        options = [
            Option(value=f"{item.kind}:{item.id}", text=shorten(f"{_(KIND_LABELS[item.kind])}: {item.title}", 75))
            for item in candidates[:10]
        ]
        blocks.append(
            InputBlock(
                block_id="target",
                label=_("Duplicate of"),
                element=StaticSelectElement(action_id=VALUE, placeholder=_("Choose"), options=options)
                if options
                else PlainTextInputElement(action_id=VALUE, placeholder=_("idea:12 or project:34")),
            )
        )
    blocks.append(
        InputBlock(
            block_id="comment",
            label=label,
            optional=not required,
            hint=_("Shared in the idea's thread and sent to its author.")
            if action != "complete"
            else _("Failures count too: what would you tell the next team?"),
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=TEXT_MAX),
        )
    )
    return View(
        type="modal",
        callback_id=DECISION_MODAL,
        title=_(FORM_TITLES[action]),
        submit=_("Send"),
        close=_("Cancel"),
        private_metadata=json.dumps({"idea_id": idea.id, "action": action}),
        blocks=blocks,
    )


def edit_modal(idea: Idea) -> View:
    """The idea form, prefilled, for the author to answer "Needs more info"."""
    draft = IdeaDraft(idea.title, idea.problem, idea.proposal, idea.department or "", idea.anonymous)
    form = idea_modal(draft)
    return View(
        type="modal",
        callback_id=EDIT_MODAL,
        title=_("Edit your idea"),
        submit=_("Save changes"),
        close=_("Cancel"),
        private_metadata=json.dumps({"idea_id": idea.id}),
        blocks=[block for block in form.blocks if block.type == "input" and block.block_id != "anonymous"],
    )


def decision_reply(decision: Decision) -> Message:
    """The reply in the idea's thread."""
    text = _(THREAD_REPLIES[decision.action], person=f"<@{decision.actor_id}>")
    fallback = _(THREAD_REPLIES[decision.action], person=_("A reviewer"))
    if decision.comment:
        text += f":\n{quote(decision.comment)}"
    return Message(text=fallback, blocks=sections(text))


def decision_dm(decision: Decision, idea: Idea) -> Message:
    """The author's DM about a decision, with an Edit button when more information is asked for."""
    link = (
        f"<{idea.permalink}|{escape_mrkdwn(shorten(idea.title, 150))}>"
        if idea.permalink
        else (f"*{escape_mrkdwn(shorten(idea.title, 150))}*")
    )
    said = _(THREAD_REPLIES[decision.action], person=f"<@{decision.actor_id}>")
    text = _("Feedback on your idea {title}: {what}.", title=link, what=said)
    if decision.comment:
        text += f"\n{quote(decision.comment)}"
    blocks: list[Block] = sections(text)
    if decision.action == "needs_info":
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(text=_("Edit your idea"), action_id=EDIT_BUTTON, value=str(idea.id), style="primary")
                ]
            )
        )
    return Message(text=_("Feedback on your idea: {status}", status=status_label(decision.status_after)), blocks=blocks)


def merge_dm(idea: Idea, target: Found | None) -> Message:
    """To the author and supporters of an idea merged into other work: where it went."""
    where = f"*{escape_mrkdwn(shorten(target.title, 150))}*" if target else _("existing work")
    if target is not None and target.url:
        where = f"*<{target.url}|{escape_mrkdwn(shorten(target.title, 150))}>*"
    text = _(
        ":link: The idea {title} was merged into {target}, which covers the same ground. Join in there!",
        title=idea_link(idea),
        target=where,
    )
    return Message(text=_("An idea you follow was merged"), blocks=sections(text))


def comment_dm(comment: Comment, idea: Idea) -> Message:
    said = _("{person} commented on your idea {title}:", person=f"<@{comment.author_id}>", title=idea_link(idea))
    text = f"{said}\n{quote(shorten(comment.text, 1500))}"
    return Message(text=_("New comment on your idea"), blocks=sections(text))


def help_dm(offer: Support, idea: Idea) -> Message:
    text = _(
        ":raised_hands: {person} would like to help with your idea {title}.",
        person=f"<@{offer.user_id}>",
        title=idea_link(idea),
    )
    return Message(text=_("Someone would like to help with your idea"), blocks=sections(text))


def edit_dm(idea: Idea) -> Message:
    text = _(
        ":pencil2: The author updated {title} after a request for more information. It's back in review.",
        title=idea_link(idea),
    )
    return Message(text=_("An idea you review was updated"), blocks=sections(text))


def idea_link(idea: Idea) -> str:
    """The idea's title, linked to its post when it has one."""
    title = escape_mrkdwn(shorten(idea.title, 150))
    return f"*<{idea.permalink}|{title}>*" if idea.permalink else f"*{title}*"


def quote(text: str) -> str:
    """User text as an escaped mrkdwn quote."""
    return ">" + escape_mrkdwn(text).replace("\n", "\n>")


HOME_LIST = 10  # per section, so that the Home stays far below Slack's 100 blocks


def home_view(home: Home, now: datetime) -> View:
    """The App Home: my ideas, ideas waiting for my decision (oldest first), open challenges, figures."""
    blocks: list[Block] = [HeaderBlock(text="Innovation Bot")]
    blocks += [*help_message().blocks, DividerBlock()]
    blocks.append(SectionBlock(text=MarkdownTextObject(text=_("*My ideas*"))))
    mine = [
        f"• {idea_link(idea)} · {status_label(idea.status)}"
        + (
            f"\n   _{escape_mrkdwn(shorten(home.last_feedback[idea.id], 140))}_"
            if idea.id in home.last_feedback
            else ""
        )
        for idea in home.mine
    ]
    blocks += _listing(mine, _("You have no ideas yet: `/idea` starts one."), _("See all with `/ideas mine`."))
    if home.waiting_for_me:
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=_("*Waiting for my decision*")))]
        waiting = [
            f"• {idea_link(idea)} · {status_label(idea.status)} · "
            + waiting_for((now - idea.created_at).days)
            + _next_nudge(home, idea)
            for idea in home.waiting_for_me
        ]
        blocks += _listing(waiting, "", _("See the others in the ideas channel."))
    blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=_("*Open challenges*")))]
    challenges = [f"• {_challenge_link(challenge)} · {status_label(challenge.status)}" for challenge in home.challenges]
    blocks += _listing(
        challenges,
        _("No open challenges: `/challenge` publishes one."),
        _("See the others in the challenges channel."),
    )
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
    return View(type="home", blocks=blocks)


def days(count: int) -> str:
    return ngettext("{count} day", "{count} days", count)


def waiting_for(count: int) -> str:
    return ngettext("waiting {count} day", "waiting {count} days", count)


def _last(home: Home, idea: Idea) -> str:
    feedback = home.last_feedback.get(idea.id or 0)
    return f"\n   _{escape_mrkdwn(shorten(feedback, 140))}_" if feedback else ""


def _next_nudge(home: Home, idea: Idea) -> str:
    due = home.next_nudges.get(idea.id or 0)
    return (
        " · "
        + _(
            "next reminder {when}",
            when=f"<!date^{int(due.timestamp())}^{{date_short_pretty}} {{time}}|{due:%Y-%m-%d %H:%M} UTC>",
        )
        if due
        else ""
    )


def _listing(lines: list[str], empty: str, see_more: str) -> list[Block]:
    if not lines:
        return [SectionBlock(text=MarkdownTextObject(text=empty))] if empty else []
    shown = "\n".join(lines[:HOME_LIST])
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_for_blocks(shown, 3000)]
    if len(lines) > HOME_LIST:
        blocks.append(context(f"{and_more(len(lines) - HOME_LIST)} · {see_more}"))
    return blocks


def _challenge_link(challenge: Challenge) -> str:
    title = escape_mrkdwn(shorten(challenge.title, 150))
    return f"*<{challenge.permalink}|{title}>*" if challenge.permalink else f"*{title}*"


def nudge_dm(idea: Idea, number: int, waited_days: int) -> Message:
    """A reminder to a reviewer: the idea in two lines, how long it has waited, and the buttons to act."""
    summary = escape_mrkdwn(shorten(idea.problem.replace("\n", " "), 200))
    waited = ngettext(
        ":alarm_clock: {title} has waited *{count} day* for your feedback (reminder {number}).",
        ":alarm_clock: {title} has waited *{count} days* for your feedback (reminder {number}).",
        waited_days,
        title=idea_link(idea),
        number=number,
    )
    text = f"{waited}\n{summary}"
    buttons = [
        ButtonElement(text=_(BUTTONS[action]), action_id=ACTION_IDS[action], value=str(idea.id), style=style)
        for action, style in (("approve", "primary"), ("needs_info", None), ("decline", "danger"))
    ]
    buttons.append(ButtonElement(text=_("Snooze 2 days"), action_id=SNOOZE_BUTTON, value=str(idea.id)))
    fallback = ngettext(
        "Reminder: an idea waits for your feedback ({count} day)",
        "Reminder: an idea waits for your feedback ({count} days)",
        waited_days,
    )
    return Message(text=fallback, blocks=[*sections(text), ActionsBlock(elements=buttons)])


def escalation_message(idea: Idea, waited_days: int, silent: list[str]) -> Message:
    """To the innovation team: an idea nobody has answered despite the reminders."""
    who = ", ".join(f"<@{user}>" for user in silent) or _("its reviewers")
    waited = ngettext(
        ":rotating_light: {title} has waited *{count} day* without feedback.",
        ":rotating_light: {title} has waited *{count} days* without feedback.",
        waited_days,
        title=idea_link(idea),
    )
    text = f"{waited} " + _("Not answered after every reminder: {people}.", people=who)
    fallback = ngettext(
        "An idea has waited {count} day without feedback",
        "An idea has waited {count} days without feedback",
        waited_days,
    )
    return Message(text=fallback, blocks=sections(text))
