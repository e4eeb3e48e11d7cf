"""People's profiles from Slack, looked up once at a time, without ever blocking the thread that asks."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from datetime import UTC, datetime

from bot.clock import ManualClock
from slackapi.people import People


class Instant:
    """An executor whose work is done before `submit` returns: the race where a look-up finishes before
    its done-callback is added, which happened now and then under load and hung an ack for good."""

    def submit(self, work, *args):
        future: Future = Future()
        future.set_result(work(*args))
        return future


class Client:
    def users_info(self, user: str, include_locale: bool) -> dict:
        return {"user": {"id": user, "tz": "Europe/Lisbon", "locale": "pt-PT", "profile": {"display_name": "Ana"}}}


def test_a_look_up_that_finishes_at_once_does_not_deadlock_the_asker(db):
    people = People(db, Client(), ManualClock(datetime(2026, 12, 5, tzinfo=UTC)))
    people._lookups = Instant()
    answers: list = []
    asker = threading.Thread(target=lambda: answers.append(people.kept_locale("U0ANA00001")), daemon=True)
    asker.start()
    asker.join(timeout=5)
    assert not asker.is_alive(), "the asker deadlocked on the look-up's own lock"
    assert people("U0ANA00001") == "Europe/Lisbon"
    assert people._pending == {}  # the finished look-up is forgotten, so a stale profile is asked for again
