"""The weekly digest on both databases: its content, its limits, once per channel and week, the preview."""

from datetime import UTC, datetime, time, timedelta

from blocks.digest import digest_message, digest_text
from bot import reviews
from bot.digest import build_digest, last_scheduled, owe_due_digests
from bot.reviews import Deciders
from bot.submissions import Author, IdeaDraft, submit_idea
from bot.worktime import zone
from storage import queries
from tests.test_main import run_main

BRUSSELS = zone("Europe/Brussels")
MONDAY_9 = datetime(2026, 11, 30, 8, tzinfo=UTC)  # Monday 09:00 in Brussels
WEEK_AGO = MONDAY_9 - timedelta(days=7)
REVIEWER = "U0REVIEW01"


def idea(session, title: str, author: str, when: datetime, anonymous: bool = False):
    draft = IdeaDraft(title=title, problem="p", proposal="q", anonymous=anonymous)
    return submit_idea(session, draft, Author(author, "T0FAKE0001"), when, (REVIEWER,))


def test_the_digest_tells_the_week(db):
    with db.session() as session:
        old = idea(session, "Old idea still waiting", "U0OLD00001", WEEK_AGO - timedelta(days=20))
        booked = idea(session, "Online booking", "U0ALICE001", WEEK_AGO + timedelta(days=1))
        idea(session, "Secret idea", "U0SHY00001", WEEK_AGO + timedelta(days=2), anonymous=True)
        reviews.decide(
            session, booked.id, REVIEWER, "approve", WEEK_AGO + timedelta(days=3), Deciders(), comment="Go for it"
        )
        reviews.support(session, booked.id, "U0FAN00001", "support", WEEK_AGO + timedelta(days=4), booked.workspace_id)
        queries.add_join(session, "T0FAKE0001", "U0JOIN0001", f"idea:{old.id}", WEEK_AGO + timedelta(days=4))
    with db.session() as session:
        digest = build_digest(session, WEEK_AGO, MONDAY_9)
    text = digest_text(digest)
    assert "New this week: 2 ideas, 0 challenges" in text and "Online booking" in text
    assert f"@{REVIEWER} approved this idea: Go for it" in text
    assert "Old idea still waiting" in text and "waiting on @U0REVIEW01" in text
    assert "1 person joined existing work" in text and "1 supporter" in text
    assert "@U0ALICE001" in text and "1 anonymous colleague" in text and "U0SHY00001" not in text
    assert "U0SHY00001" not in str(digest_message(digest).as_kwargs())


def test_an_empty_week_gets_a_short_message_not_silence(db):
    with db.session() as session:
        digest = build_digest(session, WEEK_AGO, MONDAY_9)
    message = digest_message(digest)
    assert "A quiet week" in str(message.as_kwargs()) and message.text


def test_long_lists_end_with_and_n_more_within_slack_limits(db):
    with db.session() as session:
        for n in range(120):
            idea(session, f"Idea number {n} " + "x" * 120, f"U0P{n:07d}", WEEK_AGO + timedelta(hours=n))
    with db.session() as session:
        message = digest_message(build_digest(session, WEEK_AGO, MONDAY_9))
    payload = message.as_kwargs()  # builds every block: Slack's limits are checked here
    assert len(payload["blocks"]) <= 50
    assert "and 115 more" in str(payload)


def test_each_channel_gets_each_week_once_even_after_a_restart(db):
    channels = ("C0DIGEST01", "C0DIGEST02")

    def tick(at: datetime) -> int:
        with db.session() as session:
            return owe_due_digests(session, at, channels, 0, time(9), BRUSSELS)

    assert tick(MONDAY_9 - timedelta(minutes=1)) == 0  # last week's is long past: no late surprise
    assert tick(MONDAY_9 + timedelta(hours=26)) == 2  # the bot was down at 09:00: sent once it is back
    assert tick(MONDAY_9 + timedelta(hours=27)) == 0  # and never again, whichever process ticks
    assert tick(MONDAY_9 + timedelta(days=7)) == 2  # next week's
    with db.session() as session:
        assert len([e for e in queries.outbox_messages(session) if e.kind == "digest"]) == 4


def test_the_schedule_is_read_in_the_team_time_zone():
    assert last_scheduled(MONDAY_9, 0, time(9), BRUSSELS) == MONDAY_9
    assert last_scheduled(MONDAY_9 - timedelta(seconds=1), 0, time(9), BRUSSELS) == WEEK_AGO


def test_digest_preview_prints_the_week_so_far(tmp_path, database_url):
    result = run_main({"DATABASE_URL": database_url}, tmp_path, "digest", "--preview")
    assert result.returncode == 0 and result.stdout.startswith("Innovation digest")
    assert "A quiet week" in result.stdout
    both = run_main({"DATABASE_URL": database_url}, tmp_path, "digest")
    assert both.returncode == 2 and "--preview or --send" in both.stderr


def test_digest_preview_names_people_as_the_bot_knows_them_never_by_a_raw_mention(tmp_path, db, database_url):
    now = datetime.now(UTC)
    with db.session() as session:
        draft = IdeaDraft(title="Quiet rooms", problem="p", proposal="q")
        submit_idea(session, draft, Author("U0ALICE001", "T0FAKE0001"), now, (REVIEWER, "U0NONAME01"))
        queries.save_slack_profile(session, REVIEWER, "Europe/Lisbon", "pt-PT", now, "Maria Silva")
    result = run_main({"DATABASE_URL": database_url}, tmp_path, "digest", "--preview")
    assert result.returncode == 0, result.stderr
    assert "waiting on @Maria Silva, @U0NONAME01" in result.stdout  # the name known, else the ID
    assert "<@" not in result.stdout and "@U0REVIEW01" not in result.stdout


def test_digest_send_posts_to_every_digest_channel_now(tmp_path, database_url):
    from fakeslack.server import FakeSlack
    from tests.conftest import SIGNING_SECRET

    fake = FakeSlack().start()
    try:
        env = {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": fake.token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            "IDEAS_CHANNEL": "C0IDEAS001",
            "DIGEST_CHANNELS": "C0DIGEST01,C0DIGEST02",
        }
        result = run_main(env, tmp_path, "digest", "--send")
        assert result.returncode == 0 and "digest sent to 2 channel(s)" in result.stdout
        assert len(fake.posts("C0DIGEST01")) == 1 and len(fake.posts("C0DIGEST02")) == 1
        assert "Innovation digest" in fake.posts("C0DIGEST01")[0]["text"]
    finally:
        fake.stop()


def test_a_digest_covers_its_own_week_and_nobody_waits_a_negative_time(db):
    # a catch-up digest built after the week ended: an idea submitted since belongs to next week's
    with db.session() as session:
        idea(session, "Waiting since before the week", "U0OLD00001", WEEK_AGO - timedelta(days=2))
        idea(session, "Submitted after the week ended", "U0NEW00001", MONDAY_9 + timedelta(days=2))
    with db.session() as session:
        digest = build_digest(session, WEEK_AGO, MONDAY_9)
    text = digest_text(digest)
    assert "Waiting since before the week" in text and "9 days" in text
    assert "Submitted after the week ended" not in text
    assert all(days >= 0 for _idea, days in digest.waiting)


def test_a_workspace_digest_holds_only_its_own_ideas_and_names_who_changed_its_settings(db):
    from bot.config import Settings
    from bot.workspaces import Workspaces, WorkspaceSettings

    workspaces = Workspaces(Settings(bot_token="xoxb-x", ideas_channel="C0IDEAS001"), timedelta(days=30))
    with db.session() as session:
        idea(session, "Ours", "U0ALICE001", WEEK_AGO + timedelta(days=1))
        other = IdeaDraft(title="Theirs", problem="p", proposal="q")
        submit_idea(session, other, Author("U0BOB00001", "T0OTHER001"), WEEK_AGO + timedelta(days=1))
        workspaces.change(
            session,
            "T0FAKE0001",
            "U0ADMIN001",
            WorkspaceSettings(ideas_channel="C0NEW00001"),
            WEEK_AGO + timedelta(days=2),
        )
    with db.session() as session:
        ours = build_digest(session, WEEK_AGO, MONDAY_9, "T0FAKE0001")
        everyone = build_digest(session, WEEK_AGO, MONDAY_9)
    assert [i.title for i in ours.new_ideas] == ["Ours"] and len(everyone.new_ideas) == 2
    shown = str(digest_message(ours).as_kwargs())
    assert "Settings changed this week" in shown and "Ideas channel changed by <@U0ADMIN001>" in shown
    assert "Theirs" not in shown


def test_what_we_learned_puts_failures_first_and_the_months_first_digest_looks_back_over_the_quarter(db):
    first_monday = datetime(2026, 12, 7, 8, tzinfo=UTC)  # the first digest of December
    week_start = first_monday - timedelta(days=7)
    with db.session() as session:
        for title, outcome, when in (
            ("Chatbot for permits", "success", week_start + timedelta(days=1)),
            ("Paperless invoices", "failure", week_start + timedelta(days=2)),
            ("Shared car pool", "partial", datetime(2026, 10, 20, 10, tzinfo=UTC)),  # earlier this quarter
            ("Old summer trial", "failure", datetime(2026, 9, 20, 10, tzinfo=UTC)),  # last quarter
        ):
            tried = idea(session, title, "U0ALICE001", when - timedelta(days=1))
            reviews.decide(session, tried.id, REVIEWER, "approve", when, Deciders())
            reviews.decide(
                session, tried.id, REVIEWER, "complete", when, Deciders(), outcome=outcome, comment=f"Lesson of {title}"
            )
    with db.session() as session:
        text = digest_text(build_digest(session, week_start, first_monday))
        mid_month = digest_text(build_digest(session, week_start - timedelta(days=7), week_start))
    learned = text.index("What we learned")
    assert learned < text.index("Paperless invoices", learned) < text.index("Chatbot for permits", learned)
    quarter = text.index("Lessons of the quarter since 1 October 2026")
    assert "Shared car pool" in text[quarter:] and "Lesson of Shared car pool" in text[quarter:]
    assert "Old summer trial" not in text
    assert "Lessons of the quarter" not in mid_month  # once a month
