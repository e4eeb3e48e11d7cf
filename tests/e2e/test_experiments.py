"""Experiments that teach (issue 20), on both databases: an approved idea's experiment starts with a plan
(what is tested, how we will know, by when, by whom), checked field by field, shown on the idea's post; its
reviewers or its author may start it, nobody else."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from storage.models import Experiment
from tests.conftest import ALICE, IDEAS, REVIEWER, TEAM_MEMBER, RunningBot
from tests.e2e.helpers import block_texts, button, experiment_plan, posted_idea, press_and_fill

STRANGER = "U0STRANGE1"
TEAMMATE = "U0TEAMMAT1"


def approved_post(bot: RunningBot) -> dict:
    post = posted_idea(bot, title="Queue tickets by SMS")
    press_and_fill(bot, post, "idea_approve", REVIEWER, {})
    bot.slack.wait_for(lambda: "Start experiment" in str(bot.slack.message(IDEAS, post["ts"])))
    return bot.slack.message(IDEAS, post["ts"])


def test_an_experiment_starts_with_a_checked_plan_shown_on_the_post(bot: RunningBot):
    post = approved_post(bot)
    today = bot.runtime.clock.now().date()
    missing = press_and_fill(bot, post, "idea_start", REVIEWER, experiment_plan(bot, hypothesis="", target=""))
    assert set(missing.json()["errors"]) == {"hypothesis", "target"}
    backwards = experiment_plan(bot, ends_on=(today - timedelta(days=1)).isoformat())
    assert "ends_on" in press_and_fill(bot, post, "idea_start", REVIEWER, backwards).json()["errors"]

    plan = experiment_plan(bot, team=[TEAMMATE, ALICE], measure="Minutes *waited* <!channel>")
    assert press_and_fill(bot, post, "idea_start", REVIEWER, plan).body == ""
    bot.slack.wait_for(lambda: "Experiment running" in str(bot.slack.message(IDEAS, post["ts"])))
    shown = block_texts(bot.slack.message(IDEAS, post["ts"]))
    assert "If people book a slot by SMS" in shown and "45 → 15" in shown
    assert f"<@{TEAMMATE}>" in shown and "<!channel>" not in shown  # what people typed is escaped
    with bot.runtime.db.session() as session:
        [kept] = session.exec(select(Experiment)).all()
    assert (kept.planned_by, kept.team, kept.ends_on) == (REVIEWER, f"{TEAMMATE},{ALICE}", today + timedelta(days=28))


def test_the_author_may_start_the_experiment_and_a_stranger_may_not(bot: RunningBot):
    post = approved_post(bot)
    bot.send.block_action("idea_start", button(post, "idea_start")["value"], user=STRANGER, message=post)
    assert "Only this idea's reviewers" in bot.slack.wait_for(bot.slack.responses)[0]["text"]
    assert press_and_fill(bot, post, "idea_start", ALICE, experiment_plan(bot)).body == ""
    bot.slack.wait_for(lambda: "Experiment running" in str(bot.slack.message(IDEAS, post["ts"])))


def test_the_team_is_asked_midway_once_and_its_check_in_joins_the_thread(bot: RunningBot):
    post = approved_post(bot)
    today = bot.runtime.clock.now().date()
    plan = experiment_plan(
        bot,
        team=[TEAMMATE],
        starts_on=(today - timedelta(days=14)).isoformat(),  # midway is today
        ends_on=(today + timedelta(days=14)).isoformat(),
    )
    assert press_and_fill(bot, post, "idea_start", REVIEWER, plan).body == ""
    bot.slack.wait_for(lambda: "Experiment running" in str(bot.slack.message(IDEAS, post["ts"])))

    bot.runtime.scheduler.run_once()
    asked = bot.slack.wait_for(lambda: [p for p in bot.slack.posts(TEAMMATE) if "experiment" in p["text"].lower()])
    assert len(asked) == 1 and "How is the experiment" in block_texts(asked[0])
    bot.runtime.scheduler.run_once()  # asked once per check-in, however often the scheduler looks
    bot.runtime.worker.kick()

    bot.send.block_action("experiment_checkin", button(asked[0], "experiment_checkin")["value"], user=STRANGER)
    assert "Only the experiment's team" in bot.slack.wait_for(bot.slack.responses)[0]["text"]
    opened = len(bot.slack.calls("views.open"))
    bot.send.block_action("experiment_checkin", button(asked[0], "experiment_checkin")["value"], user=TEAMMATE)
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    form = bot.slack.last_view()
    assert "state" in bot.send.view_submission(form, {"learned": "x"}, user=TEAMMATE).json()["errors"]
    values = {"state": "at_risk", "value_so_far": "30", "learned": "Older people still *phone* first"}
    assert bot.send.view_submission(form, values, user=TEAMMATE).body == ""

    def reply() -> list[dict]:
        return [p for p in bot.slack.posts(IDEAS) if p.get("thread_ts") == post["ts"] and "Check-in" in p["text"]]

    [posted] = bot.slack.wait_for(reply)
    shown = block_texts(posted)
    assert "At risk" in shown and "Minutes waited at the counter so far: 30" in shown
    assert f"<@{TEAMMATE}>" in shown and "Learned: Older people still" in shown
    assert len([p for p in bot.slack.posts(TEAMMATE) if "experiment" in p["text"].lower()]) == 1


def test_an_experiment_past_its_end_with_no_report_is_escalated_once(bot: RunningBot):
    post = approved_post(bot)
    assert press_and_fill(bot, post, "idea_start", REVIEWER, experiment_plan(bot, team=[TEAMMATE])).body == ""
    bot.slack.wait_for(lambda: "Experiment running" in str(bot.slack.message(IDEAS, post["ts"])))
    today = bot.runtime.clock.now().date()
    with bot.runtime.db.session() as session:  # four weeks later, and three days past its end
        [experiment] = session.exec(select(Experiment)).all()
        experiment.starts_on, experiment.ends_on = today - timedelta(days=31), today - timedelta(days=3)

    def escalations() -> list[dict]:
        return [p for p in bot.slack.posts(TEAM_MEMBER) if p["text"] == "An experiment ended with no report"]

    bot.runtime.scheduler.run_once()
    [told] = bot.slack.wait_for(escalations)
    assert "Queue tickets by SMS" in block_texts(told) and f"<@{TEAMMATE}>" in block_texts(told)
    bot.runtime.scheduler.run_once()
    bot.runtime.worker.kick()
    assert len(escalations()) == 1
    assert not [p for p in bot.slack.posts(TEAMMATE) if "experiment" in p["text"].lower()]  # over: no check-in


def test_a_failure_is_reported_like_a_success_thanked_and_the_registry_keeps_the_measure(bot: RunningBot):
    post = approved_post(bot)
    assert press_and_fill(bot, post, "idea_start", REVIEWER, experiment_plan(bot)).body == ""
    bot.slack.wait_for(lambda: "Experiment running" in str(bot.slack.message(IDEAS, post["ts"])))
    report = {
        "outcome": "failure",
        "comment": "Older people phoned instead of texting",
        "final_value": "41",
        "next_time": "Offer a phone line that books the same slots",
        "scale": "no",
    }
    assert press_and_fill(bot, bot.slack.message(IDEAS, post["ts"]), "idea_complete", REVIEWER, report).body == ""

    def thanked() -> list[dict]:
        return [p for p in bot.slack.posts(IDEAS) if p.get("thread_ts") == post["ts"] and "Thank you" in str(p)]

    bot.slack.wait_for(thanked)
    bot.slack.wait_for(lambda: "Reached:" in block_texts(bot.slack.message(IDEAS, post["ts"])))
    shown = block_texts(bot.slack.message(IDEAS, post["ts"]))
    assert "*Reached:* 41" in shown and "Offer a phone line" in shown and "*Do it more widely?* No" in shown
    found = [item for item in bot.runtime.matches.find("Queue tickets by SMS") if item.kind == "project"]
    assert found[0].status == "failure"
    assert "Minutes waited at the counter: 45 → 15; reached 41." in found[0].lessons_learned
    assert "Next time: Offer a phone line" in found[0].lessons_learned
