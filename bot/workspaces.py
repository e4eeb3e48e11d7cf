"""Each workspace's own settings (over the environment's defaults), who changed them, and the life of an
install: added, uninstalled (sending stops, data kept for a while), erased."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from bot.config import Settings
from bot.nudges import Policy
from bot.worktime import WorkingTime, parse_duration, parse_hours
from storage import queries
from storage.models import SettingChange

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkspaceSettings:
    """What an administrator sets for one workspace, in Slack's App Home or from the environment."""

    ideas_channel: str = ""
    challenges_channel: str = ""
    innovation_team: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    digest_channels: tuple[str, ...] = ()
    escalation_channel: str | None = None
    share_with_others: bool = False  # its ideas and challenges are found from other workspaces that share too
    # kept as the environment writes them (WORKING_HOURS, NUDGE_AFTER, ...), so one parser reads both
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday is 0
    working_hours: str = "09:00-17:00"
    holidays: tuple[str, ...] = ()  # ISO dates
    nudge_after: str = "3d"
    nudge_repeat: str = "2d"
    digest_day: int = 0
    digest_time: str = "09:00"
    channel_languages: tuple[str, ...] = ()  # "C0123456789:fr", as CHANNEL_LANGUAGES

    @classmethod
    def defaults(cls, settings: Settings) -> WorkspaceSettings:
        """What a new workspace starts with: the environment's values."""
        working = settings.working_time
        end = "24:00" if working.end is None else f"{working.end:%H:%M}"
        weekday, at = settings.digest_schedule
        return cls(
            ideas_channel=settings.ideas_channel,
            challenges_channel=settings.challenges_channel or settings.ideas_channel,
            innovation_team=settings.innovation_team,
            reviewers=settings.reviewers,
            digest_channels=settings.digest_channels,
            escalation_channel=settings.escalation_channel,
            working_days=tuple(sorted(working.days)),
            working_hours=f"{working.start:%H:%M}-{end}",
            holidays=tuple(day.isoformat() for day in sorted(working.holidays)),
            nudge_after="{}{}".format(*settings.nudge_after),
            nudge_repeat="{}{}".format(*settings.nudge_repeat),
            digest_day=weekday,
            digest_time=f"{at:%H:%M}",
            channel_languages=tuple(f"{channel}:{code}" for channel, code in settings.channel_languages.items()),
        )

    def working_time(self) -> WorkingTime:
        start, end = parse_hours(self.working_hours)
        return WorkingTime(
            days=frozenset(self.working_days),
            start=start,
            end=end,
            holidays=frozenset(date.fromisoformat(day) for day in self.holidays),
        )

    def digest_schedule(self) -> tuple[int, time]:
        """(weekday, local time) of the weekly digest."""
        return self.digest_day, time.fromisoformat(self.digest_time)

    def languages(self) -> dict[str, str]:
        """Channel ID -> the language the bot writes in there."""
        return dict(item.split(":", 1) for item in self.channel_languages if ":" in item)

    def with_values(self, values: Mapping[str, Any]) -> WorkspaceSettings:
        """These settings with the stored `values` over them (unknown names, from a newer version, ignored)."""
        known = {f.name: f for f in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for name, value in values.items():
            if name not in known:
                continue
            current = getattr(self, name)
            changes[name] = tuple(value) if isinstance(current, tuple) else value
        return dataclasses.replace(self, **changes)

    def stored(self, name: str) -> Any:
        """A setting as it is kept in JSON."""
        value = getattr(self, name)
        return list(value) if isinstance(value, tuple) else value


def _after_commit(session: Session, then: Callable[[], None]) -> None:
    """Run `then` once the session's transaction is committed (not if it is rolled back)."""
    event.listen(session, "after_commit", lambda _session: then(), once=True)


def _escalation(chosen: WorkspaceSettings) -> tuple[str, ...]:
    """Who hears of an idea nobody answered: the escalation channel, else the innovation team."""
    return (chosen.escalation_channel,) if chosen.escalation_channel else chosen.innovation_team


SETTING_NAMES = tuple(f.name for f in dataclasses.fields(WorkspaceSettings))


class Workspaces:
    """The settings of every workspace, read from the database (a few rows, read by nearly every request:
    each is kept `REMEMBER_FOR` seconds in this process, so another process sees a change within that;
    this one sees its own at once)."""

    REMEMBER_FOR = 2.0  # seconds

    def __init__(self, settings: Settings, retention: timedelta) -> None:
        self.environment = settings
        self.defaults = WorkspaceSettings.defaults(settings)
        self.retention = retention
        self._kept: dict[str, tuple[WorkspaceSettings, float]] = {}
        self._noted: dict[str, tuple[str, str | None]] = {}  # person -> the workspace last noted for them
        self._lock = threading.Lock()

    def settings_of(self, session: Session, workspace_id: str | None) -> WorkspaceSettings:
        if workspace_id is None:
            return self.defaults
        with self._lock:
            kept, until = self._kept.get(workspace_id, (None, 0.0))
        if kept is not None and monotonic() < until:
            return kept
        row = queries.get_workspace(session, workspace_id)
        chosen = self.defaults if row is None else self.defaults.with_values(json.loads(row.settings or "{}"))
        with self._lock:
            if len(self._kept) > 10_000:
                self._kept.clear()
            self._kept[workspace_id] = (chosen, monotonic() + self.REMEMBER_FOR)
        return chosen

    def forget(self, workspace_id: str) -> None:
        """Its settings were just changed (or it was erased): read them afresh."""
        with self._lock:
            self._kept.pop(workspace_id, None)

    def change(
        self, session: Session, workspace_id: str, user_id: str, new: WorkspaceSettings, now: datetime
    ) -> list[str]:
        """Keep `new` as the workspace's settings and record each setting that changed; returns their names."""
        row = queries.workspace_row(session, workspace_id)
        old = self.settings_of(session, workspace_id)
        stored = json.loads(row.settings or "{}")
        changed = []
        for name in SETTING_NAMES:
            before, after = old.stored(name), new.stored(name)
            if before == after:
                continue
            stored[name] = after
            changed.append(name)
            queries.add_setting_change(session, workspace_id, user_id, name, json.dumps(before), json.dumps(after), now)
        row.settings = json.dumps(stored, sort_keys=True)
        self.forget(workspace_id)
        _after_commit(session, lambda: self.forget(workspace_id))  # a read meanwhile kept the old ones
        return changed

    def changes(
        self, session: Session, workspace_id: str, start: datetime | None = None, end: datetime | None = None
    ) -> Sequence[SettingChange]:
        return queries.setting_changes(session, workspace_id, start, end)

    def seen(self, session: Session, workspace_id: str, enterprise_id: str | None, user_id: str | None) -> None:
        """A request came from this workspace (and person): make sure it has a row, know its organisation
        (an org-wide install serves it), and know the person's workspace (its token asks Slack about them).
        What this process noted already is not asked again."""
        key, noted = user_id or "", (workspace_id, enterprise_id)
        with self._lock:
            if self._noted.get(key) == noted:
                return
        row = queries.get_workspace(session, workspace_id)
        if row is None or (enterprise_id and row.enterprise_id != enterprise_id):
            queries.workspace_row(session, workspace_id, enterprise_id)
        if user_id:
            queries.note_member(session, user_id, workspace_id)

        def remember() -> None:
            with self._lock:
                if len(self._noted) > 100_000:
                    self._noted.clear()
                self._noted[key] = noted

        _after_commit(session, remember)

    def installed(
        self,
        session: Session,
        *,
        team_id: str | None,
        enterprise_id: str | None,
        name: str | None,
        now: datetime,
    ) -> None:
        """Slack installed the app: in one workspace, or org-wide (`team_id` None) in an organisation."""
        rows = [queries.workspace_row(session, team_id, enterprise_id)] if team_id else []
        if team_id is None and enterprise_id:
            rows = list(queries.workspaces_of(session, enterprise_id))
        for row in rows:
            row.installed_at, row.uninstalled_at, row.erase_after = now, None, None
            if name and team_id:
                row.name = name

    def uninstalled(
        self, session: Session, *, team_id: str | None, enterprise_id: str | None, now: datetime
    ) -> list[str]:
        """The app was removed (or its bot token revoked) there: stop sending, keep the data until the
        retention ends. Returns the workspaces it concerns."""
        if team_id:
            rows = [queries.workspace_row(session, team_id, enterprise_id)]
        else:  # an org-wide install serves every workspace of the organisation
            rows = list(queries.workspaces_of(session, enterprise_id or ""))
        ids = [row.id for row in rows]
        for row in rows:
            row.uninstalled_at, row.erase_after = now, now + self.retention
        dropped = queries.drop_owed(session, ids, "dropped: the app was uninstalled from the workspace")
        if dropped:
            log.warning("dropped %s message(s) owed to Slack: the app was uninstalled from %s", dropped, ids)
        return ids

    def digest_targets(self, session: Session) -> list[tuple[str, WorkspaceSettings]]:
        """(workspace, its settings) for every workspace the app is installed in: where and when its digest goes."""
        return [
            (row.id, self.settings_of(session, row.id))
            for row in queries.workspaces(session)
            if row.uninstalled_at is None
        ]

    def policy_of(self, session: Session, workspace_id: str | None) -> Policy:
        """The workspace's reminders: its working time, its timing, and who hears of an idea nobody answered."""
        chosen = self.settings_of(session, workspace_id)
        environment = self.environment
        working = chosen.working_time()
        return Policy(
            working=working,
            after=working.duration(*parse_duration(chosen.nudge_after, "nudge_after")),
            repeat=working.duration(*parse_duration(chosen.nudge_repeat, "nudge_repeat")),
            max_nudges=environment.nudge_max,
            default_tz=environment.timezone,
            escalate_to=_escalation(chosen) or _escalation(self.defaults),
        )

    def channel_languages(self, session: Session) -> dict[str, str]:
        """Every channel's chosen language, over all workspaces (a channel ID is unique across Slack)."""
        chosen = dict(self.defaults.languages())
        for row in queries.workspaces(session):
            chosen.update(self.settings_of(session, row.id).languages())
        return chosen

    def shared_with(self, session: Session, workspace_id: str) -> dict[str, str]:
        """The other workspaces whose ideas and challenges this one's duplicate finder shows, with their
        names: those of its own Enterprise Grid organisation, and, when it shares, those that share too.
        Uninstalled workspaces are left out."""
        rows = [row for row in queries.workspaces(session) if row.uninstalled_at is None]
        own = next((row for row in rows if row.id == workspace_id), None)
        if own is None:
            return {}
        sharing = self.settings_of(session, workspace_id).share_with_others
        return {
            row.id: row.name or row.id
            for row in rows
            if row.id != workspace_id
            and (
                (own.enterprise_id is not None and row.enterprise_id == own.enterprise_id)
                or (sharing and self.settings_of(session, row.id).share_with_others)
            )
        }

    def erase_due(self, session: Session, now: datetime) -> list[str]:
        """Erase every workspace whose retention after an uninstall has ended; returns their IDs."""
        erased = []
        for row in queries.due_erasures(session, now):
            counts = queries.erase_workspace(session, row.id)
            self.forget(row.id)
            log.info("erased the data of uninstalled workspace %s: %s", row.id, counts)
            erased.append(row.id)
        return erased
