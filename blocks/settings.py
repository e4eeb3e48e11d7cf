"""A workspace's Settings form (from the App Home, for its innovation team or admins), and what it says."""

from __future__ import annotations

from collections.abc import Sequence
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
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from blocks.base import VIEW_BLOCKS_MAX, Message, context, fitted, mention, sections
from blocks.ids import NEW_TEAM, NEW_TEAM_REVIEWERS, SETTINGS_MODAL, TEAM_BLOCK, VALUE
from bot.i18n import N_, _, format_datetime
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
}
_CHANNELS = ConversationFilter(include=["public", "private"], exclude_bot_users=True)


def settings_modal(
    current: WorkspaceSettings, changes: Sequence[SettingChange], reader: ZoneInfo, teams: Sequence[Mapping] = ()
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
