"""A workspace's Settings, edited in Slack: the App Home's button, the form, and saving it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from blocks import ids, replies
from blocks import settings as settings_blocks
from bot import reviewers
from bot.i18n import _
from bot.workspaces import WorkspaceSettings
from bot.worktime import zone
from handlers import language, payloads
from handlers.services import Services

log = logging.getLogger(__name__)


def may_configure(services: Services, client: WebClient, workspace_id: str, user_id: str) -> bool:
    """The workspace's innovation team may; while it has nobody, the workspace's admins and owners may
    (Slack says who they are: `users.info`), so that a new install can be set up."""
    team = services.settings_of(workspace_id).innovation_team
    if team:
        return user_id in team
    try:
        user = client.users_info(user=user_id)["user"]
    except (SlackClientError, KeyError):
        log.warning("could not ask Slack whether a person is a workspace admin; Settings refused for now")
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))


def register(app: App, services: Services) -> None:
    @app.action(ids.SETTINGS_BUTTON)
    def open_settings(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        user, workspace = body["user"]["id"], payloads.workspace(body)
        language.settle(services, user)
        if not may_configure(services, client, workspace, user):
            client.views_open(
                trigger_id=body["trigger_id"], view=settings_blocks.result_view(settings_blocks.refused_message())
            )
            return
        with services.db.session() as session:
            current = services.workspaces.settings_of(session, workspace)
            changes = services.workspaces.changes(session, workspace)
            teams = reviewers.list_reviewers(session, workspace)
        reader = zone(services.time_zones(user), services.settings.timezone)
        view = settings_blocks.settings_modal(current, changes, reader, teams)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ids.SETTINGS_MODAL)
    def save_settings(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user, workspace = body["user"]["id"], payloads.workspace(body)
        chosen = _chosen(view)
        teams, errors = _team_reviewers(view)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        team = services.settings_of(workspace).innovation_team
        if team and user not in team:  # the form was opened when they were in it: they were taken out since
            ack(response_action="update", view=settings_blocks.result_view(settings_blocks.refused_message()))
            return
        try:
            with services.db.session() as session:
                now = services.clock.now()
                changed = services.workspaces.change(session, workspace, user, chosen, now)
                changed += reviewers.update_team_reviewers(session, workspace, user, teams, now)
        except SQLAlchemyError:
            log.warning("database unavailable: settings not saved", exc_info=True)
            ack(response_action="update", view=settings_blocks.result_view(replies.apology()))
            return
        ack(response_action="update", view=settings_blocks.result_view(settings_blocks.saved_message(changed, [])))
        missing = [channel for channel in _channels(chosen) if not _bot_is_in(client, channel)]
        if missing:  # after the ack: Slack is asked, and the form then says where to invite the bot
            message = settings_blocks.saved_message(changed, missing)
            try:
                client.views_update(view_id=view["id"], view=settings_blocks.result_view(message))
            except SlackClientError:
                log.warning("could not tell which channels the bot must be invited to", exc_info=True)


def _chosen(view: dict[str, Any]) -> WorkspaceSettings:
    values = view.get("state", {}).get("values", {})

    def field(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(ids.VALUE) or {}

    def ids_in(block: str, key: str) -> tuple[str, ...]:
        return tuple(str(item) for item in field(block).get(key) or [] if isinstance(item, str))

    ideas = str(field("ideas_channel").get("selected_conversation") or "")
    return WorkspaceSettings(
        ideas_channel=ideas,
        challenges_channel=str(field("challenges_channel").get("selected_conversation") or "") or ideas,
        escalation_channel=field("escalation_channel").get("selected_conversation") or None,
        digest_channels=ids_in("digest_channels", "selected_conversations"),
        innovation_team=ids_in("innovation_team", "selected_users"),
        reviewers=ids_in("reviewers", "selected_users"),
        share_with_others=bool(field("share_with_others").get("selected_options")),
    )


def _team_reviewers(view: dict[str, Any]) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Reviewers chosen per team (by the team's name) and, when the new team is half filled in, what to fix."""
    values = view.get("state", {}).get("values", {})
    chosen: dict[str, tuple[str, ...]] = {}
    for block_id, fields in values.items():
        if block_id.startswith(ids.TEAM_BLOCK):
            picked = ((fields or {}).get(ids.VALUE) or {}).get("selected_users") or []
            chosen[block_id.removeprefix(ids.TEAM_BLOCK)] = tuple(str(user) for user in picked)
    new_team = str(((values.get(ids.NEW_TEAM) or {}).get(ids.VALUE) or {}).get("value") or "").strip()
    picked = ((values.get(ids.NEW_TEAM_REVIEWERS) or {}).get(ids.VALUE) or {}).get("selected_users") or []
    new_reviewers = tuple(str(user) for user in picked)
    errors: dict[str, str] = {}
    if new_team and not new_reviewers:
        errors[ids.NEW_TEAM_REVIEWERS] = _("Pick this team's reviewers, or empty the team's name.")
    elif new_reviewers and not new_team:
        errors[ids.NEW_TEAM] = _("Name the team these reviewers are for.")
    elif new_team:
        try:
            chosen[reviewers.team_label(new_team)] = new_reviewers
        except reviewers.InvalidReviewers:
            errors[ids.NEW_TEAM] = _("Give the team's name in letters, as people write it in the idea form.")
    return chosen, errors


def _channels(chosen: WorkspaceSettings) -> list[str]:
    named = [chosen.ideas_channel, chosen.challenges_channel, chosen.escalation_channel, *chosen.digest_channels]
    return list(dict.fromkeys(channel for channel in named if channel))


def _bot_is_in(client: WebClient, channel: str) -> bool:
    try:
        return bool(client.conversations_info(channel=channel)["channel"].get("is_member"))
    except SlackClientError:
        return False  # not found, or not visible to the bot: it is not in there either
