"""Words a person meets in forms and posts say what is true for that person (found when a newcomer tried
every flow): no "(optional)" twice, no "sent to its author" to the author, no "details below" over nothing."""

from __future__ import annotations

import json

import pytest

from blocks.modals import FORM_TITLES, decision_modal, joined_view
from blocks.posts import idea_post
from bot.matching.service import Found
from bot.reviews import STATUSES
from tests.blocks.test_posts import REVIEWER, an_idea


def texts(view) -> str:
    return json.dumps(view.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize("action", list(FORM_TITLES))
def test_no_label_says_optional_itself_slack_marks_optional_inputs(action):
    view = decision_modal(an_idea("submitted"), action)
    labels = [block["label"]["text"] for block in view.to_dict()["blocks"] if block["type"] == "input"]
    assert labels and not any("optional" in label.lower() for label in labels)


@pytest.mark.parametrize("action", ["withdraw", "comment"])
def test_the_author_is_not_told_their_words_are_sent_to_the_author(action):
    assert "sent to its author" not in texts(decision_modal(an_idea("submitted"), action, by_author=True))
    assert "sent to its author" in texts(decision_modal(an_idea("submitted"), "decline"))


@pytest.mark.parametrize("status", [s for s in STATUSES if s not in ("submitted", "in_review")])
def test_the_post_says_who_brought_the_idea_to_its_status_in_words_that_read_right(status):
    idea = an_idea(status)
    idea.decided_by = REVIEWER
    text = json.dumps(idea_post(idea, None).as_kwargs())
    assert f"by <@{REVIEWER}>" in text
    assert "Experiment running* by" not in text and "Needs more info* by" not in text


def project(contact: str | None, url: str | None) -> Found:
    return Found("project", 1, "P1", "Parking chatbot", "implemented", "City of X", url, contact, None, 0, None, "")


def test_joining_a_project_points_at_details_only_when_there_are_some():
    assert "details below" in texts(joined_view(project("parking@example.org", None)))
    assert "details below" in texts(joined_view(project(None, "https://example.org/p")))
    bare = texts(joined_view(project(None, None)))
    assert "details below" not in bare and "innovation team can help" in bare
