"""What happens to an idea: decisions, comments and thread replies, support and offers of help."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    Comment,
    Decision,
    Support,
)


def add_decision(session: Session, decision: Decision) -> int:
    session.add(decision)
    session.flush()
    assert decision.id is not None
    return decision.id


def get_decision(session: Session, decision_id: int) -> Decision | None:
    return session.get(Decision, decision_id)


def decisions_of(session: Session, idea_id: int) -> Sequence[Decision]:
    return session.exec(select(Decision).where(Decision.idea_id == idea_id).order_by(col(Decision.id))).all()


def all_decisions(session: Session) -> Sequence[Decision]:
    return session.exec(select(Decision).order_by(col(Decision.id))).all()


def add_comment(session: Session, comment: Comment) -> int | None:
    """Store a comment; None if this Slack message was already stored (a redelivered event)."""
    try:
        with session.begin_nested():
            session.add(comment)
            session.flush()
    except IntegrityError:
        return None
    return comment.id


def get_comment(session: Session, comment_id: int) -> Comment | None:
    return session.get(Comment, comment_id)


def all_comments(session: Session) -> Sequence[Comment]:
    return session.exec(select(Comment).order_by(col(Comment.id))).all()


def add_support(session: Session, idea_id: int, user_id: str, kind: str, now: datetime) -> int | None:
    """Record support or an offer to help; None if this person already did."""
    try:
        with session.begin_nested():
            support = Support(idea_id=idea_id, user_id=user_id, kind=kind, created_at=now)
            session.add(support)
            session.flush()
    except IntegrityError:
        return None
    return support.id


def get_support(session: Session, support_id: int) -> Support | None:
    return session.get(Support, support_id)


def support_count(session: Session, idea_id: int, kind: str = "support") -> int:
    query = select(func.count()).select_from(Support).where(Support.idea_id == idea_id, Support.kind == kind)
    return session.exec(query).one()


def supporters_of(session: Session, idea_id: int) -> list[str]:
    query = select(Support.user_id).where(Support.idea_id == idea_id).order_by(col(Support.id))
    return list(dict.fromkeys(session.exec(query).all()))


def support_in(session: Session, start: datetime, end: datetime) -> list[int]:
    """The idea id of every "Support" given between `start` and `end`."""
    query = select(Support.idea_id).where(
        Support.kind == "support", col(Support.created_at) >= start, col(Support.created_at) < end
    )
    return list(session.exec(query).all())
