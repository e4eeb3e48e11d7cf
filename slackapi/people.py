"""What the bot knows about people from Slack (time zone, locale), fetched once a day and kept, and the
language each person reads: their own choice, else Slack's locale for them, else the default."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot import i18n
from bot.clock import Clock
from storage import queries
from storage.db import Database
from storage.models import SlackUser

log = logging.getLogger(__name__)
FRESH_FOR = timedelta(days=1)


class People:
    """A person's time zone and locale as Slack reports them (`users.info`), cached in the database.

    Calling it with a user ID gives the time zone (what the reminder rules need)."""

    def __init__(self, db: Database, client: WebClient | None, clock: Clock) -> None:
        self.db = db
        self.client = client
        self.clock = clock

    def __call__(self, user_id: str) -> str | None:
        return self._known(user_id).tz

    def locale(self, user_id: str) -> str | None:
        return self._known(user_id).locale

    def chosen_language(self, user_id: str) -> str | None:
        with self.db.session() as session:
            known = queries.slack_user(session, user_id)
        return known.language if known is not None else None

    def choose_language(self, user_id: str, language: str | None) -> None:
        """Remember the language a person chose (None: follow their Slack locale again)."""
        with self.db.session() as session:
            queries.save_language_choice(session, user_id, language, self.clock.now())

    def _known(self, user_id: str) -> SlackUser:
        now = self.clock.now()
        with self.db.session() as session:
            known = queries.slack_user(session, user_id)
        if known is not None and known.fetched_at is not None and now - known.fetched_at < FRESH_FOR:
            return known
        profile = self._fetch(user_id)
        if profile is None:  # Slack did not answer: keep what we had
            return known or SlackUser(user_id=user_id, fetched_at=None)
        with self.db.session() as session:
            return queries.save_slack_profile(session, user_id, profile.get("tz"), profile.get("locale"), now)

    def _fetch(self, user_id: str) -> Mapping[str, str] | None:
        if self.client is None:
            return None
        try:
            return self.client.users_info(user=user_id, include_locale=True)["user"]
        except (SlackClientError, KeyError, TypeError):
            log.warning("could not read a person's time zone and locale from Slack; using the defaults")
            return None


class Languages:
    """Which language to use with a person or in a channel.

    A person's is remembered for a minute in this process (every request asks), so another process
    sees a new `/ideas language` choice within `REMEMBER_FOR`; this process sees it at once."""

    REMEMBER_FOR = 60.0  # seconds

    def __init__(self, people: People, default: str, channels: Mapping[str, str]) -> None:
        self.people = people
        self.default = i18n.normalise(default) or i18n.DEFAULT
        self.channels = dict(channels)
        self._remembered: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def of_person(self, user_id: str | None) -> str:
        if not user_id:
            return self.default
        with self._lock:
            language, until = self._remembered.get(user_id, ("", 0.0))
        if time.monotonic() < until:
            return language
        language = (
            i18n.normalise(self.people.chosen_language(user_id))
            or i18n.normalise(self.people.locale(user_id))
            or self.default
        )
        with self._lock:
            if len(self._remembered) > 10_000:
                self._remembered.clear()
            self._remembered[user_id] = (language, time.monotonic() + self.REMEMBER_FOR)
        return language

    def choose(self, user_id: str, language: str | None) -> str:
        """Keep a person's choice (None: follow Slack again); returns the language they now read."""
        self.people.choose_language(user_id, language)
        with self._lock:
            self._remembered.pop(user_id, None)
        return self.of_person(user_id)

    def of_channel(self, channel_id: str) -> str:
        return self.channels.get(channel_id) or self.default

    def of(self, target: str) -> str:
        """A channel's language for a channel ID (C…, G…), a person's for a user ID (a DM)."""
        return self.of_channel(target) if target[:1] in ("C", "G") else self.of_person(target)
