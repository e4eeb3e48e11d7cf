"""`python main.py` as an administrator runs it: clear errors, a real start, a graceful stop."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from fakeslack.sender import SlackSender
from fakeslack.server import FakeSlack
from tests.conftest import SIGNING_SECRET

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "main.py"


def run_main(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    clean_env = {"PATH": os.environ["PATH"], **env}
    return subprocess.run(
        [sys.executable, str(MAIN), *args], env=clean_env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_an_empty_configuration_lists_everything_missing_one_line_each_and_exits_2(tmp_path):
    result = run_main({}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: SLACK_BOT_TOKEN is not set: add it to .env or the environment (it starts with xoxb-)",
        "error: SLACK_SIGNING_SECRET is not set: HTTP mode needs it (Basic Information > App Credentials), "
        "or set SLACK_APP_TOKEN to use Socket Mode",
        "error: IDEAS_CHANNEL is not set: give the ID of the channel for ideas, like C0123456789",
    ]


def test_a_malformed_secret_is_named_but_never_printed(tmp_path):
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cr3t-value!", "IDEAS_CHANNEL": "C0IDEAS001"}
    result = run_main(env, tmp_path)
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr and "s3cr3t-value!" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_settings_are_read_from_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SIGNING_SECRET=abcdef0123456789abcdef0123456789\n"
    )
    result = run_main({}, tmp_path)
    assert result.returncode == 2
    assert "IDEAS_CHANNEL is not set" in result.stderr  # got past the token and secret: .env was read


def test_an_unreachable_database_is_reported_without_its_password(tmp_path):
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "abcdef0123456789abcdef0123456789",
        "IDEAS_CHANNEL": "C0IDEAS001",
        "DATABASE_URL": "postgresql://bot:hunter2@127.0.0.1:1/bot",
    }
    result = run_main(env, tmp_path)
    assert result.returncode == 1
    assert "could not open the database" in result.stderr and "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_says_what_it_applied_then_that_nothing_was_left(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    first = run_main(env, tmp_path, "migrate")
    shipped = sorted(path.name[:4] for path in (ROOT / "migrations" / "versions").glob("0*.py"))
    assert first.returncode == 0
    assert first.stdout.startswith(f"applied {len(shipped)} migration(s): 0001, 0002,") and shipped[-1] in first.stdout
    assert (tmp_path / "x.db").exists()
    again = run_main(env, tmp_path, "migrate")
    assert again.stdout.strip() == "nothing to apply: the database was already up to date"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def slack_env(fake: FakeSlack, port: int, **extra: str) -> dict[str, str]:
    """The environment of a bot process that talks to `fake` and serves on `port`."""
    return {
        "PATH": os.environ["PATH"],
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "PORT": str(port),
        **extra,
    }


def test_the_bot_starts_serves_slack_and_stops_on_sigterm(tmp_path):
    fake = FakeSlack().start()
    port = free_port()
    env = slack_env(fake, port, IDEAS_CHANNEL="C0IDEAS001")
    process = subprocess.Popen([sys.executable, str(MAIN)], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        health = wait_for_health(port)
        assert health == {"status": "ok", "database": "up", "outbox": {"owed": 0, "oldest_seconds": 0}}
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, fake.response_url())
        assert "/ideas search" in sender.command("/ideas", "help").body
        assert (tmp_path / "innovation-bot.db").exists()  # the default database, in the working directory
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        logs = process.stderr.read()
        assert fake.token not in logs and SIGNING_SECRET not in logs
    finally:
        process.kill()
        fake.stop()


def test_a_token_slack_refuses_stops_the_start(tmp_path):
    fake = FakeSlack(token="xoxb-the-real-one").start()
    try:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-revoked",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            "IDEAS_CHANNEL": "C0IDEAS001",
            "PORT": str(free_port()),
        }
        result = run_main(env, tmp_path)
        assert result.returncode == 2
        assert "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in result.stderr
    finally:
        fake.stop()


def wait_for_health(port: int, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("the bot did not answer /healthz")
