"""Broken, forged and hostile requests: a 4xx or a polite message, never a 500, never a changed row."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlmodel import func, select

from blocks.ids import SUPPORT_BUTTON, idea_move
from fakeslack.sender import APP_ID, sign
from fakeslack.server import WORKSPACE, FakeSlack
from runtime.web import ReplayGuard
from storage.db import Database
from storage.models import Decision, Idea, OutboxMessage, Support
from tests.conftest import REVIEWER, SIGNING_SECRET, RunningBot, start_bot
from tests.e2e.helpers import submit_idea, wait_until_confirmed


def row_counts(bot: RunningBot) -> dict[str, int]:
    with bot.runtime.db.session() as session:
        return {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Idea, Decision, Support, OutboxMessage)
        }


def user(user_id: str, team: str = WORKSPACE) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team}


@pytest.fixture
def posted_idea(bot: RunningBot) -> tuple[int, str]:
    submit_idea(bot, title="Online booking for the registry office")
    wait_until_confirmed(bot)
    with bot.runtime.db.session() as session:
        idea = session.exec(select(Idea)).one()
    return idea.id, idea.message_ts


def test_bodies_that_are_not_what_slack_sends_get_a_400(bot: RunningBot):
    before = row_counts(bot)
    cases = [
        (b"this is not json", "application/json"),
        (b'{"type": "event_callback", "event": ', "application/json"),
        (b"payload=not-json-at-all", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),  # a JSON list, not an object
        (b"[]", "application/json"),
    ]
    for body, content_type in cases:
        ts = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(SIGNING_SECRET, ts, body.decode()),
        }
        reply = bot.send.post_raw(body, headers)
        assert reply.status == 400, (body, reply)
    assert row_counts(bot) == before


def test_payloads_missing_the_fields_slack_always_sends_are_refused_not_crashed(bot: RunningBot):
    before = row_counts(bot)
    payloads = [
        {"type": "block_actions"},
        {"type": "block_actions", "actions": [{"action_id": idea_move("approve")}]},
        {"type": "block_actions", "user": {"id": REVIEWER}, "actions": [{"action_id": SUPPORT_BUTTON}]},
        {"type": "view_submission", "user": {"id": REVIEWER}},
        {"type": "view_submission", "view": {"callback_id": "idea_modal"}},
        {"type": "shortcut", "callback_id": "nothing"},
        {"type": "event_callback", "event": {"type": "message"}},
    ]
    for payload in payloads:
        reply = bot.send.post_payload(payload)
        assert 200 <= reply.status < 500, (payload, reply)
    reply = bot.send.post_form(urlencode({"command": "/idea"}))  # a slash command with no user or trigger
    assert 200 <= reply.status < 500
    assert row_counts(bot) == before


def test_an_unknown_action_or_view_gets_a_4xx(bot: RunningBot):
    reply = bot.send.block_action("no_such_button", "1")
    assert reply.status == 404
    view = {"id": "V0NEVER001", "type": "modal", "callback_id": "never_opened", "private_metadata": "", "blocks": []}
    assert bot.send.view_submission(view, {}).status == 404


def test_a_submission_for_a_view_the_bot_never_opened_is_checked_like_any_other(bot: RunningBot):
    """A forged idea form with a forged challenge link and nothing typed: field errors, nothing stored."""
    before = row_counts(bot)
    bot.send.command("/idea", "A real title")
    view = bot.slack.wait_for(lambda: bot.slack.view_opened_for(bot.send.last_trigger))
    forged = {**view, "id": "V0FORGED01", "private_metadata": json.dumps({"challenge_id": 99999, "x": "<!channel>"})}
    reply = bot.send.view_submission(forged, {"title": "", "problem": "", "proposal": ""})
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert row_counts(bot) == before


def test_a_button_for_an_idea_that_does_not_exist_gets_a_polite_answer(bot: RunningBot):
    before = row_counts(bot)
    for value in ("999999", "-1", "abc", "", "1e9", "1" * 400):
        reply = bot.send.block_action(idea_move("approve"), value, user=REVIEWER)
        assert reply.status == 200, value
    bot.slack.wait_for(lambda: len(bot.slack.responses()) + len(bot.slack.calls("chat.postEphemeral")) >= 6)
    said = json.dumps(bot.slack.responses()) + bot.slack.everything_sent()
    assert "Traceback" not in said and "Error" not in said
    assert "no longer exists" in said or "can't find" in said or "cannot find" in said
    assert row_counts(bot) == before


def test_a_button_from_another_workspace_cannot_touch_this_workspaces_idea(bot: RunningBot, posted_idea):
    idea_id, ts = posted_idea
    before = row_counts(bot)
    payload = {
        "type": "block_actions",
        "user": user(REVIEWER, team="T0OTHER001"),
        "team": {"id": "T0OTHER001", "domain": "other"},
        "api_app_id": APP_ID,
        "trigger_id": "1.2.x",
        "container": {"type": "message", "message_ts": ts, "channel_id": "C0IDEAS001"},
        "channel": {"id": "C0IDEAS001"},
        "message": {"type": "message", "ts": ts, "text": "", "blocks": []},
        "response_url": bot.slack.response_url(),
        "actions": [{"action_id": SUPPORT_BUTTON, "value": str(idea_id), "type": "button"}],
    }
    answered = len(bot.slack.responses())
    assert bot.send.post_payload(payload).status == 200
    bot.slack.wait_for(lambda: len(bot.slack.responses()) > answered)
    assert bot.slack.responses()[-1]["text"] == "That idea no longer exists."  # as far as that workspace knows
    assert row_counts(bot) == before


def signed_help(bot: RunningBot, timestamp: int | None = None, trigger: str = "t") -> tuple[bytes, dict[str, str]]:
    """A signed `/ideas help` as Slack sends it, to be sent (and replayed) as is."""
    fields = {"command": "/ideas", "text": "help", "team_id": WORKSPACE, "user_id": "U0X", "trigger_id": trigger}
    body = urlencode({**fields, "response_url": bot.slack.response_url()})
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign(SIGNING_SECRET, ts, body),
    }
    return body.encode(), headers


def test_a_replayed_request_is_refused(bot: RunningBot):
    body, headers = signed_help(bot)
    assert bot.send.post_raw(body, headers).status == 200
    assert bot.send.post_raw(body, headers).status == 401


def test_a_replay_is_refused_after_a_restart_and_by_another_process(fake_slack: FakeSlack, database_url: str):
    first = start_bot(fake_slack, database_url)
    body, headers = signed_help(first)
    try:
        assert first.send.post_raw(body, headers).status == 200
    finally:
        first.stop()
    restarted, other = start_bot(fake_slack, database_url), start_bot(fake_slack, database_url)
    try:
        assert restarted.send.post_raw(body, headers).status == 401
        body, headers = signed_help(restarted, trigger="t2")  # a new request
        assert restarted.send.post_raw(body, headers).status == 200
        assert other.send.post_raw(body, headers).status == 401  # a second process on the same database
    finally:
        restarted.stop()
        other.stop()


def test_a_request_stamped_in_the_future_is_remembered_until_it_no_longer_verifies(db: Database, monkeypatch):
    now = time.time()
    ReplayGuard(db).first_time("v0=future", int(now) + 280)
    monkeypatch.setattr(time, "time", lambda: now + 400)  # past what an in-memory 330 s would remember
    assert not ReplayGuard(db).first_time("v0=future", int(now) + 280)  # a new process, the same database


def test_a_request_stamped_more_than_five_minutes_ahead_is_refused(bot: RunningBot):
    body, headers = signed_help(bot, timestamp=int(time.time()) + 6 * 60)
    assert bot.send.post_raw(body, headers).status == 401


def test_a_bug_in_a_listener_gets_an_apology_and_keeps_the_form_open(bot: RunningBot, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot.runtime.services.matches, "find", broken)
    reply = bot.send.command("/ideas", "search parking")
    assert reply.status == 200
    bot.slack.wait_for(lambda: bot.slack.responses())
    assert "something went wrong on my side" in bot.slack.responses()[-1]["text"]

    monkeypatch.setattr("bot.submissions.submit_idea", broken)
    reply = submit_idea(bot, title="Online booking")
    assert reply.status == 200
    assert reply.json()["response_action"] == "errors"  # the modal stays open with what was typed
    assert "Your text is still here" in str(reply.json()["errors"])
    assert row_counts(bot)["Idea"] == 0


def test_a_signed_body_nested_deeper_than_python_can_read_gets_400_not_500(bot: RunningBot):
    depth = 100_000  # within the 1 MiB body limit
    for body in ("[" * depth * 2 + "]" * depth * 2, '{"a":' * depth + "1" + "}" * depth):
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(SIGNING_SECRET, ts, body),
        }
        assert bot.send.post_raw(body.encode(), headers).status == 400
    assert bot.send.command("/ideas", "help").status == 200  # and the bot still serves
