"""The Right to Challenge in Slack: the request form, the rule owners' decision forms, and every DM a waiver
sends (to its owners, to its team, before and at its end)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from blocks.base import (
    VIEW_BLOCKS_MAX,
    Message,
    context,
    fitted,
    format_date,
    labelled,
    link,
    mention,
    quote,
    sections,
)
from blocks.ids import VALUE, WAIVER_ANSWER, WAIVER_ANSWER_MODAL, WAIVER_DECISION_MODAL, WAIVER_MODAL, waiver_move
from bot.i18n import N_, _, ngettext
from bot.submissions import TEXT_MAX
from bot.text import escaped, shorten
from bot.waivers import RULE_MAX, STATUS_LABELS, team_of
from storage.models import Idea, Waiver, WaiverDecision

MOVE_LABELS = {
    "grant": N_("Grant"),
    "refuse": N_("Refuse"),
    "ask": N_("Ask for more"),
    "extend": N_("Extend"),
    "permanent": N_("Make it permanent"),
    "restore": N_("Restore the rule"),
}


def request_modal(rule: str, ideas: Sequence[Idea], max_days: int) -> View:
    """/challenge-rule: which rule, why it blocks, for how long, what safeguards, for which idea, and who."""
    # plain text (Slack shows it as typed): cut, not escaped
    options = [Option(value=str(idea.id), text=shorten(idea.title, 75) or "…") for idea in ideas[:100]]
    blocks: list[Block] = [
        context(
            _(
                "Ask for a rule, procedure or regulation to be set aside for a while, to test a new way of "
                "working. Its owners grant it (with conditions and an end date), refuse it (saying why) or ask "
                "for more."
            )
        ),
        InputBlock(
            block_id="rule",
            label=_("Which rule?"),
            element=PlainTextInputElement(action_id=VALUE, max_length=RULE_MAX, initial_value=rule[:RULE_MAX] or None),
        ),
        InputBlock(
            block_id="why",
            label=_("How does it block the idea?"),
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=TEXT_MAX),
        ),
        InputBlock(
            block_id="days",
            label=_("For how many days?"),
            hint=_("At most {most} days.", most=max_days),
            element=PlainTextInputElement(action_id=VALUE, max_length=4),
        ),
        InputBlock(
            block_id="safeguards",
            label=_("What protects people meanwhile?"),
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=TEXT_MAX),
        ),
        InputBlock(
            block_id="team",
            label=_("Who runs the test?"),
            optional=True,
            hint=_("Empty: you. They hear the decision and the reminders."),
            element=UserMultiSelectElement(action_id=VALUE),
        ),
    ]
    if options:
        blocks.append(
            InputBlock(
                block_id="idea",
                label=_("The idea or experiment it serves"),
                optional=True,
                element=StaticSelectElement(action_id=VALUE, placeholder=_("Choose"), options=options),
            )
        )
    return View(
        type="modal",
        callback_id=WAIVER_MODAL,
        title=_("Challenge a rule"),
        submit=_("Send"),
        close=_("Cancel"),
        blocks=fitted(blocks, VIEW_BLOCKS_MAX),
    )


def decision_modal(waiver: Waiver, move: str, today: date, max_days: int) -> View:
    """A rule owner's form: conditions and a last day to grant or extend; a reason to refuse; a question."""
    blocks: list[Block] = [context(f"*{escaped(waiver.rule, 200)}*")]
    if move in ("grant", "extend"):
        suggested = min(today + timedelta(days=waiver.days), today + timedelta(days=max_days))
        if move == "extend" and waiver.ends_on is not None:
            suggested = min(waiver.ends_on + timedelta(days=waiver.days), today + timedelta(days=max_days))
        blocks.append(
            InputBlock(
                block_id="ends_on",
                label=_("Last day of the waiver"),
                element=DatePickerElement(action_id=VALUE, initial_date=suggested.isoformat()),
            )
        )
    label = {
        "grant": _("Conditions"),
        "extend": _("Conditions"),
        "refuse": _("Why is it refused?"),
        "ask": _("What do you need to know?"),
    }.get(move, _("Comment"))
    blocks.append(
        InputBlock(
            block_id="comment",
            label=label,
            optional=move not in ("refuse", "ask"),
            hint=_("Sent to the team that asked."),
            element=PlainTextInputElement(
                action_id=VALUE,
                multiline=True,
                max_length=TEXT_MAX,
                initial_value=(waiver.conditions or None) if move == "extend" else None,
            ),
        )
    )
    return View(
        type="modal",
        callback_id=WAIVER_DECISION_MODAL,
        title=_(MOVE_LABELS[move]),
        submit=_("Send"),
        close=_("Cancel"),
        private_metadata=json.dumps({"waiver_id": waiver.id, "move": move}),
        blocks=fitted(blocks, VIEW_BLOCKS_MAX),
    )


def answer_modal(waiver: Waiver, question: str) -> View:
    blocks: list[Block] = [
        context(f"*{escaped(waiver.rule, 200)}*"),
        *sections(_("The question:") + "\n" + quote(question)),
        InputBlock(
            block_id="comment",
            label=_("Your answer"),
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=TEXT_MAX),
        ),
    ]
    return View(
        type="modal",
        callback_id=WAIVER_ANSWER_MODAL,
        title=_("Answer"),
        submit=_("Send"),
        close=_("Cancel"),
        private_metadata=json.dumps({"waiver_id": waiver.id}),
        blocks=fitted(blocks, VIEW_BLOCKS_MAX),
    )


def details(waiver: Waiver, idea: Idea | None) -> list[Block]:
    """What was asked, for the owners: the rule, why, how long, the safeguards, the idea and the team."""
    lines = [
        _("*Asked by* {person}", person=mention(waiver.requested_by)),
        _("*Team:* {people}", people=", ".join(mention(person) for person in team_of(waiver))),
        ngettext("*For:* {count} day", "*For:* {count} days", waiver.days),
    ]
    if idea is not None:
        lines.append(_("*Idea:* {title}", title=link(idea.title, idea.permalink, bold=False)))
    return [
        *labelled(_("Rule"), waiver.rule),
        *labelled(_("How it blocks the idea"), waiver.why),
        *labelled(_("Safeguards"), waiver.safeguards),
        context("\n".join(lines)),
    ]


def request_dm(waiver: Waiver, step: WaiverDecision, idea: Idea | None) -> Message:
    """To each rule owner: a request (or the team's answer to their question), with the three moves."""
    if step.action == "answer":
        intro = _(
            ":speech_balloon: {person} answered your question about setting a rule aside:",
            person=mention(step.actor_id),
        )
        intro += "\n" + quote(step.comment)
    else:
        intro = _(":scales: {person} asks for a rule to be set aside for a test.", person=mention(waiver.requested_by))
    buttons = [
        ButtonElement(text=_(MOVE_LABELS[move]), action_id=waiver_move(move), value=str(waiver.id), style=style)
        for move, style in (("grant", "primary"), ("refuse", "danger"), ("ask", None))
    ]
    return Message(
        text=_("A request to set a rule aside: {rule}", rule=escaped(waiver.rule, 150)),
        blocks=[*sections(intro), *details(waiver, idea), ActionsBlock(elements=buttons)],
    )


def received_dm(waiver: Waiver, owners: int) -> Message:
    text = ngettext(
        ":inbox_tray: Your request to set aside *{rule}* was sent to its {count} owner. You will hear here.",
        ":inbox_tray: Your request to set aside *{rule}* was sent to its {count} owners. You will hear here.",
        owners,
        rule=escaped(waiver.rule, 200),
    )
    return Message(text=_("Your request was sent"), blocks=sections(text))


def decided_dm(waiver: Waiver, step: WaiverDecision) -> Message:
    """To the team: what a rule owner decided, with their words."""
    rule, who = escaped(waiver.rule, 200), mention(step.actor_id)
    if step.action in ("grant", "extend"):
        text = _(
            ":white_check_mark: {person} set *{rule}* aside for your test until {end}.",
            person=who,
            rule=rule,
            end=format_date(step.ends_on) if step.ends_on else "?",
        )
        if step.comment:
            text += "\n" + _("*Conditions:*") + "\n" + quote(step.comment)
    elif step.action == "refuse":
        text = _(":no_entry: {person} refused to set *{rule}* aside. Their reason:", person=who, rule=rule)
        text += "\n" + quote(step.comment)
    elif step.action == "ask":
        text = _(":question: {person} needs more before deciding on *{rule}*:", person=who, rule=rule)
        text += "\n" + quote(step.comment)
        button = ButtonElement(text=_("Answer"), action_id=WAIVER_ANSWER, value=str(waiver.id), style="primary")
        return Message(
            text=_("A question about your request"), blocks=[*sections(text), ActionsBlock(elements=[button])]
        )
    elif step.action == "permanent":
        text = _(
            ":tada: {person} made the change to *{rule}* permanent: your test changed the rule.", person=who, rule=rule
        )
    else:
        text = _(":leftwards_arrow_with_hook: {person} restored *{rule}*: the waiver is over.", person=who, rule=rule)
    return Message(text=_("News about your rule waiver"), blocks=sections(text))


def expiring_dm(waiver: Waiver) -> Message:
    text = _(
        ":hourglass_flowing_sand: The waiver of *{rule}* ends on {end}. Its owner will then make the change "
        "permanent, extend the waiver or restore the rule: tell them how the test went.",
        rule=escaped(waiver.rule, 200),
        end=format_date(waiver.ends_on) if waiver.ends_on else "?",
    )
    return Message(text=_("A rule waiver ends soon"), blocks=sections(text))


def expired_dm(waiver: Waiver, for_owner: bool) -> Message:
    """At its end: the owner chooses (permanent, extend, restore); the team is told it is being decided."""
    text = _(
        ":alarm_clock: The waiver of *{rule}* ended on {end} (team: {people}).",
        rule=escaped(waiver.rule, 200),
        end=format_date(waiver.ends_on) if waiver.ends_on else "?",
        people=", ".join(mention(person) for person in team_of(waiver)),
    )
    if not for_owner:
        return Message(
            text=_("A rule waiver has ended"), blocks=sections(text + "\n" + _("Its owner decides what happens next."))
        )
    text += "\n" + _("Make the change permanent, extend the waiver, or restore the rule?")
    buttons = [
        ButtonElement(text=_(MOVE_LABELS[move]), action_id=waiver_move(move), value=str(waiver.id), style=style)
        for move, style in (("permanent", "primary"), ("extend", None), ("restore", None))
    ]
    return Message(text=_("A rule waiver has ended"), blocks=[*sections(text), ActionsBlock(elements=buttons)])


def status_label(waiver: Waiver) -> str:
    return _(STATUS_LABELS.get(waiver.status, waiver.status))
