"""Reached from anywhere in Slack, on both databases: the "Share an idea" shortcut opens the form; "Turn into
an idea" prefills it from a message, links back to it, and names the message's author only once they say
yes; the Workflow Builder step stores an idea as /idea does and hands on its link, or fails saying why."""

from __future__ import annotations

import json
import time

from sqlmodel import select

from storage.models import Idea
from tests.conftest import ALICE, IDEAS, RunningBot
from tests.e2e.helpers import block_texts, button, wait_until_confirmed

BOB = "U0BOB00001"  # wrote the message
GENERAL = "C0GENERAL1"


def test_the_global_shortcut_opens_the_idea_form(bot: RunningBot):
    assert bot.send.shortcut("share_idea").status == 200
    view = bot.slack.wait_for(lambda: bot.slack.view_opened_for(bot.send.last_trigger))
    assert view["callback_id"] == "idea_modal"
    fields = {"title": "Benches", "problem": "Nowhere to sit", "proposal": "Put benches"}
    assert bot.send.view_submission(view, fields).status == 200
    wait_until_confirmed(bot)
    assert "Benches" in block_texts(bot.slack.posts(IDEAS)[-1])


def turn_into_idea(bot: RunningBot, text: str) -> dict:
    """Bob writes `text`; Alice uses "Turn into an idea" on it and submits the prefilled form."""
    message = bot.slack.say(GENERAL, BOB, text)
    assert bot.send.message_shortcut("message_to_idea", message, user=ALICE, channel=GENERAL).status == 200
    view = bot.slack.wait_for(lambda: bot.slack.view_opened_for(bot.send.last_trigger))
    assert bot.send.view_submission(view, {"proposal": "An online form"}, user=ALICE).status == 200
    wait_until_confirmed(bot)
    return view


def test_turn_into_an_idea_prefills_links_back_and_names_the_author_only_after_a_yes(bot: RunningBot):
    view = turn_into_idea(bot, "Citizens wait &lt;2h&gt; for a parking permit\nevery single week")
    title = next(b for b in view["blocks"] if b["block_id"] == "title")["element"]["initial_value"]
    assert title == "Citizens wait <2h> for a parking permit"
    with bot.runtime.db.session() as session:
        [idea] = session.exec(select(Idea)).all()
    assert idea.author_id == ALICE and idea.source_author_id == BOB and idea.source_author_named is None
    assert idea.source_link and idea.source_link.startswith("https://fake.slack.com/archives/C0GENERAL1/")

    post = bot.slack.posts(IDEAS)[-1]
    assert idea.source_link in block_texts(post) and BOB not in block_texts(post)  # not named before a yes
    ask = bot.slack.wait_for(lambda: [p for p in bot.slack.posts() if p["channel"] == BOB])[-1]
    assert "Name me" in block_texts(ask) and "for a parking permit" in block_texts(ask)

    refused = bot.send.block_action("source_name_me", str(idea.id), user=ALICE, channel=BOB, message=ask)
    assert refused.status == 200
    told = bot.slack.wait_for(bot.slack.responses)
    assert "Only the author of that message" in json.dumps(told)

    bot.send.block_action("source_name_me", button(ask, "source_name_me")["value"], user=BOB, channel=BOB, message=ask)

    def named() -> bool:
        return f"<@{BOB}>" in block_texts(bot.slack.message(IDEAS, post["ts"]))

    bot.slack.wait_for(named)


def test_a_message_author_who_says_no_is_never_named(bot: RunningBot):
    turn_into_idea(bot, "The form asks for the same address three times")
    ask = bot.slack.wait_for(lambda: [p for p in bot.slack.posts() if p["channel"] == BOB])[-1]
    bot.send.block_action("source_dont_name_me", button(ask, "source_dont_name_me")["value"], user=BOB, channel=BOB)
    with bot.runtime.db.session() as session:
        bot.slack.wait_for(lambda: session.exec(select(Idea)).one().source_author_named is False)
    time.sleep(0.3)
    assert f"<@{BOB}>" not in bot.slack.everything_sent().replace(f'"channel": "{BOB}"', "")


def test_turning_your_own_message_into_an_idea_asks_nobody(bot: RunningBot):
    message = bot.slack.say(GENERAL, ALICE, "Recycling centre hours are unclear")
    bot.send.message_shortcut("message_to_idea", message, user=ALICE, channel=GENERAL)
    view = bot.slack.wait_for(lambda: bot.slack.view_opened_for(bot.send.last_trigger))
    bot.send.view_submission(view, {"proposal": "Publish them"}, user=ALICE)
    wait_until_confirmed(bot)
    with bot.runtime.db.session() as session:
        assert session.exec(select(Idea)).one().source_author_id is None
    assert not [c for c in bot.slack.calls("chat.postMessage") if "Name me" in json.dumps(c.args)]


def step(bot: RunningBot, **inputs) -> None:
    bot.send.event(
        {
            "type": "function_executed",
            "function": {"id": "Fn0STEP001", "callback_id": "submit_idea", "title": "Submit an idea", "type": "app"},
            "inputs": inputs,
            "function_execution_id": "Fx0EXEC0001",
            "workflow_execution_id": "Wx0FLOW001",
            "bot_access_token": "xwfp-7-FAKE-step-token",
        }
    )


def test_the_workflow_step_stores_an_idea_and_hands_on_its_link(bot: RunningBot):
    step(bot, author=ALICE, title="Book a slot", problem="Queues", idea="Online booking", team="", anonymous=False)
    [done] = bot.slack.wait_for(lambda: bot.slack.calls("functions.completeSuccess"))
    assert done.token == "xwfp-7-FAKE-step-token" and done.args["function_execution_id"] == "Fx0EXEC0001"
    with bot.runtime.db.session() as session:
        [idea] = session.exec(select(Idea)).all()
    assert idea.author_id == ALICE and idea.title == "Book a slot"
    assert json.loads(done.args["outputs"]) == {"idea_link": idea.permalink}


def test_the_workflow_step_fails_saying_why_when_the_idea_breaks_a_rule(bot: RunningBot):
    step(bot, author=ALICE, title="x" * 400, problem="", idea="Something")
    [failed] = bot.slack.wait_for(lambda: bot.slack.calls("functions.completeError"))
    assert failed.args["error"].startswith("The idea was not submitted:")
    step(bot, author="nobody", title="A", problem="B", idea="C")
    bot.slack.wait_for(lambda: len(bot.slack.calls("functions.completeError")) == 2)
    assert "Person who used this workflow" in bot.slack.calls("functions.completeError")[1].args["error"]
    with bot.runtime.db.session() as session:
        assert session.exec(select(Idea)).all() == []
