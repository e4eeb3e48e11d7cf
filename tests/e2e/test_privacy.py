"""A person's data on both databases: everything about them exported, nothing about anyone else; erased
everywhere (every column of every table), once, with the Slack posts that showed them updated."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import SQLModel

from bot import reviewers, reviews
from bot.privacy import REMOVED, erase, personal_data
from storage import queries
from tests.conftest import ALICE, IDEAS, RunningBot
from tests.e2e.helpers import posted_idea, submit_challenge, wait_until_confirmed

SUBJECT = "U0SUBJECT1"  # the person who asks
WORKSPACE = "T0FAKE0001"


def everything_stored(bot: RunningBot) -> str:
    """Every row of every table, as text: what a dump of the database would show."""
    with bot.runtime.db.session() as session:
        rows = [
            [table.name, *row]
            for table in SQLModel.metadata.sorted_tables
            for row in session.execute(text(f'SELECT * FROM "{table.name}"')).all()
        ]
    return json.dumps(rows, default=str, ensure_ascii=False)


def a_full_life(bot: RunningBot) -> dict:
    """The subject writes, reviews, decides, comments, supports, joins, is reminded and snoozes."""
    now = datetime.now(UTC)
    with bot.runtime.db.session() as session:
        reviewers.set_reviewers(session, "Parks", [SUBJECT], now)
    mine = posted_idea(bot, user=SUBJECT, title="Benches that charge phones", anonymous=True)
    submit_challenge(bot, user=SUBJECT, title="Nobody finds the recycling centre")
    theirs = posted_idea(bot, user=ALICE, title="Quiet rooms for focused work", department="Parks")
    still_open = posted_idea(bot, user=ALICE, title="Plants in the open office", department="Parks")
    wait_until_confirmed(bot)
    deciders = reviews.Deciders()
    with bot.runtime.db.session() as session:
        ideas = {idea.title: idea for idea in queries.all_ideas(session)}
        quiet, plants = ideas["Quiet rooms for focused work"].id, ideas["Plants in the open office"].id
        reviews.decide(session, quiet, SUBJECT, "approve", now, deciders, comment="Yes, start in the annexe")
        reviews.record_thread_reply(
            session,
            channel_id=IDEAS,
            thread_ts=theirs["ts"],
            user_id=SUBJECT,
            text="I can lend two rooms",
            message_ts="1790000000.000200",
            now=now,
            deciders=deciders,
        )
        reviews.support(session, quiet, SUBJECT, "support", now, WORKSPACE)
        reviews.support(session, quiet, SUBJECT, "help", now, WORKSPACE)
        queries.add_join(session, WORKSPACE, SUBJECT, f"idea:{quiet}", now)
        nudge = queries.add_nudge(session, plants, SUBJECT, 1, now)
        queries.owe(session, "nudge", nudge, now, recipient=SUBJECT)
        queries.save_snooze(session, plants, SUBJECT, now)
        queries.save_language_choice(session, SUBJECT, "pt", now)
    return {"mine": mine, "theirs": theirs, "still_open": still_open, "quiet": quiet, "plants": plants}


def test_a_persons_export_holds_all_of_theirs_and_nothing_of_anyone_elses(bot: RunningBot):
    a_full_life(bot)
    with bot.runtime.db.session() as session:
        document = personal_data(session, SUBJECT, datetime.now(UTC), WORKSPACE)
    assert document["schema_version"] == 1 and document["user_id"] == SUBJECT
    [idea] = document["ideas_written"]
    assert idea["title"] == "Benches that charge phones" and idea["anonymous"] is True
    assert document["challenges_written"][0]["title"] == "Nobody finds the recycling centre"
    assert document["decisions_made"][0]["reason"] == "Yes, start in the annexe"
    assert document["comments_and_thread_replies"][0]["text"] == "I can lend two rooms"
    assert sorted(s["kind"] for s in document["supports_and_offers_of_help"]) == ["help", "support"]
    assert document["joined_existing_work"] and document["reminders_received"] and document["reminders_snoozed"]
    assert {i["title"] for i in document["ideas_to_review"]} == {
        "Quiet rooms for focused work",
        "Plants in the open office",
    }
    assert document["reviewer_for_teams"] == ["Parks"] and document["profile"]["language_chosen"] == "pt"
    assert ALICE not in json.dumps(document)  # nothing about anyone else


def test_erasure_leaves_the_id_nowhere_keeps_the_counts_and_is_idempotent(bot: RunningBot):
    life = a_full_life(bot)
    assert SUBJECT in everything_stored(bot)
    with bot.runtime.db.session() as session:
        supporters_before = queries.support_count(session, life["quiet"])
        report = erase(session, SUBJECT, datetime.now(UTC))
    assert report.anything and report.ideas_without_reviewer == [life["plants"]]
    dump = everything_stored(bot)
    assert SUBJECT not in dump and report.tombstone in dump
    with bot.runtime.db.session() as session:
        assert queries.support_count(session, life["quiet"]) == supporters_before  # counts stay whole
        document = personal_data(session, SUBJECT, datetime.now(UTC))
        again = erase(session, SUBJECT, datetime.now(UTC))
    assert not again.anything and SUBJECT not in everything_stored(bot)
    lists = [value for value in document.values() if isinstance(value, list)]
    assert not any(lists) and document["profile"] is None  # nothing left but the request itself
    # the posts that named them are updated: "a former colleague", never a mention of a tombstone
    theirs = life["theirs"]
    bot.slack.wait_for(lambda: "a former colleague" in str(bot.slack.message(IDEAS, theirs["ts"])))
    assert report.tombstone not in json.dumps([c.args for c in bot.slack.calls()])


def test_erasing_content_withdraws_their_idea_and_updates_its_post_through_the_outbox(bot: RunningBot):
    life = a_full_life(bot)
    with bot.runtime.db.session() as session:
        erase(session, SUBJECT, datetime.now(UTC), content=True)
    bot.runtime.delivery.deliver_due()
    post = life["mine"]
    bot.slack.wait_for(lambda: "Withdrawn" in str(bot.slack.message(IDEAS, post["ts"])))
    shown = str(bot.slack.message(IDEAS, post["ts"]))
    assert "Benches that charge phones" not in shown and REMOVED in shown
    dump = everything_stored(bot)
    assert "I can lend two rooms" not in dump and "Yes, start in the annexe" not in dump
    assert "Quiet rooms for focused work" in dump  # other people's words stay
