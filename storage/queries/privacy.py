"""Everything stored about one person, found by their Slack user ID in every column that can hold it
(the list `bot.privacy` and PRIVACY.md keep): for a subject-access export and for erasure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import (
    Challenge,
    Comment,
    Decision,
    Experiment,
    ExperimentCheckin,
    Idea,
    JoinRequest,
    NudgeSent,
    OutboxMessage,
    PastProject,
    ReviewerMapping,
    SlackUser,
    Snooze,
    Support,
    TextVector,
    Waiver,
    WaiverDecision,
)
from storage.queries.people import slack_user_row


def ideas_naming(session: Session, user_id: str, workspace_id: str | None) -> Sequence[Idea]:
    """Ideas the person wrote, decided or reviews (reviewers are a comma-separated column)."""
    query = select(Idea).where(
        (col(Idea.author_id) == user_id)
        | (col(Idea.decided_by) == user_id)
        | (col(Idea.reviewers).contains(user_id))  # narrowed exactly by the caller
    )
    if workspace_id:
        query = query.where(col(Idea.workspace_id) == workspace_id)
    return session.exec(query.order_by(col(Idea.id))).all()


def challenges_by(session: Session, user_id: str, workspace_id: str | None) -> Sequence[Challenge]:
    query = select(Challenge).where(col(Challenge.author_id) == user_id)
    if workspace_id:
        query = query.where(col(Challenge.workspace_id) == workspace_id)
    return session.exec(query.order_by(col(Challenge.id))).all()


def decisions_by(session: Session, user_id: str, workspace_id: str | None) -> Sequence[Decision]:
    return _on_ideas(session, select(Decision).where(col(Decision.actor_id) == user_id), Decision, workspace_id)


def comments_by(session: Session, user_id: str, workspace_id: str | None) -> Sequence[Comment]:
    return _on_ideas(session, select(Comment).where(col(Comment.author_id) == user_id), Comment, workspace_id)


def supports_by(session: Session, user_id: str, workspace_id: str | None) -> Sequence[Support]:
    return _on_ideas(session, select(Support).where(col(Support.user_id) == user_id), Support, workspace_id)


def reminders_to(session: Session, user_id: str, workspace_id: str | None) -> Sequence[NudgeSent]:
    return _on_ideas(session, select(NudgeSent).where(col(NudgeSent.reviewer_id) == user_id), NudgeSent, workspace_id)


def snoozes_by(session: Session, user_id: str, workspace_id: str | None) -> Sequence[Snooze]:
    return _on_ideas(session, select(Snooze).where(col(Snooze.reviewer_id) == user_id), Snooze, workspace_id)


def joins_by(session: Session, user_id: str, workspace_id: str | None) -> Sequence[JoinRequest]:
    query = select(JoinRequest).where(col(JoinRequest.user_id) == user_id)
    if workspace_id:
        query = query.where(col(JoinRequest.workspace_id) == workspace_id)
    return session.exec(query.order_by(col(JoinRequest.id))).all()


def mappings_naming(session: Session, user_id: str) -> Sequence[ReviewerMapping]:
    """Team reviewer mappings whose list may hold the person (narrowed exactly by the caller)."""
    return session.exec(select(ReviewerMapping).where(col(ReviewerMapping.reviewers).contains(user_id))).all()


def experiments_naming(session: Session, user_id: str) -> Sequence[Experiment]:
    """Experiments the person planned or whose team may hold them (narrowed exactly by the caller)."""
    return session.exec(
        select(Experiment).where((col(Experiment.planned_by) == user_id) | col(Experiment.team).contains(user_id))
    ).all()


def waivers_naming(session: Session, user_id: str) -> Sequence[Waiver]:
    """Rule waivers the person asked for, decided on, or whose team may hold them (narrowed by the caller)."""
    query = select(Waiver).where(
        (col(Waiver.requested_by) == user_id) | (col(Waiver.decided_by) == user_id) | col(Waiver.team).contains(user_id)
    )
    return session.exec(query).all()


def waiver_steps_by(session: Session, user_id: str) -> Sequence[WaiverDecision]:
    """What the person did to rule waivers (asked, granted, refused, answered...)."""
    return session.exec(select(WaiverDecision).where(col(WaiverDecision.actor_id) == user_id)).all()


def checkins_by(session: Session, user_id: str) -> Sequence[ExperimentCheckin]:
    """What the person said about how an experiment was going."""
    return session.exec(select(ExperimentCheckin).where(col(ExperimentCheckin.user_id) == user_id)).all()


def messages_to(session: Session, user_id: str) -> Sequence[OutboxMessage]:
    """Outbox entries addressed to the person (notices sent to several people, one entry each)."""
    return session.exec(select(OutboxMessage).where(col(OutboxMessage.recipient) == user_id)).all()


def projects_with_contact(session: Session, user_id: str) -> Sequence[PastProject]:
    """Registry entries naming the person as their contact (a finished idea's author)."""
    return session.exec(select(PastProject).where(col(PastProject.contact) == user_id)).all()


def profile(session: Session, user_id: str) -> SlackUser | None:
    return session.get(SlackUser, user_id)


def vectors_of(session: Session, keys: Sequence[str]) -> Sequence[TextVector]:
    if not keys:
        return []
    return session.exec(select(TextVector).where(col(TextVector.key).in_(list(keys)))).all()


def closed_ideas(session: Session, statuses: Sequence[str]) -> Sequence[Idea]:
    return session.exec(select(Idea).where(col(Idea.status).in_(list(statuses))).order_by(col(Idea.id))).all()


def decisions_on(session: Session, idea_id: int) -> Sequence[Decision]:
    return session.exec(select(Decision).where(col(Decision.idea_id) == idea_id)).all()


def comments_on(session: Session, idea_id: int) -> Sequence[Comment]:
    return session.exec(select(Comment).where(col(Comment.idea_id) == idea_id)).all()


def supports_on(session: Session, idea_id: int) -> Sequence[Support]:
    return session.exec(select(Support).where(col(Support.idea_id) == idea_id)).all()


def reminders_on(session: Session, idea_id: int) -> Sequence[NudgeSent]:
    return session.exec(select(NudgeSent).where(col(NudgeSent.idea_id) == idea_id)).all()


def snoozes_on(session: Session, idea_id: int) -> Sequence[Snooze]:
    return session.exec(select(Snooze).where(col(Snooze.idea_id) == idea_id)).all()


def deactivated_before(session: Session, moment: datetime) -> Sequence[SlackUser]:
    return session.exec(select(SlackUser).where(col(SlackUser.deactivated_at) <= moment)).all()


def delete_sent_messages_before(session: Session, moment: datetime) -> int:
    """Forget delivered outbox entries (bookkeeping that names recipients) older than `moment`."""
    result = session.execute(
        delete(OutboxMessage).where(col(OutboxMessage.status) == "sent", col(OutboxMessage.sent_at) < moment)
    )
    return result.rowcount or 0


def erasure_requests(session: Session) -> Sequence[SlackUser]:
    """People who asked to be erased and wait for the innovation team's approval, oldest first."""
    query = select(SlackUser).where(col(SlackUser.erasure_requested_at).is_not(None))
    return session.exec(query.order_by(col(SlackUser.erasure_requested_at))).all()


def mark_erasure_requested(session: Session, user_id: str, moment: datetime) -> None:
    row = slack_user_row(session, user_id)
    row.erasure_requested_at = row.erasure_requested_at or moment


def mark_deactivated(session: Session, user_id: str, moment: datetime | None) -> None:
    """Slack said the account was deactivated at `moment` (None: it is active again)."""
    if moment is None and session.get(SlackUser, user_id) is None:
        return  # reactivated, and nothing kept: nothing to clear
    row = slack_user_row(session, user_id)
    if moment is None or row.deactivated_at is None:  # the first deactivation starts the countdown
        row.deactivated_at = moment


def _on_ideas(session: Session, query, model, workspace_id: str | None) -> Sequence:
    """Rows about ideas, only those of one workspace when it is given."""
    if workspace_id:
        query = query.join(Idea, col(Idea.id) == model.idea_id).where(col(Idea.workspace_id) == workspace_id)
    return session.exec(query.order_by(model.id)).all()
