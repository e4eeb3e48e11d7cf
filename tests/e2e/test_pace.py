"""Delivery at Slack's pace, with the fake Slack enforcing Slack's limits (429 with Retry-After): in a rush
the authors hear within seconds while each channel takes one message a second; a channel that answers 429
holds back only itself; within one idea the order holds."""

from __future__ import annotations

import json
import time

from fakeslack.server import Limits
from tests.conftest import ALICE, IDEAS, REVIEWER, RunningBot
from tests.e2e.helpers import press_and_fill, submit_idea, wait_until_confirmed

AUTHORS = [f"U0RUSH{n:04d}" for n in range(10)]


def dms_to(bot: RunningBot, users: list[str]) -> dict[str, list[dict]]:
    return {user: bot.slack.posts(user) for user in users}


def test_in_a_rush_every_author_hears_at_once_and_the_channel_keeps_slacks_pace(bot: RunningBot):
    bot.slack.limit(Limits())  # one message a second per channel, after a burst of three
    for n, author in enumerate(AUTHORS):
        assert submit_idea(bot, user=author, title=f"Rush idea number {n}").status == 200
    submitted = time.monotonic()

    heard = bot.slack.wait_for(lambda: all(dms_to(bot, AUTHORS).values()), timeout=5)
    assert heard and time.monotonic() - submitted < 5
    assert len(bot.slack.posts(IDEAS)) < len(AUTHORS)  # the channel is still catching up: nobody waited for it

    wait_until_confirmed(bot, timeout=30)
    posts = bot.slack.posts(IDEAS)
    posted = [p for p in posts if "thread_ts" not in p]
    assert sorted(p["text"] for p in posted) == sorted(f"Idea: Rush idea number {n} (Submitted)" for n in range(10))
    moments = sorted(float(p["ts"]) for p in posts)
    # a burst of three, then one a second: the (n+1)th post no sooner than n - 2 seconds after the first
    assert all(moment - moments[0] >= n - 2 - 0.05 for n, moment in enumerate(moments))
    assert moments[-1] - moments[0] < len(moments) - 2 + 2  # and at that pace, not much slower
    assert len(bot.slack.ratelimited) <= 2  # the bot keeps the pace itself; Slack rarely has to say so

    for author in AUTHORS:  # each confirmation now links to its post (sent early, then updated)
        [dm] = bot.slack.posts(author)
        updates = [c for c in bot.slack.calls("chat.update") if c.args.get("ts") == dm["ts"]]
        linked = json.dumps([dm, *(c.args for c in updates)])
        assert "see your idea in the channel" in linked


def test_a_channel_that_answers_429_holds_back_only_itself(bot: RunningBot):
    bot.slack.limit(Limits(posts_per_second=0.05, burst=1))  # one message per 20 s per channel
    for n, author in enumerate(AUTHORS[:3]):
        submit_idea(bot, user=author, title=f"Slow channel idea {n}")

    heard = bot.slack.wait_for(lambda: all(dms_to(bot, AUTHORS[:3]).values()), timeout=5)
    assert heard  # the DMs went, though the ideas channel is rate limited
    time.sleep(3)
    assert len(bot.slack.posts(IDEAS)) == 1
    refused = [channel for method, channel in bot.slack.ratelimited if method == "chat.postMessage"]
    assert set(refused) <= {IDEAS}
    assert len(refused) <= 1  # after Slack's Retry-After the bot waits, it does not knock every second


def test_within_one_idea_its_post_and_replies_keep_their_order_in_a_rush(bot: RunningBot):
    bot.slack.limit(Limits())
    for n, author in enumerate(AUTHORS[:8]):
        submit_idea(bot, user=author, title=f"Ordered idea {n}")
    first = bot.slack.wait_for(lambda: bot.slack.posts(IDEAS), timeout=10)[0]
    for remark in ("First remark", "Second remark", "Third remark"):  # while the channel is still busy
        press_and_fill(bot, first, "idea_comment", REVIEWER, {"comment": remark})

    def replies() -> list[dict]:
        return [p for p in bot.slack.posts(IDEAS) if p.get("thread_ts") == first["ts"] and "remark" in json.dumps(p)]

    found = bot.slack.wait_for(lambda: len(replies()) == 3 and replies(), timeout=30)
    said = [next(r for r in ("First", "Second", "Third") if f"{r} remark" in json.dumps(p)) for p in found]
    assert said == ["First", "Second", "Third"]
    assert all(float(p["ts"]) > float(first["ts"]) for p in found)


def test_in_a_rush_of_newcomers_a_confirmation_does_not_wait_for_a_locale_slack_tells_at_its_pace(bot: RunningBot):
    """Slack tells people's locales at users.info's pace, and on a bad day slowly: a confirmation waits for
    its reader's locale only while it is not late already (it used to wait a second each, four at a time:
    twenty newcomers heard over five seconds)."""
    bot.slack.limit(Limits())
    bot.send.command("/idea", "Newcomer idea", user=ALICE)
    trigger = bot.send.last_trigger
    form = bot.slack.wait_for(lambda: bot.slack.view_opened_for(trigger))  # the form as anyone gets it
    bot.slack.slow("users.info", 1.5)
    newcomers = [f"U0NEW{n:05d}" for n in range(20)]
    submitted = {}
    for author in newcomers:  # twenty people Slack has not told the bot about submit at once
        fields = {"problem": "People queue for two hours", "proposal": "Let them book a slot online"}
        assert bot.send.view_submission(form, fields, user=author).status == 200
        submitted[author] = time.monotonic()
    bot.slack.wait_for(lambda: all(dms_to(bot, newcomers).values()), timeout=30)
    heard = {
        call.args["channel"]: call.at
        for call in reversed(bot.slack.calls("chat.postMessage"))
        if call.args.get("channel") in submitted
    }
    late = sorted(round(heard[author] - submitted[author], 1) for author in newcomers)
    assert late[-1] < 2.0, str(late)
