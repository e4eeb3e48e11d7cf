"""The outbox on SQLite and PostgreSQL: one entry per key, one holder at a time, leases that expire."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from storage import queries
from storage.db import Database

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def enqueue(db: Database, key: str = "post_idea:1", at: datetime = NOW) -> int:
    with db.session() as session:
        queries.enqueue(session, kind="post_idea", subject_id=1, dedupe_key=key, now=at)
    with db.session() as session:
        return next(entry.id for entry in queries.outbox_messages(session) if entry.dedupe_key == key)


def test_the_same_key_is_owed_once(db: Database):
    enqueue(db)
    enqueue(db)
    with db.session() as session:
        assert len(queries.outbox_messages(session)) == 1


def test_a_claimed_entry_cannot_be_claimed_again_until_its_lease_expires(db: Database):
    entry_id = enqueue(db)
    with db.session() as session:
        assert queries.claim(session, entry_id, NOW, LEASE) is not None
    with db.session() as session:
        assert queries.claim(session, entry_id, NOW + timedelta(seconds=30), LEASE) is None
        assert queries.due_outbox_ids(session, NOW + timedelta(seconds=30)) == []
    with db.session() as session:
        again = queries.claim(session, entry_id, NOW + timedelta(seconds=61), LEASE)
        assert again is not None and again.attempts == 2


def test_sent_entries_are_never_due_again(db: Database):
    entry_id = enqueue(db)
    with db.session() as session:
        queries.claim(session, entry_id, NOW, LEASE)
        queries.mark_sent(session, entry_id, NOW)
    with db.session() as session:
        assert queries.due_outbox_ids(session, NOW + timedelta(days=1)) == []
        assert queries.claim(session, entry_id, NOW + timedelta(days=1), LEASE) is None


def test_a_retry_waits_for_its_time(db: Database):
    entry_id = enqueue(db)
    with db.session() as session:
        queries.claim(session, entry_id, NOW, LEASE)
        queries.mark_retry(session, entry_id, NOW + timedelta(seconds=10), "HTTP 500")
    with db.session() as session:
        assert queries.due_outbox_ids(session, NOW + timedelta(seconds=9)) == []
        assert queries.due_outbox_ids(session, NOW + timedelta(seconds=10)) == [entry_id]


def test_concurrent_claims_have_exactly_one_winner(db: Database):
    entry_id = enqueue(db)

    def try_claim(_: int) -> bool:
        with db.session() as session:
            return queries.claim(session, entry_id, NOW, LEASE) is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(try_claim, range(16)))
    assert results.count(True) == 1


def test_migrating_twice_changes_nothing(db: Database):
    enqueue(db)
    db.migrate()
    with db.session() as session:
        assert len(queries.outbox_messages(session)) == 1


def test_what_a_person_waits_for_goes_before_channel_posts_and_reminders(db: Database):
    from slackapi.delivery import PRIORITY

    with db.session() as session:
        for n in range(100):  # a rush: 100 channel posts owed, then a reminder, then one author's confirmation
            queries.owe(session, "post_idea", n, NOW + timedelta(milliseconds=n))
        queries.owe(session, "nudge", 1, NOW + timedelta(seconds=1))
        queries.owe(session, "confirm_idea", 7, NOW + timedelta(seconds=2))
    with db.session() as session:
        due = queries.due_outbox_ids(session, NOW + timedelta(seconds=3), limit=50, rank=PRIORITY)
        kinds = {entry.id: entry.kind for entry in queries.outbox_messages(session)}
    assert kinds[due[0]] == "confirm_idea"  # first, though owed last
    assert [kinds[i] for i in due[1:]] == ["post_idea"] * 49  # then the oldest posts; the reminder after them
