"""Booking moments on a paced destination, on SQLite and PostgreSQL: a short burst, then one per interval,
never the same moment twice, even for two processes (two connection pools) booking at once."""

from concurrent.futures import ThreadPoolExecutor

from storage import queries
from storage.db import Database

NOW = 1_800_000_000.0


def book(db: Database, now: float, key: str = "post:T1:C0IDEAS001", interval: float = 1.0, burst: int = 3) -> float:
    with db.session() as session:
        return queries.book(session, key, now, interval, burst)


def test_a_quiet_channel_takes_a_short_burst_then_one_message_a_second(db: Database):
    moments = [book(db, NOW) for _ in range(6)]
    assert [m <= NOW for m in moments] == [True, True, True, False, False, False]  # three at once
    assert [m - NOW for m in moments[3:]] == [1.0, 2.0, 3.0]  # then one a second
    assert book(db, NOW, key="post:T1:C0OTHER001") <= NOW  # another channel is not held back
    assert book(db, NOW + 100) <= NOW + 100  # after a quiet spell, at once again


def test_a_retry_after_holds_the_channel_until_then_and_only_it(db: Database):
    with db.session() as session:
        queries.hold(session, "post:T1:C0IDEAS001", NOW + 30)
    assert book(db, NOW) == NOW + 30
    assert book(db, NOW, key="post:T1:C0OTHER001") <= NOW
    with db.session() as session:  # a shorter hold never shortens a longer one
        queries.hold(session, "post:T1:C0IDEAS001", NOW + 5)
    assert book(db, NOW) == NOW + 31


def test_two_processes_booking_at_once_share_one_pace(database_url: str):
    first, second = Database.connect(database_url), Database.connect(database_url)
    first.migrate()
    try:
        with ThreadPoolExecutor(8) as pool:
            moments = list(pool.map(lambda n: book(first if n % 2 else second, NOW, burst=1), range(40)))
    finally:
        first.dispose()
        second.dispose()
    assert sorted(moments) == [NOW + n for n in range(40)]  # every moment once: never two posts in one second


def test_posts_reached_late_still_go_a_full_interval_apart(db: Database):
    """Moments booked one second apart, reached late by a busy sender, used to go to Slack together (a 429)."""
    import time

    from bot.clock import SystemClock
    from slackapi.pacing import MARGIN, Pacer

    pacer = Pacer(db, SystemClock(), posts_per_second=20.0)
    key = pacer.channel_key("T1", "C0IDEAS001")
    started = time.monotonic()
    for _ in range(3):
        pacer.space_out(key)
    assert time.monotonic() - started >= 2 * MARGIN / 20.0  # three posts: two intervals at least
    other = time.monotonic()
    pacer.space_out(pacer.channel_key("T1", "C0OTHER001"))  # another channel does not wait for this one
    pacer.space_out(pacer.method_key("T1", "chat.update"))  # nor does a method, whose tier allows bursts
    assert time.monotonic() - other < MARGIN / 20.0
