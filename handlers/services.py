"""The bot's long-lived collaborators, handed to every front (Slack handlers, CLI, scheduler)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.matching.service import MatchService
from bot.nudges import Policy, TimeZoneOf
from bot.workspaces import Workspaces, WorkspaceSettings
from slackapi.people import Languages
from slackapi.worker import Worker
from storage.db import Database


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    clock: Clock
    outbox: Worker
    matches: MatchService
    policy: Policy
    time_zones: TimeZoneOf
    languages: Languages
    workspaces: Workspaces

    def settings_of(self, workspace_id: str | None) -> WorkspaceSettings:
        """The workspace's own settings (channels, innovation team, reviewers), over the environment's."""
        with self.db.session() as session:
            return self.workspaces.settings_of(session, workspace_id)
