"""A person's data on both databases: everything about them exported, nothing about anyone else; erased
everywhere (every column of every table), once, with the Slack posts that showed them updated."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlmodel import SQLModel

from bot import reviewers, reviews
from bot.privacy import REMOVED, erase, personal_data
from bot.text import is_user_id
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


def test_retention_pseudonymises_exactly_the_ideas_closed_longer_ago_than_the_limit(db):
    from bot.privacy import apply_retention
    from bot.submissions import Author, IdeaDraft, submit_idea

    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    deciders = reviews.Deciders()

    def idea(title: str, author: str, *, anonymous: bool = False):
        with db.session() as session:
            return submit_idea(
                session,
                IdeaDraft(title, "p", "q", anonymous=anonymous),
                Author(author, WORKSPACE),
                start,
                ("U0REVIEW01",),
            ).id

    def decline(idea_id: int, when: datetime) -> None:
        with db.session() as session:
            reviews.support(session, idea_id, "U0FAN00001", "support", when, WORKSPACE)
            reviews.decide(session, idea_id, "U0REVIEW01", "decline", when, deciders, comment="Not now")

    old, recent = idea("Old", "U0OLD00001"), idea("Recent", "U0RECENT01")
    idea("Open", "U0OPEN0001")
    shy = idea("Shy", "U0SHY00001", anonymous=True)
    decline(old, start)
    decline(recent, start + timedelta(days=80))
    decline(shy, start + timedelta(days=89))
    now = start + timedelta(days=90)
    with db.session() as session:
        done = apply_retention(session, now, retention_days=30, keep_anonymous_author=False)
    assert done["closed ideas pseudonymised"] == 1 and done["anonymous authors dropped"] == 1
    with db.session() as session:
        ideas = {i.title: i for i in queries.all_ideas(session)}
        kept = queries.get_idea(session, old)
        assert not is_user_id(kept.author_id) and kept.decided_by and not is_user_id(kept.decided_by)
        assert kept.title == "Old" and kept.reviewers == ""  # the content stays for the registry
        assert ideas["Recent"].author_id == "U0RECENT01" and ideas["Open"].author_id == "U0OPEN0001"
        assert not is_user_id(ideas["Shy"].author_id)  # closed anonymous idea: its author is dropped at once
        assert queries.support_count(session, old) == 1  # counts hold
        again = apply_retention(session, now, retention_days=30, keep_anonymous_author=False)
    assert not again


def test_a_deactivated_account_is_erased_once_the_retention_period_has_passed(bot: RunningBot):
    from bot.privacy import apply_retention

    posted_idea(bot, user=SUBJECT, title="Benches that charge phones")
    event = {
        "type": "event_callback",
        "team_id": WORKSPACE,
        "api_app_id": "A0INNOVATE",
        "event_id": "Ev0USERCHG1",
        "event_time": 1790000000,
        "event": {"type": "user_change", "user": {"id": SUBJECT, "team_id": WORKSPACE, "deleted": True}},
    }
    assert bot.send.post_raw_json(event).status == 200

    def deactivated():
        with bot.runtime.db.session() as session:
            profile = queries.slack_user(session, SUBJECT)
            return profile is not None and profile.deactivated_at is not None

    bot.slack.wait_for(deactivated)
    with bot.runtime.db.session() as session:
        assert not apply_retention(session, datetime.now(UTC) + timedelta(days=29), 30, False)
        done = apply_retention(session, datetime.now(UTC) + timedelta(days=31), 30, False)
    assert done["deactivated accounts erased"] == 1 and SUBJECT not in everything_stored(bot)


def test_in_slack_a_person_sees_what_is_kept_and_gets_the_file_in_their_own_dm_only(bot: RunningBot):
    posted_idea(bot, user=SUBJECT, title="Benches that charge phones")
    posted_idea(bot, user=ALICE, title="Quiet rooms for focused work")
    reply = bot.send.command("/ideas", "privacy", user=SUBJECT)
    assert reply.status == 200
    summary = bot.slack.wait_for(bot.slack.responses)[-1]
    shown = json.dumps(summary)
    assert "What I keep about you" in shown and "Ideas you wrote: 1 (0 anonymous)" in shown
    download = next(e for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"])
    erase_button = [e for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"]][1]
    assert erase_button["confirm"]["confirm"]["text"] == "Erase"  # Slack asks "are you sure?" first
    told = len(bot.slack.responses())
    bot.send.block_action(download["action_id"], download["value"], user=SUBJECT, channel="D0SUBJECT1")
    assert "sent you your data" in bot.slack.wait_for(lambda: bot.slack.responses()[told:])[0]["text"]
    [sent] = bot.slack.files_in(SUBJECT)
    document = json.loads(sent["data"])
    assert document["user_id"] == SUBJECT and document["ideas_written"][0]["title"] == "Benches that charge phones"
    assert ALICE not in sent["data"].decode()
    assert [f["channel"] for f in bot.slack.state.files] == [sent["channel"]]  # to nobody else


def test_erasing_from_slack_waits_for_the_team_while_the_person_still_reviews_open_ideas(bot: RunningBot):
    from tests.conftest import TEAM_MEMBER

    now = datetime.now(UTC)
    with bot.runtime.db.session() as session:
        reviewers.set_reviewers(session, "Parks", [SUBJECT], now)
    posted_idea(bot, user=ALICE, title="Plants in the open office", department="Parks")
    told = len(bot.slack.responses())
    bot.send.block_action("privacy_erase", "erase", user=SUBJECT, channel="D0SUBJECT1")
    answer = bot.slack.wait_for(lambda: bot.slack.responses()[told:])[0]["text"]
    assert "still review 1 open idea" in answer and SUBJECT in everything_stored(bot)

    bot.send.block_action("privacy_approve", SUBJECT, user=ALICE, channel="D0ALICE001")
    refused = bot.slack.wait_for(lambda: bot.slack.responses()[told + 1 :])[0]["text"]
    assert "Only the innovation team" in refused and SUBJECT in everything_stored(bot)

    home = {"type": "app_home_opened", "user": TEAM_MEMBER, "channel": "D0TEAM0001", "tab": "home", "event_ts": "1"}
    envelope = {"type": "event_callback", "team_id": WORKSPACE, "api_app_id": "A0INNOVATE", "event_id": "Ev0HOMEPRIV"}
    bot.send.post_raw_json({**envelope, "event_time": 1790000000, "event": home})
    view = bot.slack.wait_for(lambda: bot.slack.calls("views.publish"))[-1].args["view"]
    approve = next(
        b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "privacy_approve"
    )
    assert approve["value"] == SUBJECT and "Erasure requests" in json.dumps(view)
    bot.send.block_action("privacy_approve", approve["value"], user=TEAM_MEMBER, channel="D0TEAM0001")
    done = bot.slack.wait_for(lambda: bot.slack.responses()[told + 2 :])[0]["text"]
    assert "a former colleague" in done and SUBJECT not in everything_stored(bot)
