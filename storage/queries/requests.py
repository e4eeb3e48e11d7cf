"""Signatures of the Slack requests already accepted (replay protection shared by every process)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from storage.models import SeenRequest


def first_sight(session: Session, signature: str, expires_at: datetime) -> bool:
    """Record `signature`; False when it was recorded before (by this process or another)."""
    try:
        with session.begin_nested():
            session.add(SeenRequest(signature=signature, expires_at=expires_at))
    except IntegrityError:
        return False
    return True


def forget_seen_before(session: Session, now: datetime) -> int:
    """Drop signatures whose timestamp has left Slack's window; returns how many."""
    result = session.execute(delete(SeenRequest).where(col(SeenRequest.expires_at) < now))
    return result.rowcount or 0  # type: ignore[attr-defined]
