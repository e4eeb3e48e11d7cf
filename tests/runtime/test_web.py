"""The HTTP front: Slack's signature is enforced, health is reported, odd requests get a 4xx."""

import json
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

from sqlmodel import select
from waitress.server import create_server

from runtime.app import HttpServer
from storage.models import Idea
from tests.conftest import RunningBot, start_bot


def get(url: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        return error.code, json.loads(body) if body.startswith("{") else body


def command_body() -> str:
    return urlencode(
        {"command": "/ideas", "text": "help", "team_id": "T0FAKE0001", "user_id": "U0X", "trigger_id": "t"}
    )


def test_health_is_ok_when_the_database_answers(bot: RunningBot):
    assert get(f"{bot.url}/healthz") == (
        200,
        {"status": "ok", "database": "up", "outbox": {"owed": 0, "oldest_seconds": 0}},
    )


def test_health_reports_what_is_owed_to_slack_and_turns_503_when_it_is_stuck(fake_slack, database_url):
    from tests.e2e.helpers import submit_idea

    stuck = start_bot(fake_slack, database_url, outbox_max_age=2.0)
    try:
        fake_slack.fail("chat.postMessage", times=10_000, status=503)  # Slack refuses every post
        submit_idea(stuck)
        status, body = get(f"{stuck.url}/healthz")
        assert status == 200 and body["outbox"]["owed"] == 2  # its post and its author's confirmation
        time.sleep(3)
        status, body = get(f"{stuck.url}/healthz")
        assert status == 503 and body["status"] == "outbox stuck" and body["outbox"]["oldest_seconds"] >= 2
    finally:
        stuck.stop()


def test_health_is_503_when_the_database_is_down(fake_slack):
    dead = start_bot(fake_slack, "postgresql+psycopg://postgres@127.0.0.1:1/test", migrate=False)
    try:
        assert get(f"{dead.url}/healthz") == (503, {"status": "unavailable", "database": "down"})
    finally:
        dead.stop()


def test_a_wrong_signature_is_refused_and_changes_nothing(bot: RunningBot):
    reply = bot.send.post_form(command_body(), secret="0000deadbeef0000deadbeef00000000")
    assert reply.status == 401


def test_a_stale_timestamp_is_refused(bot: RunningBot):
    reply = bot.send.post_form(command_body(), timestamp=int(time.time()) - 6 * 60)
    assert reply.status == 401


def test_missing_signature_headers_are_refused(bot: RunningBot):
    reply = bot.send.post_raw(command_body().encode(), {"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 401


def test_a_forged_submission_stores_nothing(bot: RunningBot):
    bot.send.command("/idea", "x")
    view = bot.slack.wait_for(lambda: bot.slack.calls("views.open")) and bot.slack.last_view()
    payload = {"type": "view_submission", "user": {"id": "U0X", "team_id": "T0FAKE0001"}, "view": view}
    reply = bot.send.post_form(urlencode({"payload": json.dumps(payload)}), secret="ffff" * 8)
    assert reply.status == 401
    with bot.runtime.db.session() as session:
        assert session.exec(select(Idea)).all() == []


def test_unknown_paths_methods_and_huge_bodies_get_4xx(bot: RunningBot):
    assert get(f"{bot.url}/nothing-here")[0] == 404
    assert get(f"{bot.url}/slack/events")[0] == 405
    reply = bot.send.post_raw(b"x" * (2 * 1024 * 1024), {"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 413
    reply = bot.send.post_raw(b"\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 400


def test_closing_the_server_lets_a_request_in_flight_finish_and_refuses_new_ones():
    def slow_app(environ, start_response):
        time.sleep(1.0)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"finished"]

    server = HttpServer(create_server(slow_app, host="127.0.0.1", port=0, threads=2))
    server.start_in_thread()
    url = f"http://127.0.0.1:{server.port}/"
    answers: list[str] = []
    request = threading.Thread(target=lambda: answers.append(urllib.request.urlopen(url, timeout=5).read().decode()))
    request.start()
    time.sleep(0.3)  # the request is being served
    server.close()
    request.join()
    assert answers == ["finished"]
    try:
        urllib.request.urlopen(url, timeout=2)
        raise AssertionError("a closed server answered")
    except urllib.error.URLError:
        pass


def test_stopping_the_runtime_ends_every_background_thread(bot: RunningBot):
    bot.stop()
    names = {thread.name for thread in threading.enumerate() if thread.is_alive()}
    leftovers = {n for n in names if n.startswith(("listener", "slack-delivery", "match-index-refresh", "http"))}
    assert not leftovers
    assert not bot.runtime.scheduler._scheduler.running


def test_held_and_trickling_connections_do_not_lock_slack_out(bot: RunningBot):
    """300 connections (three times waitress's old limit) that send half a request and then nothing, or
    a header line now and then: /healthz still answers and a signed command is still acked."""
    import socket

    host, port = bot.url.removeprefix("http://").split(":")
    held = []
    try:
        for _ in range(300):
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            held.append(sock)
        for sock in held[::10]:  # some trickle on
            sock.sendall(b"X-Trickle: 1\r\n")
        status, body = get(f"{bot.url}/healthz")
        assert status == 200 and body["status"] == "ok"
        reply = bot.send.command("/ideas", "help")
        assert reply.status == 200 and "Innovation Bot" in reply.body
    finally:
        for sock in held:
            sock.close()
