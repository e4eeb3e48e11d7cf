"""A workspace's Settings form (from the App Home, for its innovation team or admins), and what it says."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ConversationFilter,
    ConversationMultiSelectElement,
    ConversationSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from blocks.base import VIEW_BLOCKS_MAX, Message, context, fitted, mention, sections
from blocks.ids import LANGUAGE_BLOCK, NEW_TEAM, NEW_TEAM_REVIEWERS, SETTINGS_MODAL, TEAM_BLOCK, VALUE
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, day_name, format_datetime, ngettext
from bot.reviewers import TEAM_REVIEWERS, Mapping
from bot.text import escape_mrkdwn
from bot.workspaces import WorkspaceSettings
from storage.models import SettingChange

SETTING_LABELS = {
    "ideas_channel": N_("Ideas channel"),
    "challenges_channel": N_("Challenges channel"),
    "escalation_channel": N_("Escalation channel"),
    "digest_channels": N_("Weekly digest channels"),
    "innovation_team": N_("Innovation team"),
    "reviewers": N_("Default reviewers"),
    "share_with_others": N_("Sharing with other workspaces"),
    "working_days": N_("Working days"),
    "working_hours": N_("Working hours"),
    "holidays": N_("Public holidays"),
    "nudge_after": N_("First reminder after"),
    "nudge_repeat": N_("Then a reminder every"),
    "digest_day": N_("Weekly digest day"),
    "digest_time": N_("Weekly digest time"),
    "channel_languages": N_("Channel languages"),
}
WORKING_START, WORKING_END = "working_hours_start", "working_hours_end"
REMINDER_CHOICES = ("4h", "1d", "2d", "3d", "5d", "10d")
_CHANNELS = ConversationFilter(include=["public", "private"], exclude_bot_users=True)


def settings_modal(
    current: WorkspaceSettings,
    changes: Sequence[SettingChange],
    reader: ZoneInfo,
    today: date,
    teams: Sequence[Mapping] = (),
) -> View:
    """Channels and people, picked with Slack's own selects, reviewers per team (the workspace's own, editable;
    the deployment's, named), and the latest changes (who, what, when)."""
    blocks: list[Block] = [
        _channel("ideas_channel", current.ideas_channel, optional=False),
        _channel(
            "challenges_channel", current.challenges_channel, hint=_("Empty: challenges go to the ideas channel.")
        ),
        _channel(
            "escalation_channel",
            current.escalation_channel,
            hint=_("Ideas nobody answered are raised here; empty: the innovation team hears of them."),
        ),
        InputBlock(
            block_id="digest_channels",
            label=_(SETTING_LABELS["digest_channels"]),
            optional=True,
            element=ConversationMultiSelectElement(
                action_id=VALUE, initial_conversations=list(current.digest_channels) or None, filter=_CHANNELS
            ),
        ),
        _people("innovation_team", current.innovation_team, _("They see Settings and may decide on every idea.")),
        _people(
            "reviewers", current.reviewers, _("Asked for feedback on ideas whose team has no reviewers of its own.")
        ),
        *_team_reviewers(teams),
        *_working_time(current, today),
        *_reminders_and_digest(current),
        *_channel_languages(current),
        InputBlock(
            block_id="share_with_others",
            label=_(SETTING_LABELS["share_with_others"]),
            optional=True,
            hint=_(
                "Similar ideas and challenges from those workspaces are then shown here, and ours there: titles, "
                "status and links, never who wrote them. Workspaces of one Enterprise Grid organisation always "
                "see each other's."
            ),
            element=CheckboxesElement(
                action_id=VALUE,
                options=[_share_option()],
                initial_options=[_share_option()] if current.share_with_others else None,
            ),
        ),
    ]
    if changes:
        lines = [change_line(change, reader) for change in list(changes)[-5:]]
        blocks.append(context(_("*Latest changes*") + "\n" + "\n".join(lines)))
    return View(
        type="modal",
        callback_id=SETTINGS_MODAL,
        title=_("Settings"),
        submit=_("Save"),
        close=_("Cancel"),
        blocks=fitted(blocks, VIEW_BLOCKS_MAX),
    )


def setting_label(name: str) -> str:
    """A changed setting's name as people read it (mrkdwn: a team's name is escaped)."""
    if name.startswith(TEAM_REVIEWERS):
        return _("Reviewers of {team}", team=escape_mrkdwn(name.removeprefix(TEAM_REVIEWERS)))
    return _(SETTING_LABELS.get(name, name))


def change_line(change: SettingChange, reader: ZoneInfo) -> str:
    """ "Ideas channel changed by @x, Mon 7 Dec, 09:00 (Europe/Brussels)"."""
    return _(
        "{setting} changed by {person}, {when}",
        setting=setting_label(change.name),
        person=mention(change.user_id),
        when=format_datetime(change.changed_at, reader),
    )


def saved_message(changed: Sequence[str], missing: Sequence[str]) -> Message:
    """What the person who saved Settings is told: what changed, and which channels still need the bot."""
    if changed:
        names = ", ".join(setting_label(name) for name in changed)
        text = _(":white_check_mark: Settings saved: {names}.", names=names)
    else:
        text = _("Nothing changed in Settings.")
    if missing:
        where = ", ".join(f"<#{channel}>" for channel in missing)
        text += "\n" + _(
            ":warning: I am not in {channels} yet: type `/invite @Innovation Bot` there, or I cannot post.",
            channels=where,
        )
    return Message(text=text, blocks=sections(text))


def result_view(message: Message) -> View:
    """The Settings form once saved, or refused: what happened, in place of the form."""
    return View(type="modal", callback_id=SETTINGS_MODAL, title=_("Settings"), close=_("Close"), blocks=message.blocks)


def refused_message() -> Message:
    text = _("Only the innovation team (or, while it has nobody, a workspace admin) can change Settings.")
    return Message(text=text, blocks=sections(text))


def _team_reviewers(teams: Sequence[Mapping]) -> list[Block]:
    """One people picker per team the workspace mapped (emptied: unmapped), one to map another team, and the
    deployment's mappings, which apply where the workspace has none of its own."""
    own = [team for team in teams if not team.everywhere]
    blocks: list[Block] = [
        InputBlock(
            block_id=TEAM_BLOCK + team.team,
            label=_("Reviewers of {team}", team=team.team),
            optional=True,
            hint=_("Empty: this team's ideas go to the default reviewers."),
            element=UserMultiSelectElement(action_id=VALUE, initial_users=list(team.reviewers) or None),
        )
        for team in own
    ]
    blocks += [
        InputBlock(
            block_id=NEW_TEAM,
            label=_("Another team or department"),
            optional=True,
            hint=_("As people write it in the idea form's team field; its ideas then go to the reviewers below."),
            element=PlainTextInputElement(action_id=VALUE, max_length=100),
        ),
        InputBlock(
            block_id=NEW_TEAM_REVIEWERS,
            label=_("That team's reviewers"),
            optional=True,
            element=UserMultiSelectElement(action_id=VALUE),
        ),
    ]
    shared = [team for team in teams if team.everywhere]
    if shared:
        names = ", ".join(f"*{escape_mrkdwn(team.team)}*" for team in shared)
        blocks.append(context(_("Set for every workspace from the terminal (yours come first): {teams}", teams=names)))
    return blocks


def _working_time(current: WorkspaceSettings, today: date) -> list[Block]:
    """The days and hours reminders count (each reviewer's own time zone), and the days that do not count."""
    days = [Option(value=str(day), text=day_name(day)) for day in range(7)]
    start, _sep, end = current.working_hours.partition("-")
    this_year = today.replace(month=1, day=1).isoformat()  # past years' holidays no longer count
    return [
        InputBlock(
            block_id="working_days",
            label=_(SETTING_LABELS["working_days"]),
            hint=_("Reminders count only working time, in each reviewer's own time zone."),
            element=CheckboxesElement(
                action_id=VALUE,
                options=days,
                initial_options=[days[day] for day in current.working_days] or None,
            ),
        ),
        InputBlock(
            block_id=WORKING_START,
            label=_("Working day starts at"),
            element=TimePickerElement(action_id=VALUE, initial_time=start),
        ),
        InputBlock(
            block_id=WORKING_END,
            label=_("Working day ends at"),
            hint=_("00:00: at midnight."),
            element=TimePickerElement(action_id=VALUE, initial_time="00:00" if end == "24:00" else end),
        ),
        InputBlock(
            block_id="holidays",
            label=_(SETTING_LABELS["holidays"]),
            optional=True,
            hint=_("One date per line, like 2026-12-25: no reminders are counted or sent on those days."),
            element=PlainTextInputElement(
                action_id=VALUE,
                multiline=True,
                max_length=3000,
                initial_value="\n".join(day for day in current.holidays if day >= this_year) or None,
            ),
        ),
    ]


def _reminders_and_digest(current: WorkspaceSettings) -> list[Block]:
    """When silent reviewers are reminded, and when the weekly digest goes out."""
    days = [Option(value=str(day), text=day_name(day)) for day in range(7)]
    return [
        _timing("nudge_after", current.nudge_after),
        _timing("nudge_repeat", current.nudge_repeat),
        InputBlock(
            block_id="digest_day",
            label=_(SETTING_LABELS["digest_day"]),
            element=StaticSelectElement(action_id=VALUE, options=days, initial_option=days[current.digest_day]),
        ),
        InputBlock(
            block_id="digest_time",
            label=_(SETTING_LABELS["digest_time"]),
            element=TimePickerElement(action_id=VALUE, initial_time=current.digest_time),
        ),
    ]


def _timing(block_id: str, current: str) -> InputBlock:
    """A reminder delay, in working hours or days; one set from the environment (`30m`) stays a choice."""
    choices = REMINDER_CHOICES if current in REMINDER_CHOICES else (current, *REMINDER_CHOICES)
    options = [Option(value=choice, text=working_duration(choice)) for choice in choices]
    return InputBlock(
        block_id=block_id,
        label=_(SETTING_LABELS[block_id]),
        element=StaticSelectElement(action_id=VALUE, options=options, initial_option=options[choices.index(current)]),
    )


def working_duration(text: str) -> str:
    """`3d` as people read it: "3 working days"."""
    amount, unit = int(text[:-1]), text[-1]
    if unit == "d":
        return ngettext("{count} working day", "{count} working days", amount)
    if unit == "h":
        return ngettext("{count} working hour", "{count} working hours", amount)
    return text  # minutes or seconds: only ever set from the environment, for trials


def _channel_languages(current: WorkspaceSettings) -> list[Block]:
    """One channel picker per language: the channels the bot writes in that language."""
    chosen = current.languages()
    blocks: list[Block] = []
    for code in LANGUAGES:
        channels = [channel for channel, language in chosen.items() if language == code]
        blocks.append(
            InputBlock(
                block_id=LANGUAGE_BLOCK + code,
                label=_("Channels written in {language}", language=LANGUAGE_NAMES[code]),
                optional=True,
                element=ConversationMultiSelectElement(
                    action_id=VALUE, initial_conversations=channels or None, filter=_CHANNELS
                ),
            )
        )
    return blocks


def _share_option() -> Option:
    return Option(value="share", text=_("Share with the workspaces that share too"))


def _channel(block_id: str, initial: str | None, *, optional: bool = True, hint: str | None = None) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=_(SETTING_LABELS[block_id]),
        optional=optional,
        hint=hint,
        element=ConversationSelectElement(action_id=VALUE, initial_conversation=initial or None, filter=_CHANNELS),
    )


def _people(block_id: str, initial: Sequence[str], hint: str) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=_(SETTING_LABELS[block_id]),
        optional=True,
        hint=hint,
        element=UserMultiSelectElement(action_id=VALUE, initial_users=list(initial) or None),
    )
