"""Two real bot processes on one PostgreSQL database and one fake Slack: every reminder, the escalation
and the digest go out exactly once, including those that fell due while no bot was running."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg

from bot.submissions import Author, IdeaDraft, submit_idea
from fakeslack.server import FakeSlack
from storage.db import Database
from tests.conftest import POSTGRES_URL
from tests.process import start_process

REVIEWER, TEAM = "U0REVIEW01", "U0TEAM0001"


def test_two_processes_send_every_reminder_escalation_and_digest_once(tmp_path):
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    db = Database.connect(url)
    db.migrate()
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with db.session() as session:  # fell due while no bot was running
        idea = submit_idea(
            session,
            IdeaDraft("Online booking", "Queues", "Book online"),
            Author("U0ALICE001", "T0FAKE0001"),
            an_hour_ago,
            (REVIEWER,),
        )
        idea_id = idea.id
    db.dispose()
    fake = FakeSlack().start()
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)  # the digest fell due a minute ago
    schedule = f"{a_minute_ago:%a %H:%M}".lower()
    settings = {
        "INNOVATION_TEAM": TEAM,
        "NUDGE_AFTER": "1s",
        "NUDGE_REPEAT": "1s",
        "NUDGE_MAX": "2",
        "WORKING_DAYS": "mon-sun",
        "WORKING_HOURS": "00:00-24:00",
        "DIGEST_CHANNELS": "C0DIGEST01,C0DIGEST02",
        "DIGEST_SCHEDULE": schedule,
        "TIMEZONE": "UTC",
        "TICK_SECONDS": "0.3",
    }
    bots = []
    try:
        for _ in range(2):
            bots.append(start_process(fake, url, tmp_path, **settings))
        fake.wait_for(lambda: len(fake.posts(TEAM)) >= 1, timeout=30)
        fake.wait_for(lambda: fake.posts("C0DIGEST01") and fake.posts("C0DIGEST02"), timeout=30)
        time.sleep(3)  # both processes keep ticking: nothing more may arrive
        reminders = [p for p in fake.posts(REVIEWER) if "Reminder" in p["text"]]
        assert len(reminders) == 2
        assert len(fake.posts(TEAM)) == 1 and "without feedback" in fake.posts(TEAM)[0]["text"]
        assert len(fake.posts("C0DIGEST01")) == 1 and len(fake.posts("C0DIGEST02")) == 1
        assert "Online booking" in str(fake.posts("C0DIGEST01")[0]["blocks"])
        assert all(str(idea_id) in str(reminder["blocks"]) for reminder in reminders)  # their buttons
    finally:
        for bot in bots:
            bot.stop()
        fake.stop()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")
