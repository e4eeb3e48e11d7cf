"""Rule waivers (the Right to Challenge) and their audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import OutboxMessage, Waiver, WaiverDecision


def add_waiver(session: Session, waiver: Waiver) -> int:
    session.add(waiver)
    session.flush()
    assert waiver.id is not None
    return waiver.id


def get_waiver(session: Session, waiver_id: int) -> Waiver | None:
    return session.get(Waiver, waiver_id)


def add_waiver_decision(session: Session, decision: WaiverDecision) -> int:
    session.add(decision)
    session.flush()
    assert decision.id is not None
    return decision.id


def get_waiver_decision(session: Session, decision_id: int) -> WaiverDecision | None:
    return session.get(WaiverDecision, decision_id)


def waivers_with_status(session: Session, status: str) -> Sequence[Waiver]:
    return session.exec(select(Waiver).where(Waiver.status == status).order_by(col(Waiver.id))).all()


def waiver_decisions_between(
    session: Session, start: datetime, end: datetime, workspace_id: str | None = None
) -> Sequence[tuple[WaiverDecision, Waiver]]:
    """What was done to waivers in [start, end), oldest first, with each waiver (of one workspace, if given)."""
    query = (
        select(WaiverDecision, Waiver)
        .join(Waiver, col(Waiver.id) == col(WaiverDecision.waiver_id))
        .where(col(WaiverDecision.created_at) >= start, col(WaiverDecision.created_at) < end)
        .order_by(col(WaiverDecision.created_at), col(WaiverDecision.id))
    )
    if workspace_id:
        query = query.where(Waiver.workspace_id == workspace_id)
    return session.exec(query).all()


def all_waivers(session: Session) -> Sequence[Waiver]:
    return session.exec(select(Waiver).order_by(col(Waiver.id))).all()


def last_waiver_step(session: Session, waiver_id: int, action: str) -> WaiverDecision | None:
    """The latest step of that kind on a waiver (the question a team answers, say)."""
    query = (
        select(WaiverDecision)
        .where(WaiverDecision.waiver_id == waiver_id, WaiverDecision.action == action)
        .order_by(col(WaiverDecision.id).desc())
    )
    return session.exec(query).first()


def waiver_owners_told(session: Session, step_id: int) -> list[str]:
    """The rule owners a request (or an answer) was owed to."""
    query = select(OutboxMessage.recipient).where(
        OutboxMessage.kind == "waiver_request", OutboxMessage.subject_id == step_id
    )
    return [person for person in session.exec(query).all() if person]
