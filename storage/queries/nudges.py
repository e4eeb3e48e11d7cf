"""Reminders sent to reviewers, and their snoozes."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import (
    NudgeSent,
    Snooze,
)


def nudges_of(session: Session, idea_id: int) -> list[NudgeSent]:
    return list(session.exec(select(NudgeSent).where(NudgeSent.idea_id == idea_id).order_by(col(NudgeSent.id))).all())


def add_nudge(session: Session, idea_id: int, reviewer_id: str, number: int, now: datetime) -> int:
    row = NudgeSent(idea_id=idea_id, reviewer_id=reviewer_id, number=number, created_at=now)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def get_nudge(session: Session, nudge_id: int) -> NudgeSent | None:
    return session.get(NudgeSent, nudge_id)


def clear_nudges(session: Session, idea_id: int) -> None:
    """Start an idea's reminders afresh (after the author's edit)."""
    for model in (NudgeSent, Snooze):
        for row in session.exec(select(model).where(model.idea_id == idea_id)).all():
            session.delete(row)


def snoozes_of(session: Session, idea_id: int) -> dict[str, datetime]:
    return {row.reviewer_id: row.until for row in session.exec(select(Snooze).where(Snooze.idea_id == idea_id))}


def save_snooze(session: Session, idea_id: int, reviewer_id: str, until: datetime) -> None:
    row = session.exec(select(Snooze).where(Snooze.idea_id == idea_id, Snooze.reviewer_id == reviewer_id)).first()
    if row is None:
        session.add(Snooze(idea_id=idea_id, reviewer_id=reviewer_id, until=until))
    else:
        row.until = until
