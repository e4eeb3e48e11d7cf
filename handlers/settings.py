"""A workspace's Settings, edited in Slack: the App Home's button, the form, and saving it."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from blocks import ids, replies
from blocks import settings as settings_blocks
from bot import reviewers
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, _
from bot.workspaces import WorkspaceSettings
from bot.worktime import parse_hours, zone
from handlers import language, payloads
from handlers.services import Services

log = logging.getLogger(__name__)

Errors = dict[str, str]  # block_id -> what to fix, as Slack shows it under the field


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
        view = settings_blocks.settings_modal(current, changes, reader, services.clock.now().date(), teams)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ids.SETTINGS_MODAL)
    def save_settings(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user, workspace = body["user"]["id"], payloads.workspace(body)
        try:
            current = services.settings_of(workspace)
        except SQLAlchemyError:
            log.warning("database unavailable: settings not saved", exc_info=True)
            ack(response_action="update", view=settings_blocks.result_view(replies.apology()))
            return
        chosen, errors = _chosen(view, current, services.clock.now().date())
        teams, team_errors = _team_reviewers(view)
        errors |= team_errors
        if errors:
            ack(response_action="errors", errors=errors)
            return
        team = current.innovation_team
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
        services.languages.forget_channels()
        ack(response_action="update", view=settings_blocks.result_view(settings_blocks.saved_message(changed, [])))
        missing = [channel for channel in _channels(chosen) if not _bot_is_in(client, channel)]
        if missing:  # after the ack: Slack is asked, and the form then says where to invite the bot
            message = settings_blocks.saved_message(changed, missing)
            try:
                client.views_update(view_id=view["id"], view=settings_blocks.result_view(message))
            except SlackClientError:
                log.warning("could not tell which channels the bot must be invited to", exc_info=True)


def _chosen(view: dict[str, Any], current: WorkspaceSettings, today: date) -> tuple[WorkspaceSettings, Errors]:
    """The settings as the form holds them (a field the form lacks keeps its value), and what to fix."""
    values = view.get("state", {}).get("values", {})
    errors: Errors = {}

    def field(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(ids.VALUE) or {}

    def ids_in(block: str, key: str) -> tuple[str, ...]:
        return tuple(str(item) for item in field(block).get(key) or [] if isinstance(item, str))

    def picked(block: str) -> str:
        return str((field(block).get("selected_option") or {}).get("value") or "")

    chosen: dict[str, Any] = {}
    if "ideas_channel" in values:
        ideas = str(field("ideas_channel").get("selected_conversation") or "")
        chosen |= {
            "ideas_channel": ideas,
            "challenges_channel": str(field("challenges_channel").get("selected_conversation") or "") or ideas,
            "escalation_channel": field("escalation_channel").get("selected_conversation") or None,
            "digest_channels": ids_in("digest_channels", "selected_conversations"),
            "innovation_team": ids_in("innovation_team", "selected_users"),
            "reviewers": ids_in("reviewers", "selected_users"),
            "share_with_others": bool(field("share_with_others").get("selected_options")),
        }
    if "working_days" in values:
        chosen |= _working_time(field, current, today, errors)
    if "nudge_after" in values:
        chosen |= {
            "nudge_after": picked("nudge_after") or current.nudge_after,
            "nudge_repeat": picked("nudge_repeat") or current.nudge_repeat,
            "digest_day": int(picked("digest_day") or current.digest_day),
            "digest_time": str(field("digest_time").get("selected_time") or current.digest_time),
        }
    if any(block.startswith(ids.LANGUAGE_BLOCK) for block in values):
        chosen["channel_languages"] = _channel_languages(values, errors)
    return dataclasses.replace(current, **chosen), errors


def _working_time(
    field: Callable[[str], dict[str, Any]], current: WorkspaceSettings, today: date, errors: Errors
) -> dict[str, Any]:
    """Working days, hours and holidays from the form, checked as the environment's are."""
    days = tuple(sorted(int(option["value"]) for option in field("working_days").get("selected_options") or []))
    if not days:
        errors["working_days"] = _("Tick at least one working day: reminders count only working time.")
    start = str(field(settings_blocks.WORKING_START).get("selected_time") or "09:00")
    end = str(field(settings_blocks.WORKING_END).get("selected_time") or "17:00")
    hours = f"{start}-{'24:00' if end == '00:00' else end}"
    try:
        parse_hours(hours)
    except ValueError:
        errors[settings_blocks.WORKING_END] = _("The working day must end after it starts.")
    this_year = today.replace(month=1, day=1).isoformat()
    kept = {day for day in current.holidays if day < this_year}  # not shown in the form: kept as they were
    typed: set[str] = set()
    for line in str(field("holidays").get("value") or "").split():
        try:
            typed.add(date.fromisoformat(line.strip().strip(",")).isoformat())
        except ValueError:
            errors["holidays"] = _("Write one date per line, like 2026-12-25: “{text}” is not one.", text=line[:40])
            break
    return {"working_days": days, "working_hours": hours, "holidays": tuple(sorted(kept | typed))}


def _channel_languages(values: dict[str, Any], errors: Errors) -> tuple[str, ...]:
    """Channel -> language from the one picker per language; a channel picked for two is an error."""
    chosen: dict[str, str] = {}
    for code in LANGUAGES:
        block = ids.LANGUAGE_BLOCK + code
        channels = ((values.get(block) or {}).get(ids.VALUE) or {}).get("selected_conversations") or []
        for channel in channels:
            if channel in chosen:
                errors[block] = _(
                    "One of these channels is already written in {language}: pick each channel for one language.",
                    language=LANGUAGE_NAMES[chosen[channel]],
                )
            else:
                chosen[str(channel)] = code
    return tuple(f"{channel}:{code}" for channel, code in sorted(chosen.items()))


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
