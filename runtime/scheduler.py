"""When to look for due reminders and digests: an APScheduler job that runs a tick every few seconds.

What is due lives in the database (see bot/nudges.py), so the job itself keeps no state: a missed run
(the bot was down) is simply the next run, which finds everything that fell due meanwhile, once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, time
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import Session

from bot import experiments, nudges, privacy, waivers
from bot.clock import Clock
from bot.digest import owe_due_digests
from bot.nudges import Policy, TimeZoneOf
from bot.reviews import reviewer_ids
from bot.workspaces import Workspaces
from storage import queries
from storage.db import Database

log = logging.getLogger(__name__)


RETENTION_SECONDS = 3600  # how often the retention policy is applied (it scans every closed idea)


@dataclass(frozen=True)
class Retention:
    """PRIVACY.md's policy: `days` after an idea closes its people are pseudonymised (None: kept)."""

    days: int | None = None
    keep_anonymous_author: bool = False


@dataclass(frozen=True)
class DigestSchedule:
    channels: tuple[str, ...]
    weekday: int
    at: time
    tz: ZoneInfo


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        policy: Policy,
        tz_of: TimeZoneOf,
        on_claimed: Callable[[], None],
        interval_seconds: float = 30.0,
        digest: DigestSchedule | None = None,
        retention: Retention | None = None,
        workspaces: Workspaces | None = None,
    ) -> None:
        self.digest = digest
        self.workspaces = workspaces
        self.retention = retention or Retention()
        self.db = db
        self.clock = clock
        self.policy = policy
        self.tz_of = tz_of
        self.on_claimed = on_claimed
        self._scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        )
        self._scheduler.add_job(self.run_once, "interval", seconds=interval_seconds, id="nudges")
        self._scheduler.add_job(
            self.apply_retention, "interval", seconds=RETENTION_SECONDS, id="retention", next_run_time=clock.now()
        )

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def apply_retention(self) -> None:
        """Apply the retention policy now (hourly, and once at start), and erase the data of workspaces
        whose time after an uninstall (UNINSTALL_RETENTION) is over."""
        if self.workspaces is not None:
            with self.db.session() as session:
                self.workspaces.erase_due(session, self.clock.now())
        with self.db.session() as session:
            done = privacy.apply_retention(
                session, self.clock.now(), self.retention.days, self.retention.keep_anonymous_author
            )
        if done:
            log.info("retention: %s", ", ".join(f"{kind} {count}" for kind, count in sorted(done.items())))
            self.on_claimed()  # the posts it changed are owed updates

    def _digests(self, session: Session) -> list[tuple[str, tuple[str, ...], int, time]]:
        """Each installed workspace's digest channels, weekday and time; with no workspace known yet, the
        environment's."""
        assert self.digest is not None
        targets = self.workspaces.digest_targets(session) if self.workspaces is not None else []
        if not targets:
            return [("", self.digest.channels, self.digest.weekday, self.digest.at)]
        return [(workspace, chosen.digest_channels, *chosen.digest_schedule()) for workspace, chosen in targets]

    def _policies(self, session: Session) -> Callable[[str | None], Policy]:
        """Each workspace's reminder policy, read once per run."""
        if self.workspaces is None:
            return lambda _workspace: self.policy
        workspaces, read = self.workspaces, functools.cache(lambda workspace: workspaces.policy_of(session, workspace))
        return read

    def run_once(self) -> int:
        """Claim every reminder and escalation due now; returns how many."""
        with self.db.session() as session:
            people = {
                reviewer
                for idea in queries.ideas_awaiting_feedback(session, nudges.WAITING_ON_REVIEWERS)
                for reviewer in reviewer_ids(idea)
            }
        zones = {person: self.tz_of(person) for person in people}  # Slack calls outside any transaction
        now = self.clock.now()
        with self.db.session() as session:
            policy_of = self._policies(session)
            claimed = nudges.tick(session, now, self.policy, zones.get, policy_of)
            claimed += waivers.owe_reminders(session, now.date(), now)
            claimed += experiments.owe_checkins(
                session,
                now.date(),
                now,
                lambda workspace: policy_of(workspace).escalate_to,
                lambda workspace: policy_of(workspace).working,
            )
            if self.digest is not None:
                for workspace_id, channels, weekday, at in self._digests(session):
                    claimed += owe_due_digests(session, now, channels, weekday, at, self.digest.tz, workspace_id)
        if claimed:
            log.info("claimed %s reminders", claimed)
            self.on_claimed()
        return claimed
