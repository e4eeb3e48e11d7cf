"""Faults: double clicks, Slack timing out or gone, the database gone. Nothing committed is lost,
nothing is done twice, people get an answer, and the bot recovers by itself."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from sqlmodel import func, select

from blocks.ids import SUPPORT_BUTTON, idea_move
from fakeslack.sender import Reply, SlackSender
from storage.models import Comment, Decision, Idea, Support
from tests.conftest import ALICE, IDEAS, POSTGRES_URL, REVIEWER, SIGNING_SECRET, RunningBot, start_bot
from tests.e2e.helpers import submit_idea, wait_until_confirmed
from tests.runtime.test_web import get
from tests.tcpproxy import TcpProxy

FIELDS = {"problem": "People queue for two hours", "proposal": "Let them book a slot online"}


def at_once(*calls: Callable[[], Reply]) -> list[Reply]:
    """Run the calls on separate threads, released together, as a double click does."""
    replies: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index: int) -> None:
        start.wait()
        replies[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def count(bot: RunningBot, model: type) -> int:
    with bot.runtime.db.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def posted_idea(bot: RunningBot) -> tuple[int, dict[str, Any]]:
    submit_idea(bot)
    wait_until_confirmed(bot)
    with bot.runtime.db.session() as session:
        idea = session.exec(select(Idea)).one()
    return idea.id, {"type": "message", "ts": idea.message_ts, "text": "", "blocks": []}


def second_sender(bot: RunningBot) -> SlackSender:
    sender = SlackSender(bot.send.events_url, SIGNING_SECRET, bot.slack.response_url())
    sender._trigger = 10_000  # trigger ids of its own
    return sender


def open_idea_form(bot: RunningBot, title: str, user: str = ALICE) -> dict[str, Any]:
    bot.send.command("/idea", title, user=user)
    trigger = bot.send.last_trigger
    return bot.slack.wait_for(lambda: bot.slack.view_opened_for(trigger))


def test_a_double_click_on_approve_records_one_decision(bot: RunningBot):
    idea_id, message = posted_idea(bot)
    other = second_sender(bot)
    presses = at_once(
        lambda: bot.send.block_action(idea_move("approve"), str(idea_id), user=REVIEWER, message=message),
        lambda: other.block_action(idea_move("approve"), str(idea_id), user=REVIEWER, message=message),
    )
    assert [reply.status for reply in presses] == [200, 200]
    forms = [
        bot.slack.wait_for(lambda sender=sender: bot.slack.view_opened_for(sender.last_trigger))
        for sender in (bot.send, other)
    ]
    replies = at_once(
        lambda: bot.send.view_submission(forms[0], {"comment": "Go ahead"}, user=REVIEWER),
        lambda: other.view_submission(forms[1], {"comment": "Go ahead"}, user=REVIEWER),
    )
    assert count(bot, Decision) == 1
    refused = [reply.json() for reply in replies if reply.body]
    assert len(refused) == 1 and "already approved" in json.dumps(refused[0])
    bot.slack.wait_for(lambda: [p for p in bot.slack.posts(IDEAS) if p.get("thread_ts")])
    assert len([p for p in bot.slack.posts(IDEAS) if p.get("thread_ts")]) == 1  # one reply in the thread


def test_two_support_clicks_at_once_count_once(bot: RunningBot):
    idea_id, message = posted_idea(bot)
    other = second_sender(bot)
    replies = at_once(
        *[
            lambda sender=sender: sender.block_action(SUPPORT_BUTTON, str(idea_id), user="U0FAN00001", message=message)
            for sender in (bot.send, other, bot.send, other)
        ]
    )
    assert all(reply.status == 200 for reply in replies)
    bot.slack.wait_for(lambda: len(bot.slack.responses()) >= 4)  # each press is answered once it is recorded
    assert count(bot, Support) == 1
    texts = [response["text"] for response in bot.slack.responses()]
    assert texts.count("Thanks for your support!") == 1


def test_slack_timing_out_then_refusing_connections_loses_nothing_and_acks_go_on(bot: RunningBot):
    bot.runtime.client.timeout = 1
    first, second = open_idea_form(bot, "Online booking"), open_idea_form(bot, "Paperless invoices")
    bot.slack.fail("chat.postMessage", times=2, status=500, delay=1.5)  # answers only after the bot gave up
    assert bot.send.view_submission(first, FIELDS).json()["response_action"] == "update"
    bot.slack.wait_for(lambda: len(bot.slack.calls("chat.postMessage", ok_only=False)) >= 1)
    bot.slack.go_down()
    try:
        assert bot.send.view_submission(second, FIELDS).json()["response_action"] == "update"
        assert "/ideas search" in bot.send.command("/ideas", "help").body  # still acking
        assert get(f"{bot.url}/healthz")[0] == 200  # Slack being away is not the bot being unhealthy
    finally:
        bot.slack.come_back()
    bot.slack.wait_for(lambda: len(bot.slack.posts(IDEAS)) >= 2 and len(bot.slack.posts(ALICE)) >= 2, timeout=20)
    posted = sorted(p["metadata"]["event_payload"]["id"] for p in bot.slack.posts(IDEAS))
    assert posted == [1, 2]  # each idea once
    assert len(bot.slack.posts(ALICE)) == 2  # each confirmation once


@pytest.fixture
def database_behind_a_proxy(fake_slack):
    """A bot whose PostgreSQL connection passes through a proxy the test can cut."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    proxy = TcpProxy(("127.0.0.1", 5432))
    url = f"postgresql://postgres@127.0.0.1:{proxy.port}/test?options=-csearch_path%3D{schema}"
    running = start_bot(fake_slack, url)
    yield running, proxy
    running.stop()
    proxy.close()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


def test_a_database_outage_gets_apologies_and_the_bot_recovers_by_itself(database_behind_a_proxy):
    bot, proxy = database_behind_a_proxy
    idea_id, message = posted_idea(bot)
    form = open_idea_form(bot, "Paperless invoices")
    proxy.cut()
    try:
        assert get(f"{bot.url}/healthz") == (503, {"status": "unavailable", "database": "down"})
        assert bot.send.command("/ideas", "mine").status == 200  # acked; the answer follows
        bot.slack.wait_for(lambda: any("can't reach my database" in r["text"] for r in bot.slack.responses()))
        apologies = len(bot.slack.responses())
        saving = bot.send.view_submission(form, FIELDS)
        assert saving.json()["response_action"] == "errors"  # the modal stays open with the text
        assert "text is still here" in json.dumps(saving.json())
        assert bot.send.block_action(SUPPORT_BUTTON, str(idea_id), user="U0FAN00001", message=message).status == 200
        bot.slack.wait_for(lambda: len(bot.slack.responses()) > apologies)
        assert "can't reach my database" in bot.slack.responses()[-1]["text"]
    finally:
        proxy.restore()
    bot.slack.wait_for(lambda: get(f"{bot.url}/healthz")[0] == 200)
    assert bot.send.view_submission(form, FIELDS).json()["response_action"] == "update"
    bot.slack.wait_for(lambda: len(bot.slack.posts(IDEAS)) == 2)
    assert count(bot, Idea) == 2  # the first idea outlived the outage; the second was saved after it
    assert sorted(p["metadata"]["event_payload"]["id"] for p in bot.slack.posts(IDEAS)) == [1, 2]


def test_a_thread_reply_that_arrives_during_an_outage_is_refused_so_slack_retries_and_kept_once(
    database_behind_a_proxy,
):
    bot, proxy = database_behind_a_proxy
    _, message = posted_idea(bot)
    event = {
        "token": "legacy",
        "team_id": "T0FAKE0001",
        "api_app_id": "A0INNOVATE",
        "type": "event_callback",
        "event_id": "Ev0OUTAGE01",
        "event_time": 1700000000,
        "event": {
            "type": "message",
            "channel": IDEAS,
            "user": REVIEWER,
            "text": "Looks good, try it in one office first",
            "ts": "1700000100.000300",
            "thread_ts": message["ts"],
            "channel_type": "channel",
        },
    }
    proxy.cut()
    try:
        assert bot.send.post_raw_json(event).status == 503  # not acknowledged: Slack will retry
    finally:
        proxy.restore()
    bot.slack.wait_for(lambda: get(f"{bot.url}/healthz")[0] == 200)
    assert bot.send.post_raw_json(event, retry_num=1).status == 200
    assert bot.send.post_raw_json(event, retry_num=2).status == 200  # a retry of one already kept
    with bot.runtime.db.session() as session:
        [comment] = session.exec(select(Comment)).all()
        [idea] = session.exec(select(Idea)).all()
    assert comment.is_feedback and "one office" in comment.text
    assert idea.status == "in_review" and idea.awaiting_since is None


def test_a_database_that_stops_answering_gets_a_prompt_503_and_acks_go_on(database_behind_a_proxy):
    bot, proxy = database_behind_a_proxy
    posted_idea(bot)
    proxy.black_hole()
    try:
        started = time.monotonic()
        assert get(f"{bot.url}/healthz") == (503, {"status": "unavailable", "database": "down"})
        assert time.monotonic() - started < 3  # a load balancer's check, Slack's 3 s: answered in time
        assert get(f"{bot.url}/healthz")[0] == 503  # the stuck check is not started again
        reply = bot.send.command("/ideas", "help")
        assert reply.status == 200 and reply.seconds < 3
    finally:
        proxy.restore()
