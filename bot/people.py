"""What the bot knows about people from Slack: their time zones, fetched once a day and kept."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.clock import Clock
from storage import queries
from storage.db import Database

log = logging.getLogger(__name__)
FRESH_FOR = timedelta(days=1)


class TimeZones:
    """A person's time zone as Slack reports it (`users.info`), cached in the database."""

    def __init__(self, db: Database, client: WebClient | None, clock: Clock) -> None:
        self.db = db
        self.client = client
        self.clock = clock

    def __call__(self, user_id: str) -> str | None:
        now = self.clock.now()
        with self.db.session() as session:
            known = queries.time_zone_of(session, user_id)
        if known is not None and now - known.fetched_at < FRESH_FOR:
            return known.tz
        tz = self._fetch(user_id)
        if tz is None and known is not None:
            return known.tz  # Slack did not answer: keep what we had
        with self.db.session() as session:
            queries.save_time_zone(session, user_id, tz, now)
        return tz

    def _fetch(self, user_id: str) -> str | None:
        if self.client is None:
            return None
        try:
            return self.client.users_info(user=user_id)["user"].get("tz")
        except (SlackClientError, KeyError, TypeError):
            log.warning("could not read a time zone from Slack; using the default", exc_info=True)
            return None
