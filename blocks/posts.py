"""Channel posts and their threads: an idea with its review state and buttons, a challenge, a decision's reply."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from blocks.base import (
    LIST_MAX,
    Message,
    and_more,
    context,
    format_date,
    labelled,
    link,
    mention,
    posted_link,
    quote,
    sections,
)
from blocks.ids import (
    CHALLENGE_ACTIONS_BLOCK,
    HELP_BUTTON,
    IDEA_ACTIONS_BLOCK,
    PROPOSE_SOLUTION,
    SUPPORT_BUTTON,
    challenge_move,
    idea_move,
)
from blocks.similar import declared_different, similar_for_reviewers
from bot.challenges import moves_from, takes_ideas
from bot.experiments import CHECKIN_LABELS, SCALE_LABELS
from bot.i18n import N_, _, format_number
from bot.labels import status_label
from bot.matching.service import Found
from bot.reviews import reviewer_ids, reviewer_moves, takes_support
from bot.text import escape_mrkdwn, split_for_blocks
from storage.models import Challenge, Decision, Experiment, ExperimentCheckin, Idea, id_list

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
STYLES = {"approve": "primary", "decline": "danger", "start": "primary", "complete": "primary"}


DECIDED_BY = {  # who brought an idea to its status, on its post ("Experiment running by" read wrong)
    "needs_info": N_("*More information asked for* by {person}"),
    "approved": N_("*Approved* by {person}"),
    "experiment_running": N_("*Experiment started* by {person}"),
    "completed": N_("*Completed* by {person}"),
    "declined": N_("*Declined* by {person}"),
    "withdrawn": N_("*Withdrawn* by {person}"),
    "merged": N_("*Merged* by {person}"),
}
THREAD_REPLIES = {  # {person} did it
    "approve": N_("{person} approved this idea"),
    "needs_info": N_("{person} asked for more information"),
    "decline": N_("{person} declined this idea"),
    "comment": N_("{person} commented"),
    "start": N_("{person} started the experiment"),
    "complete": N_("{person} completed the experiment"),
    "withdraw": N_("{person} withdrew this idea"),
    "merge": N_("{person} merged this idea into {target}"),
}


def actor(user_id: str, idea: Idea | None, *, starts_sentence: bool = True) -> str:
    """Someone who acted on `idea`, as a message names them: a mention, or "the author" for the idea's
    anonymous author, who is never named whatever they press."""
    if idea is not None and idea.anonymous and user_id == idea.author_id:
        return _("The author") if starts_sentence else _("the author")
    return mention(user_id)


def said(decision: Decision, idea: Idea | None, target: Found | None = None) -> str:
    """What was done ("<@U1> approved this idea"), naming nobody who is anonymous; a merge names the work
    the idea went into (`target`), linked, or says "existing work" when it is gone."""
    return _(THREAD_REPLIES[decision.action], person=actor(decision.actor_id, idea), target=merged_into(target))


def merged_into(target: Found | None) -> str:
    return link(target.title, target.url) if target is not None else _("existing work")


def idea_post(
    idea: Idea,
    challenge: Challenge | None,
    similar: Sequence[Found] = (),
    supporters: int = 0,
    experiment: Experiment | None = None,
) -> Message:
    """The idea as posted in the ideas channel, with its review state and buttons; an anonymous author is
    shown as "anonymous"."""
    author = _("anonymous") if idea.anonymous else mention(idea.author_id)
    facts = [_("*Status:* {status}", status=status_label(idea.status)), _("*By:* {person}", person=author)]
    if idea.department:
        facts.append(_("*Team:* {team}", team=escape_mrkdwn(idea.department)))
    blocks: list[Block] = [HeaderBlock(text=idea.title), context("   ".join(facts))]
    review = review_facts(idea)
    if review:
        blocks.append(context(review))
    if challenge is not None:
        blocks.append(context(_(":dart: Answers the challenge *{title}*", title=escape_mrkdwn(challenge.title))))
    if idea.source_link:
        blocks.append(context(source_line(idea)))
    blocks += labelled(_("The problem"), idea.problem)
    blocks += labelled(_("The idea"), idea.proposal)
    blocks += experiment_blocks(experiment)
    blocks += lessons_blocks(idea)
    blocks += similar_for_reviewers(similar, declared_different(idea.similar_shown))
    blocks.append(idea_buttons(idea, supporters))
    fallback = _("Idea: {title} ({status})", title=escape_mrkdwn(idea.title), status=status_label(idea.status))
    return Message(text=fallback, blocks=blocks)


def source_line(idea: Idea) -> str:
    """Where an idea made from a Slack message came from; its author is named only once they agreed."""
    message = link(_("a message"), idea.source_link, bold=False)
    if idea.source_author_id and idea.source_author_named:
        return _(":speech_balloon: From {origin} by {person}", origin=message, person=mention(idea.source_author_id))
    return _(":speech_balloon: From {origin}", origin=message)


def idea_buttons(idea: Idea, supporters: int) -> ActionsBlock:
    """The buttons under an idea's post: one for each move a reviewer can make now (`bot.reviews.MOVES`),
    then Support and "I'd like to help" while the idea takes them."""
    elements = [
        ButtonElement(text=_(BUTTONS[move]), action_id=idea_move(move), value=str(idea.id), style=STYLES.get(move))
        for move in reviewer_moves(idea.status)
    ]
    if takes_support(idea.status):
        support = f"{_(BUTTONS['support'])} ({format_number(supporters)})" if supporters else _(BUTTONS["support"])
        elements.append(ButtonElement(text=support, action_id=SUPPORT_BUTTON, value=str(idea.id)))
        elements.append(ButtonElement(text=_(BUTTONS["help"]), action_id=HELP_BUTTON, value=str(idea.id)))
    return ActionsBlock(block_id=IDEA_ACTIONS_BLOCK, elements=elements)


def review_facts(idea: Idea) -> str:
    """The line under the title: reviewers, who decided, the outcome."""
    parts = []
    reviewers = reviewer_ids(idea)
    if reviewers:
        parts.append(_("*Reviewers:* {people}", people=", ".join(mention(user) for user in reviewers)))
    if idea.decided_by and idea.status in DECIDED_BY:
        person = actor(idea.decided_by, idea, starts_sentence=False)
        parts.append(_(DECIDED_BY[idea.status], person=person))
    if idea.outcome:
        parts.append(_("*Outcome:* {outcome}", outcome=status_label(idea.outcome)))
    return "   ".join(parts)


def experiment_blocks(experiment: Experiment | None) -> list[Block]:
    """The experiment's plan: what is tested, how we will know, by when, by whom."""
    if experiment is None:
        return []
    heading = _(
        "*:test_tube: Experiment* · {start} – {end}",
        start=format_date(experiment.starts_on),
        end=format_date(experiment.ends_on),
    )
    measure = _(
        "*Measure:* {measure}: {baseline} → {target}",
        measure=escape_mrkdwn(experiment.measure),
        baseline=escape_mrkdwn(experiment.baseline) if experiment.baseline else "?",
        target=escape_mrkdwn(experiment.target),
    )
    lines = [heading, escape_mrkdwn(experiment.hypothesis), measure]
    team = id_list(experiment.team)
    if team:
        lines.append(_("*Experiment team:* {people}", people=", ".join(mention(person) for person in team)))
    if experiment.stop_when:
        lines.append(_("*Stops early if:* {reason}", reason=escape_mrkdwn(experiment.stop_when)))
    if experiment.cost:
        lines.append(_("*Cost:* {cost}", cost=escape_mrkdwn(experiment.cost)))
    if experiment.final_value:
        lines.append(_("*Reached:* {value}", value=escape_mrkdwn(experiment.final_value)))
    if experiment.next_time:
        lines.append(_("*Next time:* {advice}", advice=escape_mrkdwn(experiment.next_time)))
    if experiment.scale:
        lines.append(_("*Do it more widely?* {answer}", answer=_(SCALE_LABELS.get(experiment.scale, experiment.scale))))
    return sections("\n".join(lines))


def checkin_reply(checkin: ExperimentCheckin, experiment: Experiment | None) -> Message:
    """A check-in, as a reply in the idea's thread."""
    state = _(CHECKIN_LABELS.get(checkin.state, checkin.state))
    lines = [_(":test_tube: *Check-in* by {person}: {state}", person=mention(checkin.user_id), state=state)]
    if checkin.value_so_far:
        what = escape_mrkdwn(experiment.measure) if experiment is not None else _("The measure")
        lines.append(_("{measure} so far: {value}", measure=what, value=escape_mrkdwn(checkin.value_so_far)))
    if checkin.learned:
        lines.append(_("Learned: {lesson}", lesson=escape_mrkdwn(checkin.learned)))
    text = "\n".join(lines)
    return Message(text=_("Check-in: {state}", state=state), blocks=sections(text))


def lessons_blocks(idea: Idea) -> list[Block]:
    if not idea.lessons_learned:
        return []
    text = _("*Lessons learned*") + f"\n{escape_mrkdwn(idea.lessons_learned)}"
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_for_blocks(text, 3000)]


CHALLENGE_BUTTONS = {"testing": N_("Testing solutions"), "solved": N_("Solved"), "closed": N_("Close")}


def challenge_post(challenge: Challenge, similar: Sequence[Found] = (), ideas: Sequence[Idea] = ()) -> Message:
    """The challenge as posted in the challenges channel, with a button to answer it."""
    facts = [
        _("*Status:* {status}", status=status_label(challenge.status)),
        _("*Posted by:* {person}", person=mention(challenge.author_id)),
    ]
    if challenge.deadline is not None:
        facts.append(_("*Ideas until:* {date}", date=format_date(challenge.deadline)))
    blocks: list[Block] = [HeaderBlock(text=challenge.title), context("   ".join(facts))]
    blocks += labelled(_("The problem"), challenge.problem)
    blocks += labelled(_("A good solution would"), challenge.desired_outcome)
    blocks += similar_for_reviewers(similar, declared_different(challenge.similar_shown))
    if ideas:
        lines = [
            f"• {posted_link(idea.title, idea.permalink)} · {status_label(idea.status)}" for idea in ideas[:LIST_MAX]
        ]
        if len(ideas) > LIST_MAX:
            lines.append(and_more(len(ideas) - LIST_MAX))
        blocks += sections(_("*Ideas proposed ({count})*", count=len(ideas)) + "\n" + "\n".join(lines))
    buttons = [
        ButtonElement(text=_(CHALLENGE_BUTTONS[status]), action_id=challenge_move(status), value=str(challenge.id))
        for status in moves_from(challenge.status)
    ]
    if takes_ideas(challenge.status):
        propose = _("Propose a solution")
        buttons.insert(
            0, ButtonElement(text=propose, action_id=PROPOSE_SOLUTION, value=str(challenge.id), style="primary")
        )
    if buttons:
        blocks.append(ActionsBlock(block_id=CHALLENGE_ACTIONS_BLOCK, elements=buttons))
    return Message(text=_("New challenge: {title}", title=escape_mrkdwn(challenge.title)), blocks=blocks)


def decision_reply(decision: Decision, idea: Idea, target: Found | None = None) -> Message:
    """The reply in the idea's thread (`target`: the work a merged idea went into)."""
    text = said(decision, idea, target)
    by_author = decision.actor_id == idea.author_id
    person = _("The author") if by_author else _("A reviewer")
    fallback = _(THREAD_REPLIES[decision.action], person=person, target=merged_into(target))
    if decision.comment:
        text += f":\n{quote(decision.comment)}"
    if decision.action == "complete" and idea.outcome in ("failure", "inconclusive"):
        text += "\n" + _(
            ":pray: Thank you for sharing how it went. A failure written down is one the next team does not repeat."
        )
    return Message(text=fallback, blocks=sections(text))
