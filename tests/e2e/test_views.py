"""Submitting the /idea and /challenge modals, through the bot's HTTP endpoint, as Slack sends them."""

from sqlmodel import select

from storage.models import Idea
from tests.conftest import ALICE, CHALLENGES, IDEAS, RunningBot
from tests.e2e.helpers import block_texts, seen_by_others, submit_challenge, submit_idea, wait_until_confirmed


def stored_ideas(bot: RunningBot) -> list[Idea]:
    with bot.runtime.db.session() as session:
        return list(session.exec(select(Idea)).all())


def test_idea_is_saved_posted_once_and_author_gets_a_link(bot: RunningBot):
    reply = submit_idea(bot, department="Mobility")
    assert reply.status == 200
    assert reply.json()["response_action"] == "update"
    assert "is saved" in str(reply.json()["view"])

    post = bot.slack.wait_for(lambda: bot.slack.posts(IDEAS))[0]
    assert "Online booking" in block_texts(post)
    assert "Let them book a slot online" in block_texts(post)
    assert f"<@{ALICE}>" in block_texts(post) and "Mobility" in block_texts(post)
    dm = bot.slack.wait_for(lambda: bot.slack.posts(ALICE))[0]
    assert "https://fake.slack.com/archives/C0IDEAS001/p" in block_texts(dm)

    [idea] = bot.slack.wait_for(lambda: [row for row in stored_ideas(bot) if row.permalink])
    assert (idea.channel_id, idea.message_ts) == (IDEAS, post["ts"])
    assert idea.permalink in block_texts(dm)
    assert len(bot.slack.posts(IDEAS)) == 1 and len(bot.slack.posts(ALICE)) == 1


def test_blank_and_too_long_fields_come_back_as_field_errors(bot: RunningBot):
    reply = submit_idea(bot, title="", problem="   ", proposal="x" * 2500)
    errors = reply.json()["errors"]
    assert set(errors) == {"title", "problem", "proposal"}
    assert "2,500 characters" in errors["proposal"]
    assert stored_ideas(bot) == []
    assert bot.slack.posts() == []


def test_a_long_command_text_becomes_the_idea_with_a_short_title(bot: RunningBot):
    long_text = "Replace paper forms at the town hall with a single online form " * 5
    bot.send.command("/idea", long_text)
    view = bot.slack.wait_for(lambda: bot.slack.calls("views.open"))[0].args["view"]
    title = view["blocks"][0]["element"]["initial_value"]
    proposal = view["blocks"][2]["element"]["initial_value"]
    assert len(title) <= 150 and title.endswith("…")
    assert proposal == long_text.strip()


def test_mentions_typed_by_a_user_never_ping(bot: RunningBot):
    submit_idea(
        bot,
        title="<!channel> look & <!here>",
        problem="<@U0BOSS0001> said <https://evil.example|click here>",
        proposal="<!everyone> *bold* ok",
    )
    post = bot.slack.wait_for(lambda: bot.slack.posts(IDEAS))[0]
    mrkdwn = post["text"] + str([block for block in post["blocks"] if block["type"] != "header"])
    for raw in ("<!channel>", "<!here>", "<@U0BOSS0001>", "<https://evil.example", "<!everyone>"):
        assert raw not in mrkdwn
    assert "&lt;!channel&gt; look &amp; &lt;!here&gt;" in post["text"]
    assert "&lt;@U0BOSS0001&gt;" in mrkdwn


def test_anonymous_author_appears_nowhere_but_their_own_dm(bot: RunningBot):
    submit_idea(bot, anonymous=True)
    post = bot.slack.wait_for(lambda: bot.slack.posts(IDEAS))[0]
    bot.slack.wait_for(lambda: bot.slack.posts(ALICE))
    assert "anonymous" in block_texts(post)
    assert ALICE not in seen_by_others(bot, ALICE)
    [idea] = stored_ideas(bot)
    assert idea.anonymous and idea.author_id == ALICE


def test_a_challenge_is_posted_with_a_button_that_opens_a_linked_idea(bot: RunningBot):
    reply = submit_challenge(bot, deadline="2099-01-31")
    assert reply.json()["response_action"] == "update"
    post = bot.slack.wait_for(lambda: bot.slack.posts(CHALLENGES))[0]
    assert "31 January 2099" in block_texts(post)
    button = post["blocks"][-1]["elements"][0]
    assert button["action_id"] == "challenge_propose"

    opened = len(bot.slack.calls("views.open"))
    bot.send.block_action("challenge_propose", button["value"], user="U0BOB00001", channel=CHALLENGES)
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    modal = bot.slack.last_view()
    assert "Long queues" in str(modal["blocks"][0])

    bot.send.view_submission(
        modal, {"title": "Queue tickets by SMS", "problem": "p", "proposal": "q"}, user="U0BOB00001"
    )
    idea_post = bot.slack.wait_for(lambda: bot.slack.posts(IDEAS))[0]
    assert "Answers the challenge *Long queues*" in block_texts(idea_post)


def test_a_challenge_deadline_in_the_past_is_refused_in_the_modal(bot: RunningBot):
    reply = submit_challenge(bot, deadline="2020-01-01")
    assert "in the past" in reply.json()["errors"]["deadline"]


def test_a_forged_challenge_id_is_refused_politely(bot: RunningBot):
    reply = bot.send.block_action("challenge_propose", "99999", channel=CHALLENGES)
    assert reply.status == 200
    response = bot.slack.wait_for(bot.slack.responses)[0]
    assert "no longer exists" in response["text"]
    assert bot.slack.calls("views.open") == []


def test_a_challenge_lists_the_ideas_proposed_and_only_its_author_or_the_team_moves_it(bot: RunningBot):
    from tests.conftest import TEAM_MEMBER

    submit_challenge(bot)
    post = bot.slack.wait_for(lambda: bot.slack.posts(CHALLENGES))[0]
    propose = post["blocks"][-1]["elements"][0]
    opened = len(bot.slack.calls("views.open"))
    bot.send.block_action("challenge_propose", propose["value"], user="U0BOB00001", channel=CHALLENGES)
    bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > opened)
    bot.send.view_submission(
        bot.slack.last_view(), {"title": "SMS tickets", "problem": "p", "proposal": "q"}, user="U0BOB00001"
    )
    bot.slack.wait_for(lambda: "Ideas proposed (1)" in str(bot.slack.message(CHALLENGES, post["ts"])))
    assert "SMS tickets" in str(bot.slack.message(CHALLENGES, post["ts"]))
    # once the idea is posted, the challenge links to it, without waiting for the challenge to change
    wait_until_confirmed(bot)
    idea_post = bot.slack.posts(IDEAS)[0]
    link = bot.slack.wait_for(
        lambda: [
            c.result["permalink"]
            for c in bot.slack.calls("chat.getPermalink")
            if c.args["message_ts"] == idea_post["ts"]
        ]
    )[0]
    bot.slack.wait_for(lambda: link in str(bot.slack.message(CHALLENGES, post["ts"])))
    assert "not posted yet" not in str(bot.slack.message(CHALLENGES, post["ts"]))

    bot.send.block_action("challenge_solved", propose["value"], user="U0BOB00001", channel=CHALLENGES, message=post)
    assert "Only the challenge's author" in bot.slack.wait_for(bot.slack.responses)[0]["text"]
    bot.send.block_action("challenge_testing", propose["value"], user=TEAM_MEMBER, channel=CHALLENGES, message=post)
    bot.slack.wait_for(lambda: "Solutions being tested" in str(bot.slack.message(CHALLENGES, post["ts"])))
    told = len(bot.slack.responses())
    bot.send.block_action("challenge_solved", propose["value"], user=ALICE, channel=CHALLENGES, message=post)
    bot.slack.wait_for(lambda: "*Status:* Solved" in str(bot.slack.message(CHALLENGES, post["ts"])))
    confirmation = bot.slack.wait_for(lambda: bot.slack.responses()[told:])[0]  # the author hears it worked
    assert "Long queues" in confirmation["text"] and "Solved" in confirmation["text"]
    solved = bot.slack.message(CHALLENGES, post["ts"])
    assert not [b for b in solved["blocks"] if b["type"] == "actions"]  # no more proposals once solved


def test_the_innovation_teams_home_says_when_messages_wait_for_slack(bot: RunningBot):
    from tests.conftest import TEAM_MEMBER

    bot.slack.fail("chat.postMessage", times=10_000, status=503)
    submit_idea(bot)
    event = {"type": "app_home_opened", "user": TEAM_MEMBER, "channel": "D0TEAM0001", "tab": "home", "event_ts": "1"}
    envelope = {"type": "event_callback", "team_id": "T0FAKE0001", "api_app_id": "A0INNOVATE", "event_id": "Ev0OWED001"}
    bot.send.post_raw_json({**envelope, "event_time": 1790000000, "event": event})
    view = bot.slack.wait_for(lambda: bot.slack.calls("views.publish"))[-1].args["view"]
    assert "2 messages waiting for Slack" in str(view["blocks"])  # its post and its confirmation
