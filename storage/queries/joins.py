"""People joining existing work instead of starting again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    Challenge,
    Idea,
    JoinRequest,
    PastProject,
)


def add_join(session: Session, workspace_id: str, user_id: str, target: str, now: datetime) -> int | None:
    """Record a join; returns its id, or None if this person had already joined `target`."""
    try:
        with session.begin_nested():
            join = JoinRequest(workspace_id=workspace_id, user_id=user_id, target=target, created_at=now)
            session.add(join)
            session.flush()
    except IntegrityError:
        return None
    return join.id


def get_join(session: Session, join_id: int) -> JoinRequest | None:
    return session.get(JoinRequest, join_id)


def owner_of(session: Session, target: str) -> str | None:
    """Who is behind `target`: an idea's or challenge's author (a user ID), a project's contact (free text)."""
    kind, _, number = target.partition(":")
    if not number.isdigit():
        return None
    if kind == "idea":
        idea = session.get(Idea, int(number))
        return idea.author_id if idea else None
    if kind == "challenge":
        challenge = session.get(Challenge, int(number))
        return challenge.author_id if challenge else None
    project = session.get(PastProject, int(number))
    return (project.contact or "").strip() or None if project else None


def home_of(session: Session, target: str) -> str | None:
    """The workspace an idea or challenge belongs to (None for a past project: they are everyone's)."""
    kind, _, number = target.partition(":")
    model = {"idea": Idea, "challenge": Challenge}.get(kind)
    row = session.get(model, int(number)) if model is not None and number.isdigit() else None
    return row.workspace_id if row is not None else None


def count_joins(session: Session, start: datetime, end: datetime, workspace_id: str | None = None) -> int:
    query = (
        select(func.count())
        .select_from(JoinRequest)
        .where(col(JoinRequest.created_at) >= start, col(JoinRequest.created_at) < end)
    )
    if workspace_id:
        query = query.where(JoinRequest.workspace_id == workspace_id)
    return session.exec(query).one()
