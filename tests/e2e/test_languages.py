"""Through the Slack test bed: each person is answered in their language (Slack's locale, or the one they
chose), each channel in its own; what people wrote is never translated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot import nudges
from bot.digest import owe_digest
from bot.submissions import Author, IdeaDraft, submit_idea
from storage.models import OutboxMessage
from tests.conftest import ALICE, IDEAS, REVIEWER, RunningBot, start_bot
from tests.e2e.helpers import block_texts, latest, wait_until_confirmed
from tests.e2e.helpers import submit_idea as submit_idea_in_slack


def test_a_portuguese_user_gets_the_form_and_the_confirmation_in_portuguese(bot: RunningBot):
    bot.slack.locales[ALICE] = "pt-PT"
    reply = submit_idea_in_slack(bot, title="Marcação online", problem="Filas de duas horas")
    form = bot.slack.calls("views.open")[-1].result["view"]
    assert form["title"]["text"] == "Partilhar uma ideia" and form["submit"]["text"] == "Submeter ideia"
    assert "Título" in str(form["blocks"]) and "O problema que resolve" in str(form["blocks"])
    assert "foi guardada" in str(reply.json()["view"]["blocks"])
    wait_until_confirmed(bot)
    confirmation = latest(bot, bot.slack.posts(ALICE)[0])
    assert "A sua ideia *Marcação online* foi publicada" in block_texts(confirmation)
    assert "Retirar" in block_texts(confirmation)  # the button too
    post = bot.slack.posts(IDEAS)[0]
    assert "*Status:*" in block_texts(post) and "Filas de duas horas" in block_texts(post)  # channel: English


def test_the_name_slack_gives_a_person_is_kept_for_terminal_output(bot: RunningBot):
    from storage import queries

    bot.slack.names[ALICE] = "Alice Martins"
    submit_idea_in_slack(bot)
    bot.slack.wait_for(lambda: bot.slack.posts(ALICE))
    with bot.runtime.db.session() as session:
        assert queries.names(session)[ALICE] == "Alice Martins"


def test_a_person_can_choose_slovenian_and_go_back_to_slacks_language(bot: RunningBot):
    answer = bot.send.command("/ideas", "language sl").json()
    assert answer["text"] == "Odslej vam pišem v jeziku: Slovenščina."
    help_text = bot.send.command("/ideas", "help").json()
    assert "Kako uporabljati Innovation Bot" in help_text["text"]
    assert (
        "`/ideas language en | pt | fr | nl | sl | de | es`" in bot.send.command("/ideas", "language xx").json()["text"]
    )
    assert bot.send.command("/ideas", "language auto").json()["text"].startswith("From now on I'll use your Slack")
    assert bot.send.command("/ideas", "help").json()["text"] == "How to use Innovation Bot"


def remind(bot: RunningBot, waited_days: tuple[int, ...]) -> list[dict]:
    """Ideas for REVIEWER that have waited these many days; the reminders they get, in that order."""
    now = datetime.now(UTC)
    with bot.runtime.db.session() as session:
        for days in waited_days:
            draft = IdeaDraft(f"Idea waiting {days} days", "Queues", "Book online")
            idea = submit_idea(session, draft, Author(ALICE, "T0FAKE0001"), now - timedelta(days=days), (REVIEWER,))
            idea.channel_id, idea.message_ts = IDEAS, f"1700000001.{days:06d}"
    wednesday_10 = (now + timedelta(days=14 - now.weekday() + 2)).replace(hour=9, minute=0)  # 10:00 in Brussels
    with bot.runtime.db.session() as session:
        brussels = lambda _user: "Europe/Brussels"  # noqa: E731
        assert nudges.tick(session, wednesday_10, bot.runtime.policy, brussels) == len(waited_days)
        for entry in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "nudge")):
            entry.next_attempt_at = now  # the reminders fell due in the future; send them now
    bot.runtime.worker.kick()
    bot.slack.wait_for(lambda: len(bot.slack.posts(REVIEWER)) >= len(waited_days))
    posts = bot.slack.posts(REVIEWER)
    return [next(p for p in posts if f"Idea waiting {days} days" in block_texts(p)) for days in waited_days]


def test_a_dutch_reviewer_is_reminded_in_dutch(bot: RunningBot):
    bot.slack.locales[REVIEWER] = "nl-NL"
    [reminder] = remind(bot, (4,))
    assert reminder["text"] == "Herinnering: een idee wacht op je feedback (4 dagen)"
    assert "wacht al *4 dagen* op je feedback" in block_texts(reminder)
    assert "Goedkeuren" in block_texts(reminder) and "2 dagen uitstellen" in block_texts(reminder)
    assert "Idea waiting 4 days" in block_texts(reminder)  # the idea's own words stay as written


def test_a_reviewer_who_chose_slovenian_gets_each_plural_form_right(bot: RunningBot):
    assert bot.send.command("/ideas", "language sl", user=REVIEWER).json()["text"].startswith("Odslej")
    reminders = remind(bot, (1, 2, 3, 5))
    assert [r["text"].rsplit("(", 1)[1] for r in reminders] == ["1 dan)", "2 dneva)", "3 dni)", "5 dni)"]
    assert "čaka že *2 dneva*" in block_texts(reminders[1]) and "Odobri" in block_texts(reminders[1])


def test_the_digest_in_a_french_channel_is_in_french(fake_slack, database_url):
    bot = start_bot(fake_slack, database_url, channel_languages={"C0DIGEST01": "fr"})
    try:
        now = datetime.now(UTC)
        with bot.runtime.db.session() as session:
            submit_idea(
                session, IdeaDraft("Réservation en ligne", "Files", "Réserver"), Author(ALICE, "T0FAKE0001"), now
            )
            owe_digest(session, "C0DIGEST01", now - timedelta(days=7), now + timedelta(minutes=1), now)
            owe_digest(session, "C0DIGEST02", now - timedelta(days=7), now + timedelta(minutes=1), now)
        bot.runtime.worker.kick()
        bot.slack.wait_for(lambda: bot.slack.posts("C0DIGEST01") and bot.slack.posts("C0DIGEST02"))
        french, english = bot.slack.posts("C0DIGEST01")[0], bot.slack.posts("C0DIGEST02")[0]
        assert french["text"].startswith("Résumé innovation de la semaine jusqu’au")
        assert "Nouveau cette semaine : 1 idée, 0 défi" in block_texts(french)
        assert english["text"].startswith("Innovation digest for the week to")
        assert "New this week: 1 idea, 0 challenges" in block_texts(english)
    finally:
        bot.stop()


def test_the_ack_never_waits_for_slack_to_tell_a_newcomers_language(bot: RunningBot):
    """Slack answers users.info after 8 seconds: the command is answered at once, in the default language,
    and the failed look-up is not repeated for every request."""
    newcomer = "U0NEWCOME1"
    bot.slack.fail("users.info", times=3, status=500, delay=8)
    first = bot.send.command("/ideas", "help", user=newcomer)
    assert first.status == 200 and "Innovation Bot" in first.body
    assert first.seconds < 3  # Slack's deadline for the ack; the look-up alone takes 8 s
    bot.slack.wait_for(lambda: bot.slack.calls("users.info", ok_only=False), timeout=15)
    for _ in range(3):
        again = bot.send.command("/ideas", "help", user=newcomer)
        assert again.status == 200 and "Innovation Bot" in again.body
    assert len(bot.slack.calls("users.info", ok_only=False)) == 1  # remembered as failed, not asked per request


def test_a_rate_limited_look_up_does_not_hold_back_a_newcomers_first_ack(bot: RunningBot):
    bot.slack.fail("users.info", times=1, status=429, retry_after=5)
    reply = bot.send.command("/ideas", "help", user="U0NEWCOME2")
    assert reply.status == 200 and "Innovation Bot" in reply.body and reply.seconds < 3
