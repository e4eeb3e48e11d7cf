"""The bot process killed (SIGKILL) in the middle of a burst: after a restart every submission that was
confirmed is there and gets posted, and nothing is posted twice. SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter

from sqlmodel import select

from fakeslack.server import FakeSlack
from storage.db import Database
from storage.models import Idea
from tests.conftest import IDEAS
from tests.process import start_process

USERS = 24
FIELDS = {"problem": "People queue for two hours", "proposal": "Let them book a slot online"}


def test_a_killed_bot_loses_no_confirmed_submission_and_posts_none_twice(database_url, tmp_path):
    fake = FakeSlack().start()
    bot = start_process(fake, database_url, tmp_path, SLACK_TIMEOUT="1")  # outbox lease: 6 s
    try:
        forms = {}
        for number in range(USERS):
            bot.send.command("/idea", f"Idea number {number}", user=f"U0CRASH{number:03d}")
            trigger = bot.send.last_trigger
            forms[number] = fake.wait_for(lambda trigger=trigger: fake.view_opened_for(trigger))
        confirmed: dict[int, bool] = {}

        def submit(number: int) -> None:
            time.sleep(number * 0.01)
            try:
                reply = bot.send.view_submission(forms[number], FIELDS, user=f"U0CRASH{number:03d}")
                confirmed[number] = (reply.json() or {}).get("response_action") == "update"
            except OSError:  # the connection died with the process: not confirmed
                confirmed[number] = False

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(USERS)]
        for thread in threads:
            thread.start()
        fake.wait_for(lambda: sum(confirmed.values()) >= USERS // 3, interval=0.002)
        bot.process.send_signal(signal.SIGKILL)
        for thread in threads:
            thread.join()
        bot.process.wait(10)
        acknowledged = {f"Idea number {n}" for n, ok in confirmed.items() if ok}
        assert 0 < len(acknowledged) < USERS, "the kill should land in the middle of the burst"

        restarted = start_process(fake, database_url, tmp_path, SLACK_TIMEOUT="1")
        try:
            database = Database.connect(database_url)

            def all_posted() -> list[Idea] | None:
                with database.session() as session:
                    ideas = list(session.exec(select(Idea)).all())
                return ideas if ideas and all(idea.permalink for idea in ideas) else None

            ideas = fake.wait_for(all_posted, timeout=40)
            database.dispose()
        finally:
            assert restarted.stop() == 0  # SIGTERM: a clean exit
    finally:
        bot.process.kill()
        fake.stop()
    stored = {idea.title for idea in ideas}
    assert acknowledged <= stored  # every confirmed submission survived the kill
    posts = Counter(p["metadata"]["event_payload"]["id"] for p in fake.posts(IDEAS) if p.get("metadata"))
    assert set(posts) == {idea.id for idea in ideas}  # every stored idea is posted...
    assert max(posts.values()) == 1  # ...exactly once, across both processes
