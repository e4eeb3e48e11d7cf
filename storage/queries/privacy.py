"""Everything stored about one person, found by their Slack user ID in every column that can hold it
(the list `bot.privacy` and PRIVACY.md keep): for a subject-access export and for erasure."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from storage.models import (
    Challenge,
    Comment,
    Decision,
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
)


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


def _on_ideas(session: Session, query, model, workspace_id: str | None) -> Sequence:
    """Rows about ideas, only those of one workspace when it is given."""
    if workspace_id:
        query = query.join(Idea, col(Idea.id) == model.idea_id).where(col(Idea.workspace_id) == workspace_id)
    return session.exec(query.order_by(model.id)).all()
