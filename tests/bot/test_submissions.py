"""Submitting ideas and challenges: validation, storage, and the channel post owed (on both databases)."""

from datetime import UTC, date, datetime

import pytest

from bot import reviewers, submissions
from bot.refusals import InvalidSubmission
from bot.submissions import Author, ChallengeDraft, IdeaDraft
from storage import queries
from storage.db import Database

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ALICE = Author(user_id="U0ALICE001", workspace_id="T0FAKE0001")
OTHER_WORKSPACE = Author(user_id="U0EVE00001", workspace_id="T0OTHER001")


def idea(**changes) -> IdeaDraft:
    fields = {"title": "Online booking", "problem": "Queues of two hours", "proposal": "Book a slot online"}
    return IdeaDraft(**{**fields, **changes})


def challenge(**changes) -> ChallengeDraft:
    fields = {"title": "Long queues", "problem": "Citizens wait", "desired_outcome": "Wait under 15 minutes"}
    return ChallengeDraft(**{**fields, **changes})


def test_an_idea_is_stored_with_its_post_owed(db: Database):
    with db.session() as session:
        stored = submissions.submit_idea(session, idea(department="  Mobility "), ALICE, NOW)
    with db.session() as session:
        row = queries.get_idea(session, stored.id)
        owed = [(entry.kind, entry.subject_id, entry.next_attempt_at) for entry in queries.outbox_messages(session)]
    assert row.title == "Online booking" and row.department == "Mobility" and row.status == "submitted"
    # the author's confirmation a moment later, so that it can link to the post when the post is quick
    assert owed == [("post_idea", stored.id, NOW), ("confirm_idea", stored.id, NOW + submissions.CONFIRM_GRACE)]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"title": "   "}, "title", "Please write a title"),
        ({"problem": ""}, "problem", "Please write the problem"),
        ({"proposal": "\n\t"}, "proposal", "Please write your idea"),
        ({"title": "x" * 151}, "title", "151 characters long; the limit is 150"),
        ({"proposal": "y" * 2001}, "proposal", "2,001 characters long; the limit is 2,000"),
        ({"department": "z" * 101}, "department", "the limit is 100"),
    ],
)
def test_invalid_ideas_are_refused_field_by_field_and_not_stored(db: Database, changes, field, words):
    with pytest.raises(InvalidSubmission) as caught, db.session() as session:
        submissions.submit_idea(session, idea(**changes), ALICE, NOW)
    assert words in caught.value.errors[field]
    with db.session() as session:
        assert submissions.submissions_of(session, ALICE).empty
        assert queries.outbox_messages(session) == []


def test_an_idea_can_answer_an_open_challenge_of_the_same_workspace_only(db: Database):
    with db.session() as session:
        posted = submissions.submit_challenge(session, challenge(), ALICE, NOW)
    with db.session() as session:
        answer = submissions.submit_idea(session, idea(challenge_id=posted.id), ALICE, NOW)
        assert answer.challenge_id == posted.id
    with pytest.raises(InvalidSubmission, match="no longer exists"), db.session() as session:
        submissions.submit_idea(session, idea(challenge_id=posted.id), OTHER_WORKSPACE, NOW)
    with pytest.raises(InvalidSubmission, match="no longer exists"), db.session() as session:
        submissions.submit_idea(session, idea(challenge_id=posted.id + 1000), ALICE, NOW)


def test_a_challenge_deadline_cannot_be_in_the_past(db: Database):
    with pytest.raises(InvalidSubmission) as caught, db.session() as session:
        submissions.submit_challenge(session, challenge(deadline=date(2026, 11, 29)), ALICE, NOW)
    assert "in the past" in caught.value.errors["deadline"]
    with db.session() as session:
        stored = submissions.submit_challenge(session, challenge(deadline=date(2026, 11, 30)), ALICE, NOW)
    assert stored.deadline == date(2026, 11, 30)


def test_mine_lists_only_my_submissions_newest_first(db: Database):
    with db.session() as session:
        submissions.submit_idea(session, idea(title="First"), ALICE, NOW)
        submissions.submit_idea(session, idea(title="Second"), ALICE, NOW.replace(hour=10))
        submissions.submit_idea(session, idea(title="Not mine"), Author("U0BOB00001", ALICE.workspace_id), NOW)
    with db.session() as session:
        mine = submissions.submissions_of(session, ALICE)
    assert [row.title for row in mine.ideas] == ["Second", "First"]


def test_a_workspaces_reviewers_for_a_team_come_before_the_deployments(db: Database):
    with db.session() as session:
        reviewers.set_reviewers(session, "Parks", ("U0EVERY001",), NOW)  # from the terminal: every workspace
        reviewers.set_reviewers(session, "parks ", ("U0OWN00001",), NOW, ALICE.workspace_id)
        mine = submissions.submit_idea(session, idea(department="PARKS"), ALICE, NOW, ["U0DEFAULT1"])
        theirs = submissions.submit_idea(session, idea(department="Parks"), OTHER_WORKSPACE, NOW, ["U0DEFAULT1"])
        unmapped = submissions.submit_idea(session, idea(department="Libraries"), ALICE, NOW, ["U0DEFAULT1"])
    assert (mine.reviewers, theirs.reviewers, unmapped.reviewers) == ("U0OWN00001", "U0EVERY001", "U0DEFAULT1")
    with db.session() as session:
        assert reviewers.remove_reviewers(session, "Parks", ALICE.workspace_id)
        again = submissions.submit_idea(session, idea(department="parks"), ALICE, NOW, ["U0DEFAULT1"])
    assert again.reviewers == "U0EVERY001"
