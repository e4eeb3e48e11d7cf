"""The buttons on an idea's and a challenge's post come from the rules' moves: what is shown can be done,
and what a reviewer can do is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from blocks import ids
from blocks.base import Message
from blocks.posts import challenge_post, idea_post
from bot import challenges, reviews
from bot.refusals import NotAllowed
from storage.models import Challenge, Idea

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
REVIEWER = "U0REVIEW01"
AUTHOR = "U0AUTHOR01"


def an_idea(status: str) -> Idea:
    return Idea(
        id=7,
        workspace_id="T0WORK0001",
        author_id=AUTHOR,
        title="Parking permits online",
        problem="Queues",
        proposal="A form",
        status=status,
        reviewers=REVIEWER,
        created_at=NOW,
        updated_at=NOW,
    )


def a_challenge(status: str) -> Challenge:
    return Challenge(
        id=3,
        workspace_id="T0WORK0001",
        author_id=AUTHOR,
        title="Fewer queues",
        problem="Queues",
        desired_outcome="Shorter",
        deadline=date(2027, 1, 1),
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


def action_ids(message: Message) -> list[str]:
    return [
        element["action_id"]
        for block in message.as_kwargs()["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def allowed(idea: Idea, move: str) -> bool:
    try:
        reviews.check_may(idea, REVIEWER, move, reviews.Deciders())
    except NotAllowed:
        return False
    return True


@pytest.mark.parametrize("status", reviews.STATUSES)
def test_every_button_on_an_idea_is_a_move_its_reviewer_may_make_and_every_such_move_has_its_button(status):
    idea = an_idea(status)
    shown = {ids.IDEA_MOVE_BUTTONS[a] for a in action_ids(idea_post(idea, None)) if a in ids.IDEA_MOVE_BUTTONS}
    may = {move for move, rule in reviews.MOVES.items() if not rule.author_only and allowed(idea, move)}
    assert shown == may


def test_an_idea_waiting_for_more_information_shows_no_needs_more_info_button():
    """The bug the re-cut fixed: the post showed a button that the rule then refused."""
    shown = action_ids(idea_post(an_idea("needs_info"), None))
    assert ids.idea_move("needs_info") not in shown
    assert ids.idea_move("approve") in shown


@pytest.mark.parametrize("status", reviews.STATUSES)
def test_support_is_offered_exactly_while_the_idea_takes_it(status):
    shown = action_ids(idea_post(an_idea(status), None))
    assert (ids.SUPPORT_BUTTON in shown) == reviews.takes_support(status)
    assert (ids.HELP_BUTTON in shown) == reviews.takes_support(status)


@pytest.mark.parametrize("status", challenges.STATUSES)
def test_every_button_on_a_challenge_is_a_move_the_rules_allow_and_every_move_has_its_button(status):
    shown = action_ids(challenge_post(a_challenge(status)))
    moves = {ids.CHALLENGE_MOVE_BUTTONS[a] for a in shown if a in ids.CHALLENGE_MOVE_BUTTONS}
    may = {to for to, allowed_from in challenges.MOVES.items() if status in allowed_from}
    assert moves == may
    assert (ids.PROPOSE_SOLUTION in shown) == challenges.takes_ideas(status)
