"""Challenges: one by id, an author's, the open ones, changes since."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import (
    Challenge,
)


def get_challenge(session: Session, challenge_id: int) -> Challenge | None:
    return session.get(Challenge, challenge_id)


def get_challenges(session: Session, ids: Sequence[int]) -> dict[int, Challenge]:
    rows = session.exec(select(Challenge).where(col(Challenge.id).in_(list(ids)))).all() if ids else []
    return {row.id: row for row in rows if row.id is not None}


def all_challenges(session: Session, changed_since: datetime | None = None) -> Sequence[Challenge]:
    query = select(Challenge).order_by(col(Challenge.id))
    if changed_since is not None:
        query = query.where(col(Challenge.updated_at) > changed_since)
    return session.exec(query).all()


def challenges_by_author(session: Session, workspace_id: str, author_id: str) -> Sequence[Challenge]:
    """The author's challenges, newest first."""
    query = (
        select(Challenge)
        .where(Challenge.workspace_id == workspace_id, Challenge.author_id == author_id)
        .order_by(col(Challenge.created_at).desc(), col(Challenge.id).desc())
    )
    return session.exec(query).all()


def open_challenges(session: Session, workspace_id: str) -> Sequence[Challenge]:
    query = (
        select(Challenge)
        .where(Challenge.workspace_id == workspace_id, col(Challenge.status).in_(["open", "testing"]))
        .order_by(col(Challenge.created_at).desc())
    )
    return session.exec(query).all()
