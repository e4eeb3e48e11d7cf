"""The Right to Challenge (issue 20), through the Slack test bed on both databases, moving the clock: a team
asks for a rule to be set aside; only its owners decide; a refusal needs a reason; a grant has an end date,
is recalled before it and, at its end, its owner restores the rule (or makes the change permanent, or
extends it); a question is answered by the team. Every step is kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.clock import RunningClock
from storage.models import Waiver, WaiverDecision
from tests.conftest import ALICE, TEAM_MEMBER, RunningBot, start_bot
from tests.e2e.helpers import block_texts, button

RULE_OWNER, STRANGER, TEAMMATE = "U0RULEOWN1", "U0STRANGE1", "U0TEAMMAT1"
MONDAY = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
REQUEST = {
    "why": "Online booking cannot collect a wet signature",
    "days": "30",
    "safeguards": "Identity is checked with the national eID instead",
    "team": [TEAMMATE],
}


@pytest.fixture
def owned(fake_slack, database_url) -> Iterator[tuple[RunningBot, RunningClock]]:
    clock = RunningClock(MONDAY)
    running = start_bot(fake_slack, database_url, clock=clock, rule_owners=(RULE_OWNER,))
    yield running, clock
    running.stop()


def dms_to(bot: RunningBot, person: str, words: str) -> list[dict]:
    return [post for post in bot.slack.posts(person) if words in block_texts(post)]


def ask(bot: RunningBot, rule: str = "Paper signature on every form", **values) -> dict:
    """/challenge-rule, the form filled in and sent; returns the DM its owner receives."""
    opened = len(bot.slack.calls("views.open"))
    bot.send.command("/challenge-rule", rule, user=ALICE)
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    assert bot.send.view_submission(bot.slack.last_view(), {**REQUEST, **values}, user=ALICE).body == ""
    return bot.slack.wait_for(lambda: dms_to(bot, RULE_OWNER, rule))[-1]


def press(bot: RunningBot, message: dict, action_id: str, user: str, values: dict | None = None):
    """Press a button on a DM; with `values`, fill and send the form it opens (returns Slack's reply)."""
    opened, answered = len(bot.slack.calls("views.open")), len(bot.slack.responses())
    bot.send.block_action(action_id, button(message, action_id)["value"], user=user, channel="D0DM000001")
    if values is None:
        return bot.slack.wait_for(lambda: bot.slack.responses()[answered:])[0]
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    return bot.send.view_submission(bot.slack.last_view(), values, user=user)


def test_a_waiver_is_refused_only_with_a_reason_granted_recalled_before_its_end_and_restored(owned):
    bot, clock = owned
    bot.send.command("/challenge-rule", "Paper signature on every form", user=ALICE)
    form = bot.slack.wait_for(lambda: bot.slack.calls("views.open"))[-1].result["view"]
    wrong = bot.send.view_submission(form, {"why": "", "days": "999", "safeguards": ""}, user=ALICE).json()
    assert set(wrong["errors"]) == {"why", "days", "safeguards"} and "1 to 180" in wrong["errors"]["days"]

    request = ask(bot)
    assert "Identity is checked with the national eID" in block_texts(request)
    bot.slack.wait_for(lambda: dms_to(bot, ALICE, "was sent to its 1 owner"))
    assert "Only the rule's owners" in press(bot, request, "waiver_grant", STRANGER)["text"]
    assert "Only the rule's owners" in press(bot, request, "waiver_grant", TEAM_MEMBER)["text"]  # RULE_OWNERS set

    refused = press(bot, request, "waiver_refuse", RULE_OWNER, {"comment": ""})
    assert "comment" in refused.json()["errors"]  # a refusal says why, always
    last_day = (MONDAY + timedelta(days=30)).date()
    granted = press(
        bot, request, "waiver_grant", RULE_OWNER, {"ends_on": last_day.isoformat(), "comment": "Keep *copies*"}
    )
    assert granted.body == ""
    told = bot.slack.wait_for(lambda: dms_to(bot, TEAMMATE, "aside for your test until"))
    assert "Conditions" in block_texts(told[0]) and "copies" in block_texts(told[0])
    bot.slack.wait_for(lambda: dms_to(bot, ALICE, "aside for your test until"))
    assert "already “Granted”" in press(bot, request, "waiver_refuse", RULE_OWNER)["text"]

    clock.advance(timedelta(days=24))  # seven days before its last day
    bot.runtime.scheduler.run_once()
    bot.slack.wait_for(lambda: dms_to(bot, TEAMMATE, "ends on") and dms_to(bot, RULE_OWNER, "ends on"))
    bot.runtime.scheduler.run_once()  # once, however often the scheduler looks
    clock.advance(timedelta(days=6))
    bot.runtime.scheduler.run_once()
    choice = bot.slack.wait_for(lambda: dms_to(bot, RULE_OWNER, "Make the change permanent"))[0]
    bot.slack.wait_for(lambda: dms_to(bot, TEAMMATE, "Its owner decides what happens next"))  # sent in parallel
    assert len(dms_to(bot, TEAMMATE, "ends on")) == 1
    assert "Only the rule's owners" in press(bot, choice, "waiver_restore", TEAMMATE)["text"]
    assert press(bot, choice, "waiver_restore", RULE_OWNER, {}).body == ""
    bot.slack.wait_for(lambda: dms_to(bot, TEAMMATE, "restored"))

    with bot.runtime.db.session() as session:
        [waiver] = session.exec(select(Waiver)).all()
        steps = session.exec(select(WaiverDecision).order_by(WaiverDecision.id)).all()
    assert (waiver.status, waiver.decided_by, waiver.ends_on) == ("restored", RULE_OWNER, last_day)
    assert [(s.action, s.actor_id) for s in steps] == [
        ("request", ALICE),
        ("grant", RULE_OWNER),
        ("restore", RULE_OWNER),
    ]


def test_an_owner_asks_for_more_and_the_teams_answer_reaches_them(owned):
    bot, _clock = owned
    request = ask(bot, rule="Two quotes for every purchase")
    assert press(bot, request, "waiver_ask", RULE_OWNER, {"comment": "Which purchases, up to what amount?"}).body == ""
    question = bot.slack.wait_for(lambda: dms_to(bot, ALICE, "Which purchases"))[0]
    assert "Only the team" in press(bot, question, "waiver_answer", STRANGER)["text"]
    assert press(bot, question, "waiver_answer", ALICE, {"comment": "Office supplies under 500 euros"}).body == ""
    answer = bot.slack.wait_for(lambda: dms_to(bot, RULE_OWNER, "Office supplies under 500 euros"))[0]
    assert "waiver_grant" in json.dumps(answer)  # the owner can decide from the answer
    with bot.runtime.db.session() as session:
        [waiver] = session.exec(select(Waiver)).all()
    assert waiver.status == "requested"


def test_a_person_erased_leaves_no_id_in_the_waivers_and_their_words_go_with_content(owned):
    from bot.privacy import erase, personal_data

    bot, clock = owned
    request = ask(bot, rule="Two quotes for every purchase")
    press(bot, request, "waiver_ask", RULE_OWNER, {"comment": "Which purchases?"})
    question = bot.slack.wait_for(lambda: dms_to(bot, ALICE, "Which purchases"))[0]
    press(bot, question, "waiver_answer", ALICE, {"comment": "Office supplies, for Alice's unit"})
    bot.slack.wait_for(lambda: dms_to(bot, RULE_OWNER, "Office supplies"))
    with bot.runtime.db.session() as session:
        held = personal_data(session, ALICE, clock.now())
        assert [w["rule"] for w in held["rule_waivers"]] == ["Two quotes for every purchase"]
        assert [s["action"] for s in held["waiver_steps_taken"]] == ["request", "answer"]
        erase(session, ALICE, clock.now(), content=True)
    with bot.runtime.db.session() as session:
        [waiver] = session.exec(select(Waiver)).all()
        steps = session.exec(select(WaiverDecision)).all()
        assert ALICE not in json.dumps([waiver.model_dump(mode="json"), *(s.model_dump(mode="json") for s in steps)])
        assert "Office supplies" not in " ".join(s.comment for s in steps)  # their answer, gone with --content
        assert "Which purchases?" in " ".join(s.comment for s in steps)  # the owner's question is not theirs
