"""/idea, /challenge and /ideas as Slack sends them: quick acks, the right form, useful replies."""

import logging

from tests.conftest import ALICE, RunningBot
from tests.e2e.helpers import submit_challenge, submit_idea, wait_until_confirmed


def test_idea_command_acks_fast_and_opens_the_form_prefilled(bot: RunningBot):
    reply = bot.send.command("/idea", "Shorter queues at the desk")
    assert reply.status == 200 and reply.seconds < 3
    view = bot.slack.wait_for(lambda: bot.slack.calls("views.open"))[0].args["view"]
    assert view["callback_id"] == "idea_modal"
    labels = [block["label"]["text"] for block in view["blocks"] if block["type"] == "input"]
    assert labels == ["Title", "The problem it solves", "Your idea", "Team or department", "Anonymity"]
    assert view["blocks"][0]["element"]["initial_value"] == "Shorter queues at the desk"
    assert view["blocks"][0]["element"]["max_length"] == 150


def test_challenge_command_opens_the_challenge_form(bot: RunningBot):
    bot.send.command("/challenge", "Paper forms")
    view = bot.slack.wait_for(lambda: bot.slack.calls("views.open"))[0].args["view"]
    assert view["callback_id"] == "challenge_modal"
    inputs = [block["block_id"] for block in view["blocks"] if block["type"] == "input"]
    assert inputs == ["title", "problem", "desired_outcome", "deadline"]


def test_when_slack_refuses_the_form_the_user_is_told(bot: RunningBot):
    bot.slack.fail("views.open", times=5, status=500)
    bot.send.command("/idea", "x")
    response = bot.slack.wait_for(bot.slack.responses)[0]
    assert "did not let me open the form" in response["text"]


def test_ideas_without_words_or_with_help_explains_every_command(bot: RunningBot):
    for text in ("", "help", "HELP"):
        reply = bot.send.command("/ideas", text)
        body = str(reply.json())
        for command in ("/idea", "/challenge", "/ideas mine", "/ideas search"):
            assert command in body


def test_unknown_subcommand_gets_a_pointer_to_help_with_the_word_escaped(bot: RunningBot):
    reply = bot.send.command("/ideas", "<!channel>")
    text = reply.json()["text"]
    assert "/ideas help" in text and "&lt;!channel&gt;" in text and "<!channel>" not in text


def test_a_command_this_version_does_not_handle_is_answered_plainly_without_a_warning(bot: RunningBot, caplog):
    # a manifest that still declares a renamed command: the person is told, nothing is logged as a warning
    with caplog.at_level(logging.WARNING):
        reply = bot.send.command("/foo", "bar")
    assert reply.status == 200
    assert reply.json()["text"].startswith("No such command: /foo.")
    assert not [record for record in caplog.records if record.name.startswith("slack_bolt")]


def test_mine_lists_my_submissions_with_status_and_link(bot: RunningBot):
    submit_idea(bot, title="Online booking", anonymous=True)
    submit_challenge(bot, title="Paper forms")
    submit_idea(bot, title="Someone else's", user="U0BOB00001")
    wait_until_confirmed(bot)  # posted, and the links recorded

    bot.send.command("/ideas", "mine")
    text = str(bot.slack.wait_for(bot.slack.responses)[0]["blocks"])
    assert "Online booking" in text and "(anonymous)" in text and "Paper forms" in text
    assert "Someone else" not in text
    assert "https://fake.slack.com/archives/" in text and "Submitted" in text and "Open" in text


def test_mine_with_nothing_yet_says_how_to_start(bot: RunningBot):
    bot.send.command("/ideas", "mine", user="U0NEW00001")
    assert "/idea" in bot.slack.wait_for(bot.slack.responses)[0]["text"]


def test_search_finds_ideas_and_challenges_without_revealing_authors(bot: RunningBot):
    submit_idea(bot, title="Parking permits online", anonymous=True)
    submit_idea(bot, title="Bike parking racks")
    bot.send.command("/ideas", "search parking permits", user="U0BOB00001")
    response = bot.slack.wait_for(bot.slack.responses)[0]
    text = str(response["blocks"])
    assert text.index("Parking permits online") < text.index("Bike parking racks")  # best first
    assert ALICE not in str(response)


def test_search_with_no_match_suggests_starting_it(bot: RunningBot):
    submit_idea(bot, title="Online booking")
    bot.send.command("/ideas", "search drones")
    assert "/idea drones" in bot.slack.wait_for(bot.slack.responses)[0]["text"]


def test_search_without_words_asks_what_to_look_for(bot: RunningBot):
    assert "Tell me what to look for" in bot.send.command("/ideas", "search").json()["text"]


def test_opening_the_app_home_shows_help_and_my_submissions(bot: RunningBot):
    submit_idea(bot, title="Online booking")
    event = {
        "token": "legacy",
        "team_id": "T0FAKE0001",
        "api_app_id": "A0INNOVATE",
        "event": {"type": "app_home_opened", "user": ALICE, "channel": "D0ALICE001", "tab": "home", "event_ts": "1.2"},
        "type": "event_callback",
        "event_id": "Ev0HOME0001",
        "event_time": 1700000000,
    }
    reply = bot.send.post_raw_json(event)
    assert reply.status == 200
    published = bot.slack.wait_for(lambda: bot.slack.calls("views.publish"))[0].args
    assert published["user_id"] == ALICE
    text = str(published["view"])
    assert "Online booking" in text and "/ideas search" in text
