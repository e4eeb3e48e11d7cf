"""What the bot knows about people from Slack (time zone, locale), fetched once a day and kept, and the
language each person reads: their own choice, else Slack's locale for them, else the default.

A request never waits on Slack for this: the language comes from what is kept, and a missing or stale
profile is fetched in the background; a failed fetch is not tried again for `RETRY_AFTER`."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import IntegrityError

from bot import i18n
from bot.clock import Clock
from slackapi.pacing import Pacer
from storage import queries
from storage.db import Database
from storage.models import SlackUser

log = logging.getLogger(__name__)
FRESH_FOR = timedelta(days=1)
LOOKUP_WAIT = 10.0  # seconds work after an ack waits for a time zone (Slack's own timeout is about this)
ClientFor = Callable[[str | None], WebClient | None]  # a workspace's client (None: not installed there)
RETRY_AFTER = 300.0  # seconds before a person whose look-up failed is asked for again (Slack slow, 429)


class People:
    """A person's time zone and locale as Slack reports them (`users.info`), cached in the database.

    Calling it with a user ID gives the time zone (what the reminder rules need)."""

    def __init__(
        self,
        db: Database,
        client: WebClient | None,
        clock: Clock,
        client_for: ClientFor | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        """`client_for` finds the client of the workspace a person acts from (several workspaces); `pacer`
        keeps users.info within its tier (a rush of newcomers answered 429 otherwise)."""
        self.db = db
        self.pacer = pacer
        self.client = client
        self.client_for: ClientFor = client_for or (lambda _workspace: client)
        self._can_ask = client is not None or client_for is not None
        self.clock = clock
        self._lookups = ThreadPoolExecutor(max_workers=2, thread_name_prefix="people")
        self._pending: dict[str, Future[SlackUser]] = {}
        self._failed: dict[str, float] = {}  # user ID -> monotonic time before which Slack is not asked again
        self._lock = threading.Lock()

    def __call__(self, user_id: str) -> str | None:
        """The person's time zone, fetched now if it is not known (for the scheduler and after an ack). The
        fetch is the one in flight for this person if there is one, so that two never store the same row."""
        with self.db.session() as session:
            known = queries.slack_user(session, user_id)
        pending = None if self._fresh(known) else self._look_up_soon(user_id)
        if pending is not None:
            try:
                return pending.result(timeout=LOOKUP_WAIT).tz
            except Exception:  # slow or failed: what was kept, and the defaults after that
                pass
        return known.tz if known is not None else None

    def name_of(self, user_id: str) -> str | None:
        """The name people know someone by (kept, else asked of Slack through their own workspace)."""
        return self._known(user_id).name

    def kept_locale(self, user_id: str) -> tuple[str | None, Future[SlackUser] | None]:
        """The locale kept for this person, without asking Slack, and the look-up started in the background
        when it is missing or stale (None when there is nothing to wait for)."""
        with self.db.session() as session:
            known = queries.slack_user(session, user_id)
        if self._fresh(known):
            return known.locale, None
        return (known.locale if known else None), self._look_up_soon(user_id)

    def _look_up_soon(self, user_id: str) -> Future[SlackUser] | None:
        with self._lock:
            if not self._can_ask or time.monotonic() < self._failed.get(user_id, 0.0):
                return None
            pending = self._pending.get(user_id)
            if pending is not None:
                return pending
            pending = self._pending[user_id] = self._lookups.submit(self._known, user_id)
        # Outside the lock: a look-up that has already finished runs this callback at once, in this thread,
        # and `_forget` takes the lock (inside it, that was a deadlock: an ack hung for good, now and then).
        pending.add_done_callback(lambda done: self._forget(user_id, done))
        return pending

    def _forget(self, user_id: str, done: Future[SlackUser]) -> None:
        with self._lock:
            if self._pending.get(user_id) is done:
                del self._pending[user_id]

    def _fresh(self, known: SlackUser | None) -> bool:
        return known is not None and known.fetched_at is not None and self.clock.now() - known.fetched_at < FRESH_FOR

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
        if self._fresh(known) or time.monotonic() < self._failed.get(user_id, 0.0):
            return known or SlackUser(user_id=user_id, fetched_at=None)
        profile = self._fetch(user_id)
        if profile is None:  # Slack did not answer: keep what we had
            return known or SlackUser(user_id=user_id, fetched_at=None)
        try:
            with self.db.session() as session:
                return queries.save_slack_profile(
                    session, user_id, profile.get("tz"), profile.get("locale"), now, _name(profile)
                )
        except IntegrityError:  # another process stored this person a moment ago: theirs is as good
            with self.db.session() as session:
                return queries.slack_user(session, user_id) or SlackUser(user_id=user_id, fetched_at=None)

    def _fetch(self, user_id: str) -> Mapping[str, Any] | None:
        with self.db.session() as session:
            known = queries.slack_user(session, user_id)
        workspace_id = known.workspace_id if known is not None else None
        client = self.client_for(workspace_id)
        if client is None:
            return None
        if self.pacer is not None:  # this is a look-up thread of its own: it may wait for its moment
            self.pacer.wait_for_method(workspace_id, "users.info")
        try:
            return client.users_info(user=user_id, include_locale=True)["user"]
        except (SlackClientError, OSError, KeyError, TypeError):
            log.warning("could not read a person's time zone and locale from Slack; using the defaults for a while")
            with self._lock:
                if len(self._failed) > 10_000:
                    self._failed.clear()
                self._failed[user_id] = time.monotonic() + RETRY_AFTER
            return None


def _name(user: Mapping[str, Any]) -> str | None:
    """The name people know someone by, from `users.info`: their display name, else their full name, else
    their handle (Slack's own order)."""
    profile = user.get("profile") if isinstance(user.get("profile"), Mapping) else {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
        if isinstance(name, str) and name.strip():
            return name.strip()[:120]
    return None


class Languages:
    """Which language to use with a person or in a channel.

    A person's is remembered for a minute in this process (every request asks), so another process
    sees a new `/ideas language` choice within `REMEMBER_FOR`; this process sees it at once. So are the
    channels' languages (`channels` reads them, from every workspace's Settings)."""

    REMEMBER_FOR = 60.0  # seconds

    def __init__(self, people: People, default: str, channels: Callable[[], Mapping[str, str]]) -> None:
        self.people = people
        self.default = i18n.normalise(default) or i18n.DEFAULT
        self._read_channels = channels
        self._channels: tuple[Mapping[str, str], float] = ({}, 0.0)
        self._remembered: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def of_person(self, user_id: str | None) -> str:
        """The person's language now, from what is kept (never waiting on Slack)."""
        return self._resolve(user_id)[0]

    def settle(self, user_id: str | None, timeout: float) -> str:
        """The person's language once a look-up in progress has answered, waiting at most `timeout` seconds:
        for work done after the ack (opening a form), so that a newcomer's first form is in their language."""
        language, pending = self._resolve(user_id)
        if pending is None:
            return language
        try:
            pending.result(timeout=timeout)
        except Exception:  # slow or failed: the default it is, and the look-up goes on in the background
            return language
        return self._resolve(user_id)[0]

    def _resolve(self, user_id: str | None) -> tuple[str, Future[SlackUser] | None]:
        if not user_id:
            return self.default, None
        with self._lock:
            language, until = self._remembered.get(user_id, ("", 0.0))
        if time.monotonic() < until:
            return language, None
        chosen = i18n.normalise(self.people.chosen_language(user_id))
        locale, pending = (None, None) if chosen else self.people.kept_locale(user_id)
        language = chosen or i18n.normalise(locale) or self.default
        if pending is None:  # final: remember it; a fallback while Slack is asked is not remembered
            with self._lock:
                if len(self._remembered) > 10_000:
                    self._remembered.clear()
                self._remembered[user_id] = (language, time.monotonic() + self.REMEMBER_FOR)
        return language, pending

    def choose(self, user_id: str, language: str | None) -> str:
        """Keep a person's choice (None: follow Slack again); returns the language they now read."""
        self.people.choose_language(user_id, language)
        with self._lock:
            self._remembered.pop(user_id, None)
        return self.of_person(user_id)

    def of_channel(self, channel_id: str) -> str:
        channels, until = self._channels
        if time.monotonic() >= until:
            channels = self._read_channels()
            self._channels = (channels, time.monotonic() + self.REMEMBER_FOR)
        return i18n.normalise(channels.get(channel_id)) or self.default

    def forget_channels(self) -> None:
        """A channel's language was just chosen in this process: read them afresh."""
        self._channels = ({}, 0.0)

    def of(self, target: str, *, wait: float = 0.0) -> str:
        """A channel's language for a channel ID (C…, G…), a person's for a user ID (a DM); background work
        (the outbox) may `wait` that long for Slack to tell a person's locale, a request never does."""
        if target[:1] in ("C", "G"):
            return self.of_channel(target)
        return self.settle(target, wait) if wait else self.of_person(target)
