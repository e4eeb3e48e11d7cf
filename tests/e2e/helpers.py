"""Steps a test takes as a Slack user: open a form with a command, fill it in, submit it."""

from __future__ import annotations

from typing import Any

from fakeslack.sender import Reply
from tests.conftest import ALICE, IDEAS, RunningBot


def submit_idea(bot: RunningBot, user: str = ALICE, title: str = "Online booking", **values: Any) -> Reply:
    """Type `/idea title`, fill in the modal the bot opens, and press Submit."""
    opened = len(bot.slack.calls("views.open"))
    reply = bot.send.command("/idea", title, user=user)
    assert reply.status == 200
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    fields = {"problem": "People queue for two hours", "proposal": "Let them book a slot online", **values}
    return bot.send.view_submission(bot.slack.last_view(), fields, user=user)


def submit_challenge(bot: RunningBot, title: str = "Long queues", user: str = ALICE, **values: Any) -> Reply:
    opened = len(bot.slack.calls("views.open"))
    bot.send.command("/challenge", title, user=user)
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    fields = {"problem": "Citizens wait at the desk", "desired_outcome": "Nobody waits more than 15 minutes"}
    return bot.send.view_submission(bot.slack.last_view(), {**fields, **values}, user=user)


def latest(bot: RunningBot, message: dict[str, Any]) -> dict[str, Any]:
    """A posted message as it reads now: its last `chat.update`, if it had any (a confirmation sent before its
    post gets the post's link that way)."""
    updates = [c.args for c in bot.slack.calls("chat.update") if c.args.get("ts") == message["ts"]]
    return {**message, **updates[-1]} if updates else message


def block_texts(message: dict[str, Any]) -> str:
    """All text a person would read in a message: fallback text and every block's text."""
    return message.get("text", "") + " " + str(message.get("blocks", ""))


def wait_until_confirmed(bot: RunningBot, timeout: float = 10.0) -> None:
    """Wait until every idea and challenge is posted, its link recorded, and its author told."""
    from sqlmodel import select

    from storage.models import Challenge, Idea, OutboxMessage

    def confirmed() -> bool:
        with bot.runtime.db.session() as session:
            rows = [*session.exec(select(Idea)).all(), *session.exec(select(Challenge)).all()]
            confirmations = [
                entry for entry in session.exec(select(OutboxMessage)).all() if entry.kind.startswith("confirm_")
            ]
            links = [  # a confirmation sent before its post gets the post's link afterwards (when it was owed)
                entry for entry in session.exec(select(OutboxMessage)).all() if entry.kind.startswith("link_confirm")
            ]
        told = len(confirmations) == len(rows) and all(entry.status == "sent" for entry in confirmations)
        told = told and all(entry.status == "sent" for entry in links)
        return bool(rows) and all(row.permalink for row in rows) and told

    bot.slack.wait_for(confirmed, timeout=timeout)


def seen_by_others(bot: RunningBot, person: str) -> str:
    """Every Slack call's arguments except the DMs to `person`, their own App Home (`views.publish` for
    them) and the lookups of `person` themselves (`users.info`, which only Slack sees: the bot asks for
    their language and time zone)."""
    import json

    calls = [
        call.args
        for call in bot.slack.calls()
        if call.args.get("channel") != person
        and not (call.method == "users.info" and call.args.get("user") == person)
        and not (call.method == "views.publish" and call.args.get("user_id") == person)
    ]
    return json.dumps(calls, ensure_ascii=False)


def posted_idea(bot: RunningBot, **values) -> dict:
    """Submit an idea and wait until it is posted and its author confirmed; returns the channel post."""
    submit_idea(bot, **values)
    wait_until_confirmed(bot)
    return bot.slack.posts(IDEAS)[-1]


def button(post: dict, action_id: str) -> dict:
    return next(
        e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id
    )


def experiment_plan(bot: RunningBot, **changes: Any) -> dict[str, Any]:
    """What a team types into the Start experiment form: a plan of four weeks from today."""
    from datetime import timedelta

    today = bot.runtime.clock.now().date()
    plan = {
        "hypothesis": "If people book a slot by SMS, then queues shrink, because arrivals spread out",
        "measure": "Minutes waited at the counter",
        "baseline": "45",
        "target": "15",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=28)).isoformat(),
    }
    return {**plan, **changes}


def press_and_fill(bot: RunningBot, post: dict, action_id: str, user: str, values: dict):
    """Press a decision button on the post, then submit the form it opens."""
    opened = len(bot.slack.calls("views.open"))
    bot.send.block_action(action_id, button(post, action_id)["value"], user=user, channel=IDEAS, message=post)
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    return bot.send.view_submission(bot.slack.last_view(), values, user=user)
