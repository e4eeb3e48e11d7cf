"""Managers decide in the thread: buttons, authorisation, reasons, replies, the author told, the registry fed."""

import csv
import json

from sqlmodel import select

from storage.models import Comment, Decision, Idea, PastProject
from tests.conftest import ALICE, IDEAS, REVIEWER, TEAM_MEMBER, RunningBot
from tests.e2e.helpers import (
    block_texts,
    button,
    experiment_plan,
    posted_idea,
    press_and_fill,
    seen_by_others,
)

STRANGER = "U0STRANGE1"


def ideas(bot: RunningBot) -> list[Idea]:
    with bot.runtime.db.session() as session:
        return list(session.exec(select(Idea)).all())


def updates(bot: RunningBot) -> list[dict]:
    return [call.args for call in bot.slack.calls("chat.update")]


def test_the_post_names_its_reviewers_and_carries_the_buttons(bot: RunningBot):
    post = posted_idea(bot)
    assert f"<@{REVIEWER}>" in block_texts(post)
    actions = [e["action_id"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == [
        "idea_approve",
        "idea_needs_info",
        "idea_decline",
        "idea_merge",
        "idea_comment",
        "idea_support",
        "idea_help",
    ]


def test_a_reviewer_approves_post_updated_thread_reply_author_told(bot: RunningBot):
    post = posted_idea(bot)
    reply = press_and_fill(bot, post, "idea_approve", REVIEWER, {"comment": "Great, let's try it in March"})
    assert reply.status == 200 and reply.body == ""  # the form closes
    update = bot.slack.wait_for(lambda: updates(bot))[-1]
    assert update["ts"] == post["ts"] and "Approved" in block_texts(update) and f"<@{REVIEWER}>" in block_texts(update)
    thread = bot.slack.wait_for(lambda: [p for p in bot.slack.posts(IDEAS) if p.get("thread_ts") == post["ts"]])
    assert "approved this idea" in block_texts(thread[0]) and "March" in block_texts(thread[0])
    dm = bot.slack.wait_for(lambda: [p for p in bot.slack.posts(ALICE) if "Feedback" in p["text"]])[0]
    assert "approved" in block_texts(dm) and "https://fake.slack.com/archives/" in block_texts(dm)
    with bot.runtime.db.session() as session:
        [decision] = session.exec(select(Decision)).all()
    assert (decision.actor_id, decision.action, decision.comment) == (
        REVIEWER,
        "approve",
        "Great, let's try it in March",
    )
    assert ideas(bot)[0].status == "approved" and ideas(bot)[0].first_feedback_at is not None


def test_someone_else_pressing_approve_is_refused_and_nothing_changes(bot: RunningBot):
    post = posted_idea(bot)
    forms_before = len(bot.slack.calls("views.open"))
    bot.send.block_action("idea_approve", button(post, "idea_approve")["value"], user=STRANGER, message=post)
    refusal = bot.slack.wait_for(bot.slack.responses)[0]
    assert "Only this idea's reviewers and the innovation team" in refusal["text"]
    assert refusal["response_type"] == "ephemeral"
    assert len(bot.slack.calls("views.open")) == forms_before  # no decision form opened
    assert ideas(bot)[0].status == "submitted"


def test_a_forged_decision_form_from_someone_else_is_refused(bot: RunningBot):
    post = posted_idea(bot)
    press_and_fill(bot, post, "idea_comment", STRANGER, {"comment": "Nice"})  # anyone may comment
    view = bot.slack.last_view()
    forged = {**view, "private_metadata": json.dumps({"idea_id": ideas(bot)[0].id, "action": "approve"})}
    reply = bot.send.view_submission(forged, {"comment": ""}, user=STRANGER)
    assert "Only this idea's reviewers" in reply.json()["errors"]["comment"]
    assert ideas(bot)[0].status == "submitted"


def test_decline_needs_a_reason(bot: RunningBot):
    post = posted_idea(bot)
    reply = press_and_fill(bot, post, "idea_decline", TEAM_MEMBER, {"comment": "  "})
    assert reply.json()["response_action"] == "errors" and "reason" in reply.json()["errors"]["comment"]
    assert ideas(bot)[0].status == "submitted"
    reply = press_and_fill(bot, post, "idea_decline", TEAM_MEMBER, {"comment": "Already covered by the 2025 plan"})
    assert reply.body == "" and ideas(bot)[0].status == "declined"


def test_a_reviewer_reply_in_the_thread_is_feedback_and_replayed_events_are_ignored(bot: RunningBot):
    post = posted_idea(bot)
    event = {
        "token": "legacy",
        "team_id": "T0FAKE0001",
        "api_app_id": "A0INNOVATE",
        "type": "event_callback",
        "event_id": "Ev0REPLY001",
        "event_time": 1700000000,
        "event": {
            "type": "message",
            "channel": IDEAS,
            "user": REVIEWER,
            "text": "Have you talked to the call centre? <!channel>",
            "ts": "1700000100.000200",
            "thread_ts": post["ts"],
            "channel_type": "channel",
        },
    }
    assert bot.send.post_raw_json(event).status == 200
    assert bot.send.post_raw_json(event, retry_num=1).status == 200  # Slack's retry of the same delivery
    dm = bot.slack.wait_for(
        lambda: [p for p in bot.slack.posts(ALICE) if "commented" in p["text"] or "comment" in p["text"]]
    )
    assert "call centre" in block_texts(dm[0]) and "<!channel>" not in block_texts(dm[0])
    with bot.runtime.db.session() as session:
        comments = session.exec(select(Comment)).all()
    assert len(comments) == 1 and comments[0].is_feedback
    idea = ideas(bot)[0]
    assert idea.status == "in_review" and idea.first_feedback_at is not None


def test_needs_more_info_then_the_author_edits_and_reviewers_are_told(bot: RunningBot):
    post = posted_idea(bot)
    press_and_fill(bot, post, "idea_needs_info", REVIEWER, {"comment": "What would it cost?"})
    dm = bot.slack.wait_for(lambda: [p for p in bot.slack.posts(ALICE) if "Feedback" in p["text"]])[0]
    edit = next(e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"])
    opened = len(bot.slack.calls("views.open"))
    bot.send.block_action("idea_edit", edit["value"], user=ALICE, channel=ALICE, message=dm)
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    form = bot.slack.last_view()
    assert form["blocks"][0]["element"]["initial_value"] == "Online booking"
    reply = bot.send.view_submission(form, {"proposal": "Online booking, about 5,000 euros a year"}, user=ALICE)
    assert reply.body == ""
    told = bot.slack.wait_for(lambda: [p for p in bot.slack.posts(REVIEWER) if "updated" in block_texts(p)])
    assert told and ideas(bot)[0].status == "in_review" and "5,000 euros" in ideas(bot)[0].proposal
    assert "5,000 euros" in block_texts(bot.slack.wait_for(lambda: [u for u in updates(bot) if "5,000" in str(u)])[-1])


def test_support_counts_once_per_person_and_shows_on_the_post(bot: RunningBot):
    post = posted_idea(bot)
    for user in ("U0FAN00001", "U0FAN00001", "U0FAN00002"):
        bot.send.block_action("idea_support", button(post, "idea_support")["value"], user=user, message=post)
    bot.slack.wait_for(lambda: len(bot.slack.responses()) == 3)
    texts = sorted(r["text"] for r in bot.slack.responses())
    assert texts.count("Thanks for your support!") == 2 and "You already support this idea." in texts
    bot.slack.wait_for(lambda: [u for u in updates(bot) if "Support (2)" in str(u)])


def test_an_offer_to_help_reaches_the_author(bot: RunningBot):
    post = posted_idea(bot)
    bot.send.block_action("idea_help", button(post, "idea_help")["value"], user="U0HELPER01", message=post)
    dm = bot.slack.wait_for(lambda: [p for p in bot.slack.posts(ALICE) if "help" in p["text"]])[0]
    assert "<@U0HELPER01>" in block_texts(dm)


def test_completing_an_experiment_adds_it_to_the_registry_and_the_matcher_finds_it(bot: RunningBot):
    post = posted_idea(bot, title="Queue tickets by SMS", department="Civil registry")
    press_and_fill(bot, post, "idea_approve", REVIEWER, {})
    bot.slack.wait_for(lambda: "Start experiment" in str(bot.slack.message(IDEAS, post["ts"])))
    press_and_fill(bot, bot.slack.message(IDEAS, post["ts"]), "idea_start", REVIEWER, experiment_plan(bot))
    bot.slack.wait_for(lambda: "Experiment running" in str(bot.slack.message(IDEAS, post["ts"])))
    post = bot.slack.message(IDEAS, post["ts"])
    opened = len(bot.slack.calls("views.open"))
    bot.send.block_action("idea_complete", button(post, "idea_complete")["value"], user=REVIEWER, message=post)
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    form = bot.slack.last_view()
    no_outcome = bot.send.view_submission(form, {"comment": "People came back too early"}, user=REVIEWER)
    assert "outcome" in no_outcome.json()["errors"]
    done = bot.send.view_submission(
        form, {"comment": "People came back too early", "outcome": "failure"}, user=REVIEWER
    )
    assert done.body == ""
    with bot.runtime.db.session() as session:
        [project] = session.exec(select(PastProject)).all()
    assert project.status == "failure"
    assert project.lessons_learned == "People came back too early\nMeasure: Minutes waited at the counter: 45 → 15."
    found = bot.runtime.matches.find("SMS queue tickets")
    projects = [item for item in found if item.kind == "project"]
    assert projects[0].title == "Queue tickets by SMS" and projects[0].status == "failure"
    assert projects[0].lessons_learned.startswith("People came back too early")


def test_an_anonymous_author_appears_in_no_slack_call_but_their_own_dms_nor_in_the_export(bot: RunningBot, tmp_path):
    post = posted_idea(bot, anonymous=True)
    press_and_fill(bot, post, "idea_approve", REVIEWER, {"comment": "Yes"})
    bot.slack.wait_for(lambda: [p for p in bot.slack.posts(ALICE) if "Feedback" in p["text"]])
    assert ALICE not in seen_by_others(bot, ALICE)
    from bot.export import write_export

    path = tmp_path / "export.csv"
    with bot.runtime.db.session() as session:
        write_export(session, path, "csv")
    rows = list(csv.DictReader(path.open()))
    assert ALICE not in path.read_text() and rows[0]["author"] == "anonymous"
    assert {row["record"] for row in rows} == {"idea", "decision"}


def test_the_app_home_stays_within_slack_limits_with_300_ideas(bot: RunningBot):
    from datetime import UTC, datetime, timedelta

    from bot.submissions import Author, IdeaDraft
    from bot.submissions import submit_idea as store_idea

    with bot.runtime.db.session() as session:
        for n in range(300):
            draft = IdeaDraft(title=f"Idea {n}", problem="p", proposal="q")
            store_idea(
                session,
                draft,
                Author(REVIEWER if n % 2 else TEAM_MEMBER, "T0FAKE0001"),
                datetime.now(UTC) - timedelta(days=n),
                (REVIEWER,),
            )
    event = {
        "team_id": "T0FAKE0001",
        "api_app_id": "A0INNOVATE",
        "type": "event_callback",
        "event_id": "Ev0HOME0300",
        "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": TEAM_MEMBER, "channel": "D0T", "tab": "home", "event_ts": "1.2"},
    }
    bot.send.post_raw_json(event)
    view = bot.slack.wait_for(lambda: bot.slack.calls("views.publish"))[0].args["view"]
    assert len(view["blocks"]) <= 100
    text = json.dumps(view)
    assert "Waiting for my decision" in text and "See the others in the ideas channel" in text and "Pipeline" in text
    assert "waiting 299 days" in text  # oldest first
    assert "next reminder " in text and "(Europe/Brussels)" in text  # when, in the reader's named time zone


def test_the_author_withdraws_from_the_confirmation_message_and_nobody_else_can(bot: RunningBot):
    post = posted_idea(bot)
    dm = bot.slack.posts(ALICE)[0]
    withdraw = button(dm, "idea_withdraw")
    bot.send.block_action("idea_withdraw", withdraw["value"], user=REVIEWER, channel=ALICE, message=dm)
    assert "Only the idea's author can withdraw it." in bot.slack.wait_for(bot.slack.responses)[0]["text"]
    opened = len(bot.slack.calls("views.open"))
    bot.send.block_action("idea_withdraw", withdraw["value"], user=ALICE, channel=ALICE, message=dm)
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    assert bot.send.view_submission(bot.slack.last_view(), {}, user=ALICE).body == ""
    assert ideas(bot)[0].status == "withdrawn"
    bot.slack.wait_for(lambda: "Withdrawn" in str(bot.slack.message(IDEAS, post["ts"])))


def test_merging_a_duplicate_tells_its_author_and_supporters_where_it_went(bot: RunningBot):
    first = posted_idea(bot, title="Book a bulky waste pickup online")
    second = posted_idea(bot, title="Online booking of bulky waste collection")
    bot.send.block_action("idea_support", button(second, "idea_support")["value"], user="U0FAN00001", message=second)
    bot.slack.wait_for(bot.slack.responses)
    opened = len(bot.slack.calls("views.open"))
    bot.send.block_action("idea_merge", button(second, "idea_merge")["value"], user=TEAM_MEMBER, message=second)
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    form = bot.slack.last_view()
    target = next(b for b in form["blocks"] if b.get("block_id") == "target")["element"]["options"][0]
    assert "Book a bulky waste pickup online" in target["text"]["text"]
    assert bot.send.view_submission(form, {"target": target["value"]}, user=TEAM_MEMBER).body == ""
    told = bot.slack.wait_for(lambda: [p for p in bot.slack.posts("U0FAN00001") if "merged" in p["text"]])
    assert "Book a bulky waste pickup online" in block_texts(told[0])
    bot.slack.wait_for(lambda: [p for p in bot.slack.posts(ALICE) if "merged" in p["text"]])
    from storage import queries

    with bot.runtime.db.session() as session:
        notices = [e.recipient for e in queries.outbox_messages(session) if e.kind == "notify_merge"]
    assert sorted(notices) == sorted([ALICE, "U0FAN00001"])  # one entry per person: a retry re-tells nobody
    merged = next(idea for idea in ideas(bot) if idea.title.startswith("Online booking"))
    assert merged.status == "merged" and merged.merged_into == target["value"] == f"idea:{ideas(bot)[0].id}"
    assert first["ts"] != second["ts"]
    # the thread says where it went, linked, not just "existing work"
    reply = bot.slack.wait_for(
        lambda: [p for p in bot.slack.posts(IDEAS) if p.get("thread_ts") == second["ts"] and "merged" in p["text"]]
    )[0]
    assert "Book a bulky waste pickup online" in block_texts(reply) and first_link(bot, first) in block_texts(reply)


def first_link(bot: RunningBot, post: dict) -> str:
    """The permalink Slack gave the bot for a post."""
    return next(
        c.result["permalink"] for c in bot.slack.calls("chat.getPermalink") if c.args["message_ts"] == post["ts"]
    )


def test_team_reviewers_are_set_from_slack_by_the_innovation_team_and_get_the_teams_ideas(bot: RunningBot):
    refused = bot.send.command("/ideas", "reviewers set Mobility <@U0MOB00001|mo>", user=STRANGER)
    assert "Only the innovation team" in refused.json()["text"]
    done = bot.send.command("/ideas", "reviewers set Urban mobility <@U0MOB00001|mo>", user=TEAM_MEMBER)
    assert "Urban mobility" in str(done.json()) and "U0MOB00001" in str(done.json())
    post = posted_idea(bot, department="urban  MOBILITY")
    assert "<@U0MOB00001>" in block_texts(post) and f"<@{REVIEWER}>" not in block_texts(post)
    assert ideas(bot)[0].reviewers == "U0MOB00001"


def test_snooze_from_a_reminder_is_for_the_ideas_reviewers(bot: RunningBot):
    post = posted_idea(bot)
    idea_id = str(ideas(bot)[0].id)
    bot.send.block_action("idea_snooze", idea_id, user=STRANGER, channel="D0STRANGE1", message=post)
    assert "Only this idea's reviewers" in bot.slack.wait_for(bot.slack.responses)[0]["text"]
    bot.send.block_action("idea_snooze", idea_id, user=REVIEWER, channel="D0REVIEW01", message=post)
    answer = bot.slack.wait_for(lambda: bot.slack.responses()[1:])[0]
    assert answer["text"].startswith("Snoozed: no reminder about this idea before")
    assert answer["text"].endswith("(Europe/Brussels).")  # the reviewer's own time zone, named
    from storage import queries

    with bot.runtime.db.session() as session:
        assert REVIEWER in queries.snoozes_of(session, int(idea_id))


def test_what_the_innovation_team_typed_wrong_is_echoed_escaped(bot: RunningBot):
    refused = bot.send.command("/ideas", "reviewers set Team U0ABC12345 a<!channel>b", user=TEAM_MEMBER)
    text = refused.json()["text"]
    assert "a&lt;!channel&gt;b" in text and "<!channel>" not in text


def test_a_decision_made_while_another_decider_was_writing_is_not_overridden_unseen(bot: RunningBot):
    post = posted_idea(bot)

    def open_form(action_id: str, user: str) -> dict:
        opened = len(bot.slack.calls("views.open"))
        bot.send.block_action(action_id, button(post, action_id)["value"], user=user, channel=IDEAS, message=post)
        bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
        return bot.slack.last_view()

    approving, declining = open_form("idea_approve", REVIEWER), open_form("idea_decline", TEAM_MEMBER)
    assert bot.send.view_submission(approving, {"comment": "Yes"}, user=REVIEWER).body == ""
    late = bot.send.view_submission(declining, {"comment": "Too costly"}, user=TEAM_MEMBER).json()
    assert late["response_action"] == "errors" and "While you were writing" in late["errors"]["comment"]
    assert "Approved" in late["errors"]["comment"]
    with bot.runtime.db.session() as session:
        assert [d.action for d in session.exec(select(Decision)).all()] == ["approve"]
    assert ideas(bot)[0].status == "approved"
