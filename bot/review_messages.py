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
from bot.matching.service import Found
from bot.messages import (
    KIND_LABELS,
    VALUE,
    Message,
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
    "approve": "Approve",
    "needs_info": "Needs more info",
    "decline": "Decline",
    "comment": "Comment",
    "start": "Start experiment",
    "complete": "Complete",
    "merge": "Merge as duplicate",
    "withdraw": "Withdraw",
    "support": "Support",
    "help": "I'd like to help",
}
ACTION_IDS = {action: f"idea_{action}" for action in BUTTONS}
FORM_TITLES = {
    "approve": "Approve idea",
    "needs_info": "Ask for more info",
    "decline": "Decline idea",
    "comment": "Comment",
    "start": "Start experiment",
    "complete": "Complete experiment",
    "merge": "Merge as duplicate",
    "withdraw": "Withdraw your idea",
}
PAST_TENSE = {
    "approve": "approved this idea",
    "needs_info": "asked for more information",
    "decline": "declined this idea",
    "comment": "commented",
    "start": "started the experiment",
    "complete": "completed the experiment",
    "withdraw": "withdrew this idea",
    "merge": "merged this idea into existing work",
}


def idea_post(idea: Idea, challenge: Challenge | None, similar: Sequence[Found] = (), supporters: int = 0) -> Message:
    """The idea as posted in the ideas channel, with its review state and buttons; an anonymous author is
    shown as "anonymous"."""
    author = "anonymous" if idea.anonymous else f"<@{idea.author_id}>"
    facts = [f"*Status:* {status_label(idea.status)}", f"*By:* {author}"]
    if idea.department:
        facts.append(f"*Team:* {escape_mrkdwn(idea.department)}")
    blocks: list[Block] = [HeaderBlock(text=idea.title), context("   ".join(facts))]
    review = review_facts(idea)
    if review:
        blocks.append(context(review))
    if challenge is not None:
        blocks.append(context(f":dart: Answers the challenge *{escape_mrkdwn(challenge.title)}*"))
    blocks += labelled("The problem", idea.problem)
    blocks += labelled("The idea", idea.proposal)
    blocks += lessons_blocks(idea)
    blocks += similar_for_reviewers(similar, declared_different(idea.similar_shown))
    blocks.append(idea_buttons(idea, supporters))
    return Message(text=f"Idea: {escape_mrkdwn(idea.title)} ({status_label(idea.status)})", blocks=blocks)


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
        ButtonElement(text=BUTTONS[a], action_id=ACTION_IDS[a], value=str(idea.id), style=styles.get(a))
        for a in actions
    ]
    if idea.status not in ("declined", "withdrawn", "merged"):
        elements.append(
            ButtonElement(
                text=f"Support ({supporters})" if supporters else "Support",
                action_id=ACTION_IDS["support"],
                value=str(idea.id),
            )
        )
        elements.append(ButtonElement(text=BUTTONS["help"], action_id=ACTION_IDS["help"], value=str(idea.id)))
    return ActionsBlock(block_id="idea_actions", elements=elements)


def review_facts(idea: Idea) -> str:
    """The line under the title: reviewers, who decided, the outcome."""
    parts = []
    reviewers = [user for user in idea.reviewers.split(",") if user]
    if reviewers:
        parts.append("*Reviewers:* " + ", ".join(f"<@{user}>" for user in reviewers))
    if idea.decided_by and idea.status not in ("submitted", "in_review"):
        parts.append(f"*{status_label(idea.status)}* by <@{idea.decided_by}>")
    if idea.outcome:
        parts.append(f"*Outcome:* {idea.outcome}")
    return "   ".join(parts)


def lessons_blocks(idea: Idea) -> list[Block]:
    if not idea.lessons_learned:
        return []
    text = f"*Lessons learned*\n{escape_mrkdwn(idea.lessons_learned)}"
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_for_blocks(text, 3000)]


def decision_modal(idea: Idea, action: str, candidates: Sequence[Found] = ()) -> View:
    """The form behind a decision button: a reason (required to decline or ask for more), an outcome,
    or (to merge) the similar work this idea duplicates."""
    required = action in ("needs_info", "decline", "comment", "complete")
    label = {
        "needs_info": "What do you need to know?",
        "decline": "Why is it declined?",
        "comment": "Your comment",
        "complete": "Lessons learned",
    }.get(action, "Comment (optional)")
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=f"*{escape_mrkdwn(shorten(idea.title, 200))}*")])
    ]
    if action == "complete":
        blocks.append(
            InputBlock(
                block_id="outcome",
                label="How did it end?",
                element=StaticSelectElement(
                    action_id=VALUE,
                    placeholder="Choose an outcome",
                    options=[Option(value=outcome, text=outcome.capitalize()) for outcome in OUTCOMES],
                ),
            )
        )
    if action == "merge":
        options = [
            Option(value=f"{item.kind}:{item.id}", text=shorten(f"{KIND_LABELS[item.kind]}: {item.title}", 75))
            for item in candidates[:10]
        ]
        blocks.append(
            InputBlock(
                block_id="target",
                label="Duplicate of",
                element=StaticSelectElement(action_id=VALUE, placeholder="Choose", options=options)
                if options
                else PlainTextInputElement(action_id=VALUE, placeholder="idea:12 or project:34"),
            )
        )
    blocks.append(
        InputBlock(
            block_id="comment",
            label=label,
            optional=not required,
            hint="Shared in the idea's thread and sent to its author."
            if action != "complete"
            else "Failures count too: what would you tell the next team?",
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=TEXT_MAX),
        )
    )
    return View(
        type="modal",
        callback_id=DECISION_MODAL,
        title=FORM_TITLES[action],
        submit="Send",
        close="Cancel",
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
        title="Edit your idea",
        submit="Save changes",
        close="Cancel",
        private_metadata=json.dumps({"idea_id": idea.id}),
        blocks=[block for block in form.blocks if block.type == "input" and block.block_id != "anonymous"],
    )


def decision_reply(decision: Decision) -> Message:
    """The reply in the idea's thread."""
    text = f"<@{decision.actor_id}> {PAST_TENSE[decision.action]}"
    if decision.comment:
        text += f":\n{quote(decision.comment)}"
    return Message(text=f"Idea {PAST_TENSE[decision.action]}", blocks=sections(text))


def decision_dm(decision: Decision, idea: Idea) -> Message:
    """The author's DM about a decision, with an Edit button when more information is asked for."""
    link = (
        f"<{idea.permalink}|{escape_mrkdwn(shorten(idea.title, 150))}>"
        if idea.permalink
        else (f"*{escape_mrkdwn(shorten(idea.title, 150))}*")
    )
    text = f"Feedback on your idea {link}: <@{decision.actor_id}> {PAST_TENSE[decision.action]}."
    if decision.comment:
        text += f"\n{quote(decision.comment)}"
    blocks: list[Block] = sections(text)
    if decision.action == "needs_info":
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(text="Edit your idea", action_id=EDIT_BUTTON, value=str(idea.id), style="primary")
                ]
            )
        )
    return Message(text=f"Feedback on your idea: {status_label(decision.status_after)}", blocks=blocks)


def merge_dm(idea: Idea, target: Found | None) -> Message:
    """To the author and supporters of an idea merged into other work: where it went."""
    where = f"*{escape_mrkdwn(shorten(target.title, 150))}*" if target else "existing work"
    if target is not None and target.url:
        where = f"*<{target.url}|{escape_mrkdwn(shorten(target.title, 150))}>*"
    text = f":link: The idea {idea_link(idea)} was merged into {where}, which covers the same ground. Join in there!"
    return Message(text="An idea you follow was merged", blocks=sections(text))


def comment_dm(comment: Comment, idea: Idea) -> Message:
    text = f"<@{comment.author_id}> commented on your idea {idea_link(idea)}:\n{quote(shorten(comment.text, 1500))}"
    return Message(text="New comment on your idea", blocks=sections(text))


def help_dm(offer: Support, idea: Idea) -> Message:
    text = f":raised_hands: <@{offer.user_id}> would like to help with your idea {idea_link(idea)}."
    return Message(text="Someone would like to help with your idea", blocks=sections(text))


def edit_dm(idea: Idea) -> Message:
    text = f":pencil2: The author updated {idea_link(idea)} after a request for more information. It's back in review."
    return Message(text="An idea you review was updated", blocks=sections(text))


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
    blocks.append(SectionBlock(text=MarkdownTextObject(text="*My ideas*")))
    mine = [
        f"• {idea_link(idea)} · {status_label(idea.status)}"
        + (
            f"\n   _{escape_mrkdwn(shorten(home.last_feedback[idea.id], 140))}_"
            if idea.id in home.last_feedback
            else ""
        )
        for idea in home.mine
    ]
    blocks += _listing(mine, "You have no ideas yet: `/idea` starts one.", "/ideas mine")
    if home.waiting_for_me:
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text="*Waiting for my decision*"))]
        waiting = [
            f"• {idea_link(idea)} · {status_label(idea.status)} · waiting {(now - idea.created_at).days} days"
            f"{_next_nudge(home, idea)}"
            for idea in home.waiting_for_me
        ]
        blocks += _listing(waiting, "", "the ideas channel")
    blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text="*Open challenges*"))]
    challenges = [f"• {_challenge_link(challenge)} · {status_label(challenge.status)}" for challenge in home.challenges]
    blocks += _listing(challenges, "No open challenges: `/challenge` publishes one.", "the challenges channel")
    if home.figures is not None:
        f = home.figures
        median = f"{f.median_days_to_first_feedback} days" if f.median_days_to_first_feedback is not None else "n/a"
        blocks += [
            DividerBlock(),
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*Pipeline* · submitted this month: *{f.submitted_this_month}* · waiting: *{f.waiting}* · "
                    f"decided this month: *{f.decided_this_month}* · median time to first feedback: *{median}*"
                )
            ),
        ]
    return View(type="home", blocks=blocks)


def _last(home: Home, idea: Idea) -> str:
    feedback = home.last_feedback.get(idea.id or 0)
    return f"\n   _{escape_mrkdwn(shorten(feedback, 140))}_" if feedback else ""


def _next_nudge(home: Home, idea: Idea) -> str:
    due = home.next_nudges.get(idea.id or 0)
    return (
        f" · next reminder <!date^{int(due.timestamp())}^{{date_short_pretty}} {{time}}|{due:%Y-%m-%d %H:%M} UTC>"
        if due
        else ""
    )


def _listing(lines: list[str], empty: str, more_where: str) -> list[Block]:
    if not lines:
        return [SectionBlock(text=MarkdownTextObject(text=empty))] if empty else []
    shown = "\n".join(lines[:HOME_LIST])
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_for_blocks(shown, 3000)]
    if len(lines) > HOME_LIST:
        blocks.append(context(f"…and {len(lines) - HOME_LIST} more: see {more_where}."))
    return blocks


def _challenge_link(challenge: Challenge) -> str:
    title = escape_mrkdwn(shorten(challenge.title, 150))
    return f"*<{challenge.permalink}|{title}>*" if challenge.permalink else f"*{title}*"


def nudge_dm(idea: Idea, number: int, waited_days: int) -> Message:
    """A reminder to a reviewer: the idea in two lines, how long it has waited, and the buttons to act."""
    summary = escape_mrkdwn(shorten(idea.problem.replace("\n", " "), 200))
    text = (
        f":alarm_clock: {idea_link(idea)} has waited *{waited_days} day{'s' if waited_days != 1 else ''}* "
        f"for your feedback (reminder {number}).\n{summary}"
    )
    buttons = [
        ButtonElement(text=BUTTONS[action], action_id=ACTION_IDS[action], value=str(idea.id), style=style)
        for action, style in (("approve", "primary"), ("needs_info", None), ("decline", "danger"))
    ]
    buttons.append(ButtonElement(text="Snooze 2 days", action_id=SNOOZE_BUTTON, value=str(idea.id)))
    return Message(
        text=f"Reminder: an idea waits for your feedback ({waited_days} days)",
        blocks=[*sections(text), ActionsBlock(elements=buttons)],
    )


def escalation_message(idea: Idea, waited_days: int, silent: list[str]) -> Message:
    """To the innovation team: an idea nobody has answered despite the reminders."""
    who = ", ".join(f"<@{user}>" for user in silent) or "its reviewers"
    text = (
        f":rotating_light: {idea_link(idea)} has waited *{waited_days} days* without feedback. "
        f"Not answered after every reminder: {who}."
    )
    return Message(text=f"An idea has waited {waited_days} days without feedback", blocks=sections(text))
