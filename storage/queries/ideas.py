"""Ideas: one by id or by its post, an author's, a reviewer's queue, a challenge's, changes since."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import (
    Idea,
    id_list,
)


def get_idea(session: Session, idea_id: int, *, fresh: bool = False) -> Idea | None:
    """An idea by id; `fresh` reads it again from the database even if this session holds it."""
    return session.get(Idea, idea_id, populate_existing=fresh)


def claim_idea(session: Session, idea_id: int, version: int) -> bool:
    """Take the right to change an idea read at `version`: False if someone changed it since.

    The conditional UPDATE is the transaction's first write, so a concurrent change waits for it
    (PostgreSQL's row lock, SQLite's single writer) and then finds the version moved on.
    """
    result = session.execute(
        update(Idea)
        .where(col(Idea.id) == idea_id, col(Idea.version) == version)
        .values(version=version + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def get_ideas(session: Session, ids: Sequence[int]) -> dict[int, Idea]:
    rows = session.exec(select(Idea).where(col(Idea.id).in_(list(ids)))).all() if ids else []
    return {row.id: row for row in rows if row.id is not None}


def all_ideas(session: Session, changed_since: datetime | None = None) -> Sequence[Idea]:
    query = select(Idea).order_by(col(Idea.id))
    if changed_since is not None:
        query = query.where(col(Idea.updated_at) > changed_since)
    return session.exec(query).all()


def ideas_by_author(session: Session, workspace_id: str, author_id: str) -> Sequence[Idea]:
    """The author's ideas, newest first."""
    query = (
        select(Idea)
        .where(Idea.workspace_id == workspace_id, Idea.author_id == author_id)
        .order_by(col(Idea.created_at).desc(), col(Idea.id).desc())
    )
    return session.exec(query).all()


def ideas_in_workspace(session: Session, workspace_id: str) -> Sequence[Idea]:
    return session.exec(select(Idea).where(Idea.workspace_id == workspace_id).order_by(col(Idea.id))).all()


def ideas_of_challenge(session: Session, challenge_id: int) -> Sequence[Idea]:
    return session.exec(select(Idea).where(Idea.challenge_id == challenge_id).order_by(col(Idea.id))).all()


def ideas_waiting_for(session: Session, workspace_id: str, user_id: str, statuses: Sequence[str]) -> list[Idea]:
    """Ideas in `statuses` that `user_id` reviews, oldest first."""
    query = (
        select(Idea)
        .where(Idea.workspace_id == workspace_id, col(Idea.status).in_(list(statuses)))
        .order_by(col(Idea.created_at))
    )
    return [idea for idea in session.exec(query).all() if user_id in id_list(idea.reviewers)]


def ideas_awaiting_feedback(session: Session, statuses: Sequence[str]) -> Sequence[Idea]:
    query = select(Idea).where(col(Idea.awaiting_since).is_not(None), col(Idea.status).in_(list(statuses)))
    return session.exec(query.order_by(col(Idea.id))).all()


def idea_by_message(session: Session, channel_id: str, message_ts: str) -> Idea | None:
    return session.exec(select(Idea).where(Idea.channel_id == channel_id, Idea.message_ts == message_ts)).first()
