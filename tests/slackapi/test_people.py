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


def test_a_language_chosen_while_the_persons_look_up_stores_their_row_is_kept(db, monkeypatch):
    # a newcomer's first request starts their look-up; `/ideas language pt` then added the same row and lost
    # the race with an IntegrityError: the choice was not kept and their next form came in English
    from sqlmodel import Session

    from storage.models import SlackUser

    people = People(db, None, ManualClock(datetime(2026, 12, 5, tzinfo=UTC)))
    real_get, raced = Session.get, []

    def get_then_the_look_up_stores_it(self, entity, ident, **options):
        row = real_get(self, entity, ident, **options)
        if entity is SlackUser and row is None and not raced:
            raced.append(ident)
            with db.session() as other:  # the look-up's own transaction commits in between
                other.add(SlackUser(user_id=ident, tz="Europe/Lisbon"))
        return row

    monkeypatch.setattr(Session, "get", get_then_the_look_up_stores_it)
    people.choose_language("U0ANA00001", "pt")
    monkeypatch.undo()
    assert raced and people.chosen_language("U0ANA00001") == "pt"
    assert people("U0ANA00001") == "Europe/Lisbon"  # and the look-up's row is the one kept
