"""An anonymous author is never named, whatever they press: every Slack call the bot makes to anyone but
them, the digest and the export are scanned for their user id after they used every button and command."""

from __future__ import annotations

import csv
import json
from datetime import timedelta

from blocks import ids
from blocks.digest import digest_message, digest_text
from bot.digest import build_digest
from bot.export import write_export
from tests.conftest import ALICE, IDEAS, REVIEWER, RunningBot
from tests.e2e.helpers import button, press_and_fill, seen_by_others, submit_idea, wait_until_confirmed


def home_opened(bot: RunningBot, user: str, number: int) -> None:
    event = {
        "token": "legacy",
        "team_id": "T0FAKE0001",
        "api_app_id": "A0INNOVATE",
        "type": "event_callback",
        "event_id": f"Ev0ANON{number:04d}",
        "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME0001", "tab": "home", "event_ts": "1.2"},
    }
    assert bot.send.post_raw_json(event).status == 200


def test_the_anonymous_author_is_named_nowhere_after_pressing_every_button(bot: RunningBot, tmp_path):
    submit_idea(bot, title="Online booking", anonymous=True)
    wait_until_confirmed(bot)
    post = bot.slack.posts(IDEAS)[-1]
    published = len(bot.slack.calls("views.publish"))

    # a reviewer asks for more; the author edits, comments, supports, offers help, looks things up
    press_and_fill(bot, post, ids.idea_move("needs_info"), REVIEWER, {"comment": "How many people queue?"})
    edit = bot.slack.wait_for(lambda: [p for p in bot.slack.posts(ALICE) if ids.EDIT_BUTTON in json.dumps(p)])[-1]
    opened = len(bot.slack.calls("views.open"))
    bot.send.block_action(ids.EDIT_BUTTON, button(edit, ids.EDIT_BUTTON)["value"], user=ALICE, channel=ALICE)
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    edited = bot.send.view_submission(bot.slack.last_view(), {"problem": "About 200 people a day"}, user=ALICE)
    assert edited.status == 200
    press_and_fill(bot, post, ids.idea_move("comment"), ALICE, {"comment": "I can run a pilot"})
    for action_id in (ids.SUPPORT_BUTTON, ids.HELP_BUTTON):
        bot.send.block_action(action_id, button(post, action_id)["value"], user=ALICE, channel=IDEAS, message=post)
    bot.send.command("/ideas", "mine", user=ALICE)
    bot.send.command("/ideas", "search Online booking", user=REVIEWER)
    home_opened(bot, REVIEWER, 1)
    home_opened(bot, ALICE, 2)
    withdraw = ids.idea_move("withdraw")
    confirmation = next(p for p in bot.slack.posts(ALICE) if withdraw in json.dumps(p))
    press_and_fill(bot, confirmation, withdraw, ALICE, {"comment": "Another team does it"})

    bot.slack.wait_for(lambda: "Withdrawn" in json.dumps(bot.slack.message(IDEAS, post["ts"])))
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.publish")) >= published + 2)
    thread = bot.slack.wait_for(lambda: len([p for p in bot.slack.posts(IDEAS) if p.get("thread_ts")]) >= 3)
    assert thread
    seen = seen_by_others(bot, ALICE)
    assert "withdrew this idea" in seen and "commented" in seen  # the author's actions were told ...
    where = [seen[max(0, i - 300) : i + 60] for i in [m.start() for m in __import__("re").finditer(ALICE, seen)]]
    assert ALICE not in seen, where  # ... without naming them
    search = bot.slack.wait_for(lambda: [r for r in bot.slack.responses() if "Online booking" in json.dumps(r)])
    assert ALICE not in json.dumps(search)  # the reviewer's search results

    now = bot.runtime.services.clock.now()
    with bot.runtime.db.session() as session:
        digest = build_digest(session, now - timedelta(days=7), now + timedelta(minutes=1))
    assert digest.decisions
    assert ALICE not in digest_text(digest) and ALICE not in json.dumps(digest_message(digest).as_kwargs())

    path = tmp_path / "export.csv"
    with bot.runtime.db.session() as session:
        write_export(session, path, "csv")
    assert ALICE not in path.read_text() and next(csv.DictReader(path.open()))["author"] == "anonymous"
