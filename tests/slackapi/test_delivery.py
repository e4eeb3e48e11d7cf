"""Nothing is lost when Slack fails: every owed message goes out once, after outages and restarts."""

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.clock import ManualClock
from bot.submissions import Author, IdeaDraft, submit_idea
from fakeslack.server import FakeSlack
from slackapi.delivery import Channels, Delivery, RetryPolicy
from slackapi.notifier import SlackNotifier, make_web_client
from storage import queries
from storage.db import Database
from storage.models import Idea
from tests.conftest import ALICE, FAST_RETRY, IDEAS, REVIEWER, RunningBot, start_bot
from tests.e2e.helpers import posted_idea, press_and_fill, wait_until_confirmed
from tests.e2e.helpers import submit_idea as submit_idea_in_slack

DRAFT = IdeaDraft(title="Online booking", problem="Queues", proposal="Book online")
AUTHOR = Author(user_id=ALICE, workspace_id="T0FAKE0001")


def ideas(bot: RunningBot) -> list[Idea]:
    with bot.runtime.db.session() as session:
        return list(session.exec(select(Idea)).all())


def deliver_until_sent(db: Database, delivery: Delivery, seconds: float) -> None:
    """Run delivery passes until every outbox entry is sent, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        delivery.deliver_due()
        with db.session() as session:
            if all(entry.status == "sent" for entry in queries.outbox_messages(session)):
                return
        time.sleep(0.05)


def test_three_server_errors_then_success_posts_exactly_once(bot: RunningBot):
    bot.slack.fail("chat.postMessage", times=3, status=500)
    reply = submit_idea_in_slack(bot)
    assert reply.json()["response_action"] == "update"  # saved and confirmed although Slack is failing
    wait_until_confirmed(bot)
    assert len(bot.slack.calls("chat.postMessage", ok_only=False)) >= 5
    assert len(bot.slack.posts(IDEAS)) == 1 and len(bot.slack.posts(ALICE)) == 1


def test_rate_limiting_is_waited_out_and_posts_once(bot: RunningBot):
    bot.slack.fail("chat.postMessage", times=2, status=429, retry_after=1)
    submit_idea_in_slack(bot)
    wait_until_confirmed(bot, timeout=15)
    assert len(bot.slack.posts(IDEAS)) == 1 and len(bot.slack.posts(ALICE)) == 1


def test_dropped_connections_are_retried(bot: RunningBot):
    bot.slack.fail("chat.postMessage", times=4, status=0)
    submit_idea_in_slack(bot)
    wait_until_confirmed(bot)
    assert len(bot.slack.posts(IDEAS)) == 1 and len(bot.slack.posts(ALICE)) == 1


def test_a_submission_made_during_an_outage_is_posted_once_after_a_restart(fake_slack: FakeSlack, database_url):
    first = start_bot(fake_slack, database_url)
    fake_slack.fail("chat.postMessage", times=10_000, status=503)
    submit_idea_in_slack(first)
    first.slack.wait_for(lambda: len(fake_slack.calls("chat.postMessage", ok_only=False)) >= 2)
    first.stop()
    [idea] = ideas(first)
    assert idea.message_ts is None  # saved, not yet posted

    fake_slack.fail("chat.postMessage", times=0)
    second = start_bot(fake_slack, database_url)
    try:
        wait_until_confirmed(second)
        assert len(fake_slack.posts(IDEAS)) == 1 and len(fake_slack.posts(ALICE)) == 1
        [idea] = ideas(second)
        assert idea.message_ts == fake_slack.posts(IDEAS)[0]["ts"]
    finally:
        second.stop()


def test_two_deliverers_never_post_the_same_idea_twice(db: Database, fake_slack: FakeSlack):
    clock = ManualClock(datetime(2026, 11, 30, 9, tzinfo=UTC))
    with db.session() as session:
        for _ in range(20):
            submit_idea(session, DRAFT, AUTHOR, clock.now())
    notifier = SlackNotifier(make_web_client(fake_slack.token, fake_slack.api_url))
    deliverers = [Delivery(db, notifier, clock, Channels(IDEAS, IDEAS)) for _ in range(2)]

    threads = [threading.Thread(target=d.deliver_due) for d in deliverers * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    while any(d.deliver_due() for d in deliverers):  # confirmations owed by the posts
        pass
    assert len(fake_slack.posts(IDEAS)) == 20
    assert len(fake_slack.posts(ALICE)) == 20


def test_a_refused_message_is_kept_and_retried_later_when_the_cause_is_configuration(
    db: Database, fake_slack: FakeSlack
):
    clock = ManualClock(datetime(2026, 11, 30, 9, tzinfo=UTC))
    with db.session() as session:
        submit_idea(session, DRAFT, AUTHOR, clock.now())
    token = ["xoxb-revoked"]  # the administrator reinstalls the app: the workspace's token changes
    notifier = SlackNotifier(make_web_client(token[0], fake_slack.api_url))
    delivery = Delivery(
        db,
        notifier,
        clock,
        Channels(IDEAS, IDEAS),
        RetryPolicy(),
        notifier_for=lambda _workspace: SlackNotifier(make_web_client(token[0], fake_slack.api_url)),
    )
    assert delivery.deliver_due() == 0
    with db.session() as session:
        [entry] = [e for e in queries.outbox_messages(session) if e.kind == "post_idea"]
    assert entry.status == "pending" and entry.last_error == "rejected: invalid_auth"

    token[0] = fake_slack.token
    assert delivery.deliver_due() == 0  # not due yet: back-off
    clock.advance(timedelta(seconds=3))
    assert delivery.deliver_due() == 2  # the author's confirmation (its post was late: without a link), the post
    assert len(fake_slack.posts(IDEAS)) == 1


def test_back_off_doubles_up_to_a_ceiling_and_honours_retry_after():
    policy = RetryPolicy(first=timedelta(seconds=2), most=timedelta(seconds=60))
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 4, 10)] == [2, 4, 8, 16, 60]
    assert policy.delay(1, retry_after=30).total_seconds() == 30


def test_a_post_that_slack_accepted_before_a_crash_is_found_not_doubled(db: Database, fake_slack: FakeSlack):
    clock = ManualClock(datetime.now(UTC))
    with db.session() as session:
        idea = submit_idea(session, DRAFT, AUTHOR, clock.now())
    notifier = SlackNotifier(make_web_client(fake_slack.token, fake_slack.api_url))
    delivery = Delivery(db, notifier, clock, Channels(IDEAS, IDEAS))
    # The first attempt: claimed, posted in Slack, then the process died before recording anything.
    with db.session() as session:
        [entry] = [e for e in queries.outbox_messages(session) if e.kind == "post_idea"]
        assert queries.claim(session, entry.id, clock.now(), timedelta(seconds=60)) is not None
    from blocks.posts import idea_post

    first = notifier.post(IDEAS, idea_post(idea, None), marker={"kind": "idea", "id": idea.id})
    clock.advance(timedelta(minutes=2))  # the lease has run out: another worker takes over
    while delivery.deliver_due():
        pass
    assert len(fake_slack.posts(IDEAS)) == 1
    with db.session() as session:
        assert queries.get_idea(session, idea.id).message_ts == first.ts
    assert fake_slack.calls("conversations.history")
    assert len(fake_slack.posts(ALICE)) == 1  # and the author is confirmed once


def _quiet_then_settled(bot: RunningBot) -> None:
    """Wait until the outbox owes nothing more (every entry sent or given up)."""

    def settled() -> bool:
        with bot.runtime.db.session() as session:
            return all(entry.status != "pending" for entry in queries.outbox_messages(session))

    bot.slack.wait_for(settled, timeout=15)


def test_a_post_slack_stored_before_the_connection_dropped_is_not_posted_again(bot: RunningBot):
    bot.slack.fail("chat.postMessage", times=1, status=0, done=True)  # stored, then the answer is lost
    submit_idea_in_slack(bot)
    _quiet_then_settled(bot)
    assert len(bot.slack.posts(IDEAS)) == 1
    assert len(bot.slack.posts(ALICE)) == 1
    [idea] = ideas(bot)
    assert idea.message_ts == bot.slack.posts(IDEAS)[0]["ts"]  # the stored post was found and recorded


def test_a_dm_and_a_thread_reply_whose_answer_was_lost_are_said_once(bot: RunningBot):
    post = posted_idea(bot)
    # Every message of the decision (the thread reply and the author's DM) is stored, then its answer lost.
    bot.slack.fail("chat.postMessage", times=2, status=0, done=True)
    press_and_fill(bot, post, "idea_approve", REVIEWER, {"comment": "Go ahead"})
    _quiet_then_settled(bot)
    replies = [p for p in bot.slack.posts(IDEAS) if p.get("thread_ts") == post["ts"]]
    feedback = [p for p in bot.slack.posts(ALICE) if "Feedback" in p["text"]]
    assert len(replies) == 1 and len(feedback) == 1
    assert bot.slack.calls("conversations.replies") and bot.slack.calls("conversations.open")


def test_without_im_history_a_dm_whose_answer_was_lost_is_sent_again_not_lost(db: Database, fake_slack: FakeSlack):
    clock = ManualClock(datetime.now(UTC))
    with db.session() as session:
        submit_idea(session, DRAFT, AUTHOR, clock.now())
    notifier = SlackNotifier(make_web_client(fake_slack.token, fake_slack.api_url))
    delivery = Delivery(db, notifier, clock, Channels(IDEAS, IDEAS), FAST_RETRY)
    assert delivery.deliver_due() == 1  # the channel post; its confirmation DM is owed now
    fake_slack.fail("chat.postMessage", times=1, status=0, done=True)
    fake_slack.refuse("conversations.history", "missing_scope")
    assert delivery.deliver_due() == 0  # outcome unknown
    clock.advance(timedelta(seconds=1))
    assert delivery.deliver_due() == 1  # cannot look: sent again (it was owed after the post: it carries the link)
    assert len(fake_slack.posts(ALICE)) == 2


def test_a_message_slack_refuses_as_invalid_is_posted_as_plain_text_once_not_retried_forever(bot: RunningBot, caplog):
    bot.slack.section_limit = 500  # Slack refuses what the bot believed within its limits
    submit_idea_in_slack(bot, problem="Queues at the town hall & long waits. " * 30)
    _quiet_then_settled(bot)
    [post] = bot.slack.posts(IDEAS)
    assert "blocks" not in post and "Queues at the town hall &amp; long waits" in post["text"]
    assert len(bot.slack.posts(ALICE)) == 1  # the author is told where it is
    [idea] = ideas(bot)
    assert idea.message_ts == post["ts"]
    refused = bot.slack.calls("chat.postMessage", ok_only=True)
    assert len([c for c in refused if c.args.get("channel") == IDEAS]) == 2  # the refused one, then plain
    assert "sending outbox entry" in caplog.text and "as plain text" in caplog.text


def test_a_channel_post_is_handed_to_a_sender_even_behind_a_rush_of_direct_messages(
    db: Database, fake_slack: FakeSlack
):
    """Found by the load benchmark: each pass took the 50 most urgent entries, so while 50 DMs were due the
    channel's posts were never even looked at, and the channel fell far below its allowed rate."""
    clock = ManualClock(datetime.now(UTC))
    with db.session() as session:
        idea = submit_idea(session, DRAFT, AUTHOR, clock.now())
        for person in range(60):  # 60 people to tell (an edit, say), all due before the post
            queries.owe(session, "notify_edit", idea.id, clock.now(), recipient=f"U0PEOPLE{person:02d}")
    notifier = SlackNotifier(make_web_client(fake_slack.token, fake_slack.api_url))
    delivery = Delivery(db, notifier, clock, Channels(IDEAS, IDEAS), FAST_RETRY, senders=4)
    try:
        handed = delivery.deliver_due()
    finally:
        delivery.close()
    assert handed == 51  # 50 DMs (a pass's batch) and the post, in its own lane
    assert len(fake_slack.posts(IDEAS)) == 1


def test_new_posts_ask_for_their_links_at_chat_getpermalinks_pace(db: Database, fake_slack: FakeSlack):
    """Found by the load benchmark over five channels: every new post asked for its permalink at once, and
    Slack answered hundreds of them 429. Now a link whose moment has not come is asked for later, by the
    author's confirmation, at the method's pace."""

    from bot.clock import SystemClock
    from fakeslack.server import Limits
    from slackapi.pacing import Pacer

    fake_slack.limit(Limits(posts_per_second=50, burst=3, per_minute={"chat.getPermalink": 60}, method_burst=2))
    clock = SystemClock()
    with db.session() as session:
        for n in range(3):
            submit_idea(session, IdeaDraft(f"Idea {n}", "Queues", "Book online"), AUTHOR, clock.now())
    notifier = SlackNotifier(make_web_client(fake_slack.token, fake_slack.api_url))
    pacer = Pacer(db, clock, posts_per_second=50, methods={"chat.getPermalink": (60, 1)})  # half the burst
    delivery = Delivery(db, notifier, clock, Channels(IDEAS, IDEAS), FAST_RETRY, pacer=pacer)
    deliver_until_sent(db, delivery, seconds=15)
    assert [call for call in fake_slack.ratelimited if call[0] == "chat.getPermalink"] == []
    with db.session() as session:
        assert all(idea.permalink for idea in session.exec(select(Idea)).all())
        assert all(entry.status == "sent" for entry in queries.outbox_messages(session))


def test_each_workspaces_channel_posts_on_its_own_sender_however_few_senders_there_are(
    db: Database, fake_slack: FakeSlack
):
    """Found by the load benchmark over five workspaces: four senders served five channels' lanes, so the
    channels took turns and posted at 0.80-0.90 a second instead of 0.95. Here Slack answers each post after a
    second: with two senders, the third workspace's post used to wait for one of the first two."""
    clock = ManualClock(datetime.now(UTC))
    teams = ["T0WORK0001", "T0WORK0002", "T0WORK0003"]
    with db.session() as session:
        for team in teams:
            submit_idea(session, DRAFT, Author(user_id=ALICE, workspace_id=team), clock.now())
    fake_slack.slow("chat.postMessage", 1.0)
    notifier = SlackNotifier(make_web_client(fake_slack.token, fake_slack.api_url))
    delivery = Delivery(
        db,
        notifier,
        clock,
        Channels(IDEAS, IDEAS),
        FAST_RETRY,
        senders=2,
        channels_for=lambda team: Channels(f"C0{team[-4:]}IDEA", IDEAS),
    )
    try:
        started = time.monotonic()
        delivery.deliver_due()
        fake_slack.wait_for(lambda: all(fake_slack.posts(f"C0{team[-4:]}IDEA") for team in teams), timeout=5)
        waited = time.monotonic() - started
    finally:
        delivery.close()
    assert waited < 0.8  # all three reach Slack at once (taking turns, the third reached it a second later)


def test_updates_whose_booked_moments_were_reached_late_do_not_reach_slack_as_one_burst(
    db: Database, fake_slack: FakeSlack
):
    """Found by the load benchmark (~90 chat.update 429s a run): updates booked a second apart, reached late
    by a busy sender, all went to Slack at once, and Slack counts arrivals. Now each waits its turn."""
    from bot.clock import SystemClock
    from fakeslack.server import Limits
    from slackapi.pacing import Pacer

    fake_slack.limit(Limits(posts_per_second=50, burst=5, per_minute={"chat.update": 60}, method_burst=1))
    clock = SystemClock()
    notifier = SlackNotifier(make_web_client(fake_slack.token, fake_slack.api_url))
    pacer = Pacer(db, clock, posts_per_second=50, methods={"chat.update": (60, 1)})
    delivery = Delivery(db, notifier, clock, Channels(IDEAS, IDEAS), FAST_RETRY, pacer=pacer)

    with db.session() as session:
        ideas = [
            submit_idea(session, IdeaDraft(f"Idea {n}", "Queues", "Book online"), AUTHOR, clock.now()) for n in range(4)
        ]
    deliver_until_sent(db, delivery, seconds=10)  # posted
    with db.session() as session:
        for idea in ideas:
            queries.owe(session, "update_post", idea.id, clock.now(), workspace_id=AUTHOR.workspace_id)
    delivery.deliver_due()  # the first update goes; the others book moments a second apart
    time.sleep(3.5)  # the sender is busy elsewhere: every booked moment passes
    deliver_until_sent(db, delivery, seconds=10)
    assert len(fake_slack.calls("chat.update", ok_only=True)) >= 4
    assert [call for call in fake_slack.ratelimited if call[0] == "chat.update"] == []
