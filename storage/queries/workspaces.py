"""Workspaces: their rows and settings, their history of changes, and erasing all a workspace holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.models import (
    Challenge,
    Comment,
    Decision,
    DigestRun,
    Experiment,
    ExperimentCheckin,
    Idea,
    JoinRequest,
    NudgeSent,
    OutboxMessage,
    ReviewerMapping,
    SettingChange,
    SlackUser,
    Snooze,
    Support,
    TextVector,
    Waiver,
    WaiverDecision,
    Workspace,
)
from storage.queries.people import slack_user_row
from storage.queries.rows import row_once


def get_workspace(session: Session, workspace_id: str) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def workspace_row(session: Session, workspace_id: str, enterprise_id: str | None = None) -> Workspace:
    """The workspace's row, added if missing; notes its organisation when Slack names one."""
    row = row_once(session, Workspace, workspace_id, id=workspace_id, enterprise_id=enterprise_id)
    if enterprise_id and row.enterprise_id != enterprise_id:
        row.enterprise_id = enterprise_id
    return row


def workspaces(session: Session) -> Sequence[Workspace]:
    return session.exec(select(Workspace).order_by(col(Workspace.id))).all()


def workspaces_of(session: Session, enterprise_id: str) -> Sequence[Workspace]:
    return session.exec(select(Workspace).where(Workspace.enterprise_id == enterprise_id)).all()


def add_setting_change(
    session: Session, workspace_id: str, user_id: str, name: str, before: str, after: str, now: datetime
) -> None:
    session.add(
        SettingChange(workspace_id=workspace_id, user_id=user_id, name=name, before=before, after=after, changed_at=now)
    )


def setting_changes(
    session: Session, workspace_id: str, start: datetime | None = None, end: datetime | None = None
) -> Sequence[SettingChange]:
    query = select(SettingChange).where(SettingChange.workspace_id == workspace_id)
    if start is not None:
        query = query.where(col(SettingChange.changed_at) >= start)
    if end is not None:
        query = query.where(col(SettingChange.changed_at) < end)
    return session.exec(query.order_by(col(SettingChange.changed_at), col(SettingChange.id))).all()


def drop_owed(session: Session, workspace_ids: Sequence[str], why: str) -> int:
    """Give up on every message still owed to these workspaces; returns how many."""
    result = session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.workspace_id).in_(list(workspace_ids)), col(OutboxMessage.status) == "pending")
        .values(status="failed", last_error=why[:500], lease_until=None)
    )
    return int(result.rowcount or 0)


def due_erasures(session: Session, now: datetime) -> Sequence[Workspace]:
    return session.exec(
        select(Workspace).where(col(Workspace.erase_after).is_not(None), col(Workspace.erase_after) <= now)
    ).all()


def erase_workspace(session: Session, workspace_id: str) -> dict[str, int]:
    """Delete every row that belongs to the workspace; returns how many of each kind."""
    idea_ids = select(Idea.id).where(Idea.workspace_id == workspace_id)
    waiver_ids = select(Waiver.id).where(Waiver.workspace_id == workspace_id)
    idea_keys = [f"idea:{i}" for i in session.exec(idea_ids).all()]
    challenge_keys = [
        f"challenge:{i}" for i in session.exec(select(Challenge.id).where(Challenge.workspace_id == workspace_id)).all()
    ]
    counts: dict[str, int] = {}
    for name, statement in (
        ("waiver steps", delete(WaiverDecision).where(col(WaiverDecision.waiver_id).in_(waiver_ids))),
        ("waivers", delete(Waiver).where(Waiver.workspace_id == workspace_id)),
        ("decisions", delete(Decision).where(col(Decision.idea_id).in_(idea_ids))),
        ("experiments", delete(Experiment).where(col(Experiment.idea_id).in_(idea_ids))),
        ("check-ins", delete(ExperimentCheckin).where(col(ExperimentCheckin.idea_id).in_(idea_ids))),
        ("comments", delete(Comment).where(col(Comment.idea_id).in_(idea_ids))),
        ("supports", delete(Support).where(col(Support.idea_id).in_(idea_ids))),
        ("reminders", delete(NudgeSent).where(col(NudgeSent.idea_id).in_(idea_ids))),
        ("snoozes", delete(Snooze).where(col(Snooze.idea_id).in_(idea_ids))),
        ("vectors", delete(TextVector).where(col(TextVector.key).in_(idea_keys + challenge_keys))),
        ("ideas", delete(Idea).where(Idea.workspace_id == workspace_id)),
        ("challenges", delete(Challenge).where(Challenge.workspace_id == workspace_id)),
        ("joins", delete(JoinRequest).where(JoinRequest.workspace_id == workspace_id)),
        ("outbox", delete(OutboxMessage).where(OutboxMessage.workspace_id == workspace_id)),
        ("digests", delete(DigestRun).where(DigestRun.workspace_id == workspace_id)),
        ("people", delete(SlackUser).where(SlackUser.workspace_id == workspace_id)),
        ("setting_changes", delete(SettingChange).where(SettingChange.workspace_id == workspace_id)),
        ("reviewer_mappings", delete(ReviewerMapping).where(ReviewerMapping.workspace_id == workspace_id)),
        ("workspace", delete(Workspace).where(Workspace.id == workspace_id)),
    ):
        counts[name] = int(session.exec(statement).rowcount or 0)  # type: ignore[call-overload]
    return counts


def note_member(session: Session, user_id: str, workspace_id: str) -> None:
    """Remember which workspace a person acts from, so that Slack is asked about them with its token."""
    row = slack_user_row(session, user_id)
    if row.workspace_id != workspace_id:
        row.workspace_id = workspace_id
