"""Logs: one JSON object per line when asked, each request's lines share its id, and no secret or
anonymous author ever appears in them."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import urllib.request
import uuid

import psycopg

from fakeslack.server import FakeSlack
from runtime.logs import JsonFormatter, Redactor, request_context
from tests.conftest import POSTGRES_URL, SIGNING_SECRET
from tests.process import start_process

PASSWORD = "pw-" + uuid.uuid4().hex[:10]  # PostgreSQL here trusts local connections, so any password works
ANONYMOUS = "U0SHY00001"


def test_the_redactor_removes_tokens_secrets_and_url_passwords():
    redact = Redactor(["xoxb-123-abc", SIGNING_SECRET, "hunter2"])
    line = (
        f"token xoxb-123-abc, another xoxp-9-9-zz, app xapp-1-A-2, secret {SIGNING_SECRET}, "
        "rotated xoxe.xoxb-1-MS0yLTEy, workflow xwfp-7-ABC-def, "
        "url postgresql://bot:hunter2@db/x and postgres://u:other%40pw@h/d"
    )
    cleaned = redact(line)
    for secret in ("xoxb-123-abc", "xoxp-9-9-zz", "xapp-1-A-2", SIGNING_SECRET, "hunter2", "other%40pw", "MS0yLTEy"):
        assert secret not in cleaned
    for secret in ("xwfp-7-ABC-def",):
        assert secret not in cleaned
    assert "postgresql://bot:[redacted]@db/x" in cleaned


def test_a_json_line_carries_the_request_id_extra_fields_and_the_exception():
    try:
        raise ValueError("bad s3cret-value")
    except ValueError:
        record = logging.getLogger("test").makeRecord(
            "test", logging.ERROR, __file__, 1, "failed for %s", ("outbox 3",), sys.exc_info(), extra={"outbox_id": 3}
        )
    record.request_id = "abc123"
    line = JsonFormatter(Redactor(["s3cret-value"])).format(record)
    entry = json.loads(line)
    assert entry["message"] == "failed for outbox 3" and entry["level"] == "ERROR"
    assert entry["request_id"] == "abc123" and entry["outbox_id"] == 3
    assert "ValueError" in entry["exception"] and "s3cret-value" not in line


def test_request_ids_are_fresh_per_request_and_restored_after():
    with request_context() as first:
        with request_context() as second:
            assert first != second
        with request_context("given-id") as given:
            assert given == "given-id"


def test_a_running_bot_logs_json_with_request_ids_and_never_a_secret_or_an_anonymous_author(tmp_path):
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    url = POSTGRES_URL.replace("postgres@", f"postgres:{PASSWORD}@") + f"?options=-csearch_path%3D{schema}"
    fake = FakeSlack().start()
    bot = start_process(fake, url, tmp_path, LOG_FORMAT="json", LOG_LEVEL="DEBUG")
    try:
        fake.fail("views.open", times=1)  # the first form cannot open: a warning inside that request
        request = urllib.request.Request(
            f"http://127.0.0.1:{bot.port}/slack/events",
            data=b"not a form",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        failing = bot.send.command("/idea", "Shy idea", user=ANONYMOUS)
        fake.wait_for(lambda: fake.calls("views.open", ok_only=False))
        bot.send.command("/idea", "Shy idea", user=ANONYMOUS)
        view = fake.wait_for(lambda: fake.view_opened_for(bot.send.last_trigger))
        values = {"problem": "I would rather not say who I am", "proposal": "Anonymous boxes", "anonymous": True}
        assert bot.send.view_submission(view, values, user=ANONYMOUS).json()["response_action"] == "update"
        fake.wait_for(lambda: fake.posts("C0IDEAS001") and fake.posts(ANONYMOUS))  # the post, then their DM
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request, timeout=5)  # unsigned: refused
        assert bot.stop() == 0
    finally:
        bot.process.kill()
        fake.stop()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")
    lines = [line for line in bot.log.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    for secret in (fake.token, SIGNING_SECRET, PASSWORD, ANONYMOUS):
        assert secret not in bot.log, secret
    modal_failed = [e for e in entries if e["message"] == "could not open a modal"]
    assert len(modal_failed) == 1 and modal_failed[0]["request_id"]
    assert modal_failed[0]["request_id"] == failing.headers["X-Request-Id"]
    requests = [e for e in entries if e["message"] == "slack request"]
    assert {e["kind"] for e in requests} >= {"command /idea", "view_submission idea_modal"}
    assert len({e["request_id"] for e in requests}) == len(requests)


def test_a_start_logs_no_warning_about_the_token_bolt_reads_from_the_environment(
    fake_slack, database_url, monkeypatch, caplog
):
    from tests.conftest import start_bot

    monkeypatch.setenv("SLACK_BOT_TOKEN", fake_slack.token)  # as in production, where .env sets it
    with caplog.at_level(logging.WARNING):
        running = start_bot(fake_slack, database_url)
        running.stop()
    assert "token will be unused" not in caplog.text
