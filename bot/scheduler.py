"""When to look for due reminders: an APScheduler job that runs the nudge tick every few seconds.

What is due lives in the database (see bot/nudges.py), so the job itself keeps no state: a missed run
(the bot was down) is simply the next run, which finds everything that fell due meanwhile, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler

from bot import nudges
from bot.clock import Clock
from bot.nudges import Policy, TimeZoneOf
from bot.reviews import reviewer_ids
from storage import queries
from storage.db import Database

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        policy: Policy,
        tz_of: TimeZoneOf,
        on_claimed: Callable[[], None],
        interval_seconds: float = 30.0,
    ) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy
        self.tz_of = tz_of
        self.on_claimed = on_claimed
        self._scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        )
        self._scheduler.add_job(self.run_once, "interval", seconds=interval_seconds, id="nudges")

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def run_once(self) -> int:
        """Claim every reminder and escalation due now; returns how many."""
        with self.db.session() as session:
            people = {
                reviewer
                for idea in queries.ideas_awaiting_feedback(session, nudges.WAITING_ON_REVIEWERS)
                for reviewer in reviewer_ids(idea)
            }
        zones = {person: self.tz_of(person) for person in people}  # Slack calls outside any transaction
        with self.db.session() as session:
            claimed = nudges.tick(session, self.clock.now(), self.policy, zones.get)
        if claimed:
            log.info("claimed %s reminders", claimed)
            self.on_claimed()
        return claimed
