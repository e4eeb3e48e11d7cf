"""A workspace's Settings, edited in Slack, on both databases: only its innovation team (or, while that is
empty, a workspace admin) sees and uses them; a change is kept with who made it, takes effect at once, and
the person is told which chosen channels still need the bot invited."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

from bot.clock import RunningClock
from tests.conftest import ALICE, IDEAS, REVIEWER, TEAM_MEMBER, RunningBot, start_bot
from tests.e2e.helpers import block_texts, submit_idea, wait_until_confirmed

NEW_IDEAS, DIGEST = "C0NEWIDEA1", "C0DIGEST01"


def home_of(bot: RunningBot, user: str) -> dict:
    before = len(bot.slack.calls("views.publish"))
    bot.send.event({"type": "app_home_opened", "user": user, "channel": "D0HOME0001", "tab": "home"})
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.publish")) > before)
    return next(c.args for c in reversed(bot.slack.calls("views.publish")) if c.args["user_id"] == user)


def open_settings(bot: RunningBot, user: str) -> dict:
    bot.send.block_action("workspace_settings_open", "open", user=user, channel="D0HOME0001")
    return bot.slack.wait_for(lambda: bot.slack.view_opened_for(bot.send.last_trigger))


def test_only_the_innovation_team_sees_and_opens_settings(bot: RunningBot):
    assert "workspace_settings_open" in json.dumps(home_of(bot, TEAM_MEMBER))
    assert "workspace_settings_open" not in json.dumps(home_of(bot, ALICE))
    refused = open_settings(bot, ALICE)  # a press forged from an old Home, say
    assert "Only the innovation team" in json.dumps(refused) and "submit" not in refused
    assert open_settings(bot, TEAM_MEMBER)["callback_id"] == "workspace_settings"


def test_a_workspace_admin_may_set_up_a_workspace_whose_team_is_empty(fake_slack, database_url):
    bot = start_bot(fake_slack, database_url, innovation_team=())
    try:
        fake_slack.admins.add("U0ADMIN001")
        assert open_settings(bot, "U0ADMIN001")["callback_id"] == "workspace_settings"
        assert "Only the innovation team" in json.dumps(open_settings(bot, ALICE))
    finally:
        bot.stop()


def test_a_change_is_kept_with_who_made_it_takes_effect_and_names_channels_to_invite_the_bot_to(bot: RunningBot):
    bot.slack.members_of[NEW_IDEAS] = False
    form = open_settings(bot, TEAM_MEMBER)
    reply = bot.send.view_submission(form, {"ideas_channel": NEW_IDEAS, "digest_channels": [DIGEST]}, user=TEAM_MEMBER)
    assert reply.status == 200 and "Settings saved" in reply.body and "Ideas channel" in reply.body

    def told_to_invite() -> bool:
        return any(f"<#{NEW_IDEAS}>" in json.dumps(c.args) for c in bot.slack.calls("views.update"))

    bot.slack.wait_for(told_to_invite)
    with bot.runtime.db.session() as session:
        chosen = bot.runtime.workspaces.settings_of(session, "T0FAKE0001")
        changes = bot.runtime.workspaces.changes(session, "T0FAKE0001")
    assert chosen.ideas_channel == NEW_IDEAS and chosen.digest_channels == (DIGEST,)
    assert {(c.name, c.user_id) for c in changes} == {("ideas_channel", TEAM_MEMBER), ("digest_channels", TEAM_MEMBER)}

    submit_idea(bot, title="Goes to the new channel")
    wait_until_confirmed(bot)
    assert "Goes to the new channel" in block_texts(bot.slack.posts(NEW_IDEAS)[-1])
    reopened = open_settings(bot, TEAM_MEMBER)
    assert "Ideas channel changed by" in json.dumps(reopened)


def test_sharing_with_other_workspaces_is_ticked_in_settings_and_stays_ticked(bot: RunningBot):
    form = open_settings(bot, TEAM_MEMBER)
    assert bot.send.view_submission(form, {"share_with_others": True}, user=TEAM_MEMBER).status == 200
    with bot.runtime.db.session() as session:
        assert bot.runtime.workspaces.settings_of(session, "T0FAKE0001").share_with_others
    reopened = open_settings(bot, TEAM_MEMBER)
    assert bot.send.view_submission(reopened, {}, user=TEAM_MEMBER).status == 200  # left alone: still ticked
    with bot.runtime.db.session() as session:
        assert bot.runtime.workspaces.settings_of(session, "T0FAKE0001").share_with_others
        changes = bot.runtime.workspaces.changes(session, "T0FAKE0001")
    assert [c.name for c in changes] == ["share_with_others"]


def test_someone_taken_out_of_the_team_cannot_save_a_form_opened_before(bot: RunningBot):
    form = open_settings(bot, TEAM_MEMBER)
    runtime = bot.runtime
    with runtime.db.session() as session:
        current = runtime.workspaces.settings_of(session, "T0FAKE0001")
        runtime.workspaces.change(
            session,
            "T0FAKE0001",
            "U0OTHER001",
            dataclasses.replace(current, innovation_team=("U0OTHER001",)),
            runtime.clock.now(),
        )
    reply = bot.send.view_submission(form, {"ideas_channel": NEW_IDEAS}, user=TEAM_MEMBER)
    assert "Only the innovation team" in reply.body
    with runtime.db.session() as session:
        assert runtime.workspaces.settings_of(session, "T0FAKE0001").ideas_channel != NEW_IDEAS


def test_reviewers_per_team_are_edited_in_settings_and_take_effect(bot: RunningBot):
    from bot import reviewers

    with bot.runtime.db.session() as session:  # the deployment's, from the terminal: a fallback, named in the form
        reviewers.set_reviewers(session, "Parks", ("U0PARKS001",), bot.runtime.clock.now())
    form = open_settings(bot, TEAM_MEMBER)
    assert "Parks" in json.dumps(form)

    half = bot.send.view_submission(form, {"new_team": "Urban mobility"}, user=TEAM_MEMBER)
    assert "new_team_reviewers" in half.json()["errors"]  # named, but nobody picked: said, nothing kept
    reply = bot.send.view_submission(
        form, {"new_team": "Urban mobility", "new_team_reviewers": ["U0MOB00001"]}, user=TEAM_MEMBER
    )
    assert "Settings saved" in reply.body and "Reviewers of Urban mobility" in reply.body

    submit_idea(bot, title="Bike lanes", department="urban MOBILITY")
    wait_until_confirmed(bot)
    assert "<@U0MOB00001>" in block_texts(bot.slack.posts(IDEAS)[-1])

    reopened = open_settings(bot, TEAM_MEMBER)
    picker = next(b for b in reopened["blocks"] if b.get("block_id") == "team:Urban mobility")
    assert picker["element"]["initial_users"] == ["U0MOB00001"]
    assert "Reviewers of Urban mobility changed by" in json.dumps(reopened)
    emptied = bot.send.view_submission(reopened, {"team:Urban mobility": []}, user=TEAM_MEMBER)
    assert "Settings saved" in emptied.body
    with bot.runtime.db.session() as session:
        left = reviewers.list_reviewers(session, "T0FAKE0001")
        changes = bot.runtime.workspaces.changes(session, "T0FAKE0001")
    assert [(m.team, m.everywhere) for m in left] == [("Parks", True)]
    assert [c.name for c in changes] == ["team_reviewers:Urban mobility"] * 2


def test_working_time_reminder_timing_and_digest_day_chosen_in_settings_decide_when_they_go(fake_slack, database_url):
    monday_9 = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # 09:00 in Brussels, where the fake's people live
    clock = RunningClock(monday_9)
    bot = start_bot(fake_slack, database_url, clock=clock)
    try:
        form = open_settings(bot, TEAM_MEMBER)
        wrong = {"working_days": [], "working_hours_end": "07:00", "holidays": "2027-01-05\nnext tuesday"}
        errors = bot.send.view_submission(form, wrong, user=TEAM_MEMBER).json()["errors"]
        assert set(errors) == {"working_days", "working_hours_end", "holidays"}
        assert "“next” is not one" in errors["holidays"]
        chosen = {
            "working_days": ["0", "1", "2", "3", "4"],
            "working_hours_start": "08:00",
            "working_hours_end": "12:00",
            "holidays": "2027-01-05",  # Tuesday: it does not count
            "nudge_after": "4h",
            "digest_day": "2",
            "digest_time": "10:00",
            "digest_channels": [DIGEST],
        }
        reply = bot.send.view_submission(form, chosen, user=TEAM_MEMBER)
        assert "Settings saved" in reply.body and "Working hours" in reply.body and "Weekly digest day" in reply.body

        submit_idea(bot, title="Counted in working hours")
        wait_until_confirmed(bot)

        def reminded() -> bool:
            bot.runtime.scheduler.run_once()
            return any("Counted in working hours" in block_texts(post) for post in bot.slack.posts(REVIEWER))

        # 4 working hours from Monday 09:00: 3 on Monday (to 12:00), none on the holiday, 1 on Wednesday
        clock.advance(timedelta(days=2, minutes=-15))  # Wednesday 08:45
        assert not reminded() and not bot.slack.posts(DIGEST)
        clock.advance(timedelta(minutes=20))  # Wednesday 09:05
        bot.slack.wait_for(reminded)
        assert not bot.slack.posts(DIGEST)  # the digest is Wednesday's at 10:00
        clock.advance(timedelta(hours=1))
        bot.runtime.scheduler.run_once()
        bot.slack.wait_for(lambda: bot.slack.posts(DIGEST))
        reopened = open_settings(bot, TEAM_MEMBER)
        assert (
            next(b for b in reopened["blocks"] if b.get("block_id") == "nudge_after")["element"]["initial_option"][
                "value"
            ]
            == "4h"
        )
        assert "Working days changed by" not in json.dumps(reopened)  # ticked as before: not a change
    finally:
        bot.stop()


def test_a_channels_language_is_chosen_in_settings_and_its_posts_follow(bot: RunningBot):
    form = open_settings(bot, TEAM_MEMBER)
    twice = bot.send.view_submission(form, {"language:fr": [IDEAS], "language:de": [IDEAS]}, user=TEAM_MEMBER)
    assert "already written in Français" in twice.json()["errors"]["language:de"]
    reply = bot.send.view_submission(form, {"language:fr": [IDEAS]}, user=TEAM_MEMBER)
    assert "Channel languages" in reply.body
    submit_idea(bot, title="Prise de rendez-vous")
    wait_until_confirmed(bot)
    assert "*Statut :*" in block_texts(bot.slack.posts(IDEAS)[-1])
    reopened = open_settings(bot, TEAM_MEMBER)
    picker = next(b for b in reopened["blocks"] if b.get("block_id") == "language:fr")
    assert picker["element"]["initial_conversations"] == [IDEAS]
