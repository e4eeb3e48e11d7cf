"""Reminders and escalation against a moving clock, on SQLite and PostgreSQL: due in working time, in
each reviewer's time zone, stopped by feedback, snoozable, escalated once, and never sent twice."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bot import nudges, reviews
from bot.clock import ManualClock
from bot.config import Settings
from bot.nudges import Policy
from bot.reviews import Deciders
from bot.submissions import Author, IdeaDraft, submit_idea
from bot.worktime import zone
from fakeslack.server import FakeSlack
from slackapi.delivery import Channels, Delivery
from slackapi.notifier import SlackNotifier, make_web_client
from storage import queries
from storage.db import Database

REVIEWER, LISBON_REVIEWER, TEAM, AUTHOR = "U0REVIEW01", "U0LISBON01", "U0TEAM0001", "U0ALICE001"
ZONES = {REVIEWER: "Europe/Brussels", LISBON_REVIEWER: "Europe/Lisbon"}
FRIDAY_3PM = datetime(2026, 11, 27, 14, tzinfo=UTC)  # 15:00 in Brussels
POLICY = Policy.from_settings(  # 3d, 2d, max 3, then the innovation team
    Settings(bot_token="xoxb-x", ideas_channel="C0IDEAS001", innovation_team=(TEAM,))
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(FRIDAY_3PM)


def an_idea(db: Database, clock: ManualClock, reviewers=(REVIEWER,)) -> int:
    with db.session() as session:
        idea = submit_idea(
            session,
            IdeaDraft("Online booking", "Queues", "Book online"),
            Author(AUTHOR, "T0FAKE0001"),
            clock.now(),
            reviewers,
        )
        idea.channel_id, idea.message_ts = "C0IDEAS001", "1700000001.000100"  # as if posted
        return idea.id


def tick(db: Database, clock: ManualClock) -> int:
    with db.session() as session:
        return nudges.tick(session, clock.now(), POLICY, ZONES.get)


def owed(db: Database, kind: str) -> list:
    with db.session() as session:
        return [entry for entry in queries.outbox_messages(session) if entry.kind == kind]


def test_the_first_reminder_comes_after_three_working_days_and_only_once(db, clock):
    an_idea(db, clock)
    clock.advance(timedelta(days=4, hours=23))  # Wednesday 14:00 in Brussels: 2 working days and 7 hours
    assert tick(db, clock) == 0
    clock.advance(timedelta(hours=1))  # Wednesday 15:00: three working days
    assert tick(db, clock) == 1
    assert tick(db, clock) == 0  # the same minute again, or a second process: nothing more
    assert len(owed(db, "nudge")) == 1


def test_nothing_is_sent_at_night_or_at_the_weekend(db, clock):
    always_due = Policy(POLICY.working, timedelta(0), POLICY.repeat, 3, "Europe/Brussels")
    an_idea(db, clock)
    clock.advance(timedelta(hours=9))  # Friday 00:00 -> Saturday 00:00 Brussels
    with db.session() as session:
        assert nudges.tick(session, clock.now(), always_due, ZONES.get) == 0
    clock.advance(timedelta(days=2, hours=9))  # Monday 09:00 Brussels (08:00 UTC)
    with db.session() as session:
        assert nudges.tick(session, clock.now(), always_due, ZONES.get) == 1


def test_each_reviewer_is_reminded_in_their_own_time_zone(db, clock):
    an_idea(db, clock, reviewers=(REVIEWER, LISBON_REVIEWER))
    clock.advance(timedelta(days=5, hours=2, minutes=30))  # Wednesday 16:30 UTC: 17:30 Brussels, 16:30 Lisbon
    assert tick(db, clock) == 1
    with db.session() as session:
        [sent] = queries.nudges_of(session, 1)
    assert sent.reviewer_id == LISBON_REVIEWER
    clock.advance(timedelta(hours=16))  # Thursday 09:30 Brussels
    assert tick(db, clock) == 1


def test_feedback_stops_the_reminders_and_an_edit_restarts_them(db, clock):
    idea_id = an_idea(db, clock)
    with db.session() as session:
        reviews.decide(session, idea_id, REVIEWER, "needs_info", clock.now(), Deciders(), comment="Cost?")
    clock.advance(timedelta(days=10))
    assert tick(db, clock) == 0
    with db.session() as session:
        reviews.edit_idea(session, idea_id, AUTHOR, IdeaDraft("Online booking", "Queues", "5k a year"), clock.now())
    assert tick(db, clock) == 0
    clock.advance(timedelta(days=3))  # Monday 15:00 edit -> Thursday 15:00: three working days
    assert tick(db, clock) == 1


def test_snooze_postpones_the_next_reminder_by_two_working_days(db, clock):
    hourly = Policy(POLICY.working, POLICY.after, timedelta(hours=1), 3, "Europe/Brussels")
    brussels = zone("Europe/Brussels")

    def run() -> int:
        with db.session() as session:
            return nudges.tick(session, clock.now(), hourly, ZONES.get)

    idea_id = an_idea(db, clock)
    clock.advance(timedelta(days=5))  # Wednesday 15:00: the first reminder
    assert run() == 1
    with db.session() as session:
        until = nudges.snooze(session, idea_id, REVIEWER, clock.now(), hourly, brussels)
    assert until.astimezone(brussels) == datetime(2026, 12, 4, 15, tzinfo=brussels)  # Friday 15:00
    clock.advance(timedelta(days=1))  # Thursday: without the snooze, reminders would be hourly by now
    assert run() == 0
    clock.advance(timedelta(days=1))  # Friday 15:00
    assert run() == 1


def test_after_the_last_reminder_the_team_is_told_once(db, clock, fake_slack: FakeSlack):
    idea_id = an_idea(db, clock)
    for _ in range(30):
        clock.advance(timedelta(days=1))
        tick(db, clock)
    assert len(owed(db, "nudge")) == 3 and len(owed(db, "escalation")) == 1
    notifier = SlackNotifier(make_web_client(fake_slack.token, fake_slack.api_url))
    delivery = Delivery(db, notifier, clock, Channels("C0IDEAS001", "C0IDEAS001"))
    while delivery.deliver_due():  # reminders, the escalation (and the idea's own post entries)
        pass
    reminders = fake_slack.posts(REVIEWER)
    assert len(reminders) == 3 and "waited" in reminders[0]["text"] + str(reminders[0]["blocks"])
    actions = [e["action_id"] for b in reminders[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["idea_approve", "idea_needs_info", "idea_decline", "idea_snooze"]
    [escalation] = fake_slack.posts(TEAM)
    assert f"<@{REVIEWER}>" in str(escalation["blocks"]) and "without feedback" in escalation["text"]
    assert idea_id


def test_two_processes_ticking_at_once_claim_each_reminder_once(db, clock, database_url):
    for _ in range(10):
        an_idea(db, clock, reviewers=(REVIEWER, LISBON_REVIEWER))
    clock.advance(timedelta(days=5, hours=1))  # Wednesday 16:00 UTC: due for both
    other = Database.connect(database_url)

    def run(database: Database) -> int:
        with database.session() as session:
            return nudges.tick(session, clock.now(), POLICY, ZONES.get)

    with ThreadPoolExecutor(max_workers=4) as pool:
        claimed = sum(pool.map(run, [db, other, db, other]))
    other.dispose()
    assert claimed == 20 and len(owed(db, "nudge")) == 20


@pytest.mark.parametrize("submitted_hours_after_friday_3pm", [66, 0, 2.5, 70])  # Mon 09:00, Fri 15:00, 17:30, Mon 13:00
def test_the_next_reminder_shown_is_exactly_when_it_goes_out(db, clock, submitted_hours_after_friday_3pm):
    # Monday 09:00 plus three working days ends at Wednesday 17:00 sharp, when nothing may be sent: the
    # App Home once said "Wednesday 17:00" and the reminder came Thursday 09:00
    clock.advance(timedelta(hours=submitted_hours_after_friday_3pm))
    idea_id = an_idea(db, clock)
    with db.session() as session:
        shown = nudges.next_nudge(session, queries.get_idea(session, idea_id), POLICY, ZONES.get, clock.now())
    assert POLICY.working.is_working(shown, zone("Europe/Brussels"))
    clock.advance(shown - clock.now() - timedelta(minutes=1))
    assert tick(db, clock) == 0
    clock.advance(timedelta(minutes=1))
    assert tick(db, clock) == 1
