"""Every message fits Slack's limits after escaping and translation: the longest text people can type,
made of the characters escaping lengthens most, in every language, through every builder."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime

import pytest

from blocks import base, digest, dms, posts, replies
from blocks import waivers as waiver_blocks
from blocks.base import Message
from bot.digest import Digest
from bot.i18n import LANGUAGES, speaking
from bot.matching.service import Found
from bot.submissions import DEPARTMENT_MAX, TEXT_MAX
from fakeslack.server import FakeSlack
from storage.models import (
    TITLE_MAX,
    Challenge,
    Comment,
    Decision,
    Experiment,
    Idea,
    Support,
    Waiver,
    WaiverDecision,
)

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
WORST = "&<>" * 2000  # each character becomes a 4- or 5-character entity
ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")  # an & that does not start a whole entity: one was cut


def worst(limit: int) -> str:
    return WORST[:limit]


def an_idea() -> Idea:
    return Idea(
        id=7,
        workspace_id="T0WORK0001",
        author_id="U0AUTHOR01",
        title=worst(TITLE_MAX),
        problem=worst(TEXT_MAX),
        proposal=worst(TEXT_MAX),
        department=worst(DEPARTMENT_MAX),
        status="completed",
        outcome="failure",
        decided_by="U0REVIEW01",
        reviewers="U0REVIEW01,U0REVIEW02",
        lessons_learned=worst(TEXT_MAX),
        permalink="https://fake.slack.com/archives/C1/p1",
        created_at=NOW,
        updated_at=NOW,
    )


def a_project() -> Found:
    return Found(
        kind="project",
        id=1,
        external_id="P1",
        title=worst(300),
        status="failed",
        organisation=worst(1000),
        url="https://example.org/" + "a" * 2950,
        contact=worst(300),
        lessons_learned=worst(1500),
        score=91,
        verdict="duplicate",
        reason="both mention: " + worst(300),
    )


def messages() -> dict[str, Message]:
    idea = an_idea()
    challenge = Challenge(
        id=3,
        workspace_id="T0WORK0001",
        author_id="U0AUTHOR01",
        title=worst(TITLE_MAX),
        problem=worst(TEXT_MAX),
        desired_outcome=worst(TEXT_MAX),
        deadline=date(2027, 1, 1),
        created_at=NOW,
        updated_at=NOW,
    )
    decision = Decision(
        id=1, idea_id=7, actor_id="U0REVIEW01", action="decline", status_after="declined", comment=worst(TEXT_MAX)
    )
    decision.created_at = NOW
    comment = Comment(id=1, idea_id=7, author_id="U0OTHER001", text=worst(TEXT_MAX * 2), created_at=NOW)
    found = [a_project()] * 3
    waiver = Waiver(
        id=4,
        requested_by="U0AUTHOR01",
        team=",".join(f"U0TEAM{n:04d}" for n in range(40)),
        rule=worst(300),
        why=worst(TEXT_MAX),
        days=180,
        safeguards=worst(TEXT_MAX),
        idea_id=7,
        status="granted",
        decided_by="U0OWNER001",
        conditions=worst(TEXT_MAX),
        ends_on=date(2027, 6, 30),
        created_at=NOW,
    )
    steps = {
        action: WaiverDecision(
            id=n,
            waiver_id=4,
            actor_id="U0OWNER001",
            action=action,
            status_after="granted",
            comment=worst(TEXT_MAX),
            ends_on=date(2027, 6, 30),
            created_at=NOW,
        )
        for n, action in enumerate(("request", "answer", "grant", "refuse", "ask", "extend", "permanent", "restore"))
    }
    experiment = Experiment(
        idea_id=7,
        hypothesis=worst(TEXT_MAX),
        measure=worst(300),
        baseline=worst(300),
        target=worst(300),
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 1, 1),
        team=",".join(f"U0TEAM{n:04d}" for n in range(40)),
        planned_by="U0REVIEW01",
        created_at=NOW,
    )
    week = Digest(
        start=NOW,
        end=NOW,
        new_ideas=[idea] * 40,
        new_challenges=[challenge] * 40,
        decisions=[(decision, idea)] * 40,
        waiting=[(idea, 12)] * 40,
        completed=[idea] * 40,
        most_supported=[(idea, 9)] * 40,
        contributors=["U0AUTHOR01"] * 40,
        waivers=[(step, waiver) for step in steps.values()] * 5,
    )
    return {
        "idea post": posts.idea_post(idea, challenge, found, 12),
        "challenge post": posts.challenge_post(challenge, found, [idea] * 40),
        "decision reply": posts.decision_reply(decision, idea),
        "confirmation": dms.confirmation("idea", idea.title, idea.permalink, 7),
        "join notice": dms.join_notice("U0JOINER01", a_project()),
        "decision dm": dms.decision_dm(decision, idea),
        "merge dm": dms.merge_dm(idea, a_project()),
        "comment dm": dms.comment_dm(comment, idea),
        "help dm": dms.help_dm(Support(id=1, idea_id=7, user_id="U0HELPER01", kind="help", created_at=NOW), idea),
        "edit dm": dms.edit_dm(idea),
        "nudge dm": dms.nudge_dm(idea, 2, 12),
        "escalation": dms.escalation_message(idea, 12, ["U0REVIEW01"]),
        "search": replies.search_results(worst(500), found),
        "unknown word": replies.unknown_subcommand(worst(500)),
        "digest": digest.digest_message(week),
        "check-in dm": dms.checkin_dm(idea, experiment),
        "experiment overdue": dms.experiment_overdue(idea, experiment),
        "waiver request": waiver_blocks.request_dm(waiver, steps["request"], idea),
        "waiver answer": waiver_blocks.request_dm(waiver, steps["answer"], idea),
        "waiver received": waiver_blocks.received_dm(waiver, 12),
        **{f"waiver {a}": waiver_blocks.decided_dm(waiver, steps[a]) for a in steps if a not in ("request", "answer")},
        "waiver expiring": waiver_blocks.expiring_dm(waiver),
        "waiver expired (owner)": waiver_blocks.expired_dm(waiver, for_owner=True),
        "waiver expired (team)": waiver_blocks.expired_dm(waiver, for_owner=False),
    }


def mrkdwn_texts(value: object) -> list[str]:
    """Every mrkdwn text in blocks (plain_text is shown as typed: it has no entities)."""
    if isinstance(value, list):
        return [text for item in value for text in mrkdwn_texts(item)]
    if isinstance(value, dict):
        own = [value["text"]] if value.get("type") == "mrkdwn" else []
        return own + [
            text
            for key, item in value.items()
            if key != "text" or not isinstance(item, str)
            for text in mrkdwn_texts(item)
        ]
    return []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_keeps_slacks_limits_whole_entities_and_its_words_in_every_language(language, caplog):
    with speaking(language), caplog.at_level(logging.WARNING, logger="blocks.base"):
        built = messages()
    fake = FakeSlack()
    for name, message in built.items():
        arguments = message.as_kwargs()  # slack_sdk's models validate every block here
        assert fake._refused_message(arguments) is None, name
        for text in [arguments["text"], *mrkdwn_texts(arguments.get("blocks", []))]:
            assert not ENTITY.search(text), f"{name}: an entity was cut"
    assert not caplog.records, "a builder relied on the last check: " + caplog.records[0].getMessage()


def test_the_last_check_cuts_what_a_builder_let_through_and_says_so(caplog):
    message = Message(text="x" * 5000, blocks=[*base.sections("&amp;" * 500), base.context("&amp;" * 700)])
    assert len(message.text) <= base.TEXT_MAX
    blocks = message.as_kwargs()["blocks"]
    assert all(len(block["text"]["text"]) <= 3000 for block in blocks if block["type"] == "section")
    assert len(blocks[-1]["elements"][0]["text"]) <= 3000 and not ENTITY.search(blocks[-1]["elements"][0]["text"])
    assert "was cut" in caplog.text


def test_the_plain_fallback_keeps_the_words_and_pings_nobody():
    message = Message(
        text="Idea: Bins", blocks=[base.HeaderBlock(text="<!channel> Bins"), *base.labelled("The problem", "Full")]
    )
    plain = message.plain()
    assert plain.blocks == [] and "&lt;!channel&gt; Bins" in plain.text and "Full" in plain.text
