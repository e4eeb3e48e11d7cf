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


def test_a_rush_of_newcomers_is_looked_up_at_slacks_pace_without_a_429(db, fake_slack):
    """Found by the load benchmark: 50 people new to the bot at once made 50 users.info calls at once, and
    Slack answered a third of them 429 (their locales then unknown for five minutes)."""
    from bot.clock import SystemClock
    from fakeslack.server import Limits
    from slackapi.notifier import make_web_client
    from slackapi.pacing import Pacer

    per_minute = 600.0  # ten a second, a burst of ten: Slack's shape, faster, for the test's sake
    fake_slack.limit(Limits(per_minute={"users.info": per_minute}, method_burst=10))
    client = make_web_client(fake_slack.token, fake_slack.api_url)
    pacer = Pacer(db, SystemClock(), methods={"users.info": (per_minute, 5)})  # as METHOD_TIERS: half the burst
    people = People(db, client, SystemClock(), pacer=pacer)
    newcomers = [f"U0NEW{n:05d}" for n in range(30)]
    lookups = [people.kept_locale(user)[1] for user in newcomers]
    assert all(lookup is not None for lookup in lookups)
    assert {lookup.result(timeout=20).user_id for lookup in lookups} == set(newcomers)
    assert [call for call in fake_slack.ratelimited if call[0] == "users.info"] == []
    assert len(fake_slack.calls("users.info")) == 30
