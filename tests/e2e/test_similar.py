"""Duplicate finding in Slack: matches in the forms, "Join this instead", and on the channel post."""

import json
import re

from sqlmodel import select

from bot.matching.service import MatchService
from bot.submissions import Author, IdeaDraft, submit_idea
from storage.models import Idea, JoinRequest
from tests.conftest import ALICE, IDEAS, RunningBot
from tests.e2e.helpers import block_texts, seen_by_others, wait_until_confirmed
from tests.e2e.helpers import submit_idea as submit_idea_in_slack

BOB = "U0BOB00001"
REGISTRY = (
    "id,title,description,status,organisation,url,contact\n"
    'P1,Parking chatbot,"A virtual assistant answers residents\' questions about parking permits and paid zones.",'
    "implemented,City of Helsinki,https://example.org/parking-bot,parking@example.org\n"
    'P2,Sensors in waste containers,"Fill-level sensors tell the city when to empty containers.",pilot,Town of X,,\n'
)


def load_registry(bot: RunningBot, tmp_path) -> None:
    from datetime import UTC, datetime

    from bot.registry import import_projects

    path = tmp_path / "registry.csv"
    path.write_text(REGISTRY)
    with bot.runtime.db.session() as session:
        import_projects(session, path, now=datetime.now(UTC))
    bot.runtime.matches.load()


def updated_views(bot: RunningBot) -> list[dict]:
    return [call.args["view"] for call in bot.slack.calls("views.update")]


def test_the_idea_form_shows_matching_past_projects_with_a_join_button(bot: RunningBot, tmp_path):
    load_registry(bot, tmp_path)
    bot.send.command("/idea", "Chatbot for parking permit questions")
    view = bot.slack.wait_for(lambda: updated_views(bot))[0]
    text = str(view["blocks"])
    assert "Parking chatbot" in text and "City of Helsinki" in text and "Implemented" in text
    assert "https://example.org/parking-bot" in text and "both mention:" in text
    buttons = [b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "join_similar"]
    assert buttons[0]["value"].startswith("project:")
    assert "Sensors in waste" not in text  # nothing in common: not shown


def test_check_for_similar_work_uses_what_was_typed(bot: RunningBot, tmp_path):
    load_registry(bot, tmp_path)
    bot.send.command("/idea")
    opened = bot.slack.wait_for(lambda: bot.slack.calls("views.open"))[0].result["view"]
    assert bot.slack.calls("views.update") == []  # nothing typed yet: no lookup
    bot.send.view_action(
        opened, "check_similar", "check", {"title": "Sensors that tell when waste containers are full"}
    )
    view = bot.slack.wait_for(lambda: updated_views(bot))[0]
    assert "Sensors in waste containers" in str(view["blocks"])
    assert view["blocks"][0]["element"]["initial_value"] == "Sensors that tell when waste containers are full"


def test_joining_an_existing_idea_records_it_tells_its_author_and_creates_nothing(bot: RunningBot):
    submit_idea_in_slack(bot, title="Book a bulky waste pickup online", anonymous=True)
    wait_until_confirmed(bot)
    before = len(updated_views(bot))
    bot.send.command("/idea", "Online booking for bulky waste pickup", user=BOB)
    view = bot.slack.wait_for(lambda: updated_views(bot)[before:])[0]
    join = next(b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "join_similar")
    assert join["value"].startswith("idea:")

    bot.send.view_action({**view, "id": bot.slack.last_view()["id"]}, "join_similar", join["value"], user=BOB)
    joined = bot.slack.wait_for(lambda: [v for v in updated_views(bot) if v.get("title", {}).get("text") == "Joined"])
    assert "Book a bulky waste pickup online" in str(joined[0]["blocks"])
    notice = bot.slack.wait_for(lambda: [p for p in bot.slack.posts(ALICE) if "wants to join" in p["text"]])[0]
    assert f"<@{BOB}>" in block_texts(notice)
    with bot.runtime.db.session() as session:
        assert len(session.exec(select(Idea)).all()) == 1
        [record] = session.exec(select(JoinRequest)).all()
    assert (record.user_id, record.target) == (BOB, join["value"])
    assert ALICE not in seen_by_others(bot, ALICE)


def test_submitting_anyway_records_what_was_shown_and_the_post_shows_it_to_reviewers(bot: RunningBot, tmp_path):
    load_registry(bot, tmp_path)
    bot.send.command("/idea", "Chatbot for parking permit questions")
    view = bot.slack.wait_for(lambda: updated_views(bot))[0]
    shown = json.loads(view["private_metadata"])["shown"]
    bot.send.view_submission(
        {**view, "id": bot.slack.last_view()["id"]},
        {"problem": "Residents call us all day", "proposal": "A bot answers the easy questions"},
    )
    post = bot.slack.wait_for(lambda: bot.slack.posts(IDEAS))[0]
    assert "Similar work" in block_texts(post) and "says theirs is different" in block_texts(post)
    assert "Parking chatbot" in block_texts(post)
    with bot.runtime.db.session() as session:
        [idea] = session.exec(select(Idea)).all()
    assert json.loads(idea.similar_shown) == shown


def score_of(message: dict, title: str) -> str:
    """The "NN/100" a message shows beside a match's title."""
    section = next(b["text"]["text"] for b in message["blocks"] if title in b.get("text", {}).get("text", ""))
    return re.search(r"(\d+)/100", section).group(1)


def test_reviewers_see_what_the_author_saw_with_the_same_score_and_new_work_flagged(bot: RunningBot, tmp_path):
    load_registry(bot, tmp_path)
    bot.send.command("/idea", "Chatbot for parking permit questions")
    view = bot.slack.wait_for(lambda: updated_views(bot))[0]
    seen = score_of(view, "Parking chatbot")
    # while the author writes, a similar project joins the registry: the author never saw it
    from datetime import UTC, datetime

    from bot.registry import import_projects

    later = tmp_path / "later.csv"
    later.write_text(
        "id,title,description,status\n"
        'P3,Parking permit questions answered by a chatbot,"A chatbot for parking permit questions.",pilot\n'
    )
    with bot.runtime.db.session() as session:
        import_projects(session, later, now=datetime.now(UTC))
    bot.runtime.matches.load()
    # the problem and idea, written in other words, would score the pair differently than the title did
    bot.send.view_submission(
        {**view, "id": bot.slack.last_view()["id"]},
        {"problem": "Residents phone the town hall all day long", "proposal": "Answer the easy ones automatically"},
    )
    post = bot.slack.wait_for(lambda: bot.slack.posts(IDEAS))[0]
    assert score_of(post, "Parking chatbot") == seen
    texts = [b["text"]["text"] for b in post["blocks"] if "text" in b and isinstance(b["text"], dict)]
    [newer] = [t for t in texts if "Parking permit questions answered" in t]
    assert "Found after the author submitted" in newer
    assert not any("Found after" in t for t in texts if "Parking chatbot" in t)

    wait_until_confirmed(bot)
    from tests.e2e.helpers import press_and_fill

    press_and_fill(bot, post, "idea_approve", "U0REVIEW01", {"comment": ""})
    updated = bot.slack.wait_for(lambda: bot.slack.calls("chat.update"))[-1].args
    updated = {
        **updated,
        "blocks": json.loads(updated["blocks"]) if isinstance(updated["blocks"], str) else updated["blocks"],
    }
    assert score_of(updated, "Parking chatbot") == seen  # the same score later too
    assert "Parking permit questions answered" in str(updated["blocks"])


def test_a_process_sees_ideas_written_by_another_process_after_a_refresh(db):
    first, second = MatchService(db), MatchService(db)
    first.load()
    second.load()
    from datetime import UTC, datetime

    with db.session() as session:
        idea = submit_idea(
            session,
            IdeaDraft(title="Solar benches in parks", problem="No charging", proposal="Benches with USB"),
            Author(ALICE, "T0FAKE0001"),
            datetime.now(UTC),
        )
    assert all(found.title != "Solar benches in parks" for found in second.find("solar benches"))
    assert second.refresh() == 1
    assert second.find("solar benches")[0].external_id == f"idea:{idea.id}"
    assert second.refresh() == 0
