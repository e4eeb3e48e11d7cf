"""Who reviews each team's ideas, in one workspace or in every workspace of the deployment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import (
    ReviewerMapping,
)

EVERY_WORKSPACE = ""  # the deployment's own mappings (set from the terminal): a fallback for every workspace


def reviewer_mapping(session: Session, workspace_id: str, team: str) -> ReviewerMapping | None:
    return session.get(ReviewerMapping, (workspace_id, team))


def reviewer_mappings(session: Session, workspace_id: str) -> Sequence[ReviewerMapping]:
    statement = select(ReviewerMapping).where(ReviewerMapping.workspace_id == workspace_id)
    return session.exec(statement.order_by(col(ReviewerMapping.team))).all()


def save_reviewer_mapping(
    session: Session, workspace_id: str, team: str, label: str, reviewers: str, now: datetime
) -> None:
    mapping = session.get(ReviewerMapping, (workspace_id, team))
    if mapping is None:
        session.add(
            ReviewerMapping(workspace_id=workspace_id, team=team, label=label, reviewers=reviewers, updated_at=now)
        )
    else:
        mapping.label, mapping.reviewers, mapping.updated_at = label, reviewers, now


def delete_reviewer_mapping(session: Session, workspace_id: str, team: str) -> bool:
    mapping = session.get(ReviewerMapping, (workspace_id, team))
    if mapping is None:
        return False
    session.delete(mapping)
    session.flush()  # so that the same session no longer finds it
    return True
