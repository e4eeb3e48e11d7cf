"""Shared fixtures: a database on SQLite and on PostgreSQL, a fake Slack, and a running bot."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import psycopg
import pytest

from bot.clock import Clock
from bot.config import Settings
from fakeslack.sender import SlackSender
from fakeslack.server import FakeSlack
from runtime.app import BotRuntime, HttpServer
from slackapi.delivery import RetryPolicy
from storage.db import Database

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5".replace("y", "1").replace("z", "2")
IDEAS = "C0IDEAS001"
CHALLENGES = "C0CHALL001"
ALICE = "U0ALICE001"
FAST_RETRY = RetryPolicy(first=timedelta(milliseconds=50), most=timedelta(milliseconds=200), lease=timedelta(seconds=5))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own (never skipped)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.connect(database_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


REVIEWER = "U0REVIEW01"
TEAM_MEMBER = "U0TEAM0001"


def make_settings(fake: FakeSlack, database_url: str) -> Settings:
    return Settings(
        reviewers=(REVIEWER,),
        innovation_team=(TEAM_MEMBER,),
        bot_token=fake.token,
        signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        database_url=database_url,
        port=0,
        ideas_channel=IDEAS,
        challenges_channel=CHALLENGES,
    )


@dataclass
class RunningBot:
    """A bot serving HTTP on a free port, with the fake Slack it talks to and a signed-request sender."""

    runtime: BotRuntime
    server: HttpServer
    slack: FakeSlack
    send: SlackSender

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def stop(self) -> None:
        self.server.close()
        self.runtime.stop()


def start_bot(
    fake: FakeSlack, database_url: str, *, migrate: bool = True, clock: Clock | None = None, **settings: object
) -> RunningBot:
    """A bot on a free port; `settings` override the test defaults (channel_languages=..., say); `clock`
    moves its time."""
    configured = dataclasses.replace(make_settings(fake, database_url), **settings)
    runtime = BotRuntime(configured, clock=clock, retry=FAST_RETRY, poll_seconds=0.05)
    if migrate:
        runtime.start()
    server = runtime.serve_http(host="127.0.0.1", port=0, threads=4)
    server.start_in_thread()
    sender = SlackSender(f"http://127.0.0.1:{server.port}/slack/events", SIGNING_SECRET, fake.response_url())
    return RunningBot(runtime=runtime, server=server, slack=fake, send=sender)


@pytest.fixture
def bot(fake_slack: FakeSlack, database_url: str) -> Iterator[RunningBot]:
    running = start_bot(fake_slack, database_url)
    yield running
    running.stop()
