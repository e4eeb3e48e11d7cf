"""Who reviews each team's ideas."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import (
    ReviewerMapping,
)


def reviewer_mapping(session: Session, team: str) -> ReviewerMapping | None:
    return session.get(ReviewerMapping, team)


def reviewer_mappings(session: Session) -> Sequence[ReviewerMapping]:
    return session.exec(select(ReviewerMapping).order_by(col(ReviewerMapping.team))).all()


def save_reviewer_mapping(session: Session, team: str, label: str, reviewers: str, now: datetime) -> None:
    mapping = session.get(ReviewerMapping, team)
    if mapping is None:
        session.add(ReviewerMapping(team=team, label=label, reviewers=reviewers, updated_at=now))
    else:
        mapping.label, mapping.reviewers, mapping.updated_at = label, reviewers, now


def delete_reviewer_mapping(session: Session, team: str) -> bool:
    mapping = session.get(ReviewerMapping, team)
    if mapping is None:
        return False
    session.delete(mapping)
    return True
