"""The bot as an administrator runs it: `python main.py` in its own process, against a fake Slack."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from fakeslack.sender import SlackSender
from fakeslack.server import FakeSlack
from tests.conftest import IDEAS, REVIEWER, SIGNING_SECRET
from tests.test_main import MAIN, free_port, slack_env, wait_for_health


@dataclass
class BotProcess:
    """A running `main.py`; its stderr goes to `log_path`."""

    process: subprocess.Popen
    port: int
    send: SlackSender
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout)
        finally:
            self.process.kill()


def start_process(fake: FakeSlack, database_url: str, folder: Path, **env: str) -> BotProcess:
    """Start the bot on a free port and wait until /healthz answers."""
    port = free_port()
    variables = slack_env(fake, port, IDEAS_CHANNEL=IDEAS, REVIEWERS=REVIEWER, DATABASE_URL=database_url, **env)
    log_path = folder / f"bot-{port}.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, str(MAIN)], env=variables, cwd=folder, stdout=log_file, stderr=subprocess.STDOUT
        )
    wait_for_health(port)
    sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, fake.response_url())
    return BotProcess(process=process, port=port, send=sender, log_path=log_path)
