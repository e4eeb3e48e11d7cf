"""Direct messages: to an author (posted, feedback, merged, comments, help), an owner, a reviewer, the team."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from blocks.base import Message, context, format_date, link, mention, quote, sections
from blocks.ids import CHECKIN_BUTTON, DONT_NAME_ME, EDIT_BUTTON, NAME_ME, SNOOZE_BUTTON, idea_move
from blocks.posts import BUTTONS, merged_into, said
from bot.i18n import _, ngettext
from bot.labels import status_label
from bot.matching.service import Found
from bot.nudges import SNOOZE_DAYS
from bot.text import escaped
from storage.models import Comment, Decision, Experiment, Idea, Support, id_list


def confirmation(
    kind: str, title: str, permalink: str | None, subject_id: int | None = None, channel: str | None = None
) -> Message:
    """The DM that tells an author their submission is posted (an idea's with a Withdraw button); without a
    `permalink` yet (the channel is busy), that it is saved and will appear in `channel` shortly."""
    safe_title = escaped(title, 200)
    where_channel = f"<#{channel}>" if channel else _("the channel")
    if kind == "idea":
        if permalink is None:
            text = _(
                "Your idea *{title}* is saved. It will appear in {channel} in a moment; I'll add its link here.",
                title=safe_title,
                channel=where_channel,
            )
        else:
            where = link(_("see your idea in the channel"), permalink, bold=False)
            text = _("Your idea *{title}* is posted: {link}.", title=safe_title, link=where)
        follow_up = _("Reviewers will give feedback in its thread; I'll tell you here when they do.")
        fallback = (
            _("Your idea {title} is posted", title=safe_title)
            if permalink
            else _("Your idea {title} is saved", title=safe_title)
        )
    else:
        if permalink is None:
            text = _(
                "Your challenge *{title}* is saved. It will appear in {channel} in a moment; I'll add its link here.",
                title=safe_title,
                channel=where_channel,
            )
        else:
            where = link(_("see your challenge in the channel"), permalink, bold=False)
            text = _("Your challenge *{title}* is posted: {link}.", title=safe_title, link=where)
        follow_up = _("Colleagues can now propose solutions with the button under it.")
        fallback = (
            _("Your challenge {title} is posted", title=safe_title)
            if permalink
            else _("Your challenge {title} is saved", title=safe_title)
        )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text)), context(follow_up)]
    if kind == "idea" and subject_id is not None:
        withdraw = ButtonElement(text=_("Withdraw"), action_id=idea_move("withdraw"), value=str(subject_id))
        blocks.append(ActionsBlock(elements=[withdraw]))
    return Message(text=fallback, blocks=blocks)


def join_notice(
    joiner_id: str,
    item: Found,
    *,
    from_workspace: str | None = None,
    mentionable: bool = True,
    joiner_name: str | None = None,
) -> Message:
    """The DM to the owner of work that someone joined; `from_workspace` names the joiner's workspace when it
    is another one. Outside one organisation Slack cannot show a mention of the joiner (`mentionable`
    False): their name stands for it."""
    unnamed = escaped(joiner_name, 120) if joiner_name else _("A colleague")
    person = mention(joiner_id) if mentionable else unnamed
    values = {"person": person, "title": link(item.title, item.url)}
    if from_workspace:
        values["workspace"] = escaped(from_workspace, 120)
        if item.kind == "challenge":
            text = _(
                ":handshake: {person} from the workspace {workspace} wants to join your challenge {title} "
                "instead of starting something similar.",
                **values,
            )
        else:
            text = _(
                ":handshake: {person} from the workspace {workspace} wants to join your idea {title} "
                "instead of starting something similar.",
                **values,
            )
    elif item.kind == "challenge":
        text = _(
            ":handshake: {person} wants to join your challenge {title} instead of starting something similar. "
            "Say hello!",
            **values,
        )
    else:
        text = _(
            ":handshake: {person} wants to join your idea {title} instead of starting something similar. Say hello!",
            **values,
        )
    challenge = item.kind == "challenge"
    fallback = _("Someone wants to join your challenge") if challenge else _("Someone wants to join your idea")
    return Message(text=fallback, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def decision_dm(decision: Decision, idea: Idea) -> Message:
    """The author's DM about a decision, with an Edit button when more information is asked for."""
    title = link(idea.title, idea.permalink, bold=idea.permalink is None)
    text = _("Feedback on your idea {title}: {what}.", title=title, what=said(decision, idea))
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
    text = _(
        ":link: The idea {title} was merged into {target}, which covers the same ground. Join in there!",
        title=link(idea.title, idea.permalink),
        target=merged_into(target),
    )
    return Message(text=_("An idea you follow was merged"), blocks=sections(text))


def comment_dm(comment: Comment, idea: Idea) -> Message:
    said = _(
        "{person} commented on your idea {title}:",
        person=mention(comment.author_id),
        title=link(idea.title, idea.permalink),
    )
    text = f"{said}\n{quote(comment.text)}"
    return Message(text=_("New comment on your idea"), blocks=sections(text))


def help_dm(offer: Support, idea: Idea) -> Message:
    text = _(
        ":raised_hands: {person} would like to help with your idea {title}.",
        person=mention(offer.user_id),
        title=link(idea.title, idea.permalink),
    )
    return Message(text=_("Someone would like to help with your idea"), blocks=sections(text))


def edit_dm(idea: Idea) -> Message:
    text = _(
        ":pencil2: The author updated {title} after a request for more information. It's back in review.",
        title=link(idea.title, idea.permalink),
    )
    return Message(text=_("An idea you review was updated"), blocks=sections(text))


def naming_request(idea: Idea) -> Message:
    """To the author of a message someone turned into an idea: may the idea name you? (Never without a yes.)"""
    title = link(idea.title, idea.permalink)
    if idea.anonymous:
        text = _(
            ":speech_balloon: Someone turned {origin} of yours into the idea {title}.",
            title=title,
            origin=link(_("a message"), idea.source_link, bold=False),
        )
    else:
        text = _(
            ":speech_balloon: {person} turned {origin} of yours into the idea {title}.",
            person=mention(idea.author_id),
            title=title,
            origin=link(_("a message"), idea.source_link, bold=False),
        )
    question = _("Should the idea name you as the one who first wrote it? Nobody sees your name unless you say yes.")
    buttons = ActionsBlock(
        elements=[
            ButtonElement(text=_("Name me"), action_id=NAME_ME, value=str(idea.id), style="primary"),
            ButtonElement(text=_("Don't name me"), action_id=DONT_NAME_ME, value=str(idea.id)),
        ]
    )
    return Message(text=_("Your message became an idea"), blocks=[*sections(text + "\n" + question), buttons])


def checkin_dm(idea: Idea, experiment: Experiment) -> Message:
    """To the experiment's team, midway and near the end: how is it going? (A button opens a short form.)"""
    text = _(
        ":test_tube: How is the experiment {title} going? It ends on {end}. Tell the others in a minute: "
        "on track, at risk or stopped, the measure so far, and one thing you learned. Failures teach too.",
        title=link(idea.title, idea.permalink),
        end=format_date(experiment.ends_on),
    )
    button = ButtonElement(text=_("Check in"), action_id=CHECKIN_BUTTON, value=str(idea.id), style="primary")
    return Message(text=_("How is your experiment going?"), blocks=[*sections(text), ActionsBlock(elements=[button])])


def experiment_overdue(idea: Idea, experiment: Experiment) -> Message:
    """To the escalation channel or the innovation team: an experiment ended and nobody reported on it."""
    people = id_list(experiment.team) or [experiment.planned_by]
    text = _(
        ":hourglass: The experiment {title} ended on {end} and nobody has reported on it yet. Its team: "
        "{people}. Whatever the result, failures included, the next team learns from it: press *Complete* on "
        "its post.",
        title=link(idea.title, idea.permalink),
        end=format_date(experiment.ends_on),
        people=", ".join(mention(person) for person in people),
    )
    return Message(text=_("An experiment ended with no report"), blocks=sections(text))


def nudge_dm(idea: Idea, number: int, waited_days: int) -> Message:
    """A reminder to a reviewer: the idea in two lines, how long it has waited, and the buttons to act."""
    summary = escaped(idea.problem.replace("\n", " "), 200)
    waited = ngettext(
        ":alarm_clock: {title} has waited *{count} day* for your feedback (reminder {number}).",
        ":alarm_clock: {title} has waited *{count} days* for your feedback (reminder {number}).",
        waited_days,
        title=link(idea.title, idea.permalink),
        number=number,
    )
    text = f"{waited}\n{summary}"
    buttons = [
        ButtonElement(text=_(BUTTONS[action]), action_id=idea_move(action), value=str(idea.id), style=style)
        for action, style in (("approve", "primary"), ("needs_info", None), ("decline", "danger"))
    ]
    snooze = ngettext("Snooze {count} day", "Snooze {count} days", SNOOZE_DAYS)
    buttons.append(ButtonElement(text=snooze, action_id=SNOOZE_BUTTON, value=str(idea.id)))
    fallback = ngettext(
        "Reminder: an idea waits for your feedback ({count} day)",
        "Reminder: an idea waits for your feedback ({count} days)",
        waited_days,
    )
    return Message(text=fallback, blocks=[*sections(text), ActionsBlock(elements=buttons)])


def escalation_message(idea: Idea, waited_days: int, silent: list[str]) -> Message:
    """To the innovation team: an idea nobody has answered despite the reminders."""
    who = ", ".join(mention(user) for user in silent) or _("its reviewers")
    waited = ngettext(
        ":rotating_light: {title} has waited *{count} day* without feedback.",
        ":rotating_light: {title} has waited *{count} days* without feedback.",
        waited_days,
        title=link(idea.title, idea.permalink),
    )
    text = f"{waited} " + _("Not answered after every reminder: {people}.", people=who)
    fallback = ngettext(
        "An idea has waited {count} day without feedback",
        "An idea has waited {count} days without feedback",
        waited_days,
    )
    return Message(text=fallback, blocks=sections(text))
